package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
)

// TestWorkerCommand: `nevcrm worker` refuses an unmigrated database, runs the
// scheduled session sweep, and stops cleanly when its context ends (SIGTERM).
func TestWorkerCommand(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "worker.db")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"worker", "--db", dsn}, nil, &out, &errOut); !errors.Is(err, db.ErrSchemaOutdated) {
		t.Fatalf("worker on an empty database = %v, want ErrSchemaOutdated", err)
	}
	if err := run(ctx, []string{"migrate", "--db", dsn}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(wctx, []string{"worker", "--db", dsn, "--job-workers", "2"}, nil, &out, &errOut) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'session_sweep' AND state = 'completed'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("worker exited early: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no completed sweep after 20 s\n%s", errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker stopped with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("worker did not stop")
	}
}
