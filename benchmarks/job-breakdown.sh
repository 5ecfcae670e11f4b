#!/usr/bin/env bash
# Where one compress job's CPU time goes, per image: runs bin/mmps compress on local[2] under Java Flight
# Recorder (profile settings), reads every thread's CPU time from /proc while the JVM runs, and prints the
# CPU per image by thread group (Spark's task threads, the driver's main thread, JIT, GC, Spark's others)
# and the task threads' share by code (dev.mmps.bench.JobBreakdown).
#
#   benchmarks/job-breakdown.sh                                   CIFAR-10's 50,000 training JPEGs
#   benchmarks/job-breakdown.sh target/bench-data/imagenet-shaped-1000x1281
#   benchmarks/job-breakdown.sh INPUT -- --size 224x224            extra compress arguments after --
#
# Outputs, the recording and the thread readings go to target/bench-out/job-breakdown.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/extract-datasets.sh >&2
input="${1:-target/datasets/cifar10/train}"
shift || true
[[ "${1:-}" == "--" ]] && shift
[[ -d "$input" ]] || { echo "job-breakdown: input '$input' is not a folder; give a folder of images or IDX files" >&2; exit 2; }
out="target/bench-out/job-breakdown"
rm -rf "$out"
mkdir -p "$out"
name="$(basename "$input")"

MMPS_JAVA_OPTS="${MMPS_JAVA_OPTS:-} -XX:StartFlightRecording=filename=$out/$name.jfr,settings=profile" \
  python3 - "$out/$name-threads.tsv" bin/mmps compress --input "$input" --output "$out/$name" --local-cores 2 "$@" <<'PY'
import os, subprocess, sys, time
tsv, command = sys.argv[1], sys.argv[2:]
job = subprocess.Popen(command)
# bin/mmps execs java, so the child's pid is the JVM's. Keep each thread's largest reading (threads that end
# early keep their last one); fields 14 and 15 of /proc/PID/task/TID/stat are user and system ticks.
seen = {}
start = time.time()
while job.poll() is None:
    try:
        for tid in os.listdir(f"/proc/{job.pid}/task"):
            try:
                with open(f"/proc/{job.pid}/task/{tid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            ticks = int(fields[11]) + int(fields[12])
            if ticks >= seen.get(tid, ("", -1))[1]:
                seen[tid] = (name, ticks)
    except OSError:
        pass
    time.sleep(0.2)
wall = time.time() - start
with open(tsv, "w") as f:
    for tid, (name, ticks) in sorted(seen.items()):
        f.write(f"{tid}\t{name}\t{ticks}\n")
    f.write(f"ticks-per-second\t{os.sysconf('SC_CLK_TCK')}\n")
print(f"wall time of the command: {wall:.1f} s", file=sys.stderr)
sys.exit(job.returncode)
PY
images=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['counts']['inputs'])" "$out/$name/manifest.json")
java benchmarks/src/main/java/dev/mmps/bench/JobBreakdown.java "$out/$name.jfr" "$out/$name-threads.tsv" "$images"
