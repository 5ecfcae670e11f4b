#!/usr/bin/env bash
# Extracts the shared real datasets (../shared/datasets) into target/datasets, once:
#   target/datasets/cifar10/{train,test}/<class>/NNNN.jpg   CIFAR-10 as JPEG
#   target/datasets/imagenet-sample/<wnid>/<file>.JPEG      800 ImageNet photographs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${MMPS_SHARED_DATASETS:-$root/../shared/datasets}"
target="$root/target/datasets"
mkdir -p "$target"
if [[ ! -d "$target/cifar10/train" ]]; then
  [[ -f "$shared/cifar10-jpg.tar.gz" ]] || { echo "missing $shared/cifar10-jpg.tar.gz" >&2; exit 1; }
  mkdir -p "$target/cifar10"
  tar -xzf "$shared/cifar10-jpg.tar.gz" -C "$target/cifar10"
  echo "extracted CIFAR-10 into $target/cifar10" >&2
fi
if [[ ! -d "$target/imagenet-sample" ]]; then
  [[ -f "$shared/imagenet-sample.tar" ]] || { echo "missing $shared/imagenet-sample.tar" >&2; exit 1; }
  tar -xf "$shared/imagenet-sample.tar" -C "$target"
  echo "extracted the ImageNet sample into $target/imagenet-sample" >&2
fi
