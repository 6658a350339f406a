#!/usr/bin/env bash
# Generates docs/测试报告.md from a real run on this machine: the machine and
# the commit, every test of `go test -json -cover ./...` on SQLite and (with
# NEVCRM_TEST_POSTGRES_URL) PostgreSQL, the concurrency, authorization and
# browser journeys, benchmark tables with ratios to baselines measured in the
# same run, and the defects found in the project (scripts/testreport/defects.md
# plus the fix commits of git log). CPU-heavy: a full run takes 15–40 minutes
# on a loaded two-core machine.
#
#   NEVCRM_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' scripts/test-report.sh
#   scripts/test-report.sh --no-bench     # tests only (says so in the report)
#   BENCHTIME=1s scripts/test-report.sh   # benchmark time per case (default 1s; heavy ones run 3x)
set -uo pipefail
cd "$(dirname "$0")/.."
bench=1
[ "${1:-}" = "--no-bench" ] && bench=0
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
benchtime=${BENCHTIME:-1s}

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git rev-parse HEAD)"
  echo "commit_short=$(git rev-parse --short=12 HEAD)"
  if [ -n "$(git status --porcelain -- . ':!docs/测试报告.md')" ]; then echo "dirty=有未提交的改动"; else echo "dirty=干净"; fi
  echo "version=1.$(git log --oneline -- docs/测试报告.md | wc -l)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME") ($(uname -r))"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores=$(nproc)"
  echo "memory=$(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo)"
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "go=$(go version | cut -d' ' -f3-)"
  echo "sqlite=modernc.org/sqlite $(go list -m -f '{{.Version}}' modernc.org/sqlite)"
  if [ -n "${NEVCRM_TEST_POSTGRES_URL:-}" ]; then
    echo "postgres=$(psql "$NEVCRM_TEST_POSTGRES_URL" -Atc 'SHOW server_version' 2>/dev/null || echo '（无法连接）')"
  fi
  echo "chromium=$(chromium --version 2>/dev/null || echo '未安装（浏览器测试跳过）')"
  echo "command=go test -json -count=1 -cover -timeout ${TEST_TIMEOUT:-30m} ./...$([ -n "${NEVCRM_TEST_POSTGRES_URL:-}" ] && echo '（设置 NEVCRM_TEST_POSTGRES_URL）')"
  if [ "$bench" = 1 ]; then
    echo "bench=run"; echo "benchflags=-benchtime $benchtime（导入与任务 3x）"; echo "scope_note="
  else
    echo "bench=skipped"; echo "scope_note=（未运行基准测试）"
  fi
} > "$run/meta.txt"

echo "tests: go test -json -count=1 -cover ./... ($(date +%T))" >&2  # -timeout: a loaded machine takes over 10 minutes for internal/app
start=$(date +%s)
go test -json -count=1 -cover -timeout "${TEST_TIMEOUT:-30m}" ./... > "$run/test.json" 2> "$run/test.stderr"
rc=$?
echo "duration=$(( ($(date +%s) - start) / 60 )) 分 $(( ($(date +%s) - start) % 60 )) 秒（退出码 $rc）" >> "$run/meta.txt"

if [ "$bench" = 1 ]; then
  b() { # file, package, pattern, benchtime
    echo "bench: $2 $3 ($(date +%T))" >&2
    go test -run '^$' -bench "$3" -benchtime "$4" -count 1 "$2" > "$run/$1" 2>&1 || echo "benchmark $2 $3 failed" >&2
  }
  b bench-pages.txt ./internal/app/ 'BenchmarkPages$' "$benchtime"
  b bench-inbox.txt ./internal/notify/ 'BenchmarkInbox' "$benchtime"
  b bench-listing.txt ./internal/listing/ 'BenchmarkDeepPage' "$benchtime"
  b bench-import.txt ./internal/customer/ 'BenchmarkImport' 3x
  b bench-jobs.txt ./internal/jobs/ 'BenchmarkEnqueueAndWork|BenchmarkRiverBaseline' 3x
  b bench-assistant.txt ./internal/assistant/ 'BenchmarkUnderstand' "$benchtime"
fi

cp scripts/testreport/defects.md "$run/defects.md"
git log --date=short --format='%ad %h %s' | grep -iE '(^| )(fix|fixes|fixed|race|raced|flake|flaked|flaky|bug)' > "$run/fixes.txt" || true

go run ./scripts/testreport -dir "$run" > "$run/report.md" && mv "$run/report.md" docs/测试报告.md
echo "wrote docs/测试报告.md (tests exit status $rc)" >&2
exit $rc
