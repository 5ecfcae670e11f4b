#!/usr/bin/env bash
# Outputs of Delta tables against Parquet outputs (BENCHMARKS.md, "Delta tables against Parquet"): a full
# compress run and an incremental run with 1% new images, each format, in one local[2] JVM:
# dev.mmps.bench.DeltaBenchmark.
#
#   benchmarks/delta-tables.sh [INPUT (target/datasets/cifar10/train)] [ROUNDS (2)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/extract-datasets.sh >&2
[[ -f spark-jobs/target/mmps.jar && -d benchmarks/target/classes ]] || mvn -q -B -ntp -DskipTests -Pbench -pl benchmarks -am package >&2
mapfile -t jvm_options < <(grep -v '^\s*#' conf/jvm.options | grep -v '^\s*$')
OPENBLAS_NUM_THREADS=1 exec java "${jvm_options[@]}" -Xmx8g -Dlog4j.configurationFile="$root/conf/log4j2.properties" \
  -cp "benchmarks/target/classes:spark-jobs/target/mmps.jar:$(cat spark-jobs/target/spark-classpath.txt)" \
  dev.mmps.bench.DeltaBenchmark "$@"
