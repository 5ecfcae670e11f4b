#!/usr/bin/env bash
# Every codec through the whole compress job on local[2], at float32 and int8: mean PSNR, real stored
# bytes per image (Parquet, zstd) and images per second. CIFAR-10's 10,000 test images; the first
# IMAGENET_IMAGES (default 100) ImageNet photographs in path order at 224x224 (CP's ALS costs seconds
# per photograph). Prints a Markdown table.
#
#   benchmarks/codec-jobs.sh [cifar|imagenet|all] [ratios...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
which="${1:-all}"
shift || true
ratios=("$@")
[ ${#ratios[@]} -gt 0 ] || ratios=(0.3 0.5 0.7)
codecs=(${CODECS:-mmps mps svd cp tucker})
precisions=(${PRECISIONS:-fp32 int8})

scripts/extract-datasets.sh >&2
out="target/bench-out/codecs"
mkdir -p "$out"

subset() { # source count target: a folder of symbolic links to the first count images, classes kept
  local source="$1" count="$2" target="$3"
  rm -rf "$target"
  (cd "$source" && find . -type f | LC_ALL=C sort | head -n "$count") | while read -r f; do
    mkdir -p "$target/$(dirname "$f")"
    ln -s "$root/$source/$f" "$target/$f"
  done
}

run() { # name input extra-args...
  local name="$1" input="$2"
  shift 2
  for codec in "${codecs[@]}"; do
    for precision in "${precisions[@]}"; do
      for ratio in "${ratios[@]}"; do
        local dir="$out/$name-$codec-$precision-$ratio"
        rm -rf "$dir"
        /usr/bin/time -f "%e" -o "$out/time.txt" bin/mmps compress --input "$input" --output "$dir" --codec "$codec" \
          --precision "$precision" --ratio "$ratio" --local-cores 2 "$@" > "$dir.log" 2>&1
        python3 - "$dir/manifest.json" "$name" "$codec" "$precision" "$ratio" "$(cat "$out/time.txt")" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
name, codec, precision, ratio, wall = sys.argv[2:6] + [float(sys.argv[6])]
c, t, s = m["counts"], m["totals"], m["stats"]
print(f"| {name} | {codec} | {precision} | {ratio} | {s['mean_ratio']:.3f} | {s['mean_psnr_db']:.2f} | "
      f"{t['stored_bytes'] / c['images']:,.0f} | {c['inputs'] / wall:,.0f} |")
PY
      done
    done
  done
}

echo "| data | codec | precision | target ratio | mean ratio | mean PSNR dB | stored bytes/image | images/s |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
if [[ "$which" == cifar || "$which" == all ]]; then
  run cifar10-test target/datasets/cifar10/test
fi
if [[ "$which" == imagenet || "$which" == all ]]; then
  subset target/datasets/imagenet-sample "${IMAGENET_IMAGES:-100}" target/datasets/imagenet-subset
  run imagenet-224 target/datasets/imagenet-subset --size 224x224
fi
