#!/usr/bin/env bash
# Measures the Go worker against the Java worker and writes docs/benchmarks.md:
# starts Apache Kafka with scripts/kafka.sh unless it already runs (and stops it
# again afterwards in that case), then runs scripts/bench/compare with the
# arguments given (-quick for a smoke run, -h for the flags).
set -euo pipefail
cd "$(dirname "$0")/../.."

started=""
if ! scripts/kafka.sh status >/dev/null 2>&1; then
  scripts/kafka.sh start
  started=yes
fi
stop_kafka() { if [[ -n $started ]]; then scripts/kafka.sh stop; fi; }
trap stop_kafka EXIT

BENCH_COMMAND="scripts/bench/run.sh${*:+ $*}" go run ./scripts/bench/compare "$@"
