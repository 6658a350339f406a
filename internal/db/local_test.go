package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestLocalBuckets: a stored UTC time falls in the Asia/Shanghai month, day
// and hour, across a year boundary (2025-12-31 16:30 UTC is 2026-01-01
// 00:30 in Shanghai) and just before it.
func TestLocalBuckets(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, c := range []struct {
			at         time.Time
			month, day string
			hour       int
		}{
			{time.Date(2025, 12, 31, 16, 30, 0, 0, time.UTC), "2026-01", "2026-01-01", 0},
			{time.Date(2025, 12, 31, 15, 59, 59, 0, time.UTC), "2025-12", "2025-12-31", 23},
			{time.Date(2026, 2, 28, 16, 0, 0, 0, time.UTC), "2026-03", "2026-03-01", 0},
		} {
			if _, err := d.ExecContext(ctx, `DELETE FROM login_failures`); err != nil {
				t.Fatal(err)
			}
			if _, err := d.ExecContext(ctx, `INSERT INTO login_failures (login_key, failures, first_failed_at) VALUES ('k', 1, $1)`, c.at); err != nil {
				t.Fatal(err)
			}
			var month, day string
			var hour int
			if err := d.QueryRowContext(ctx, `SELECT `+d.Dialect.LocalMonth("first_failed_at")+`, `+d.Dialect.LocalDay("first_failed_at")+`, `+
				d.Dialect.LocalHour("first_failed_at")+` FROM login_failures`).Scan(&month, &day, &hour); err != nil {
				t.Fatal(err)
			}
			if month != c.month || day != c.day || hour != c.hour {
				t.Errorf("%v: got %s %s %d, want %s %s %d", c.at, month, day, hour, c.month, c.day, c.hour)
			}
		}
	})
}
