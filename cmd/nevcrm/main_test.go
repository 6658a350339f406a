package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
)

func TestCommands(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "cli.db")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"version"}, nil, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "nevcrm ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"frobnicate"}, nil, &out, &errOut); err == nil {
		t.Fatal("unknown command accepted")
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "--db", dsn}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "schema at version") {
		t.Fatalf("migrate: %v %q", err, out.String())
	}
	t.Setenv("NEVCRM_PASSWORD", "")
	out.Reset()
	err := run(ctx, []string{"user", "add", "--db", dsn, "--username", "ops.admin", "--name", "运维管理员", "--role", "admin"},
		strings.NewReader("a-long-password\n"), &out, &errOut)
	if err != nil || !strings.Contains(out.String(), `created admin account "ops.admin"`) {
		t.Fatalf("user add: %v %q", err, out.String())
	}
	// Bad input names the flag at fault and writes nothing.
	err = run(ctx, []string{"user", "add", "--db", dsn, "--username", "X", "--name", "李", "--role", "sales"},
		strings.NewReader("short\n"), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--username") || !strings.Contains(err.Error(), "--site:") {
		t.Fatalf("bad user add: %v", err)
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(`SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("users = %d, %v; want 1", n, err)
	}
}
