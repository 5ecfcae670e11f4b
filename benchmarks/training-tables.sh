#!/usr/bin/env bash
# The data of the training benchmarks (BENCHMARKS.md, "Training on compressed data"): class-balanced
# training subsets of CIFAR-10 and Fashion-MNIST, and their factor tables, one per codec and ratio, made
# by the real compress job (target/bench-out/training/<data>-<per class>-<codec>-<ratio>). Then run
# bin/mmps evaluate with benchmarks/evaluation-*.conf.
#
#   benchmarks/training-tables.sh [cifar|fashion|all]      PER_CLASS (default 1000) images of each class
#   benchmarks/training-tables.sh cifar-subsets            K-Center subsets of the CIFAR-10 subset made by
#                                                          bin/mmps select (Spark), GROUP_IMAGES per group
#
# CIFAR-10 comes from ../shared/datasets (scripts/extract-datasets.sh); Fashion-MNIST from the Debian
# package dataset-fashion-mnist (apt-get install dataset-fashion-mnist).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
which="${1:-all}"
per_class="${PER_CLASS:-1000}"
codecs=(${CODECS:-mmps mps svd cp})
ratios=(${RATIOS:-0.3 0.5 0.7})
out="target/bench-out/training"
mkdir -p "$out"

compress_all() { # name input extra-args...
  local name="$1" input="$2"
  shift 2
  for codec in "${codecs[@]}"; do
    for ratio in "${ratios[@]}"; do
      local dir="$out/$name-$codec-$ratio"
      [[ -f "$dir/manifest.json" ]] && continue
      bin/mmps compress --input "$input" --output "$dir" --codec "$codec" --ratio "$ratio" --local-cores 2 \
        --overwrite "$@" > "$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
      grep -E "^  (time|ratio|PSNR)" "$dir.log" | sed "s|^|$name $codec $ratio: |" >&2
    done
  done
}

if [[ "$which" == cifar || "$which" == all ]]; then
  scripts/extract-datasets.sh >&2
  train="$out/cifar10-train-$per_class"
  if [[ ! -d "$train" ]]; then  # the first PER_CLASS images of each class, as symbolic links
    for class in target/datasets/cifar10/train/*/; do
      name="$(basename "$class")"
      mkdir -p "$train/$name"
      (cd "$class" && ls | LC_ALL=C sort | sed -n "1,${per_class}p") | while read -r f; do
        ln -s "$root/$class$f" "$train/$name/$f"
      done
    done
  fi
  compress_all "cifar10-$per_class" "$train"
fi

if [[ "$which" == fashion || "$which" == all ]]; then
  source="${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
  [[ -f "$source/train-images-idx3-ubyte.gz" ]] || { echo "missing $source: apt-get install dataset-fashion-mnist" >&2; exit 1; }
  train="$out/fashion-train-$per_class"
  if [[ ! -f "$train/train-images-idx3-ubyte.gz" ]]; then  # the first PER_CLASS images of each class
    mkdir -p "$train"
    python3 - "$source" "$train" "$per_class" <<'PY'
import gzip, struct, sys
source, target, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3])
images = gzip.open(f"{source}/train-images-idx3-ubyte.gz").read()
labels = gzip.open(f"{source}/train-labels-idx1-ubyte.gz").read()
count, rows, cols = struct.unpack(">III", images[4:16])
size = rows * cols
kept, seen = [], {}
for i in range(count):
    label = labels[8 + i]
    if seen.get(label, 0) < per_class:
        seen[label] = seen.get(label, 0) + 1
        kept.append(i)
with gzip.open(f"{target}/train-images-idx3-ubyte.gz", "wb") as f:
    f.write(struct.pack(">IIII", 0x803, len(kept), rows, cols))
    for i in kept:
        f.write(images[16 + i * size:16 + (i + 1) * size])
with gzip.open(f"{target}/train-labels-idx1-ubyte.gz", "wb") as f:
    f.write(struct.pack(">II", 0x801, len(kept)))
    f.write(bytes(labels[8 + i] for i in kept))
PY
  fi
  # Row order suits 28x28 grayscale images (README, BENCHMARKS.md "Choosing the layout").
  compress_all "fashion-$per_class" "$train/train-images-idx3-ubyte.gz" --order row
fi

if [[ "$which" == cifar-subsets ]]; then  # after 'cifar': the subsets evaluation.subsets points at
  group="${GROUP_IMAGES:-10000}"
  for ratio in "${ratios[@]}"; do
    for seed in ${SEEDS:-1 2 3}; do
      dir="$out/cifar10-$per_class-g$group-kcenter-$ratio-$seed"
      [[ -f "$dir/manifest.json" ]] && continue
      bin/mmps select --input "$out/cifar10-train-$per_class" --output "$dir" --method kcenter --ratio "$ratio" \
        --seed "$seed" --group-images "$group" --local-cores 2 --overwrite > "$dir.log" 2>&1 \
        || { cat "$dir.log" >&2; exit 1; }
      grep -E "^  (time|subset|radius)" "$dir.log" | sed "s|^|g$group $ratio seed $seed: |" >&2
    done
  done
fi
