package app_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// designPath is the system design, whose §6.1 (pages) and §6.2 (JSON API)
// tables list every route.
const designPath = "../../docs/系统设计.md"

// docRoute is one "METHOD /path" a URL table row names, with the row's line.
type docRoute struct {
	key  string
	line int
}

var (
	docMethods  = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true}
	backquoted  = regexp.MustCompile("`([^`]*)`")
	unescPipeRE = regexp.MustCompile(`(^|[^\\])\|`)
)

// splitRow splits a Markdown table row into its cells; "\|" inside a cell
// is not a separator.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	// Mark the separators, then split on the mark.
	marked := unescPipeRE.ReplaceAllString(line, "$1\x00")
	cells := strings.Split(marked, "\x00")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// parseURLTable reads the tables of one section of the design (from the
// line starting with heading to the next heading of the same or a higher
// level) by the convention stated above §6.1: method column, one or more
// back-quoted full paths separated by "、", every method × every path a
// route. It returns the routes with their lines, and what breaks the
// convention.
func parseURLTable(doc, heading string) ([]docRoute, []string) {
	lines := strings.Split(doc, "\n")
	level := strings.Index(heading, " ")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, heading) {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, []string{fmt.Sprintf("no section %q", heading)}
	}
	var routes []docRoute
	var problems []string
	for i := start + 1; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "#") {
			if n := strings.Index(l, " "); n > 0 && n <= level && strings.Trim(l[:n], "#") == "" {
				break
			}
		}
		if !strings.HasPrefix(l, "|") {
			continue
		}
		cells := splitRow(l)
		if len(cells) > 0 && (cells[0] == "方法" || strings.HasPrefix(cells[0], "---")) {
			continue
		}
		lineNo := i + 1
		if len(cells) != 4 {
			problems = append(problems, fmt.Sprintf("line %d: %d cells, want 4 (方法 | 路径 | 角色 | 说明)", lineNo, len(cells)))
			continue
		}
		var methods []string
		for _, m := range strings.Split(cells[0], "/") {
			m = strings.TrimSpace(m)
			if !docMethods[m] {
				problems = append(problems, fmt.Sprintf("line %d: method %q is not GET, POST, PUT, PATCH or DELETE", lineNo, m))
				continue
			}
			methods = append(methods, m)
		}
		// Everything in the path cell outside back quotes is separators.
		if rest := strings.Trim(backquoted.ReplaceAllString(cells[1], ""), "、 "); rest != "" {
			problems = append(problems, fmt.Sprintf("line %d: path cell has %q outside back quotes (write full paths in `…`, separated by 、)", lineNo, rest))
		}
		paths := backquoted.FindAllStringSubmatch(cells[1], -1)
		if len(paths) == 0 {
			problems = append(problems, fmt.Sprintf("line %d: no back-quoted path", lineNo))
		}
		for _, p := range paths {
			path, _, _ := strings.Cut(p[1], "?")
			if !strings.HasPrefix(path, "/") || strings.Contains(path, "...") && !strings.HasSuffix(path, "{path...}") || strings.Contains(path, "…") || strings.ContainsAny(path, " ") {
				problems = append(problems, fmt.Sprintf("line %d: %q is not a full path", lineNo, p[1]))
				continue
			}
			for _, m := range methods {
				routes = append(routes, docRoute{key: m + " " + path, line: lineNo})
			}
		}
	}
	return routes, problems
}

// docPattern is how a registered pattern is written in the tables: a
// trailing {$} (exact match of a path ending in /) is left out.
func docPattern(pattern string) string {
	return strings.TrimSuffix(pattern, "{$}")
}

// TestDesignURLTables checks that the design's URL tables (§6.1 pages,
// §6.2 JSON API) and the registered routes agree both ways.
func TestDesignURLTables(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(designPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	pages, problems := parseURLTable(doc, "### 6.1 ")
	api, more := parseURLTable(doc, "### 6.2 ")
	problems = append(problems, more...)
	if len(pages) < 50 || len(api) < 50 {
		t.Fatalf("%s: found %d page and %d API routes in §6.1/§6.2: the tables were not parsed", designPath, len(pages), len(api))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.New(ctx, &config.Config{Addr: "127.0.0.1:0", DB: dbtest.DSN(t, db.SQLite), Migrate: true, LogFormat: "text"}, apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// GET /healthz is mounted beside the route table (no session, no role).
	registered := map[string]bool{"GET /healthz": true}
	for _, rt := range a.Routes() {
		registered[rt.Method+" "+docPattern(rt.Pattern)] = true
	}

	listed := map[string]int{}
	check := func(section string, rs []docRoute, api bool) {
		for _, r := range rs {
			_, path, _ := strings.Cut(r.key, " ")
			if strings.HasPrefix(path, "/api/") != api {
				problems = append(problems, fmt.Sprintf("line %d: %s belongs in %s", r.line, r.key, map[bool]string{true: "§6.2", false: "§6.1"}[!api]))
			}
			if !registered[r.key] {
				problems = append(problems, fmt.Sprintf("line %d: %s (%s) is not a registered route", r.line, r.key, section))
			}
			if prev, ok := listed[r.key]; ok {
				problems = append(problems, fmt.Sprintf("line %d: %s is listed twice (also line %d)", r.line, r.key, prev))
			}
			listed[r.key] = r.line
		}
	}
	check("§6.1", pages, false)
	check("§6.2", api, true)
	var missing []string
	for k := range registered {
		if _, ok := listed[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		problems = append(problems, fmt.Sprintf("route %s is registered but not in %s §6.1/§6.2: add a row", k, designPath))
	}
	if len(problems) > 0 {
		t.Errorf("%s URL tables and App.Routes() disagree (%d problems; the convention is stated above the §6.1 table):\n  %s",
			designPath, len(problems), strings.Join(problems, "\n  "))
	}
}

// The parser follows the stated convention and reports what breaks it.
func TestParseURLTable(t *testing.T) {
	t.Parallel()
	doc := "## 6\n### 6.1 页面\n\n| 方法 | 路径 | 角色 | 说明 |\n|---|---|---|---|\n" +
		"| GET/POST | `/a?x=1`、`/b/{id}` | 公开 | 说明 `c\\|d` |\n" +
		"| POST | `/c/{id}`、`.../d` | 车主 | 省略形式 |\n" +
		"| FETCH | `/e` | 车主 | 错的方法 |\n" +
		"| GET | /f | 车主 | 没有反引号 |\n" +
		"| GET | `/g` | 车主 |\n" +
		"### 6.2 API\n| GET | `/api/v1/x` | 公开 | 不属于 6.1 |\n"
	routes, problems := parseURLTable(doc, "### 6.1 ")
	var keys []string
	for _, r := range routes {
		keys = append(keys, r.key)
	}
	want := []string{"GET /a", "POST /a", "GET /b/{id}", "POST /b/{id}", "POST /c/{id}"}
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("routes = %v, want %v", keys, want)
	}
	for _, p := range []string{`".../d" is not a full path`, `method "FETCH"`, `"/f" outside back quotes`, "3 cells"} {
		found := false
		for _, got := range problems {
			found = found || strings.Contains(got, p)
		}
		if !found {
			t.Errorf("problems %q do not report %s", problems, p)
		}
	}
	if got := docPattern("/owner/{$}"); got != "/owner/" {
		t.Errorf("docPattern = %q", got)
	}
}
