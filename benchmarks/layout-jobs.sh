#!/usr/bin/env bash
# Whole compress jobs with the automatic layout against the fixed default (block order, five cores,
# forced with --order block) on local[2], two stages: CIFAR-10's 10,000 test JPEGs, the 800 ImageNet
# photographs at --size 224x224, and Fashion-MNIST's 70,000 IDX images. Prints a Markdown table: the
# layout the search chose, mean PSNR with it and with the default, the search's time and the job's.
#
#   benchmarks/layout-jobs.sh [ratios...]      (default 0.3 0.5)
#
# Extracts ../shared/datasets into target/datasets on first use; Fashion-MNIST comes from the Debian
# package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). Outputs go to target/bench-out/layout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ratios=("$@")
[ ${#ratios[@]} -gt 0 ] || ratios=(0.3 0.5)
scripts/extract-datasets.sh >&2
out="target/bench-out/layout"
mkdir -p "$out"

job() { # dir input ratio extra...
  local dir="$1" input="$2" ratio="$3"
  shift 3
  rm -rf "$dir"
  bin/mmps compress --input "$input" --output "$dir" --ratio "$ratio" --local-cores 2 "$@" > "$dir.log" 2>&1
}

row() { # name input extra...
  local name="$1" input="$2"
  shift 2
  for ratio in "${ratios[@]}"; do
    job "$out/$name-$ratio-auto" "$input" "$ratio" "$@"
    job "$out/$name-$ratio-default" "$input" "$ratio" --order block "$@"
    python3 - "$out/$name-$ratio-auto/manifest.json" "$out/$name-$ratio-default/manifest.json" "$name" "$ratio" <<'PY'
import json, sys
auto, default = (json.load(open(p)) for p in sys.argv[1:3])
search = auto["compression"]["layout_search"]
print(f"| {sys.argv[3]} | {sys.argv[4]} | `{search['chosen']}` | {auto['stats']['mean_psnr_db']:.2f} "
      f"({auto['stats']['mean_ratio']:.4f}) | {default['stats']['mean_psnr_db']:.2f} "
      f"({default['stats']['mean_ratio']:.4f}) | {search['seconds']:.2f} | {auto['timing']['seconds']:.1f} | "
      f"{default['timing']['seconds']:.1f} |")
PY
  done
}

echo "| data | ratio | chosen layout | auto: mean PSNR dB (ratio) | default: mean PSNR dB (ratio) | search s | auto job s | default job s |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
row cifar10-test target/datasets/cifar10/test
row imagenet-224 target/datasets/imagenet-sample --size 224x224
row fashion-mnist /usr/share/datasets/fashion-mnist
