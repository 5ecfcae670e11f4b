#!/usr/bin/env bash
# Whole-job measurements on a Spark standalone cluster started on this machine (master and workers
# as separate processes, jobs submitted with SparkSubmit) and in local mode: scaling from one worker
# to two, the cost of a worker killed mid-job, an incremental re-run with nothing new, and the
# driver's heap for 10,000 and 50,000 images. Prints Markdown tables (dev.mmps.cluster.ClusterBenchmark).
#
#   benchmarks/cluster-jobs.sh
#   benchmarks/cluster-jobs.sh --driver-heap FOLDER...   only two workers, full and nothing new, per folder
#                                                         (the trees of benchmarks/imagenet-scale.sh)
#
# Extracts ../shared/datasets into target/datasets on first use. Outputs go to target/bench-out/cluster.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/extract-datasets.sh >&2
mvn -B -ntp -q -Pcluster -DskipTests package >&2
mapfile -t jvm_options < <(grep -v '^\s*#' conf/jvm.options | grep -v '^\s*$')
export SPARK_LOCAL_IP=127.0.0.1
# The benchmark reads its runs' manifests with the job's own reader: the shaded jar and Spark's jars.
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(target/datasets/imagenet-sample target/datasets/cifar10/train)
exec java "${jvm_options[@]}" -cp "spark-cluster/target/classes:spark-jobs/target/mmps.jar:$(cat spark-cluster/target/spark-jars.txt)" \
  dev.mmps.cluster.ClusterBenchmark \
  "${args[@]}"
