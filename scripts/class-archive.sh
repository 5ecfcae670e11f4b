#!/usr/bin/env bash
# A class data sharing archive for bin/mmps's Spark commands: the classes a compress run loads (Spark,
# Parquet, Hadoop, mmps), parsed and verified once and mapped into every later JVM
# (-XX:SharedArchiveFile), which saves about a quarter of the CPU of a short job (BENCHMARKS.md, "Where
# the job's time goes, per image"). One archive per build of the jar and per JVM, made by a compress run on
# the bundled sample; bin/mmps makes it after building the jar on first use and uses it when it matches.
# A missing archive (after a rebuild with Maven, say) only means a slower start: run this script again.
#
#   scripts/class-archive.sh           makes the archive for the current jar and JVM (under a minute, once)
#   scripts/class-archive.sh --path    prints where that archive is, whether or not it exists
#
# The archive goes to target/class-archive/ (about 170 MB; older ones are removed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/spark-jobs/target/mmps.jar"
classpath="$root/spark-jobs/target/spark-classpath.txt"
folder="$root/target/class-archive"
if [[ $# -gt 1 || ( $# -eq 1 && "$1" != --path ) ]]; then
  echo "mmps: class-archive.sh takes no argument or --path, not '$*'; see the comment at the top of $0" >&2
  exit 2
fi
if [[ ! -f "$jar" || ! -f "$classpath" ]]; then
  [[ "${1:-}" == --path ]] && { echo "$folder/none.jsa"; exit 0; }
  echo "mmps: $jar is not built yet; run bin/mmps once (it builds the jar) or mvn -pl spark-jobs -am package" >&2
  exit 2
fi
# The JVM refuses an archive made with other jars or another JVM; the name says which it was made with.
key="$({ readlink -f "$(command -v java)"; stat -c '%s %Y' "$jar"; cat "$classpath" "$root/conf/jvm.options"; } \
  | sha256sum | cut -c1-16)"
archive="$folder/mmps-$key.jsa"
if [[ "${1:-}" == --path ]]; then
  echo "$archive"
  exit 0
fi

mkdir -p "$folder"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
echo "mmps: recording the classes of a run on the bundled sample, for faster start-up (once per build)..." >&2
if ! MMPS_CLASS_ARCHIVE=off MMPS_JAVA_OPTS="${MMPS_JAVA_OPTS:-} -XX:ArchiveClassesAtExit=$scratch/mmps.jsa" \
    "$root/bin/mmps" compress --input "$root/samples/cifar10" --output "$scratch/out" > "$scratch/log" 2>&1 \
    || [[ ! -f "$scratch/mmps.jsa" ]]; then
  echo "mmps: could not record the class archive (jobs start the usual way); the run's last lines:" >&2
  tail -n 5 "$scratch/log" >&2
  exit 1
fi
find "$folder" -name 'mmps-*.jsa' ! -name "$(basename "$archive")" -delete
mv "$scratch/mmps.jsa" "$archive"
echo "mmps: class archive $archive" >&2
