#!/usr/bin/env bash
# Measures the customer and lead imports (BenchmarkImport,
# BenchmarkImportLeads: a CSV parsed, checked, matched against existing
# records and written, 500 rows a transaction) beside a raw INSERT of the
# same rows in the same run (BenchmarkImportRawInsert,
# BenchmarkImportLeadsRawInsert), on SQLite, into a fresh database; prints
# the load before and after and a table (docs/测试说明.md §4.1a).
# Usage: scripts/bench-import.sh              (from the repository root; 100,000 rows)
#        ROWS=20000 scripts/bench-import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${ROWS:-100000}"
echo "start: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load$(uptime | sed 's/.*load average//')"
run() { # package, benchmark pattern
	NEVCRM_BENCH_IMPORT_ROWS="$rows" go test -run '^$' -bench "$2" -benchtime 1x -count 1 -timeout 60m "$1"
}
out="$(run ./internal/customer/ '^BenchmarkImport(RawInsert)?$'; run ./internal/sales/ '^BenchmarkImportLeads(RawInsert)?$')"
echo "end:   $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load$(uptime | sed 's/.*load average//')"
echo "$out" | grep -E '^cpu:' | head -1 || true
echo
echo "| 情形 | 行数 | 用时 | 行/秒 |"
echo "|---|---:|---:|---:|"
echo "$out" | awk -v rows="$rows" '/^BenchmarkImport/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i++) {
		if ($(i+1) == "ns/op") ns = $i
		if ($(i+1) == "rows/s") rps = $i
	}
	label["BenchmarkImport"] = "客户导入（解析、校验、查重、写入、标签）"
	label["BenchmarkImportRawInsert"] = "基线：客户逐行直接 INSERT"
	label["BenchmarkImportLeads"] = "线索导入（客户档案 + 线索 + 审计）"
	label["BenchmarkImportLeadsRawInsert"] = "基线：客户与线索逐行直接 INSERT"
	printf "| %s | %d | %.1f s | %.0f |\n", label[name], rows - rows % 500, ns / 1e9, rps
}'
