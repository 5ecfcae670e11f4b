#!/usr/bin/env bash
# The pipeline stage against `mmps compress`, and format("mmps") scans (BENCHMARKS.md, "Spark-native
# surfaces"), in one local[2] JVM: dev.mmps.bench.SparkSurfacesBenchmark.
#
#   benchmarks/spark-surfaces.sh [INPUT (target/datasets/cifar10/train)] [ROUNDS (2)]
exec "$(dirname "${BASH_SOURCE[0]}")/spark-benchmark.sh" SparkSurfacesBenchmark "$@"
