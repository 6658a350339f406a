package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
)

// TestServeSweepsSessions: serve with workers runs the scheduled session
// sweep at start; it deletes the expired session and keeps the live one.
// Without workers nothing is swept, but jobs can still be enqueued.
func TestServeSweepsSessions(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.DSN(t, dialect)
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			var uid int64
			if err := d.QueryRowContext(ctx, `INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at)
				VALUES ('sweep', '清理', 'sales', 'x', $1, $1) RETURNING id`, now).Scan(&uid); err != nil {
				t.Fatal(err)
			}
			for token, exp := range map[string]time.Time{"expired": now.Add(-time.Hour), "live": now.Add(time.Hour)} {
				if _, err := d.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
					VALUES ($1, $2, $3, $4, $3)`, token, uid, now.Add(-24*time.Hour), exp); err != nil {
					t.Fatal(err)
				}
			}
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			sessions := func() int {
				var n int
				if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}

			// serve --no-worker: jobs wait in the database.
			a, err := app.New(ctx, &config.Config{DB: dsn, LogFormat: "text"}, logger)
			if err != nil {
				t.Fatal(err)
			}
			id, err := a.Jobs.Enqueue(ctx, identity.System(), app.SessionSweepArgs{})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			if info, err := a.Jobs.Get(ctx, identity.System(), id); err != nil || info.State != jobs.Available || sessions() != 2 {
				t.Fatalf("without workers: %+v, %v, %d sessions", info, err, sessions())
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}

			// serve: the queued sweep and the scheduled one run.
			a, err = app.New(ctx, &config.Config{DB: dsn, LogFormat: "text", Worker: true}, logger)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			deadline := time.Now().Add(20 * time.Second)
			for {
				info, err := a.Jobs.Get(ctx, identity.System(), id)
				if err != nil {
					t.Fatal(err)
				}
				if info.State == jobs.Completed {
					if info.Message != "删除过期会话 1 个、过期登录失败计数 0 条" {
						t.Errorf("message = %q", info.Message)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("sweep not done: %+v", info)
				}
				time.Sleep(20 * time.Millisecond)
			}
			var live int
			if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = 'live'`).Scan(&live); err != nil || live != 1 || sessions() != 1 {
				t.Fatalf("after sweep: live %d, all %d, %v; want 1, 1", live, sessions(), err)
			}
			// The hourly schedule enqueued its own sweep at start.
			deadline = time.Now().Add(20 * time.Second)
			for {
				p, err := a.Jobs.List(ctx, identity.System(), jobs.ListFilter{Kind: "session_sweep", State: jobs.Completed})
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Items) == 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("scheduled sweep did not run: %d completed sweeps", len(p.Items))
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
