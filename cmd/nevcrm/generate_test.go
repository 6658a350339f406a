package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// envChild makes the test binary act as the nevcrm command (see TestMain),
// so that a test can run real, separate command-line processes.
const envChild = "NEVCRM_TEST_CLI_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "nevcrm:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// nevcrm runs the command line in a process of its own for each of the
// argument lists, all at once, and fails the test if one fails.
func nevcrm(t *testing.T, runs ...[]string) {
	t.Helper()
	cmds := make([]*exec.Cmd, len(runs))
	errs := make([]*bytes.Buffer, len(runs))
	for i, args := range runs {
		cmds[i] = exec.Command(os.Args[0], args...)
		cmds[i].Env = append(os.Environ(), envChild+"=1")
		errs[i] = &bytes.Buffer{}
		cmds[i].Stderr = errs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("nevcrm %s: %v\n%s", strings.Join(runs[i], " "), err, errs[i].String())
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// TestGenerateReproducible runs `nevcrm generate` twice with the same seed,
// scale, months and --as-of, each into a fresh database in a process of its
// own, and expects `nevcrm export --format csv` to give the same bytes for
// every table; a third run with another --as-of must differ. On PostgreSQL
// (when the suite has one) the two runs are compared there too.
func TestGenerateReproducible(t *testing.T) {
	gen := []string{"--scale", "300", "--seed", "5", "--months", "6"}
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			// Two runs of the same data at the same instant, given in two
			// zones; on SQLite a third run a day later must differ.
			asOf := []string{"2026-06-30T00:00:00Z", "2026-06-30T08:00:00+08:00"}
			if dialect == db.SQLite {
				asOf = append(asOf, "2026-07-01T00:00:00Z")
			}
			var generate, export [][]string
			var dirs []string
			for _, at := range asOf {
				dsn := dbtest.DSN(t, dialect)
				dirs = append(dirs, t.TempDir())
				generate = append(generate, append([]string{"generate", "--db", dsn, "--as-of", at}, gen...))
				export = append(export, []string{"export", "--db", dsn, "--format", "csv", "--out", dirs[len(dirs)-1]})
			}
			nevcrm(t, generate...)
			nevcrm(t, export...)
			a, b := dirs[0], dirs[1]
			files, err := filepath.Glob(filepath.Join(a, "*.csv"))
			if err != nil || len(files) < 35 {
				t.Fatalf("exported %d files (%v), want every table", len(files), err)
			}
			for _, f := range files {
				x, _ := os.ReadFile(f)
				y, err := os.ReadFile(filepath.Join(b, filepath.Base(f)))
				if err != nil || !bytes.Equal(x, y) {
					t.Errorf("%s differs between two command-line runs with the same options", filepath.Base(f))
				}
			}
			if len(dirs) < 3 {
				return
			}
			x, _ := os.ReadFile(filepath.Join(a, "appointments.csv"))
			y, _ := os.ReadFile(filepath.Join(dirs[2], "appointments.csv"))
			if bytes.Equal(x, y) {
				t.Error("another --as-of gave the same appointments")
			}
		})
	}
}

func TestGenerateAsOfRefusesBadTime(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "x.db")
	var out, errOut bytes.Buffer
	for _, v := range []string{"2026-06-30", "yesterday", "2026-06-30 00:00:00"} {
		err := run(context.Background(), []string{"generate", "--db", dsn, "--scale", "10", "--as-of", v}, nil, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "--as-of") || !strings.Contains(err.Error(), "RFC 3339") {
			t.Errorf("--as-of %q: %v", v, err)
		}
	}
	if _, err := os.Stat(dsn); err == nil {
		t.Error("a refused --as-of created the database")
	}
}

// TestCheckDemoDatabase loads the demo (as serve --demo does) and runs
// `nevcrm check` on the database: the top-up of the service queue and the
// demo accounts keep every invariant.
func TestCheckDemoDatabase(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "demo.db")
	cfg := &config.Config{Addr: "127.0.0.1:0", DB: dsn, Demo: true, Migrate: true, LogFormat: "text"}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"check", "--db", dsn}, nil, &out, &errOut); err != nil {
		t.Fatalf("nevcrm check on the demo database: %v\n%s", err, out.String())
	}
}

// TestServeRefusesUnfinishedGeneration interrupts `nevcrm generate` and
// expects `nevcrm serve` (without --demo) to refuse the database with a
// message that says why and what to do.
func TestServeRefusesUnfinishedGeneration(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "cut.db")
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = datagen.Generate(ctx, d, datagen.Options{Customers: 2000, Seed: 1, Months: 6, Progress: cancelOnWrite(cancel)})
	cancel()
	d.Close()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted generate: %v", err)
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "data generation in this database did not complete") ||
		!strings.Contains(err.Error(), "datagen_status=running") || !strings.Contains(err.Error(), "nevcrm generate") {
		t.Fatalf("serve on an interrupted generation: %v", err)
	}
}

// cancelOnWrite cancels the run at its first progress message, before any
// row is written, like a Ctrl-C during loading.
type cancelOnWrite func()

func (c cancelOnWrite) Write(p []byte) (int, error) { c(); return len(p), nil }
