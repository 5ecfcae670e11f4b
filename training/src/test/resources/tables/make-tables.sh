#!/usr/bin/env bash
# Rebuilds the golden factor tables the training tests read: the first four images of each class of
# samples/cifar10 (40 images), compressed by the real compress job at ratio 0.3 with every codec, and once
# with MMPS at int8. Run from the repository root: training/src/test/resources/tables/make-tables.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../../.." && pwd)"
here="$root/training/src/test/resources/tables"
input="$root/target/golden-training-in"
rm -rf "$input"
for class in "$root"/samples/cifar10/*/; do
  name="$(basename "$class")"
  mkdir -p "$input/$name"
  cp "$class"000[0-3].jpg "$input/$name/"
done
make() {  # make NAME ARGS...
  local name="$1"; shift
  rm -rf "$here/$name"
  "$root/bin/mmps" compress --input "$input" --output "$here/$name" --ratio 0.3 --local-cores 1 "$@"
  find "$here/$name" \( -name '*.crc' -o -name _SUCCESS \) -delete   # Hadoop's checksums: not part of the table
}
make mmps-fp32 --codec mmps
make mmps-int8 --codec mmps --precision int8
make mps-fp32 --codec mps
make svd-fp32 --codec svd
make cp-fp32 --codec cp
make tucker-fp32 --codec tucker
