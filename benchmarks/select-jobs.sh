#!/usr/bin/env bash
# Whole-job benchmark of `mmps select` on local[2] over CIFAR-10's training set (50,000 JPEGs):
# Random, and K-Center on 32x32x3 pixels with groups of 2,500, 5,000 and 10,000 images, at ratio 0.3.
# Prints a Markdown table: wall time, the selection pass alone, images/s, groups, covering radius.
#
#   benchmarks/select-jobs.sh [ratio] [group sizes...]
#
# Extracts ../shared/datasets into target/datasets on first use. Outputs go to target/bench-out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ratio="${1:-0.3}"
shift || true
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(2500 5000 10000)

scripts/extract-datasets.sh >&2
out="target/bench-out"
mkdir -p "$out"
input="target/datasets/cifar10/train"

run() { # name extra-args...
  local name="$1"
  shift
  local dir="$out/select-$name-$ratio"
  rm -rf "$dir"
  /usr/bin/time -f "%e %M" -o "$out/time.txt" bin/mmps select --input "$input" --output "$dir" \
    --ratio "$ratio" --local-cores 2 "$@" > "$dir.log" 2>&1
  read -r wall rss_kb < "$out/time.txt"
  python3 - "$dir/manifest.json" "$name" "$wall" "$rss_kb" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
name, wall, rss = sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
c, s, t = m["counts"], m["selection"], m["timing"]
radius = "" if s["covering_radius"] is None else f"{s['covering_radius']:.2f}"
print(f"| {name} | {c['images']:,} | {c['selected']:,} | {s['groups']} | {wall:.1f} | {t['select_seconds']:.1f} | "
      f"{c['images']/wall:,.0f} | {radius} | {rss/1024:,.0f} |")
PY
}

echo "| method | images | kept | groups | wall s | selecting s | images/s | covering radius | peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
run random --method random
for g in "${groups[@]}"; do
  run "kcenter-$g" --method kcenter --group-images "$g"
done
