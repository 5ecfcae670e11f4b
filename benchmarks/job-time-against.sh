#!/usr/bin/env bash
# Whole-job time of this checkout against another revision, on the same machine in the same command:
# CIFAR-10's 50,000 training JPEGs (or the folder given) compressed on local[2] at ratio 0.3, the two
# builds alternating run by run so that the machine's noise falls on both. Prints each run's wall and
# CPU seconds, the medians, and this checkout's median over the other's.
#
#   benchmarks/job-time-against.sh REVISION [RUNS] [INPUT] [-- extra compress flags]
#
# The other revision is checked out and built under target/baseline-<revision> (a git worktree, removed
# again at the end). Extracts ../shared/datasets into target/datasets on first use.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
revision="${1:?give the revision to compare against, e.g. HEAD~5}"
runs="${2:-3}"
input="${3:-target/datasets/cifar10/train}"
shift $(( $# < 3 ? $# : 3 ))
[[ "${1:-}" == "--" ]] && shift
extra=("$@")

scripts/extract-datasets.sh >&2
baseline="target/baseline-$(git rev-parse --short "$revision")"
if [[ ! -d "$baseline" ]]; then
  git worktree add --detach "$baseline" "$revision" >&2
fi
trap 'git worktree remove --force "$baseline" >/dev/null 2>&1 || true' EXIT
(cd "$baseline" && mvn -q -B -ntp -DskipTests -pl spark-jobs -am package) >&2
mvn -q -B -ntp -DskipTests -pl spark-jobs -am package >&2
out="target/bench-out/against"
mkdir -p "$out"

run() { # label checkout
  local label="$1" checkout="$2" dir="$out/$1"
  rm -rf "$dir"
  /usr/bin/time -f "%e %U %S" -o "$out/time.txt" "$checkout/bin/mmps" compress --input "$input" --output "$dir" \
    --ratio 0.3 --local-cores 2 "${extra[@]}" > "$out/$label.log" 2>&1
  read -r wall user sys < "$out/time.txt"
  echo "$label $wall $(python3 -c "print($user + $sys)")"
}

{
  for ((i = 1; i <= runs; i++)); do
    run baseline "$baseline"
    run this "$root"
  done
} | tee "$out/runs.txt"
python3 - "$out/runs.txt" "$revision" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {label: (statistics.median(float(r[1]) for r in rows if r[0] == label),
               statistics.median(float(r[2]) for r in rows if r[0] == label)) for label in ("baseline", "this")}
print(f"median wall s: {sys.argv[2]} {med['baseline'][0]:.1f}, this checkout {med['this'][0]:.1f} "
      f"({med['this'][0] / med['baseline'][0]:.2f}x); CPU s: {med['baseline'][1]:.1f} and {med['this'][1]:.1f} "
      f"({med['this'][1] / med['baseline'][1]:.2f}x)")
PY
