#!/usr/bin/env bash
# Measures `nevcrm generate` at the small and medium scales against a raw
# insert of the same rows in the same run (see BenchmarkGenerate), on SQLite
# and, when NEVCRM_TEST_POSTGRES_URL is set, on PostgreSQL; prints a table.
# Usage: scripts/bench-datagen.sh            (from the repository root)
#        NEVCRM_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable scripts/bench-datagen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench 'BenchmarkGenerate' -benchtime 1x -timeout 30m ./internal/datagen)
echo "$out" | grep -E '^(goos|goarch|cpu):' || true
echo
echo "| 规模/数据库 | 行数 | 生成用时 | 生成 行/秒 | 原始插入基线 行/秒 | 生成/基线 |"
echo "|---|---:|---:|---:|---:|---:|"
echo "$out" | awk '/^BenchmarkGenerate\// {
	name = $1; sub(/^BenchmarkGenerate\//, "", name); sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i++) {
		if ($(i+1) == "rows") rows = $i
		if ($(i+1) == "gen_s") secs = $i
		if ($(i+1) == "rows/s") gen = $i
		if ($(i+1) == "raw_rows/s") raw = $i
	}
	printf "| %s | %d | %.1f s | %.0f | %.0f | %.2f |\n", name, rows, secs, gen, raw, gen / raw
}'
