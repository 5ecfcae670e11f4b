#!/usr/bin/env bash
# A class data sharing archive for bin/mmps's Spark commands: the classes a compress run loads (Spark,
# Parquet, Hadoop, mmps), parsed and verified once and mapped into every later JVM
# (-XX:SharedArchiveFile), which saves about a quarter of the CPU of a short job (BENCHMARKS.md, "Where
# the job's time goes, per image"). On Java 25 and later it is an ahead-of-time cache instead
# (-XX:AOTCache, JEPs 483 and 515: the classes loaded and linked, and the methods' profiles), which saves
# more ("Start-up: the class archive"). One archive per build of the jar and per JVM, made by a compress run
# on the bundled sample; bin/mmps makes it after building the jar on first use and uses it when it matches.
# A missing archive (after a rebuild with Maven, say) only means a slower start: run this script again.
#
#   scripts/class-archive.sh           makes the archive for the current jar and JVM (under a minute, once)
#   scripts/class-archive.sh --path    prints where that archive is, whether or not it exists
#
# The archive goes to target/class-archive/ (about 170-200 MB each; the older ones of the same JVM are removed):
# mmps-<jvm>-<key>.jsa, or mmps-<jvm>-<key>.aot on Java 25 and later. The JVM is bin/mmps's: $JAVA_HOME/bin/java
# when JAVA_HOME is set, else java on the PATH.
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
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jvm="$(readlink -f "$(command -v "$java")" | sha256sum | cut -c1-8)"
key="$({ stat -c '%s %Y' "$jar"; cat "$classpath" "$root/conf/jvm.options"; } | sha256sum | cut -c1-16)"
major="$("$java" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}')"
if [[ "$major" =~ ^[0-9]+$ && "$major" -ge 25 ]]; then
  kind=aot
  record="-XX:AOTCacheOutput"
else
  kind=jsa
  record="-XX:ArchiveClassesAtExit"
fi
archive="$folder/mmps-$jvm-$key.$kind"
if [[ "${1:-}" == --path ]]; then
  echo "$archive"
  exit 0
fi

mkdir -p "$folder"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
echo "mmps: recording the classes of a run on the bundled sample, for faster start-up (once per build)..." >&2
if ! MMPS_CLASS_ARCHIVE=off MMPS_JAVA_OPTS="${MMPS_JAVA_OPTS:-} $record=$scratch/mmps.$kind" \
    "$root/bin/mmps" compress --input "$root/samples/cifar10" --output "$scratch/out" > "$scratch/log" 2>&1 \
    || [[ ! -f "$scratch/mmps.$kind" ]]; then
  echo "mmps: could not record the class archive (jobs start the usual way); the run's last lines:" >&2
  tail -n 5 "$scratch/log" >&2
  exit 1
fi
# Older archives of this JVM go, and those named before archives were kept per JVM (mmps-<key> alone).
find "$folder" \( -name "mmps-$jvm-*.jsa" -o -name "mmps-$jvm-*.aot" -o -name 'mmps-????????????????.jsa' \
  -o -name 'mmps-????????????????.aot' \) ! -path "$archive" -delete
mv "$scratch/mmps.$kind" "$archive"
echo "mmps: class archive $archive" >&2
