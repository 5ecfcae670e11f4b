#!/usr/bin/env bash
# Whole-job benchmark of `mmps compress` on local[2]: CIFAR-10's training set (50,000 JPEGs) and the
# 800 ImageNet photographs at --size 224x224, at ratios 0.3, 0.5 and 0.7 with two stages. Prints a
# Markdown table: wall time, images/s, CPU time (user and system) per input, mean PSNR, stored bytes against
# input bytes, peak memory (resident set of the one JVM that is driver and executor in local mode).
#
#   benchmarks/compress-jobs.sh [cifar|imagenet|photographs|all] [ratios...]
#
# `photographs` is the 800 photographs hard-linked COPIES times (default 4, 3,200 inputs) into the same class
# folders (target/bench-data/imagenet-xCOPIES), so that start-up and warm-up do not dominate the CPU per input.
#
# Extracts ../shared/datasets into target/datasets on first use. Outputs go to target/bench-out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
which="${1:-all}"
shift || true
ratios=("$@")
[ ${#ratios[@]} -gt 0 ] || ratios=(0.3 0.5 0.7)
copies="${COPIES:-4}"
if ! [[ "$copies" =~ ^[1-9][0-9]*$ ]]; then
  echo "compress-jobs.sh: COPIES=$copies is not a positive whole number; pass e.g. COPIES=16" >&2
  exit 2
fi

scripts/extract-datasets.sh >&2
out="target/bench-out"
mkdir -p "$out"

run() { # name input extra-args...
  local name="$1" input="$2"
  shift 2
  for ratio in "${ratios[@]}"; do
    local dir="$out/$name-$ratio"
    rm -rf "$dir"
    /usr/bin/time -f "%e %M %U %S" -o "$out/time.txt" bin/mmps compress --input "$input" --output "$dir" \
      --ratio "$ratio" --stages 2 --local-cores 2 "$@" > "$out/$name-$ratio.log" 2>&1
    read -r wall rss_kb user_s sys_s < "$out/time.txt"
    python3 - "$dir/manifest.json" "$name" "$ratio" "$wall" "$rss_kb" "$user_s" "$sys_s" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
name, ratio, wall, rss = sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
cpu = float(sys.argv[6]) + float(sys.argv[7])
c, t, s = m["counts"], m["totals"], m["stats"]
print(f"| {name} | {ratio} | {c['images']:,} | {c['failed']} | {wall:.1f} | {c['inputs']/wall:,.0f} | "
      f"{cpu:.1f} | {1000 * cpu / c['inputs']:.2f} | "
      f"{s['mean_ratio']:.4f} | {s['mean_psnr_db']:.2f} | {t['stored_bytes']/2**20:,.1f} | "
      f"{t['input_bytes']/2**20:,.1f} | {t['stored_bytes']/t['input_bytes']:.2f} | {rss/1024:,.0f} |")
PY
  done
}

echo "| data | ratio | images | failed | wall s | images/s | CPU s | CPU ms per input | mean ratio | mean PSNR dB | stored MB | input MB | stored/input | peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
if [[ "$which" == cifar || "$which" == all ]]; then
  run cifar10-train target/datasets/cifar10/train
fi
if [[ "$which" == imagenet || "$which" == all ]]; then
  run imagenet-224 target/datasets/imagenet-sample --size 224x224
fi
if [[ "$which" == photographs || "$which" == all ]]; then
  tree="target/bench-data/imagenet-x$copies"
  if [[ ! -e "$tree/.complete" ]]; then
    for class in target/datasets/imagenet-sample/*/; do
      folder="$tree/$(basename "$class")"
      mkdir -p "$folder"
      for f in "$class"*; do
        for ((k = 1; k <= copies; k++)); do
          ln -f "$f" "$folder/copy$k-$(basename "$f")"
        done
      done
    done
    touch "$tree/.complete"
  fi
  run "imagenet-224-x$copies" "$tree" --size 224x224
fi
