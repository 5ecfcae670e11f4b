#!/usr/bin/env bash
# Outputs of Delta tables against Parquet outputs (BENCHMARKS.md, "Delta tables against Parquet"): a full
# compress run and an incremental run with 1% new images, each format, in one local[2] JVM:
# dev.mmps.bench.DeltaBenchmark.
#
#   benchmarks/delta-tables.sh [INPUT (target/datasets/cifar10/train)] [ROUNDS (2)]
exec "$(dirname "${BASH_SOURCE[0]}")/spark-benchmark.sh" DeltaBenchmark "$@"
