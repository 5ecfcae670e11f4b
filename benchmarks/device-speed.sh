#!/usr/bin/env bash
# Images/s of the Dataset rebuilding a factor table and of training on the rebuilt batches, on the CPU and on
# the GPU, in one command (BENCHMARKS.md, "The training stage on a GPU"). Each device runs
#   bin/mmps dataset-speed --device D --rounds 3 --train-epochs EPOCHS --architecture ARCH
# with MMPS_DEVICE=D, so the GPU run loads the CUDA build of libtorch (README, "Training on a GPU"), and its
# figures land in target/bench-out/device-speed-<D>-<ARCH>.txt.
#
#   benchmarks/device-speed.sh                both devices when nvidia-smi lists a GPU, else the CPU only
#   benchmarks/device-speed.sh cpu|gpu|both
#
# TABLE and ORIGINALS default to CIFAR-10's first 1,000 images a class and their ratio-0.3 MMPS table, made
# here by benchmarks/training-tables.sh when missing; EPOCHS (default 2) timed epochs after one of warm-up;
# ARCH (default convnet; resnet18 is the paper's network, about 26 images/s on two CPU cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
which="${1:-}"
if [[ -z "$which" ]]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then which=both; else which=cpu; fi
fi
case "$which" in
  cpu) devices=(cpu) ;;
  gpu) devices=(gpu) ;;
  both) devices=(cpu gpu) ;;
  *) echo "device-speed.sh: '$which' is not cpu, gpu or both" >&2; exit 2 ;;
esac
table="${TABLE:-target/bench-out/training/cifar10-1000-mmps-0.3}"
originals="${ORIGINALS:-target/bench-out/training/cifar10-train-1000}"
epochs="${EPOCHS:-2}"
arch="${ARCH:-convnet}"
if [[ -z "${TABLE:-}" && ! -f "$table/manifest.json" ]]; then
  CODECS=mmps RATIOS=0.3 PER_CLASS=1000 benchmarks/training-tables.sh cifar
fi
mkdir -p target/bench-out
for device in "${devices[@]}"; do
  out="target/bench-out/device-speed-$device-$arch.txt"
  MMPS_DEVICE="$device" bin/mmps dataset-speed --device "$device" --table "$table" --originals "$originals" \
    --rounds 3 --train-epochs "$epochs" --architecture "$arch" | tee "$out"
done
for device in "${devices[@]}"; do
  echo "== $device: $(grep -m1 '^mmps dataset-speed' "target/bench-out/device-speed-$device-$arch.txt")"
  grep -E '^\| (rebuild every batch|train )' "target/bench-out/device-speed-$device-$arch.txt"
done
