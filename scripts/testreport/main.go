// Command testreport writes docs/测试报告.md from the files that
// scripts/test-report.sh collects in one run: meta.txt (key=value lines on
// the machine and the commit), test.json (go test -json -cover ./...),
// bench-*.txt (go test -bench output), fixes.txt (git log of fix commits)
// and defects.md (the defects of the closing notes, kept by hand).
//
//	go run ./scripts/testreport -dir RUN_DIR > docs/测试报告.md
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	dir := flag.String("dir", "", "the run's folder (see scripts/test-report.sh)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: testreport -dir RUN_DIR")
		os.Exit(2)
	}
	if err := write(os.Stdout, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(1)
	}
}

// event is one line of go test -json.
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

// result is one test's (or subtest's) outcome.
type result struct {
	pkg, name, action string
	elapsed           float64
}

// pkgStat is one package's line of the table.
type pkgStat struct {
	name                string
	pass, fail, skip    int
	db                  map[string]*[3]int // "sqlite"/"postgres" → pass, fail, skip of those subtests
	coverage            string
	elapsed             float64
	action              string // the package's own pass/fail/skip
	noTests, buildError bool
}

var coverageRE = regexp.MustCompile(`coverage: ([0-9.]+)% of statements`)

func readTests(path string) (map[string]*pkgStat, []result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	pkgs := map[string]*pkgStat{}
	var results []result
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Package == "" {
			continue
		}
		p := pkgs[e.Package]
		if p == nil {
			p = &pkgStat{name: e.Package, db: map[string]*[3]int{}}
			pkgs[e.Package] = p
		}
		switch {
		case e.Action == "output" && e.Test == "":
			if m := coverageRE.FindStringSubmatch(e.Output); m != nil {
				p.coverage = m[1]
			}
			if strings.Contains(e.Output, "[no test files]") {
				p.noTests = true
			}
			if strings.Contains(e.Output, "[build failed]") || strings.Contains(e.Output, "[setup failed]") {
				p.buildError = true
			}
		case e.Action == "pass" || e.Action == "fail" || e.Action == "skip":
			if e.Test == "" {
				p.action, p.elapsed = e.Action, e.Elapsed
				continue
			}
			results = append(results, result{pkg: e.Package, name: e.Test, action: e.Action, elapsed: e.Elapsed})
			i := map[string]int{"pass": 0, "fail": 1, "skip": 2}[e.Action]
			if !strings.Contains(e.Test, "/") {
				switch i {
				case 0:
					p.pass++
				case 1:
					p.fail++
				case 2:
					p.skip++
				}
			}
			// A dbtest.ForEach subtest is named sqlite or postgres.
			parts := strings.Split(e.Test, "/")
			last := parts[len(parts)-1]
			if last == "sqlite" || last == "postgres" {
				if p.db[last] == nil {
					p.db[last] = &[3]int{}
				}
				p.db[last][i]++
			}
		}
	}
	return pkgs, results, sc.Err()
}

func readMeta(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m, nil
}

// bench is one benchmark result line.
type bench struct {
	name    string
	nsPerOp float64
	extra   string // other metrics (rows/s, B/op …)
}

var benchRE = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+([0-9.]+) ns/op(.*)$`)

func readBench(path string) ([]bench, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []bench
	for _, l := range strings.Split(string(b), "\n") {
		m := benchRE.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[3], 64)
		out = append(out, bench{name: m[1], nsPerOp: ns, extra: strings.Join(strings.Fields(m[4]), " ")})
	}
	return out, nil
}

// benchGroup is one table of the report: the benchmarks of a file and how
// each finds its baseline in the same run.
type benchGroup struct {
	file, title, note string
	isBaseline        func(name string) bool
	key               func(name string) string // a result and its baseline share the key
}

// dialect is the sqlite/postgres segment of a benchmark name, if any.
func dialect(name string) string {
	for _, seg := range strings.Split(name, "/") {
		if seg == "sqlite" || seg == "postgres" {
			return seg
		}
	}
	return ""
}

var benchGroups = []benchGroup{
	{file: "bench-pages.txt", title: "页面（`BenchmarkPages`，`internal/app`，演示数据）",
		note:       "每个页面一次完整请求（中间件、会话、服务、SQL、模板）；基线：按主键读一位客户的姓名。",
		isBaseline: func(n string) bool { return strings.Contains(n, "baseline") },
		key:        func(string) string { return "" }},
	{file: "bench-inbox.txt", title: "站内通知（`BenchmarkInbox`，`internal/notify`）",
		note:       "收件箱查询；基线：同一数据库按主键读一个用户。",
		isBaseline: func(n string) bool { return strings.Contains(n, "baseline") },
		key:        dialect},
	{file: "bench-listing.txt", title: "键集分页与 OFFSET（`BenchmarkDeepPage`，`internal/listing`）",
		note:       "深页（同一位置）的一页；基线：同一排序的 OFFSET 分页。比值 < 1 表示键集更快。",
		isBaseline: func(n string) bool { return strings.HasSuffix(n, "/offset") },
		key: func(n string) string {
			return strings.TrimSuffix(strings.TrimSuffix(n, "/offset"), "/keyset")
		}},
	{file: "bench-import.txt", title: "客户导入（`BenchmarkImport`，`internal/customer`）",
		note:       "导入一批新客户（逐行解析校验，500 行一个事务）；基线：同样的行用普通 INSERT 写入（`BenchmarkImportRawInsert`）。",
		isBaseline: func(n string) bool { return strings.Contains(n, "RawInsert") },
		key:        func(string) string { return "" }},
	{file: "bench-jobs.txt", title: "后台任务（`BenchmarkEnqueueAndWork`，`internal/jobs`）",
		note:       "1,000 个任务入队并执行完；基线：River 本身执行同样的任务（`BenchmarkRiverBaseline`）。",
		isBaseline: func(n string) bool { return strings.Contains(n, "RiverBaseline") },
		key:        dialect},
	{file: "bench-assistant.txt", title: "智能客服理解（`BenchmarkUnderstand`，`internal/assistant`）",
		note:       "一句话的意图与槽位识别；无基线（绝对值）。",
		isBaseline: func(string) bool { return false },
		key:        func(string) string { return "" }},
}

func fmtDur(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func write(w io.Writer, dir string) error {
	meta, err := readMeta(filepath.Join(dir, "meta.txt"))
	if err != nil {
		return err
	}
	pkgs, results, err := readTests(filepath.Join(dir, "test.json"))
	if err != nil {
		return err
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }

	date := meta["date"]
	day := date
	if t, err := time.Parse(time.RFC3339, date); err == nil {
		day = t.Format("2006-01-02")
	}
	p("# 测试报告\n\n")
	p("| 文档控制 | |\n|---|---|\n| 版本 | %s |\n| 日期 | %s |\n| 状态 | 生成（`scripts/test-report.sh`，勿手工编辑） |\n\n", meta["version"], day)
	p("修订记录：每次运行脚本重新生成本文件，历次结果见 `git log -- docs/测试报告.md`。\n\n")
	p("| 版本 | 日期 | 说明 |\n|---|---|---|\n| %s | %s | 提交 %s 的一次完整运行%s |\n\n", meta["version"], day, meta["commit_short"], meta["scope_note"])
	p("本报告由 `scripts/test-report.sh` 从一次真实运行生成：测试计划与测试清单见 [测试说明.md](测试说明.md)，\n")
	p("本文只记录这一次运行的结果。重新运行脚本即刷新本文件。\n\n")

	p("## 1. 运行环境\n\n| 项目 | 值 |\n|---|---|\n")
	for _, k := range []struct{ key, label string }{
		{"date", "开始时间（UTC）"}, {"duration", "测试用时"}, {"commit", "提交"}, {"dirty", "工作区"},
		{"os", "操作系统"}, {"cpu", "CPU"}, {"cores", "核数"}, {"memory", "内存"}, {"load", "开始时负载（1/5/15 分钟）"},
		{"go", "Go"}, {"postgres", "PostgreSQL"}, {"sqlite", "SQLite 驱动"}, {"chromium", "浏览器"}, {"command", "测试命令"},
	} {
		if v := meta[k.key]; v != "" {
			p("| %s | %s |\n", k.label, v)
		}
	}
	p("\n")

	// Packages.
	var names []string
	for n, s := range pkgs {
		if !s.noTests || s.pass+s.fail+s.skip > 0 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var tp, tf, ts int
	var dbTot = map[string]*[3]int{"sqlite": {}, "postgres": {}}
	failed := []string{}
	for _, n := range names {
		s := pkgs[n]
		tp, tf, ts = tp+s.pass, tf+s.fail, ts+s.skip
		for d, c := range s.db {
			for i := range 3 {
				dbTot[d][i] += c[i]
			}
		}
		if s.action == "fail" || s.buildError {
			failed = append(failed, n)
		}
	}
	p("## 2. 结果汇总\n\n")
	verdict := "全部通过"
	if len(failed) > 0 {
		verdict = fmt.Sprintf("**有失败**：%s", strings.Join(failed, "、"))
	}
	p("- 结论：%s。\n", verdict)
	p("- 顶层测试函数：通过 %d、失败 %d、跳过 %d（%d 个包）。\n", tp, tf, ts, len(names))
	p("- 按数据库（`dbtest.ForEach` 的子测试）：SQLite 通过 %d、失败 %d、跳过 %d；PostgreSQL 通过 %d、失败 %d、跳过 %d。\n",
		dbTot["sqlite"][0], dbTot["sqlite"][1], dbTot["sqlite"][2], dbTot["postgres"][0], dbTot["postgres"][1], dbTot["postgres"][2])
	if meta["postgres"] == "" {
		p("- 本次运行没有设置 `NEVCRM_TEST_POSTGRES_URL`：PostgreSQL 子测试全部跳过。\n")
	}
	p("\n")

	p("## 3. 各包结果与语句覆盖率\n\n")
	p("\"测试\"列为顶层测试函数的 通过/失败/跳过；SQLite、PostgreSQL 两列为该包中按数据库运行的子测试的 通过/失败/跳过；\n")
	p("覆盖率为 `go test -cover` 给出的本包语句覆盖率（只计本包测试覆盖本包代码）。\n\n")
	p("| 包 | 结果 | 测试 | SQLite | PostgreSQL | 语句覆盖率 | 用时 |\n|---|---|---|---|---|---|---|\n")
	for _, n := range names {
		s := pkgs[n]
		res := map[string]string{"pass": "通过", "fail": "**失败**", "skip": "跳过"}[s.action]
		if s.buildError {
			res = "**编译失败**"
		}
		dbc := func(d string) string {
			c := s.db[d]
			if c == nil {
				return "—"
			}
			return fmt.Sprintf("%d/%d/%d", c[0], c[1], c[2])
		}
		cov := "—"
		if s.coverage != "" {
			cov = s.coverage + "%"
		}
		p("| `%s` | %s | %d/%d/%d | %s | %s | %s | %.0f s |\n", strings.TrimPrefix(n, "github.com/nevcrm/nevcrm/"), res, s.pass, s.fail, s.skip, dbc("sqlite"), dbc("postgres"), cov, s.elapsed)
	}
	p("\n")

	if tf > 0 {
		p("### 3.1 失败的测试\n\n| 包 | 测试 |\n|---|---|\n")
		for _, r := range results {
			if r.action == "fail" {
				p("| `%s` | `%s` |\n", strings.TrimPrefix(r.pkg, "github.com/nevcrm/nevcrm/"), r.name)
			}
		}
		p("\n")
	}

	// Journeys.
	p("## 4. 并发、授权与浏览器旅程\n\n")
	p("这些测试验证跨请求的性质：并发下不超卖/不为负/不重复，每条路由 × 每种身份的授权，以及真实 chromium 中的端到端旅程。\n")
	p("结果按数据库子测试展开（没有子测试的只有一行）。\n\n")
	kinds := []struct {
		title string
		match func(string) bool
	}{
		{"并发", func(n string) bool {
			return strings.Contains(n, "Concurrent") || strings.Contains(n, "NoDoubleBooking") || strings.Contains(n, "NeverOversold")
		}},
		{"授权", func(n string) bool {
			return strings.HasPrefix(n, "TestAuthorizationMatrix") || strings.Contains(n, "ObjectAccess") || strings.Contains(n, "CrossCenter") || n == "TestNilActorRefused"
		}},
		{"浏览器", func(n string) bool { return strings.HasPrefix(n, "TestBrowser") }},
	}
	for _, k := range kinds {
		p("### %s\n\n| 包 | 测试 | 结果 | 用时 |\n|---|---|---|---|\n", k.title)
		n := 0
		for _, r := range results {
			top, sub, _ := strings.Cut(r.name, "/")
			if !k.match(top) || strings.Count(sub, "/") > 0 || (sub != "" && sub != "sqlite" && sub != "postgres") {
				continue
			}
			n++
			p("| `%s` | `%s` | %s | %.1f s |\n", strings.TrimPrefix(r.pkg, "github.com/nevcrm/nevcrm/internal/"), r.name,
				map[string]string{"pass": "通过", "fail": "**失败**", "skip": "跳过"}[r.action], r.elapsed)
		}
		if n == 0 {
			p("| — | （本次运行没有） | | |\n")
		}
		p("\n")
	}

	// Benchmarks.
	p("## 5. 基准测试\n\n")
	if meta["bench"] == "skipped" {
		p("本次运行跳过了基准测试（`scripts/test-report.sh --no-bench`）。\n\n")
	} else {
		p("每张表的比值是对**同一次运行中**测得的基线之比（比值 = 本行每次耗时 ÷ 基线每次耗时）；机器负载会同时影响两者，\n")
		p("比值比绝对值稳定。基准参数：`%s`。\n\n", meta["benchflags"])
		for _, g := range benchGroups {
			bs, err := readBench(filepath.Join(dir, g.file))
			if err != nil || len(bs) == 0 {
				continue
			}
			p("### %s\n\n%s\n\n| 基准 | 每次耗时 | × 基线 | 其他指标 |\n|---|---|---|---|\n", g.title, g.note)
			base := map[string]float64{}
			for _, b := range bs {
				if g.isBaseline(b.name) {
					base[g.key(b.name)] = b.nsPerOp
				}
			}
			for _, b := range bs {
				ratio := "—"
				if v, ok := base[g.key(b.name)]; ok && v > 0 {
					ratio = fmt.Sprintf("%.3g", b.nsPerOp/v)
					if g.isBaseline(b.name) {
						ratio = "1（基线）"
					}
				}
				p("| `%s` | %s | %s | %s |\n", b.name, fmtDur(b.nsPerOp), ratio, b.extra)
			}
			p("\n")
		}
	}

	// Defects.
	p("## 6. 项目中发现的缺陷及修复\n\n")
	if b, err := os.ReadFile(filepath.Join(dir, "defects.md")); err == nil {
		p("%s\n", strings.TrimSpace(string(b)))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "fixes.txt")); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		p("\n### 6.2 提交历史中的修复提交（`git log` 中主题含 fix/race/flake/bug 的提交，%d 个）\n\n| 日期 | 提交 | 说明（提交信息） |\n|---|---|---|\n", len(lines))
		for _, l := range lines {
			parts := strings.SplitN(l, " ", 3)
			if len(parts) < 3 {
				continue
			}
			p("| %s | `%s` | %s |\n", parts[0], parts[1], strings.ReplaceAll(parts[2], "|", "\\|"))
		}
		p("\n")
	}
	return nil
}
