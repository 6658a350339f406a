package db

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

func TestInTxRetriesDeadlockVictims(t *testing.T) {
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, tc := range []struct {
		err      error
		attempts int
	}{
		{errors.New("ERROR: deadlock detected (SQLSTATE 40P01)"), 3},
		{errors.New("ERROR: could not serialize access (SQLSTATE 40001)"), 3},
		{errors.New("invalid: 已约满"), 1},
		{nil, 1},
	} {
		n := 0
		got := d.InTx(context.Background(), func(*sql.Tx) error { n++; return tc.err })
		if n != tc.attempts || !errors.Is(got, tc.err) && got != tc.err {
			t.Errorf("%v: %d attempts, returned %v; want %d attempts", tc.err, n, got, tc.attempts)
		}
	}
}
