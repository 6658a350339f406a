package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// subcommands are the commands whose first argument names a subcommand.
var subcommands = map[string][]string{
	"user":      {"add"},
	"import":    {"customers", "leads"},
	"leads":     {"import-history", "train", "score"},
	"assistant": {"eval"},
}

// commands are the top-level commands run accepts (see run's switch).
var commands = map[string]bool{
	"serve": true, "worker": true, "migrate": true, "user": true, "generate": true, "check": true, "export": true,
	"import": true, "leads": true, "copy-to-postgres": true, "assistant": true, "version": true, "help": true,
}

// docUse is one nevcrm command line a document shows.
type docUse struct {
	where   string   // file:line
	command []string // e.g. ["leads", "train"]
	flags   []string // without dashes or value
}

var (
	// An invocation: "nevcrm" as a word (start, space, '=' or '/' before it:
	// ./nevcrm, /usr/local/bin/nevcrm, ExecStart=…, go run ./cmd/nevcrm)
	// followed on the same line by a lower-case word.
	invocationRE = regexp.MustCompile(`(?:^|[\s=/])(nevcrm)[ \t]+([a-z][a-z-]*)(.*)`)
	flagRE       = regexp.MustCompile(`(?:^|[\s\[(|])--?([a-z][a-z0-9-]*)`)
	inlineCodeRE = regexp.MustCompile("`(nevcrm [^`]+)`")
	codeSpanRE   = regexp.MustCompile("`[^`]*`")
	// Where a shell line's nevcrm arguments end.
	argsEndRE = regexp.MustCompile(`\s(?:\|\s|&&|;|#|>|2>)`)
)

// parseDocUses finds the nevcrm command lines of a Markdown document: in
// fenced code blocks (a line ending in \ continues on the next) and in
// inline code spans that start with "nevcrm ".
func parseDocUses(name, text string) []docUse {
	var uses []docUse
	add := func(line int, s string) {
		for off := 0; off < len(s); {
			loc := invocationRE.FindStringSubmatchIndex(s[off:])
			if loc == nil {
				return
			}
			start := off + loc[2] // where "nevcrm" starts
			word, rest := s[off+loc[4]:off+loc[5]], s[off+loc[6]:off+loc[7]]
			off = start + len("nevcrm")
			if !commands[word] {
				// "sudo -u nevcrm nevcrm migrate", "createdb -O nevcrm nevcrm",
				// a crontab's user field: nevcrm is an argument there. Only a
				// line that starts with the program is a wrong command.
				prefix := strings.TrimSpace(s[:start])
				if prefix == "" || strings.HasSuffix(prefix, "/") && !strings.ContainsAny(prefix, " \t") {
					uses = append(uses, docUse{where: fmt.Sprintf("%s:%d", name, line), command: []string{word}})
				}
				continue
			}
			u := docUse{where: fmt.Sprintf("%s:%d", name, line), command: []string{word}}
			if loc := argsEndRE.FindStringIndex(rest); loc != nil {
				rest = rest[:loc[0]]
			}
			// "import customers|leads …" shows two subcommands with the same flags.
			alternatives := []string{""}
			if subs, ok := subcommands[word]; ok {
				f := strings.Fields(rest)
				if len(f) > 0 && !strings.HasPrefix(f[0], "-") && !strings.HasPrefix(f[0], "[") {
					alternatives = strings.Split(f[0], "|")
					rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), f[0]))
				} else if len(subs) == 1 {
					alternatives = subs
				}
			}
			for _, fm := range flagRE.FindAllStringSubmatch(rest, -1) {
				u.flags = append(u.flags, fm[1])
			}
			for _, sub := range alternatives {
				v := u
				if sub != "" {
					v.command = []string{word, sub}
				}
				uses = append(uses, v)
			}
			off = start + len("nevcrm") + len(word)
		}
	}
	lines := strings.Split(text, "\n")
	inBlock := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock {
			start := i
			for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
				i++
				l = strings.TrimSuffix(l, "\\") + " " + lines[i]
			}
			add(start+1, l)
			continue
		}
		for _, m := range inlineCodeRE.FindAllStringSubmatch(l, -1) {
			add(i+1, m[1])
		}
	}
	return uses
}

// helpFlags runs `nevcrm <command> --help` (this test binary acting as the
// command, see TestMain) and returns the flags its usage lists.
func helpFlags(t *testing.T, command []string) map[string]bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(append([]string{}, command...), "--help")...)
	cmd.Env = append(os.Environ(), envChild+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // --help exits 1 after printing the usage (flag.ErrHelp)
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)`).FindAllStringSubmatch(out.String(), -1) {
		flags[m[1]] = true
	}
	if !strings.Contains(out.String(), "Usage of") {
		t.Errorf("nevcrm %s --help printed no usage:\n%s", strings.Join(command, " "), out.String())
	}
	return flags
}

// TestDocumentedCommandsExist checks that every nevcrm command and flag that
// README.md and docs/*.md show exists in that command's --help.
func TestDocumentedCommandsExist(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../README.md")
	var uses []docUse
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		uses = append(uses, parseDocUses(strings.TrimPrefix(f, "../../"), string(b))...)
	}
	if len(uses) < 20 {
		t.Fatalf("found only %d nevcrm command lines in the documents: the parser is broken", len(uses))
	}
	help := map[string]map[string]bool{}
	var problems []string
	for _, u := range uses {
		if !commands[u.command[0]] {
			problems = append(problems, fmt.Sprintf("%s: nevcrm %s is not a command", u.where, u.command[0]))
			continue
		}
		if subs, ok := subcommands[u.command[0]]; ok {
			if len(u.command) < 2 || !contains(subs, u.command[1]) {
				problems = append(problems, fmt.Sprintf("%s: nevcrm %s needs a subcommand (%s)", u.where, strings.Join(u.command, " "), strings.Join(subs, ", ")))
				continue
			}
		}
		if len(u.flags) == 0 {
			continue
		}
		key := strings.Join(u.command, " ")
		if help[key] == nil {
			help[key] = helpFlags(t, u.command)
		}
		for _, f := range u.flags {
			if !help[key][f] && f != "help" && f != "h" {
				problems = append(problems, fmt.Sprintf("%s: nevcrm %s has no flag --%s (see nevcrm %s --help)", u.where, key, f, key))
			}
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("the documents show %d command lines that nevcrm does not accept:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The parser finds commands, subcommands and flags in code blocks and inline
// code, and leaves other text alone.
func TestParseDocUses(t *testing.T) {
	doc := "text `nevcrm leads train --source history` and `nevcrm.db`\n" +
		"```sh\n" +
		"sudo -u nevcrm /usr/local/bin/nevcrm migrate --db \"$NEVCRM_DB\" && systemctl restart nevcrm\n" +
		"sudo -u nevcrm nevcrm check --db x; createdb -O nevcrm nevcrm\n" +
		"nevcrm frobnicate --x\n" +
		"nevcrm import customers|leads --file f\n" +
		"go run ./cmd/nevcrm serve --demo \\\n  --addr 127.0.0.1:8081 | tee log # --not-a-flag\n" +
		"ExecStart=/usr/local/bin/nevcrm user add --username u [--site CODE]\n" +
		"```\n" +
		"outside a block nevcrm serve --ignored\n"
	got := parseDocUses("x.md", doc)
	var s []string
	for _, u := range got {
		s = append(s, u.where+" "+strings.Join(u.command, " ")+" "+strings.Join(u.flags, ","))
	}
	want := []string{"x.md:1 leads train source", "x.md:3 migrate db", "x.md:4 check db", "x.md:5 frobnicate ", "x.md:6 import customers file", "x.md:6 import leads file", "x.md:7 serve demo,addr", "x.md:9 user add username,site"}
	if strings.Join(s, "|") != strings.Join(want, "|") {
		t.Errorf("parseDocUses =\n  %s\nwant\n  %s", strings.Join(s, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestDocumentedPathsExist checks that every repository file or folder the
// documents name in back quotes (internal/…, cmd/…, scripts/…, docs/…) or
// link to exists.
func TestDocumentedPathsExist(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../README.md")
	quoted := regexp.MustCompile("`((?:internal|cmd|scripts|docs)/[^`\\s:]*)")
	linked := regexp.MustCompile(`\]\(([^)#\s]+)`)
	var problems []string
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			var paths []string
			for _, m := range quoted.FindAllStringSubmatch(line, -1) {
				paths = append(paths, filepath.Join("../..", m[1]))
			}
			// Links outside code spans (`Register[T](s, …)` is code).
			for _, m := range linked.FindAllStringSubmatch(codeSpanRE.ReplaceAllString(line, ""), -1) {
				if strings.Contains(m[1], "://") || strings.HasPrefix(m[1], "mailto:") {
					continue
				}
				paths = append(paths, filepath.Join(filepath.Dir(f), m[1]))
			}
			for _, p := range paths {
				if strings.ContainsAny(p, "{}*<>…") || strings.Contains(p, "...") {
					continue // a pattern, not a file
				}
				checked++
				if _, err := os.Stat(p); err != nil {
					problems = append(problems, fmt.Sprintf("%s:%d: %s does not exist", strings.TrimPrefix(f, "../../"), i+1, strings.TrimPrefix(p, "../../")))
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d paths: the parser is broken", checked)
	}
	if len(problems) > 0 {
		t.Errorf("the documents name %d files that are not in the repository:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
}

// TestTraceabilityMatrix checks docs/追踪矩阵.md against docs/需求分析.md:
// every use-case id of the analysis has a row, the matrix has no id the
// analysis lacks (NF rows are the matrix's own), and every test it names
// exists in the repository.
func TestTraceabilityMatrix(t *testing.T) {
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	idRE := regexp.MustCompile(`(?m)^\| ([POSTA][0-9]+[a-z]?) \|`)
	want := map[string]bool{}
	for _, m := range idRE.FindAllStringSubmatch(read("../../docs/需求分析.md"), -1) {
		want[m[1]] = true
	}
	if len(want) < 30 {
		t.Fatalf("found only %d use-case ids in 需求分析.md: the parser is broken", len(want))
	}
	matrix := read("../../docs/追踪矩阵.md")
	rowRE := regexp.MustCompile(`(?m)^\| ((?:[POSTA]|NF)[0-9]+[a-z]?) \|(.*)$`)
	got := map[string]bool{}
	var problems []string
	var tests []string
	for _, m := range rowRE.FindAllStringSubmatch(matrix, -1) {
		if got[m[1]] {
			problems = append(problems, "id "+m[1]+" has two rows")
		}
		got[m[1]] = true
		if !strings.HasPrefix(m[1], "NF") && !want[m[1]] {
			problems = append(problems, "id "+m[1]+" is in the matrix but not in 需求分析.md")
		}
		for _, tm := range regexp.MustCompile("`(Test[A-Za-z0-9_]+)`").FindAllStringSubmatch(m[2], -1) {
			tests = append(tests, tm[1])
		}
	}
	for id := range want {
		if !got[id] {
			problems = append(problems, "use case "+id+" of 需求分析.md has no row in 追踪矩阵.md")
		}
	}
	// Every named test is a func in some _test.go file of the repository.
	defined := map[string]bool{}
	err := filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, "_test.go") {
			for _, m := range regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]+)\(`).FindAllStringSubmatch(read(p), -1) {
				defined[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range tests {
		if !defined[name] {
			problems = append(problems, "test "+name+" named in 追踪矩阵.md does not exist")
		}
	}
	if len(tests) < 40 {
		t.Errorf("the matrix names only %d tests", len(tests))
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("docs/追踪矩阵.md is out of date (%d problems):\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
}

// TestDocumentControl checks that every document in docs/ starts with its
// document control: a version, a date and a revision history whose last row
// has that version.
func TestDocumentControl(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 8 {
		t.Fatalf("only %d documents in docs/", len(files))
	}
	versionRE := regexp.MustCompile(`(?m)^\| 版本 \| ([0-9]+\.[0-9]+) \|`)
	dateRE := regexp.MustCompile(`(?m)^\| 日期 \| 20[0-9]{2}-[0-9]{2}-[0-9]{2} \|`)
	revRE := regexp.MustCompile(`(?m)^\| ([0-9]+\.[0-9]+) \| 20[0-9]{2}-[0-9]{2}-[0-9]{2} \| .+\|$`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		name := strings.TrimPrefix(f, "../../")
		head := s
		if i := strings.Index(s, "\n## "); i > 0 {
			head = s[:i] // the control block comes before the first section
		}
		v := versionRE.FindStringSubmatch(head)
		revs := revRE.FindAllStringSubmatch(head, -1)
		switch {
		case !strings.Contains(head, "| 文档控制 |") || v == nil || !dateRE.MatchString(head):
			t.Errorf("%s: no document control (| 文档控制 | with 版本 and 日期) before the first section", name)
		case len(revs) == 0:
			t.Errorf("%s: no revision history (| 版本 | 日期 | 说明 | rows)", name)
		case revs[len(revs)-1][1] != v[1]:
			t.Errorf("%s: version %s, but the last revision is %s", name, v[1], revs[len(revs)-1][1])
		}
	}
}
