package account_test

import (
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func TestSweep(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := e.staff("sweep.sales", identity.RoleSales, e.store)
		now := start.Add(30 * 24 * time.Hour)

		session := func(token string, expires time.Time) {
			t.Helper()
			if _, err := d.ExecContext(e.ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
				VALUES ($1, $2, $3, $4, $3)`, token, u.ID, expires.Add(-30*24*time.Hour), expires); err != nil {
				t.Fatal(err)
			}
		}
		session("expired-long-ago", now.Add(-24*time.Hour))
		session("expired-just-now", now)
		session("expires-in-a-second", now.Add(time.Second))
		session("expires-next-week", now.Add(7*24*time.Hour))

		failure := func(key string, first time.Time, locked *time.Time) {
			t.Helper()
			if _, err := d.ExecContext(e.ctx, `INSERT INTO login_failures (login_key, failures, first_failed_at, locked_until)
				VALUES ($1, 3, $2, $3)`, key, first, locked); err != nil {
				t.Fatal(err)
			}
		}
		at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
		failure("ip:old", now.Add(-time.Hour), nil)                        // window over, never locked: swept
		failure("ip:old-lock-over", now.Add(-time.Hour), at(-time.Minute)) // window and lock over: swept
		failure("ip:window-edge", now.Add(-15*time.Minute), nil)           // window ends exactly now: swept
		failure("ip:in-window", now.Add(-14*time.Minute), nil)             // still counting: kept
		failure("ip:still-locked", now.Add(-time.Hour), at(time.Minute))   // lock in force: kept

		if _, _, err := e.svc.Sweep(e.ctx, u, now); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("sales sweeping: %v, want forbidden", err)
		}
		sessions, failures, err := e.svc.Sweep(e.ctx, identity.System(), now)
		if err != nil {
			t.Fatal(err)
		}
		if sessions != 2 || failures != 3 {
			t.Errorf("swept %d sessions, %d counters; want 2, 3", sessions, failures)
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions WHERE token_hash IN ('expires-in-a-second', 'expires-next-week')`); n != 2 {
			t.Errorf("live sessions left = %d, want 2", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM sessions`); n != 2 {
			t.Errorf("sessions left = %d, want 2", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM login_failures WHERE login_key IN ('ip:in-window', 'ip:still-locked')`); n != 2 {
			t.Errorf("live counters left = %d, want 2", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM login_failures`); n != 2 {
			t.Errorf("counters left = %d, want 2", n)
		}
		// A second sweep finds nothing.
		if s, f, err := e.svc.Sweep(e.ctx, identity.System(), now); err != nil || s != 0 || f != 0 {
			t.Errorf("second sweep = %d, %d, %v", s, f, err)
		}
	})
}
