package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
)

// TestImportCommand: `nevcrm import customers|leads` with a mapping file,
// a dry run that writes nothing, the import, and the rejected rows on
// stderr; a mapping of an unknown field names the flag.
func TestImportCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := filepath.Join(dir, "cli.db")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"migrate", "--db", dsn}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Exec(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('CLI1', 'store', '命令行店', '上海', '上海', CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	people := write("people.csv", "称呼,客户电话,城市,来源\n钱一,13600000001,上海,官网\n钱二,136,上海,官网\n")
	mapping := write("m.json", `{"称呼": "name", "客户电话": "mobile"}`)
	count := func(q string) int {
		var n int
		if err := d.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, target := range []string{"customers", "leads"} {
		out.Reset()
		errOut.Reset()
		args := []string{"import", target, "--db", dsn, "--file", people, "--mapping", mapping, "--store", "CLI1"}
		if err := run(ctx, append(args, "--dry-run"), nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "rows=2 created=1") ||
			!strings.Contains(errOut.String(), "第 3 行 手机号") {
			t.Fatalf("%s dry run: %v %q %q", target, err, out.String(), errOut.String())
		}
		if n := count(`SELECT COUNT(*) FROM customers`) + count(`SELECT COUNT(*) FROM leads`); n != 0 && target == "customers" {
			t.Fatalf("the dry run wrote %d rows", n)
		}
		out.Reset()
		if err := run(ctx, args, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "errors=1") {
			t.Fatalf("%s import: %v %q", target, err, out.String())
		}
	}
	if count(`SELECT COUNT(*) FROM customers WHERE mobile = '13600000001'`) != 1 || count(`SELECT COUNT(*) FROM leads`) != 1 {
		t.Error("the imports did not write one customer and one lead")
	}
	bad := write("bad.json", `{"称呼": "nickname"}`)
	err = run(ctx, []string{"import", "leads", "--db", dsn, "--file", people, "--mapping", bad}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--mapping") {
		t.Errorf("bad mapping: %v", err)
	}
}
