// Package dbtest gives tests real, freshly migrated databases: an SQLite file
// in a temporary folder always, and a new PostgreSQL database per call when
// NEVCRM_TEST_POSTGRES_URL names a server (the database is dropped afterwards).
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
)

// EnvPostgres is the variable that points the suite at a PostgreSQL server,
// e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvPostgres = "NEVCRM_TEST_POSTGRES_URL"

// ForEach runs fn as a subtest on SQLite and, when EnvPostgres is set, again
// on PostgreSQL, each with a fresh migrated database. The subtests run in
// parallel (with each other and with other parallel tests), so ForEach must
// be the last thing its test does, and fn may share nothing mutable with
// other tests.
func ForEach(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, Open(t, db.SQLite))
	})
	if os.Getenv(EnvPostgres) != "" {
		t.Run("postgres", func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, db.Postgres))
		})
	}
}

// Dialects lists the dialects this test run covers.
func Dialects() []db.Dialect {
	if os.Getenv(EnvPostgres) != "" {
		return []db.Dialect{db.SQLite, db.Postgres}
	}
	return []db.Dialect{db.SQLite}
}

// Open returns a fresh, migrated database of the given dialect, closed (and
// for PostgreSQL dropped) when the test ends. It skips the test when
// PostgreSQL is asked for but EnvPostgres is unset.
func Open(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	d := OpenEmpty(t, dialect)
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", dialect, err)
	}
	return d
}

// OpenEmpty is Open without migrations.
func OpenEmpty(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	dsn := DSN(t, dialect)
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// DSN creates an empty database of the given dialect and returns its address;
// the database is removed when the test ends.
func DSN(t testing.TB, dialect db.Dialect) string {
	t.Helper()
	if dialect == db.SQLite {
		return filepath.Join(t.TempDir(), "nevcrm.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("PostgreSQL suite skipped: set %s to run it", EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "nevcrm_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}
