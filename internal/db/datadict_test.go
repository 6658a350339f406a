package db_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// dictPath is docs/数据字典.md, relative to this package.
const dictPath = "../../docs/数据字典.md"

// dictColumn is one row of the data dictionary.
type dictColumn struct {
	Name     string
	Type     string // the SQLite type as declared in the migration
	Nullable bool
	Line     int
}

// dictTable is one "### `table` 中文名" section of the data dictionary.
type dictTable struct {
	Name    string
	Line    int
	Columns []dictColumn
}

// schemaColumn is a column as the database reports it.
type schemaColumn struct {
	Name     string
	Type     string
	Nullable bool
}

var (
	tableHeading = regexp.MustCompile("^### `([a-z][a-z0-9_]*)`\\s+\\S")
	columnCell   = regexp.MustCompile("^`([a-z][a-z0-9_]*)`$")
	separatorRow = regexp.MustCompile(`^\|(\s*:?-{3,}:?\s*\|)+$`)
)

// parseDictionary reads the dictionary's strict format:
//
//	### `table` 中文名
//	| 列名 | 类型 | 可空 | 说明 |
//	|---|---|---|---|
//	| `column` | INTEGER | 否 | ... |
//
// Every table row under a table heading must have exactly four cells, the
// first a column name in backticks and the third 是 or 否. Anything else in a
// table section (other than the header and separator rows) is an error, so a
// typo cannot silently drop a column from the comparison.
func parseDictionary(path string) ([]dictTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		tables []dictTable
		cur    *dictTable
		errs   []string
		lineNo int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			cur = nil
			if strings.HasPrefix(line, "### `") {
				m := tableHeading.FindStringSubmatch(line)
				if m == nil {
					errs = append(errs, fmt.Sprintf("line %d: table heading must be \"### `table` 中文名\": %q", lineNo, line))
					continue
				}
				tables = append(tables, dictTable{Name: m[1], Line: lineNo})
				cur = &tables[len(tables)-1]
			}
			continue
		}
		if cur == nil || !strings.HasPrefix(line, "|") {
			continue
		}
		if separatorRow.MatchString(line) {
			continue
		}
		if !strings.HasSuffix(line, "|") {
			errs = append(errs, fmt.Sprintf("line %d: table row must end with |", lineNo))
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) == 4 && cells[0] == "列名" && cells[1] == "类型" && cells[2] == "可空" && cells[3] == "说明" {
			continue
		}
		if len(cells) != 4 {
			errs = append(errs, fmt.Sprintf("line %d: want 4 cells (列名|类型|可空|说明), got %d", lineNo, len(cells)))
			continue
		}
		m := columnCell.FindStringSubmatch(cells[0])
		if m == nil {
			errs = append(errs, fmt.Sprintf("line %d: first cell must be a column name in backticks, got %q", lineNo, cells[0]))
			continue
		}
		var nullable bool
		switch cells[2] {
		case "是":
			nullable = true
		case "否":
		default:
			errs = append(errs, fmt.Sprintf("line %d: 可空 must be 是 or 否, got %q", lineNo, cells[2]))
			continue
		}
		if cells[1] == "" || cells[3] == "" {
			errs = append(errs, fmt.Sprintf("line %d: column %s needs a type and a meaning", lineNo, m[1]))
			continue
		}
		cur.Columns = append(cur.Columns, dictColumn{Name: m[1], Type: strings.Fields(cells[1])[0], Nullable: nullable, Line: lineNo})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return tables, fmt.Errorf("%s is malformed:\n  %s", path, strings.Join(errs, "\n  "))
	}
	return tables, nil
}

// libraryPrefix marks the tables a library owns and migrates itself: River's
// job-queue tables, owned by internal/jobs through River (see db/river.go).
// Their columns change with River's version and differ between the
// dialects, so the dictionary lists them by name only, in the section
// headed libraryHeading; the tests check that list against the database.
const (
	libraryPrefix  = "river_"
	libraryHeading = "River 所有的表"
)

var libraryRow = regexp.MustCompile("^\\|\\s*`(" + libraryPrefix + "[a-z0-9_]*)`\\s*\\|")

// parseLibraryTables returns the table names listed in the dictionary's
// "## ... River 所有的表" section (rows "| `river_x` | 说明 |"), with an
// error when the section is missing or lists no table.
func parseLibraryTables(path string) (map[string]bool, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	in, found := false, false
	for _, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			in = strings.HasPrefix(line, "## ") && strings.Contains(line, libraryHeading)
			found = found || in
			continue
		}
		if in {
			if m := libraryRow.FindStringSubmatch(line); m != nil {
				names[m[1]] = true
			}
		}
	}
	if !found || len(names) == 0 {
		return nil, fmt.Errorf("%s: want a section \"## ... %s\" listing each %s* table as | `name` | 说明 |", path, libraryHeading, libraryPrefix)
	}
	return names, nil
}

// splitLibrary moves the library-owned tables out of schema and returns
// their names.
func splitLibrary[V any](schema map[string]V) map[string]bool {
	lib := map[string]bool{}
	for n := range schema {
		if strings.HasPrefix(n, libraryPrefix) {
			lib[n] = true
			delete(schema, n)
		}
	}
	return lib
}

// compareNames reports the differences between two sets of table names.
func compareNames(what string, got, want map[string]bool, gotName, wantName string) []string {
	var problems []string
	for _, n := range sortedKeys(got) {
		if !want[n] {
			problems = append(problems, fmt.Sprintf("%s table %s is in %s but not in %s", what, n, gotName, wantName))
		}
	}
	for _, n := range sortedKeys(want) {
		if !got[n] {
			problems = append(problems, fmt.Sprintf("%s table %s is in %s but not in %s", what, n, wantName, gotName))
		}
	}
	return problems
}

// sqliteSchema lists every table and column of a migrated SQLite database,
// leaving out SQLite's own tables and goose's version table.
func sqliteSchema(t *testing.T, d *db.DB) map[string][]schemaColumn {
	t.Helper()
	ctx := context.Background()
	rows, err := d.QueryContext(ctx, `SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	schema := map[string][]schemaColumn{}
	for _, n := range names {
		cols, err := d.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info($1) ORDER BY cid`, n)
		if err != nil {
			t.Fatal(err)
		}
		for cols.Next() {
			var (
				c           schemaColumn
				notNull, pk int
			)
			if err := cols.Scan(&c.Name, &c.Type, &notNull, &pk); err != nil {
				t.Fatal(err)
			}
			// A primary-key column is never null, whatever SQLite's pragma says.
			c.Nullable = notNull == 0 && pk == 0
			c.Type = strings.ToUpper(c.Type)
			schema[n] = append(schema[n], c)
		}
		if err := cols.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return schema
}

// TestDataDictionaryMatchesSchema fails when a table or column exists in the
// migrations but not in docs/数据字典.md, or the reverse, or when a column's
// type or nullability differs between the two.
func TestDataDictionaryMatchesSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.OpenEmpty(t, db.SQLite)
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	schema := sqliteSchema(t, d)
	if len(schema) == 0 {
		t.Fatal("migrated SQLite database has no tables")
	}
	library := splitLibrary(schema)
	if len(library) == 0 {
		t.Fatalf("migrated SQLite database has no %s* tables: River's migrations did not run", libraryPrefix)
	}

	tables, err := parseDictionary(dictPath)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := parseLibraryTables(dictPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) == 0 {
		t.Fatalf("%s defines no tables (want one \"### `table` 中文名\" section per table)", dictPath)
	}

	problems := compareNames("library", library, listed, "the migrated database", "the dictionary's "+libraryHeading+" list")
	seen := map[string]bool{}
	for _, dt := range tables {
		if strings.HasPrefix(dt.Name, libraryPrefix) {
			problems = append(problems, fmt.Sprintf("table %s (line %d) is owned by River: list it under %q, without columns", dt.Name, dt.Line, libraryHeading))
			continue
		}
		if seen[dt.Name] {
			problems = append(problems, fmt.Sprintf("table %s is described twice (line %d)", dt.Name, dt.Line))
			continue
		}
		seen[dt.Name] = true
		cols, ok := schema[dt.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("table %s is in the dictionary (line %d) but not in the migrations", dt.Name, dt.Line))
			continue
		}
		if len(dt.Columns) == 0 {
			problems = append(problems, fmt.Sprintf("table %s (line %d) lists no columns", dt.Name, dt.Line))
		}
		byName := map[string]schemaColumn{}
		for _, c := range cols {
			byName[c.Name] = c
		}
		described := map[string]bool{}
		for _, dc := range dt.Columns {
			if described[dc.Name] {
				problems = append(problems, fmt.Sprintf("column %s.%s is described twice (line %d)", dt.Name, dc.Name, dc.Line))
				continue
			}
			described[dc.Name] = true
			sc, ok := byName[dc.Name]
			if !ok {
				problems = append(problems, fmt.Sprintf("column %s.%s is in the dictionary (line %d) but not in the migrations", dt.Name, dc.Name, dc.Line))
				continue
			}
			if dc.Type != sc.Type {
				problems = append(problems, fmt.Sprintf("column %s.%s: dictionary says type %s (line %d), migration says %s", dt.Name, dc.Name, dc.Type, dc.Line, sc.Type))
			}
			if dc.Nullable != sc.Nullable {
				problems = append(problems, fmt.Sprintf("column %s.%s: dictionary says 可空=%s (line %d), migration says %s", dt.Name, dc.Name, yesNo(dc.Nullable), dc.Line, yesNo(sc.Nullable)))
			}
		}
		for _, c := range cols {
			if !described[c.Name] {
				problems = append(problems, fmt.Sprintf("column %s.%s is in the migrations but not in the dictionary", dt.Name, c.Name))
			}
		}
	}
	for _, n := range sortedKeys(schema) {
		if !seen[n] {
			problems = append(problems, fmt.Sprintf("table %s is in the migrations but not in the dictionary", n))
		}
	}
	if len(problems) > 0 {
		t.Errorf("%s and the migrations disagree (%d problems):\n  %s", dictPath, len(problems), strings.Join(problems, "\n  "))
	}

	// The design's overview states how many business tables there are.
	design, err := os.ReadFile(designPath)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(\d+) 张业务表`).FindSubmatch(design)
	if m == nil {
		t.Fatalf("%s: no \"N 张业务表\" in §3", designPath)
	}
	if n, _ := strconv.Atoi(string(m[1])); n != len(schema) {
		t.Errorf("%s §3 says %d 张业务表, the migrations create %d (without goose's and River's tables): correct the number", designPath, n, len(schema))
	}
}

const designPath = "../../docs/系统设计.md"

// pgType is the PostgreSQL type each SQLite column type becomes in the twin
// migration (migrations/postgres).
var pgType = map[string]string{
	"INTEGER":  "bigint",
	"TEXT":     "text",
	"REAL":     "double precision",
	"BOOLEAN":  "boolean",
	"DATE":     "date",
	"DATETIME": "timestamp with time zone",
	"BLOB":     "bytea",
}

// TestPostgresSchemaMatchesSQLite checks the two migration folders produce the
// same tables and columns, with corresponding types and nullability, so the
// one data dictionary describes both. It runs when NEVCRM_TEST_POSTGRES_URL is set.
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	t.Parallel()
	if os.Getenv(dbtest.EnvPostgres) == "" {
		t.Skipf("PostgreSQL comparison skipped: set %s to run it", dbtest.EnvPostgres)
	}
	ctx := context.Background()
	lite := dbtest.OpenEmpty(t, db.SQLite)
	if err := lite.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	pg := dbtest.OpenEmpty(t, db.Postgres)
	if err := pg.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	want := sqliteSchema(t, lite)
	wantLibrary := splitLibrary(want)

	rows, err := pg.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_nullable
		FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version'
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]schemaColumn{}
	for rows.Next() {
		var tbl, nullable string
		var c schemaColumn
		if err := rows.Scan(&tbl, &c.Name, &c.Type, &nullable); err != nil {
			t.Fatal(err)
		}
		c.Nullable = nullable == "YES"
		if got[tbl] == nil {
			got[tbl] = map[string]schemaColumn{}
		}
		got[tbl][c.Name] = c
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}

	// River's tables: the same names on both (their columns are River's).
	problems := compareNames("library", splitLibrary(got), wantLibrary, "PostgreSQL", "SQLite")
	for _, tbl := range sortedKeys(want) {
		pgCols, ok := got[tbl]
		if !ok {
			problems = append(problems, fmt.Sprintf("table %s is in SQLite but not in PostgreSQL", tbl))
			continue
		}
		for _, c := range want[tbl] {
			pc, ok := pgCols[c.Name]
			if !ok {
				problems = append(problems, fmt.Sprintf("column %s.%s is in SQLite but not in PostgreSQL", tbl, c.Name))
				continue
			}
			delete(pgCols, c.Name)
			if w, known := pgType[c.Type]; !known {
				problems = append(problems, fmt.Sprintf("column %s.%s: SQLite type %s has no known PostgreSQL counterpart", tbl, c.Name, c.Type))
			} else if pc.Type != w {
				problems = append(problems, fmt.Sprintf("column %s.%s: SQLite %s should be PostgreSQL %s, got %s", tbl, c.Name, c.Type, w, pc.Type))
			}
			if pc.Nullable != c.Nullable {
				problems = append(problems, fmt.Sprintf("column %s.%s: nullable in SQLite=%s, in PostgreSQL=%s", tbl, c.Name, yesNo(c.Nullable), yesNo(pc.Nullable)))
			}
		}
		for _, n := range sortedKeys(pgCols) {
			problems = append(problems, fmt.Sprintf("column %s.%s is in PostgreSQL but not in SQLite", tbl, n))
		}
		delete(got, tbl)
	}
	for _, tbl := range sortedKeys(got) {
		problems = append(problems, fmt.Sprintf("table %s is in PostgreSQL but not in SQLite", tbl))
	}
	if len(problems) > 0 {
		t.Errorf("SQLite and PostgreSQL schemas disagree (%d problems):\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
}

// TestParseDictionaryRejectsMalformed keeps the parser strict: a malformed row
// must be an error, not a silently skipped column.
func TestParseDictionaryRejectsMalformed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text string
		wantErr    bool
		wantCols   int
	}{
		{"ok", "### `t` 表\n| 列名 | 类型 | 可空 | 说明 |\n|---|---|---|---|\n| `a` | INTEGER | 否 | 主键 |\n| `b` | TEXT | 是 | 名称 |\n", false, 2},
		{"name without backticks", "### `t` 表\n| 列名 | 类型 | 可空 | 说明 |\n|---|---|---|---|\n| a | INTEGER | 否 | 主键 |\n", true, 0},
		{"three cells", "### `t` 表\n| `a` | INTEGER | 主键 |\n", true, 0},
		{"bad nullability", "### `t` 表\n| `a` | INTEGER | N | 主键 |\n", true, 0},
		{"empty meaning", "### `t` 表\n| `a` | INTEGER | 否 | |\n", true, 0},
		{"heading without chinese name", "### `t`\n| `a` | INTEGER | 否 | 主键 |\n", true, 0},
		{"tables outside sections ignored", "## 概览\n| 表 | 说明 |\n|---|---|\n| x | y |\n", false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := t.TempDir() + "/dict.md"
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			tables, err := parseDictionary(p)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			n := 0
			for _, tb := range tables {
				n += len(tb.Columns)
			}
			if !tc.wantErr && n != tc.wantCols {
				t.Fatalf("parsed %d columns, want %d", n, tc.wantCols)
			}
		})
	}
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
