// Package db opens the NEV CRM database (an SQLite file or a PostgreSQL server),
// applies the embedded migrations and offers the few dialect helpers the
// domain stores need. SQL is written once with $1 placeholders for both.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a database handle together with its dialect.
type DB struct {
	*sql.DB
	Dialect Dialect
	// DSN is the address the handle was opened with (a file path or a URL).
	DSN string
	// stmts caches prepared statements (SQLite only; nil on PostgreSQL).
	stmts *stmtCache
}

// IsPostgresURL reports whether dsn addresses a PostgreSQL server.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to dsn: a postgres:// URL, or else an SQLite file path that is
// created when missing. It pings the database before returning.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		sqlDB   *sql.DB
		err     error
		dialect Dialect
	)
	if IsPostgresURL(dsn) {
		dialect = Postgres
		sqlDB, err = sql.Open("pgx", dsn)
		if err == nil {
			sqlDB.SetMaxOpenConns(20)
			sqlDB.SetMaxIdleConns(10)
			sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		}
	} else {
		dialect = SQLite
		sqlDB, err = sql.Open("sqlite", sqliteDSN(dsn))
		if err == nil {
			// One writer at a time anyway (immediate transactions); a few
			// connections let readers proceed under WAL.
			sqlDB.SetMaxOpenConns(4)
			sqlDB.SetMaxIdleConns(4)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	d := &DB{DB: sqlDB, Dialect: dialect, DSN: dsn}
	if dialect == SQLite {
		d.stmts = &stmtCache{stmts: map[string]*sql.Stmt{}}
	}
	return d, nil
}

// sqliteDSN turns a file path into a modernc.org/sqlite DSN with the pragmas
// every pooled connection needs (see STACK-NOTES: WAL, busy timeout, foreign
// keys, immediate transactions, ISO time format).
func sqliteDSN(path string) string {
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise; it returns fn's error unchanged, or the failure to begin or
// commit wrapped ("begin: ...", "commit: ...") so the classifiers in this
// package still see the driver's error.
//
// On PostgreSQL a transaction chosen as a deadlock victim (SQLSTATE 40P01) or
// failing serialization (40001), whether fn or the commit saw it, is rolled
// back and run again after a pause of a few milliseconds, up to three times
// in all, so fn must do all its work through tx and may run more than once.
// No other error is retried: not a constraint violation, not a cancelled
// context (the retries stop once ctx is done), not a lock wait that gave up
// (IsBusy).
//
// On SQLite the transaction takes the write lock at BEGIN (_txlock=immediate),
// so writers queue there for up to busy_timeout (10 s) and never deadlock;
// when that wait runs out, InTx returns the SQLITE_BUSY error (IsBusy reports
// it) without retrying and without calling fn.
func (d *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if err = d.inTx(ctx, fn); !retryable(err) || attempt == 3 {
			return err
		}
		// The other transaction still holds its locks until it commits. A
		// retry that starts at once can take a released row before the
		// woken winner does and deadlock with it again; a short random
		// pause lets the winner go first.
		pause := time.Duration(attempt) * (5*time.Millisecond + rand.N(20*time.Millisecond))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

func (d *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// UTC returns a clock reading now (time.Now when nil) in UTC, the zone every
// stored time is in. Services take such a clock so tests can fix the time.
func UTC(now func() time.Time) func() time.Time {
	if now == nil {
		now = time.Now
	}
	return func() time.Time { return now().UTC() }
}

// Querier is what a store needs to read and write through either a database
// or a transaction: *sql.DB, *sql.Tx and *DB satisfy it.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// NoRows reports whether err means a query found nothing.
func NoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
