#!/usr/bin/env bash
# Measures the busiest service center's day queue (BenchmarkServiceQueueBusiest
# in internal/app) at p50 and p99 beside /healthz and a primary-key lookup in
# the same run, and prints the table with the ratios. Usage:
#   scripts/bench-queue.sh                                   # demo data, 1,000 customers
#   NEVCRM_BENCH_DB=/data/copy-of-1m.db scripts/bench-queue.sh   # a COPY of a generated database (it is migrated)
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench '^BenchmarkServiceQueueBusiest$' -benchtime "${BENCHTIME:-500x}" -count 1 -timeout 60m -v ./internal/app/ |
  grep -vE '^(goos|goarch|pkg|cpu):' | sed 's/^ *bench_queue_test.go:[0-9]*: //'
