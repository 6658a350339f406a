package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// forEachEmpty runs fn on a fresh, unmigrated database of each dialect under
// test: the tests below make their own small tables.
func forEachEmpty(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			fn(t, dbtest.OpenEmpty(t, dialect))
		})
	}
}

func mustExec(t *testing.T, d *db.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		if _, err := d.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// classes lists every classifier, so each case can check that exactly the
// expected one answers.
var classes = []struct {
	name string
	is   func(error) bool
}{
	{"unique", db.IsUniqueViolation},
	{"foreign_key", db.IsForeignKeyViolation},
	{"check", db.IsCheckViolation},
	{"not_null", db.IsNotNullViolation},
	{"busy", db.IsBusy},
	{"canceled", canceled},
}

// wantOnly fails unless err is answered by the classifier named want and by
// no other, also when wrapped.
func wantOnly(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	for _, e := range []error{err, fmt.Errorf("outer: %w", err)} {
		for _, c := range classes {
			if got := c.is(e); got != (c.name == want) {
				t.Errorf("Is %s = %v for %v (want only %s)", c.name, got, e, want)
			}
		}
	}
}

func TestConstraintViolationsClassified(t *testing.T) {
	t.Parallel()
	forEachEmpty(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		mustExec(t, d,
			`CREATE TABLE err_parents (
				id   BIGINT NOT NULL CONSTRAINT err_parents_pkey PRIMARY KEY,
				code TEXT NOT NULL CONSTRAINT err_parents_code_key UNIQUE,
				qty  BIGINT NOT NULL CONSTRAINT err_parents_qty_check CHECK (qty >= 0),
				open BIGINT NOT NULL DEFAULT 1
			)`,
			`CREATE UNIQUE INDEX err_parents_qty_open ON err_parents (qty) WHERE open = 1`,
			`CREATE TABLE err_children (
				id        BIGINT NOT NULL PRIMARY KEY,
				parent_id BIGINT NOT NULL CONSTRAINT err_children_parent_fkey REFERENCES err_parents (id)
			)`,
			`INSERT INTO err_parents (id, code, qty) VALUES (1, 'A', 1)`,
			`INSERT INTO err_children (id, parent_id) VALUES (1, 1)`,
		)
		for _, tc := range []struct {
			name, query string
			args        []any
			want        string // classifier that must answer
			constraint  string // PostgreSQL's constraint name; "-": not checked (PostgreSQL 18 names NOT NULL constraints, 15 does not)
		}{
			{"unique column", `INSERT INTO err_parents (id, code, qty) VALUES ($1, $2, $3)`, []any{2, "A", 2}, "unique", "err_parents_code_key"},
			{"primary key", `INSERT INTO err_parents (id, code, qty) VALUES ($1, $2, $3)`, []any{1, "B", 2}, "unique", "err_parents_pkey"},
			{"partial unique index", `INSERT INTO err_parents (id, code, qty) VALUES ($1, $2, $3)`, []any{2, "B", 1}, "unique", "err_parents_qty_open"},
			{"partial index skips closed rows", `INSERT INTO err_parents (id, code, qty, open) SELECT $1, $2, $3, 0`, []any{2, "B", 1}, "", ""},
			{"foreign key insert", `INSERT INTO err_children (id, parent_id) VALUES ($1, $2)`, []any{2, 99}, "foreign_key", "err_children_parent_fkey"},
			{"foreign key delete", `DELETE FROM err_parents WHERE id = $1`, []any{1}, "foreign_key", "err_children_parent_fkey"},
			{"check", `UPDATE err_parents SET qty = $1 WHERE id = $2`, []any{-1, 1}, "check", "err_parents_qty_check"},
			{"not null", `INSERT INTO err_parents (id, code, qty) VALUES ($1, $2, $3)`, []any{3, nil, 3}, "not_null", "-"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := d.ExecContext(ctx, tc.query, tc.args...)
				if tc.want == "" {
					// A row that no constraint refuses (closed rows leave the
					// partial index): nothing to classify.
					if err != nil {
						t.Fatal(err)
					}
					for _, c := range classes {
						if c.is(err) {
							t.Errorf("Is %s(nil) = true", c.name)
						}
					}
					return
				}
				wantOnly(t, err, tc.want)
				want := tc.constraint
				if want == "-" {
					return
				}
				if d.Dialect == db.SQLite {
					want = "" // documented: SQLite names no constraint outside the message
				}
				if got := db.Constraint(err); got != want {
					t.Errorf("Constraint = %q, want %q (error %v)", got, want, err)
				}
				if got := db.Constraint(fmt.Errorf("wrapped: %w", err)); got != want {
					t.Errorf("Constraint of wrapped = %q, want %q", got, want)
				}
			})
		}
		// A violation inside InTx comes back classified, after one attempt.
		n := 0
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			n++
			_, err := tx.ExecContext(ctx, `INSERT INTO err_parents (id, code, qty) VALUES ($1, $2, $3)`, 4, "A", 4)
			return err
		})
		wantOnly(t, err, "unique")
		if n != 1 {
			t.Errorf("InTx ran a unique violation %d times, want 1", n)
		}
	})
}

// TestClassifiersIgnoreMessageText shows that only the driver's typed errors
// count: errors whose text looks like a driver's are not classified, and InTx
// does not retry them.
func TestClassifiersIgnoreMessageText(t *testing.T) {
	t.Parallel()
	fakes := []error{
		nil,
		errors.New("constraint failed: UNIQUE constraint failed: users.mobile (2067)"),
		errors.New("ERROR: duplicate key value violates unique constraint \"users_mobile_key\" (SQLSTATE 23505)"),
		errors.New("ERROR: insert or update violates foreign key constraint (SQLSTATE 23503)"),
		errors.New("ERROR: new row violates check constraint (SQLSTATE 23514)"),
		errors.New("NOT NULL constraint failed: users.role (1299)"),
		errors.New("database is locked (5) (SQLITE_BUSY)"),
		errors.New("interrupted (9)"),
		errors.New("context canceled"),
		errors.New("ERROR: deadlock detected (SQLSTATE 40P01)"),
		errors.New("ERROR: could not serialize access (SQLSTATE 40001)"),
	}
	for _, e := range fakes {
		for _, c := range classes {
			if c.is(e) {
				t.Errorf("Is %s(%v) = true for a plain error", c.name, e)
			}
		}
		if got := db.Constraint(e); got != "" {
			t.Errorf("Constraint(%v) = %q", e, got)
		}
	}
	forEachEmpty(t, func(t *testing.T, d *db.DB) {
		for _, e := range fakes {
			n := 0
			got := d.InTx(context.Background(), func(*sql.Tx) error { n++; return e })
			if n != 1 || got != e {
				t.Errorf("InTx(%v): %d attempts, returned %v; want 1 attempt returning it", e, n, got)
			}
		}
	})
}

func isDeadlock(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "40P01"
}

// TestInTxRetriesRealDeadlock makes PostgreSQL pick a deadlock victim: two
// transactions on two connections each update one of two rows, wait until
// the other has done so, then update the other's row. The victim's InTx runs
// it again, and both finally commit.
func TestInTxRetriesRealDeadlock(t *testing.T) {
	t.Parallel()
	d := dbtest.OpenEmpty(t, db.Postgres) // skips without PostgreSQL
	// (SQLite takes the write lock at BEGIN: two writers queue, never deadlock.)
	mustExec(t, d,
		`CREATE TABLE err_rows (id BIGINT NOT NULL PRIMARY KEY, n BIGINT NOT NULL)`,
		`INSERT INTO err_rows (id, n) VALUES (1, 0), (2, 0)`,
	)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	locked := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	var (
		mu        sync.Mutex
		attempts  [2]int
		deadlocks int
	)
	run := func(me int) error {
		first, second := me+1, 2-me // worker 0 locks row 1 then 2; worker 1 row 2 then 1
		return d.InTx(ctx, func(tx *sql.Tx) error {
			mu.Lock()
			attempts[me]++
			try := attempts[me]
			mu.Unlock()
			if _, err := tx.ExecContext(ctx, `UPDATE err_rows SET n = n + 1 WHERE id = $1`, first); err != nil {
				return err
			}
			if try == 1 {
				close(locked[me]) // I hold my first row ...
				select {          // ... and wait until the other holds its own.
				case <-locked[1-me]:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			_, err := tx.ExecContext(ctx, `UPDATE err_rows SET n = n + 1 WHERE id = $1`, second)
			if isDeadlock(err) {
				mu.Lock()
				deadlocks++
				mu.Unlock()
			}
			return err
		})
	}
	errs := make(chan error, 2)
	for me := range 2 {
		go func() { errs <- run(me) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("InTx = %v, want both transactions committed", err)
		}
	}
	// Each deadlock costs its victim one more run (usually one deadlock and
	// three runs in all).
	if deadlocks < 1 || attempts[0]+attempts[1] != 2+deadlocks {
		t.Errorf("%d deadlocks seen, attempts %v; want at least one, each victim run again", deadlocks, attempts)
	}
	var total, rows int64
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*), SUM(n) FROM err_rows WHERE n = 2`).Scan(&rows, &total); err != nil {
		t.Fatal(err)
	}
	if rows != 2 || total != 4 {
		t.Errorf("%d rows with n = 2, total %d; want both updates of both transactions committed once", rows, total)
	}
}

// TestInTxDoesNotRetryBusy: a lock wait that gives up is reported by IsBusy
// and returned by InTx at once, not retried.
func TestInTxDoesNotRetryBusy(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		ctx := context.Background()
		dsn := dbtest.DSN(t, db.SQLite)
		holder, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		mustExec(t, holder, `CREATE TABLE err_rows (id BIGINT NOT NULL PRIMARY KEY, n BIGINT NOT NULL)`)
		// Two more handles on the same file that wait 50 ms, not 10 s, for
		// the lock: one connection each, so the pragma stays set.
		short := func() *db.DB {
			h, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { h.Close() })
			h.SetMaxOpenConns(1)
			mustExec(t, h, `PRAGMA busy_timeout = 50`)
			return h
		}
		d, other := short(), short()

		// 1. Another writer holds the lock: BEGIN gives up, fn never runs.
		tx, err := holder.BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = d.InTx(ctx, func(*sql.Tx) error { n++; return nil })
		if !db.IsBusy(err) || n != 0 {
			t.Errorf("InTx while locked: %v after %d calls of fn; want SQLITE_BUSY before fn", err, n)
		}
		wantOnly(t, err, "busy")
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}

		// 2. fn itself meets SQLITE_BUSY (here from a second handle, while this
		// transaction holds the lock): returned after one run.
		n = 0
		err = d.InTx(ctx, func(tx *sql.Tx) error {
			n++
			if _, err := tx.ExecContext(ctx, `INSERT INTO err_rows (id, n) VALUES (1, 1)`); err != nil {
				return err
			}
			_, err := other.ExecContext(ctx, `INSERT INTO err_rows (id, n) VALUES (2, 1)`)
			return err
		})
		if n != 1 {
			t.Errorf("fn ran %d times on SQLITE_BUSY, want 1", n)
		}
		wantOnly(t, err, "busy")
		var rows int
		if err := holder.QueryRowContext(ctx, `SELECT COUNT(*) FROM err_rows`).Scan(&rows); err != nil || rows != 0 {
			t.Errorf("%d rows (%v) after the failed transaction, want 0", rows, err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		ctx := context.Background()
		d := dbtest.OpenEmpty(t, db.Postgres)
		mustExec(t, d,
			`CREATE TABLE err_rows (id BIGINT NOT NULL PRIMARY KEY, n BIGINT NOT NULL)`,
			`INSERT INTO err_rows (id, n) VALUES (1, 0)`,
		)
		tx, err := d.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `UPDATE err_rows SET n = 1 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		n := 0
		err = d.InTx(ctx, func(tx *sql.Tx) error {
			n++
			if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '50ms'`); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE err_rows SET n = 2 WHERE id = 1`)
			return err
		})
		if n != 1 {
			t.Errorf("fn ran %d times on lock_not_available, want 1", n)
		}
		wantOnly(t, err, "busy")
	})
}

// canceled is what the HTTP layer (httpx.ClientGone) takes for a request
// whose client went away: the context's own error in the chain.
func canceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// TestCancellationIsContextError cancels a long query mid-flight, by cancel
// and by deadline, in and out of a transaction: on both databases the error
// wraps the context's error (and is no other kind), which httpx.ClientGone
// relies on.
func TestCancellationIsContextError(t *testing.T) {
	t.Parallel()
	// Counts to a billion: far longer than the test waits, bounded all the same.
	const long = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT COUNT(*) FROM c`
	forEachEmpty(t, func(t *testing.T, d *db.DB) {
		t.Run("cancel", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			var n int64
			err := d.QueryRowContext(ctx, long).Scan(&n)
			wantOnly(t, err, "canceled")
		})
		t.Run("deadline", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			var n int64
			err := d.QueryRowContext(ctx, long).Scan(&n)
			wantOnly(t, err, "canceled")
		})
		t.Run("rows", func(t *testing.T) {
			// Cancelled while reading rows, after the first ones arrived.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rows, err := d.QueryContext(ctx, `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT x FROM c`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			read := 0
			for rows.Next() {
				if read++; read == 10 {
					cancel()
				}
			}
			wantOnly(t, rows.Err(), "canceled")
		})
		t.Run("in transaction", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			n := 0
			err := d.InTx(ctx, func(tx *sql.Tx) error {
				n++
				// Cancel once the transaction has begun: a timer started before
				// InTx fired during BEGIN on a loaded machine, and fn never ran.
				time.AfterFunc(100*time.Millisecond, cancel)
				var c int64
				return tx.QueryRowContext(ctx, long).Scan(&c)
			})
			wantOnly(t, err, "canceled")
			if n != 1 {
				t.Errorf("fn ran %d times, want 1", n)
			}
		})
		// The handle still works afterwards.
		var one int64
		if err := d.QueryRowContext(context.Background(), `SELECT 1`).Scan(&one); err != nil || one != 1 {
			t.Fatalf("after cancellations: %v", err)
		}
	})
}
