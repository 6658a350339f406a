package notify_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// BenchmarkInbox measures the inbox queries on a large notifications table,
// each beside a baseline in the same run (a user looked up by primary key):
// NEVCRM_BENCH_NOTIFICATIONS rows (default 1,000,000) spread over 10,000
// users at about 100 each, plus one heavy user (a busy service desk) holding
// a tenth of the table; nine in ten are read. Run it with
//
//	go test -run '^$' -bench Inbox -benchtime 2000x ./internal/notify/
//
// (with NEVCRM_TEST_POSTGRES_URL set it runs on PostgreSQL too).
func BenchmarkInbox(b *testing.B) {
	rows := 1_000_000
	if v := os.Getenv("NEVCRM_BENCH_NOTIFICATIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 20_000 {
			b.Fatalf("NEVCRM_BENCH_NOTIFICATIONS=%q: want a number of rows, at least 20000", v)
		}
		rows = n
	}
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) { benchInbox(b, dbtest.Open(b, dialect), rows) })
	}
}

func benchInbox(b *testing.B, d *db.DB, rows int) {
	ctx := context.Background()
	const users = 10_000
	heavyRows := rows / 10
	start := time.Now()
	// Users 1..users, then the heavy one; generated in SQL, same text on both databases.
	seed := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at)
			WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1)
			SELECT 'bench' || i, '用户', 'service', '!', $2, $3, $3 FROM s`, []any{users + 1, true, start}},
		{`INSERT INTO notifications (user_id, kind, title, body, link, created_at)
			WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1)
			SELECT 1 + i % $2, 'appointment.booked', '新的维修保养预约', '车主预约了维修保养。', '/service/', $3 FROM s`,
			[]any{rows - heavyRows, users, start}},
		{`INSERT INTO notifications (user_id, kind, title, body, link, created_at)
			WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1)
			SELECT $2, 'appointment.booked', '新的维修保养预约', '车主预约了维修保养。', '/service/', $3 FROM s`,
			[]any{heavyRows, users + 1, start}},
		{`UPDATE notifications SET read_at = created_at WHERE id % 10 <> 0`, nil},
		{`ANALYZE`, nil},
	}
	for _, s := range seed {
		if _, err := d.ExecContext(ctx, s.sql, s.args...); err != nil {
			b.Fatalf("seed: %v\n%s", err, s.sql)
		}
	}
	b.Logf("%s: %d notifications for %d users (one with %d) seeded in %v", d.Dialect, rows, users+1, heavyRows, time.Since(start).Round(time.Millisecond))

	svc := notify.NewService(d, nil)
	typical := &identity.User{ID: users / 2, Role: identity.RoleService}
	heavy := &identity.User{ID: users + 1, Role: identity.RoleService}
	// A cursor half-way down the heavy user's inbox, reached by paging as
	// a reader would (cursors are the list toolkit's opaque strings).
	var deep string
	for seen := 0; seen < heavyRows/2; {
		p, err := svc.List(ctx, heavy, notify.Filter{Limit: notify.MaxLimit, Cursor: deep})
		if err != nil {
			b.Fatal(err)
		}
		if p.NextCursor == "" {
			b.Fatalf("the heavy user's inbox ended after %d", seen+len(p.Items))
		}
		seen += len(p.Items)
		deep = p.NextCursor
	}
	cases := []struct {
		name string
		fn   func() error
	}{
		{"baseline user by primary key", func() error {
			var s string
			return d.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = $1`, typical.ID).Scan(&s)
		}},
		{"unread count, typical user", func() error { _, err := svc.UnreadCount(ctx, typical); return err }},
		{"unread count, heavy user (capped)", func() error { _, err := svc.UnreadCount(ctx, heavy); return err }},
		{"list first page, typical user", func() error { _, err := svc.List(ctx, typical, notify.Filter{}); return err }},
		{"list first page, heavy user", func() error { _, err := svc.List(ctx, heavy, notify.Filter{}); return err }},
		{"list half-way down, heavy user", func() error { _, err := svc.List(ctx, heavy, notify.Filter{Cursor: deep}); return err }},
		{"unread list, heavy user", func() error { _, err := svc.List(ctx, heavy, notify.Filter{Unread: true}); return err }},
		{"unread list half-way down, heavy user", func() error {
			_, err := svc.List(ctx, heavy, notify.Filter{Unread: true, Cursor: deep})
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
