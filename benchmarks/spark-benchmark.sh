#!/usr/bin/env bash
# Runs one of the Spark benchmark programs of dev.mmps.bench in a local JVM with the job's own classpath and
# JVM options, building the jars first when they are missing. Used by the benchmark scripts beside it:
#
#   benchmarks/spark-benchmark.sh CLASS [ARGS...]      e.g. DeltaBenchmark target/datasets/cifar10/train 2
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
main="$1"
shift
scripts/extract-datasets.sh >&2
[[ -f spark-jobs/target/mmps.jar && -d benchmarks/target/classes ]] || mvn -q -B -ntp -DskipTests -Pbench -pl benchmarks -am package >&2
mapfile -t jvm_options < <(grep -v '^\s*#' conf/jvm.options | grep -v '^\s*$')
OPENBLAS_NUM_THREADS=1 exec java "${jvm_options[@]}" -Xmx8g -Dlog4j.configurationFile="$root/conf/log4j2.properties" \
  -cp "benchmarks/target/classes:spark-jobs/target/mmps.jar:$(cat spark-jobs/target/spark-classpath.txt)" \
  "dev.mmps.bench.$main" "$@"
