#!/usr/bin/env bash
# An ImageNet-shaped input on local[2]: CLASSES class folders of PER_CLASS files each (default 1,000 x 1,281,
# ImageNet's 1,281,167 training images rounded), hard links to CIFAR-10's 50,000 training JPEGs, one file in
# a hundred replaced by a broken one. Three runs of bin/mmps compress at ratio 0.3: the full run, an
# incremental run with nothing new, and an incremental run after 1% new files. Prints a Markdown table of
# listing and job time, wall and CPU time and the driver heap after collection (the largest heap left by a
# GC, from -Xlog:gc; in local mode the driver also runs the tasks) per run, then the table's rows and error
# rows against the files, its part files and row groups.
#
#   benchmarks/imagenet-scale.sh                          1,281,000 inputs (about 6 minutes of compression)
#   CLASSES=1000 PER_CLASS=50 benchmarks/imagenet-scale.sh   50,000 inputs in the same shape, to compare
#
# The tree goes to target/bench-data, the outputs and logs to target/bench-out/imagenet-scale. A rerun
# builds nothing it already has and repeats the three runs. Needs scripts/extract-datasets.sh's CIFAR-10, GNU
# time (/usr/bin/time) and pyarrow from pip, in a venv under target/ made on first use, to read the footers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
classes="${CLASSES:-1000}"
per_class="${PER_CLASS:-1281}"
name="${classes}x${per_class}"
tree="target/bench-data/imagenet-shaped-$name"
out="target/bench-out/imagenet-scale/$name"
scripts/extract-datasets.sh >&2
mkdir -p "$out"

# The tree: hard links in class folders n00000000..., every hundredth file (position 37 of each hundred) a
# broken one (text named .jpg, so every decoder refuses it).
python3 - "$root/target/datasets/cifar10/train" "$tree" "$classes" "$per_class" <<'PY'
import os, sys
source, tree, classes, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
marker = os.path.join(tree, ".complete")
if os.path.exists(marker):
    sys.exit(0)
jpegs = sorted(os.path.join(d, f) for d, _, files in os.walk(source) for f in files if f.endswith(".jpg"))
broken = os.path.join(os.path.dirname(tree), "broken.jpg")
os.makedirs(os.path.dirname(tree), exist_ok=True)
with open(broken, "w") as f:
    f.write("not an image\n")
n = 0
for c in range(classes):
    folder = os.path.join(tree, "n%08d" % c)
    os.makedirs(folder, exist_ok=True)
    for i in range(per_class):
        target = os.path.join(folder, "%08d_%05d.jpg" % (c, i))
        if not os.path.exists(target):
            os.link(broken if n % 100 == 37 else jpegs[n % len(jpegs)], target)
        n += 1
open(marker, "w").close()
print(f"built {tree}: {n} files, {sum(1 for k in range(n) if k % 100 == 37)} broken", file=sys.stderr)
PY

if ! target/pyenv/bin/python -c 'import pyarrow' 2>/dev/null; then
  python3 -m venv target/pyenv >&2
  target/pyenv/bin/pip install -q pyarrow >&2
fi

add_new_files() { # one in a hundred more, spread over the classes, named new_*.jpg
  python3 - "$root/target/datasets/cifar10/train" "$tree" "$classes" "$per_class" <<'PY'
import os, sys
source, tree, classes, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
jpegs = sorted(os.path.join(d, f) for d, _, files in os.walk(source) for f in files if f.endswith(".jpg"))
total = classes * per_class // 100
for k in range(total):
    target = os.path.join(tree, "n%08d" % (k % classes), "new_%07d.jpg" % k)
    if not os.path.exists(target):
        os.link(jpegs[(7 * k + 3) % len(jpegs)], target)
PY
}
remove_new_files() {
  find "$tree" -name 'new_*.jpg' -delete
}

run() { # label, extra args...
  local label="$1"
  shift
  sync
  MMPS_JAVA_OPTS="${MMPS_JAVA_OPTS:-} -Xlog:gc:file=$out/$label.gc.log" /usr/bin/time -f "%e %U %S" -o "$out/$label.time" \
    bin/mmps compress --input "$tree" --output "$out/table" --ratio 0.3 --local-cores 2 "$@" > "$out/$label.log" 2>&1 \
    || { tail -30 "$out/$label.log" >&2; exit 1; }
}

remove_new_files
run full --overwrite
run nothing-new --incremental
add_new_files
run one-percent-new --incremental
remove_new_files

target/pyenv/bin/python - "$out" "$tree" "$classes" "$per_class" <<'PY'
import json, os, re, subprocess, sys
import pyarrow.parquet as pq
out, tree, classes, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
files = classes * per_class
broken = sum(1 for k in range(files) if k % 100 == 37)
print(f"\n{files:,} inputs ({classes:,} folders of {per_class:,}), {broken:,} broken; then {files // 100:,} new\n")
print("| run | listed in s | job s | wall s | CPU s | driver heap after GC, peak MB |")
print("|---|---:|---:|---:|---:|---:|")
for label in ("full", "nothing-new", "one-percent-new"):
    log = open(os.path.join(out, label + ".log")).read()
    listed = re.search(r"\(listed in ([0-9.]+) s\)", log)
    job = (re.search(r"Compressed and wrote the factor table in ([0-9.]+) s", log)
           or re.search(r"nothing written \(([0-9.]+) s\)", log))
    wall, user, system = map(float, open(os.path.join(out, label + ".time")).read().split()[-3:])
    heaps = [int(m.group(1)) for line in open(os.path.join(out, label + ".gc.log"))
             for m in [re.search(r"\d+M->(\d+)M\(\d+M\)", line)] if m]
    heap = max(heaps) if heaps else "- (no collection)"
    print(f"| {label} | {listed.group(1) if listed else '-'} | {job.group(1) if job else '-'} | {wall:.1f} | "
          f"{user + system:.1f} | {heap} |")
summary = json.loads(subprocess.run(["bin/mmps", "inspect", "--json", os.path.join(out, "table")],
                                    capture_output=True, text=True, check=True).stdout)
print(f"\nafter the three runs: {summary['factor_rows']:,} factor rows, {summary['error_rows']:,} error rows, "
      f"{summary['inputs']:,} inputs; expected {files - broken + files // 100:,} and {broken:,}")
for part in ("factors", "errors"):
    paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(out, "table", part))
                   for f in fs if f.endswith(".parquet"))
    sizes = [os.path.getsize(p) for p in paths]
    groups = [pq.ParquetFile(p).metadata.num_row_groups for p in paths]
    rows = [pq.ParquetFile(p).metadata.num_rows for p in paths]
    if paths:
        print(f"{part}: {len(paths):,} files, {sum(sizes) / 2**20:,.1f} MB, {min(sizes) / 2**20:.2f}-"
              f"{max(sizes) / 2**20:.2f} MB a file, {sum(groups):,} row groups, {min(rows):,}-{max(rows):,} rows "
              f"a file")
PY
