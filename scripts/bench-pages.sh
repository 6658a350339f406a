#!/usr/bin/env bash
# Measures the main pages (BenchmarkPages in internal/app) and prints each
# page's time per request and its ratio to the baseline measured in the same
# run (a primary-key lookup of one customer). Usage:
#   scripts/bench-pages.sh                       # demo data, 2,000 customers
#   NEVCRM_BENCH_DB=/path/large.db scripts/bench-pages.sh   # a generated database
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(go test -run '^$' -bench 'BenchmarkPages' -benchtime "${BENCHTIME:-2s}" -count 1 -v ./internal/app/)"
echo "$out" | grep -E 'database:' | sed 's/^ *bench_test.go:[0-9]*: //' || true
echo "$out" | grep 'ns/op' | awk '
  /^BenchmarkPages\// {
    split($1, p, "/"); name = p[2]; sub(/-[0-9]+$/, "", name)
    ns[name] = $3; order[n++] = name
    if (name ~ /^baseline/) base = $3
  }
  END {
    printf "%-26s %14s %10s\n", "page", "time/request", "× baseline"
    for (i = 0; i < n; i++) {
      k = order[i]
      printf "%-26s %11.3f ms %10.1f\n", k, ns[k] / 1e6, ns[k] / base
    }
  }'
