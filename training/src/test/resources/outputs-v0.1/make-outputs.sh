#!/usr/bin/env bash
# Rebuilds the outputs of a training run that the tests load as written by an earlier release: an
# evaluation grid (evaluation.json and .md) with its teacher (classifier.json and the parameter file)
# and one table's corrections (corrections.json and .parquet), made by 'bin/mmps evaluate' on the
# golden tables' 40 images (../tables/make-tables.sh) and tested on samples/cifar10. The current files
# were made at commit b1120ea, the last one that wrote these files with Gson. Run from the repository
# root: training/src/test/resources/outputs-v0.1/make-outputs.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../../.." && pwd)"
here="$root/training/src/test/resources/outputs-v0.1"
work="$root/target/outputs-v0.1"
rm -rf "$work"
mkdir -p "$work/tables"
for class in "$root"/samples/cifar10/*/; do
  mkdir -p "$work/train/$(basename "$class")"
  cp "$class"000[0-3].jpg "$work/train/$(basename "$class")/"
done
cp -r "$root/training/src/test/resources/tables/mmps-fp32" "$work/tables/mmps-0.3"
# Relative paths, as a user would write them; the tests compare them as text, never open them.
cd "$root"
"$root/bin/mmps" evaluate --config "$here/grid.conf"
rm -rf "$here/run"
cp -r "$work/out" "$here/run"
