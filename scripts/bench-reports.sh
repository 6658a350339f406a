#!/usr/bin/env bash
# Measures every report tab through the report service (BenchmarkReportService
# in internal/report; PAGES=1: every report page through HTTP and templates,
# BenchmarkReports in internal/app) on a generated database, beside the
# baseline query (a customer by primary key) measured in the same run. With
# BASE=<git ref> the same benchmark is built from that ref too and the two
# trees run in turn, ROUNDS times each; the table shows each case's median
# over the rounds of p50 and p99 (ms) and the ratio of the p50s (this tree ÷
# BASE). Usage:
#   NEVCRM_BENCH_DB=/data/copy-of-1m.db scripts/bench-reports.sh
#   NEVCRM_BENCH_DB=postgres://... BASE=dd10d06 ROUNDS=3 scripts/bench-reports.sh
# NEVCRM_BENCH_FROM / NEVCRM_BENCH_TO choose the period (default
# 2026-04-01..2026-06-30). Use a COPY of a generated database: it is migrated.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NEVCRM_BENCH_DB:?set NEVCRM_BENCH_DB to a copy of a generated database}"
pkg=./internal/report bench=BenchmarkReportService
if [ "${PAGES:-}" = 1 ]; then pkg=./internal/app bench=BenchmarkReports; fi
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/base" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go test -c -o "$tmp/new.test" "$pkg"
trees=new
if [ -n "${BASE:-}" ]; then
	git worktree add --detach "$tmp/base" "$BASE" >/dev/null
	(cd "$tmp/base" && go test -c -o "$tmp/base.test" "$pkg")
	trees="base new"
fi
for r in $(seq "${ROUNDS:-1}"); do
	for t in $trees; do
		echo "round $r $t, load $(cut -d' ' -f1 /proc/loadavg)" >&2
		"$tmp/$t.test" -test.run '^$' -test.bench "^$bench\$" -test.benchtime "${BENCHTIME:-20x}" |
			awk -v t="$t" '/^Benchmark/ { name = $1; sub(/^Benchmark[A-Za-z]*\//, "", name); sub(/-[0-9]+$/, "", name); print t, name, $5, $7 }' >>"$tmp/runs"
	done
done
# Median per tree and case of p50 and p99, then one row a case.
awk '
	function median(s,   a, n, i, j, x) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j > 0 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return a[int((n + 1) / 2)]
	}
	{ k = $1 SUBSEP $2; p50[k] = p50[k] " " $3; p99[k] = p99[k] " " $4; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } ; trees[$1] = 1 }
	END {
		two = ("base" in trees)
		if (two) { print "| case | base p50 / p99 (ms) | this tree p50 / p99 (ms) | p50 this ÷ base |"; print "|---|---|---|---|" }
		else { print "| case | p50 / p99 (ms) |"; print "|---|---|" }
		for (i = 1; i <= n; i++) {
			c = order[i]; nb = "new" SUBSEP c; bb = "base" SUBSEP c
			if (two && p50[bb] == "") printf "| %s | — | %s / %s | — |\n", c, median(p50[nb]), median(p99[nb])
			else if (two) printf "| %s | %s / %s | %s / %s | %.2f |\n", c, median(p50[bb]), median(p99[bb]), median(p50[nb]), median(p99[nb]), median(p50[nb]) / median(p50[bb])
			else printf "| %s | %s / %s |\n", c, median(p50[nb]), median(p99[nb])
		}
	}' "$tmp/runs"
