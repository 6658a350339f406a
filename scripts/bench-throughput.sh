#!/usr/bin/env bash
# Measures /healthz and the owner's dashboard (/owner/, logged in) served
# from a real listener to concurrent keep-alive clients, side by side in one
# run (BenchmarkThroughput in internal/app: each round measures one, then the
# other), and prints per round the requests per second, the CPU time of the
# process (server and clients) per request, and the /owner/ : /healthz
# ratios of both. Usage:
#   scripts/bench-throughput.sh                                         # demo data
#   NEVCRM_BENCH_DB=/tmp/medium.db ROUNDS=10 scripts/bench-throughput.sh  # a generated database
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(NEVCRM_BENCH_ROUNDS="${ROUNDS:-5}" go test -run '^$' -bench '^BenchmarkThroughput$' -benchtime "${BENCHTIME:-2s}" -count 1 -v ./internal/app/)"
echo "$out" | grep -E 'database:' | sed 's/^ *bench_test.go:[0-9]*: //' || true
echo "$out" | grep -E '^BenchmarkThroughput/round[0-9]+/[a-z-]+-[0-9]+ ' | awk '
  {
    split($1, p, "/"); name = p[3]; sub(/-[0-9]+$/, "", name)
    for (i = 2; i < NF; i++) { if ($(i+1) == "req/s") rps = $i; if ($(i+1) == "cpu-µs/req") cpu = $i }
    if (name == "healthz") { h = rps; hc = cpu; next }
    r++; ratio[r] = 100 * rps / h; cratio[r] = 100 * hc / cpu
    printf "%-7s /healthz %6.0f req/s %5.0f cpu-µs/req   /owner/ %6.0f req/s %5.0f cpu-µs/req   ratio %5.1f%% (by CPU time %5.1f%%)\n",
      p[2], h, hc, rps, cpu, ratio[r], cratio[r]
  }
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  END { if (r) printf "median over %d rounds: ratio %.1f%%, by CPU time %.1f%%\n", r, median(ratio, r), median(cratio, r) }'
