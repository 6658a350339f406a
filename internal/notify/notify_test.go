package notify_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

var start = time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)

// world is a few users on a fresh database.
type world struct {
	t     *testing.T
	ctx   context.Context
	d     *db.DB
	clock *dbtest.Clock
	svc   *notify.Service
	seq   int
}

func newWorld(t *testing.T, d *db.DB) *world {
	c := dbtest.NewClock(start)
	return &world{t: t, ctx: context.Background(), d: d, clock: c, svc: notify.NewService(d, c.Now)}
}

func (w *world) id(query string, args ...any) int64 {
	w.t.Helper()
	var id int64
	if err := w.d.QueryRowContext(w.ctx, query, args...).Scan(&id); err != nil {
		w.t.Fatalf("%v\n%s", err, query)
	}
	return id
}

func (w *world) site(code string) int64 {
	return w.id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ($1, 'service_center', $1, '上海', '上海', $2) RETURNING id`,
		code, start)
}

// owner adds a customer with an owner account and returns both.
func (w *world) owner(name string) (*identity.User, int64) {
	w.seq++
	mobile := fmt.Sprintf("139%08d", w.seq)
	cust := w.id(`INSERT INTO customers (name, mobile, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`, name, mobile, start)
	uid := w.id(`INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
		VALUES ($1, $2, 'owner', '!', $3, $4, $5, $5) RETURNING id`, mobile, name, cust, true, start)
	return &identity.User{ID: uid, Role: identity.RoleOwner, CustomerID: cust, DisplayName: name, Active: true}, cust
}

func (w *world) staff(name string, role identity.Role, site int64, active bool) *identity.User {
	w.seq++
	var s any
	if site != 0 {
		s = site
	}
	uid := w.id(`INSERT INTO users (username, display_name, role, password_hash, site_id, active, created_at, updated_at)
		VALUES ($1, $2, $3, '!', $4, $5, $6, $6) RETURNING id`, fmt.Sprintf("staff%d", w.seq), name, string(role), s, active, start)
	return &identity.User{ID: uid, Role: role, SiteID: site, DisplayName: name, Active: active}
}

func (w *world) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.d.QueryRowContext(w.ctx, query, args...).Scan(&n); err != nil {
		w.t.Fatalf("%v\n%s", err, query)
	}
	return n
}

// send notifies u n times, one second apart, titles "通知 1".."通知 n".
func (w *world) send(u *identity.User, n int) {
	w.t.Helper()
	for i := 1; i <= n; i++ {
		err := notify.Notify(w.ctx, w.d, notify.Notification{UserID: u.ID, Kind: notify.AppointmentConfirmed,
			Title: fmt.Sprintf("通知 %d", i), Body: "正文", Link: "/owner/appointments", CreatedAt: start.Add(time.Duration(i) * time.Second)})
		if err != nil {
			w.t.Fatal(err)
		}
	}
}

func TestNotifyValidation(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		u, _ := w.owner("车主甲")
		ok := notify.Notification{UserID: u.ID, Kind: notify.AppointmentConfirmed, Title: "预约已确认", Link: "/owner/appointments#a1"}
		for _, tc := range []struct {
			name  string
			edit  func(n *notify.Notification)
			field string
		}{
			{"no recipient", func(n *notify.Notification) { n.UserID = 0 }, "user_id"},
			{"empty kind", func(n *notify.Notification) { n.Kind = "" }, "kind"},
			{"kind without area", func(n *notify.Notification) { n.Kind = "confirmed" }, "kind"},
			{"kind with capitals", func(n *notify.Notification) { n.Kind = "Appointment.Confirmed" }, "kind"},
			{"blank title", func(n *notify.Notification) { n.Title = "  " }, "title"},
			{"absolute URL", func(n *notify.Notification) { n.Link = "https://evil.example/owner" }, "link"},
			{"scheme-relative URL", func(n *notify.Notification) { n.Link = "//evil.example/owner" }, "link"},
			{"backslash", func(n *notify.Notification) { n.Link = "/\\evil.example" }, "link"},
			{"javascript", func(n *notify.Notification) { n.Link = "javascript:alert(1)" }, "link"},
			{"relative path", func(n *notify.Notification) { n.Link = "owner/appointments" }, "link"},
			{"space", func(n *notify.Notification) { n.Link = "/owner/ appointments" }, "link"},
			{"newline", func(n *notify.Notification) { n.Link = "/owner\n/x" }, "link"},
			{"too long", func(n *notify.Notification) { n.Link = "/" + strings.Repeat("a", notify.MaxLink) }, "link"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n := ok
				tc.edit(&n)
				apperrtest.WantField(t, notify.Notify(w.ctx, d, n), tc.field)
			})
		}
		if n := w.count(`SELECT COUNT(*) FROM notifications`); n != 0 {
			t.Fatalf("refused notifications wrote %d rows", n)
		}

		// Long texts are cut, not refused; no link is fine; no time means now.
		n := ok
		n.Title = strings.Repeat("标", 100)
		n.Body = strings.Repeat("文", 1000)
		n.Link = ""
		if err := notify.Notify(w.ctx, d, n); err != nil {
			t.Fatal(err)
		}
		p, err := w.svc.List(w.ctx, u, notify.Filter{})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("List: %v %+v", err, p)
		}
		got := p.Items[0]
		if utf8.RuneCountInString(got.Title) != notify.MaxTitle || !strings.HasSuffix(got.Title, "…") ||
			utf8.RuneCountInString(got.Body) != notify.MaxBody || got.Link != "" {
			t.Fatalf("stored %q (%d) %d runes link %q", got.Title, utf8.RuneCountInString(got.Title), utf8.RuneCountInString(got.Body), got.Link)
		}
		if time.Since(got.CreatedAt) > time.Minute || got.CreatedAt.Location() != time.UTC || !got.Unread() {
			t.Fatalf("created_at %v read %v", got.CreatedAt, got.ReadAt)
		}
	})
}

func TestLocalLink(t *testing.T) {
	for s, want := range map[string]bool{
		"/":                            true,
		"/owner/appointments":          true,
		"/owner/appointments#a12":      true,
		"/service/?date=2026-11-21#a3": true,
		"":                             false,
		"//x.example":                  false,
		"/\\x.example":                 false,
		"http://x.example/":            false,
		"mailto:a@b.c":                 false,
		"/a\x00b":                      false,
		"/a\tb":                        false,
		"/a\u3000b":                    false,
		"/a\xffb":                      false,
		"owner":                        false,
		"/owner/%0d%0aSet-Cookie":      true, // encoded, stays one path
	} {
		if got := notify.LocalLink(s); got != want {
			t.Errorf("LocalLink(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestNotifyInCallerTransaction: a notification is committed or rolled back
// with the caller's transaction.
func TestNotifyInCallerTransaction(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		u, cust := w.owner("车主甲")
		n := notify.Notification{UserID: u.ID, Kind: notify.AppointmentConfirmed, Title: "预约已确认", CreatedAt: start}
		boom := errors.New("the event failed")
		err := d.InTx(w.ctx, func(tx *sql.Tx) error {
			if err := notify.Notify(w.ctx, tx, n); err != nil {
				return err
			}
			if k, err := notify.NotifyCustomer(w.ctx, tx, cust, n); err != nil || k != 1 {
				return fmt.Errorf("NotifyCustomer = %d, %v", k, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if k := w.count(`SELECT COUNT(*) FROM notifications`); k != 0 {
			t.Fatalf("a rolled back transaction left %d notifications", k)
		}
		if err := d.InTx(w.ctx, func(tx *sql.Tx) error { return notify.Notify(w.ctx, tx, n) }); err != nil {
			t.Fatal(err)
		}
		if k, err := w.svc.UnreadCount(w.ctx, u); err != nil || k != 1 {
			t.Fatalf("after commit: %d unread, %v", k, err)
		}
	})
}

func TestRecipients(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a, b := w.site("SC-A"), w.site("SC-B")
		owner, cust := w.owner("车主甲")
		noAccount := w.id(`INSERT INTO customers (name, mobile, created_at, updated_at) VALUES ('无账号', '13700000000', $1, $1) RETURNING id`, start)
		svcA1 := w.staff("服务甲1", identity.RoleService, a, true)
		svcA2 := w.staff("服务甲2", identity.RoleService, a, true)
		gone := w.staff("已停用", identity.RoleService, a, false)
		salesA := w.staff("销售甲", identity.RoleSales, a, true)
		svcB := w.staff("服务乙", identity.RoleService, b, true)
		admin := w.staff("管理员", identity.RoleAdmin, 0, true)
		n := notify.Notification{Kind: notify.AppointmentBooked, Title: "新预约", Link: "/service/", CreatedAt: start}

		if k, err := notify.NotifyCustomer(w.ctx, d, cust, n); err != nil || k != 1 {
			t.Fatalf("NotifyCustomer with an account = %d, %v", k, err)
		}
		if k, err := notify.NotifyCustomer(w.ctx, d, noAccount, n); err != nil || k != 0 {
			t.Fatalf("NotifyCustomer without an account = %d, %v", k, err)
		}
		if k, err := notify.NotifySiteStaff(w.ctx, d, identity.RoleService, []int64{a, 0}, n); err != nil || k != 2 {
			t.Fatalf("NotifySiteStaff(a) = %d, %v", k, err)
		}
		if k, err := notify.NotifySiteStaff(w.ctx, d, identity.RoleService, nil, n); err != nil || k != 0 {
			t.Fatalf("NotifySiteStaff(no sites) = %d, %v", k, err)
		}
		_, err := notify.NotifySiteStaff(w.ctx, d, identity.RoleOwner, []int64{a}, n)
		apperrtest.WantField(t, err, "role")
		bad := n
		bad.Link = "https://x.example/"
		_, err = notify.NotifyCustomer(w.ctx, d, cust, bad)
		apperrtest.WantField(t, err, "link")
		_, err = notify.NotifySiteStaff(w.ctx, d, identity.RoleService, []int64{a}, bad)
		apperrtest.WantField(t, err, "link")

		for _, tc := range []struct {
			u    *identity.User
			want int
		}{{owner, 1}, {svcA1, 1}, {svcA2, 1}, {gone, 0}, {salesA, 0}, {svcB, 0}, {admin, 0}} {
			if got, err := w.svc.UnreadCount(w.ctx, tc.u); err != nil || got != tc.want {
				t.Errorf("%s: %d unread (%v), want %d", tc.u.DisplayName, got, err, tc.want)
			}
		}
	})
}

func TestInbox(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		me, _ := w.owner("车主甲")
		other, _ := w.owner("车主乙")
		w.send(me, 25)
		w.send(other, 3)

		t.Run("who may read", func(t *testing.T) {
			_, err := w.svc.UnreadCount(w.ctx, nil)
			apperrtest.WantCode(t, err, apperr.Unauthenticated)
			_, err = w.svc.List(w.ctx, nil, notify.Filter{})
			apperrtest.WantCode(t, err, apperr.Unauthenticated)
			_, err = w.svc.MarkRead(w.ctx, nil, 1)
			apperrtest.WantCode(t, err, apperr.Unauthenticated)
			_, err = w.svc.MarkAllRead(w.ctx, nil)
			apperrtest.WantCode(t, err, apperr.Unauthenticated)
			_, err = w.svc.UnreadCount(w.ctx, identity.System())
			apperrtest.WantCode(t, err, apperr.Forbidden)
			_, err = w.svc.List(w.ctx, identity.System(), notify.Filter{})
			apperrtest.WantCode(t, err, apperr.Forbidden)
		})

		t.Run("pages", func(t *testing.T) {
			if n, err := w.svc.UnreadCount(w.ctx, me); err != nil || n != 25 {
				t.Fatalf("unread %d, %v", n, err)
			}
			var titles []string
			cursor, pages := "", 0
			for {
				p, err := w.svc.List(w.ctx, me, notify.Filter{Limit: 10, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, n := range p.Items {
					if n.UserID != me.ID {
						t.Fatalf("page shows notification %d of user %d", n.ID, n.UserID)
					}
					titles = append(titles, n.Title)
				}
				if want := []int{10, 10, 5}[pages-1]; len(p.Items) != want {
					t.Fatalf("page %d has %d items, want %d", pages, len(p.Items), want)
				}
				if p.NextCursor == "" {
					break
				}
				cursor = p.NextCursor
			}
			if pages != 3 || titles[0] != "通知 25" || titles[24] != "通知 1" {
				t.Fatalf("%d pages, first %q last %q", pages, titles[0], titles[len(titles)-1])
			}
			// Exactly a page: no next cursor, no empty page after it.
			p, err := w.svc.List(w.ctx, other, notify.Filter{Limit: 3})
			if err != nil || len(p.Items) != 3 || p.NextCursor != "" {
				t.Fatalf("exact page: %v %d items cursor %q", err, len(p.Items), p.NextCursor)
			}
			p, err = w.svc.List(w.ctx, me, notify.Filter{})
			if err != nil || len(p.Items) != notify.DefaultLimit {
				t.Fatalf("default limit: %v %d", err, len(p.Items))
			}
		})

		t.Run("bad filters", func(t *testing.T) {
			for _, f := range []notify.Filter{{Limit: -1}, {Limit: notify.MaxLimit + 1}} {
				_, err := w.svc.List(w.ctx, me, f)
				apperrtest.WantField(t, err, "limit")
			}
			for _, c := range []string{"abc", "0", "-5", "1.5", "99999999999999999999"} {
				_, err := w.svc.List(w.ctx, me, notify.Filter{Cursor: c})
				apperrtest.WantField(t, err, "cursor")
			}
		})

		t.Run("mark read", func(t *testing.T) {
			p, err := w.svc.List(w.ctx, me, notify.Filter{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			first := p.Items[0]
			w.clock.Advance(time.Hour)
			n, err := w.svc.MarkRead(w.ctx, me, first.ID)
			if err != nil || n.ID != first.ID || n.Unread() || !n.ReadAt.Equal(start.Add(time.Hour)) || n.Link != "/owner/appointments" {
				t.Fatalf("MarkRead: %v %+v", err, n)
			}
			// Again: still read, at the first time.
			w.clock.Advance(time.Hour)
			if n, err = w.svc.MarkRead(w.ctx, me, first.ID); err != nil || !n.ReadAt.Equal(start.Add(time.Hour)) {
				t.Fatalf("MarkRead again: %v %+v", err, n)
			}
			if k, _ := w.svc.UnreadCount(w.ctx, me); k != 24 {
				t.Fatalf("unread after one read: %d", k)
			}
			// Another user's notification and an unknown id look the same.
			theirs, err := w.svc.List(w.ctx, other, notify.Filter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.svc.MarkRead(w.ctx, me, theirs.Items[0].ID)
			apperrtest.WantCode(t, err, apperr.NotFound)
			_, err = w.svc.MarkRead(w.ctx, me, 1<<40)
			apperrtest.WantCode(t, err, apperr.NotFound)
			if k, _ := w.svc.UnreadCount(w.ctx, other); k != 3 {
				t.Fatalf("other user's unread after my attempt: %d", k)
			}

			// The unread list leaves the read one out and pages the same way.
			var unread []int64
			cursor := ""
			for {
				p, err := w.svc.List(w.ctx, me, notify.Filter{Unread: true, Limit: 7, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range p.Items {
					if !n.Unread() || n.ID == first.ID {
						t.Fatalf("unread list shows %+v", n)
					}
					unread = append(unread, n.ID)
				}
				if cursor = p.NextCursor; cursor == "" {
					break
				}
			}
			if len(unread) != 24 {
				t.Fatalf("unread list has %d items, want 24", len(unread))
			}

			k, err := w.svc.MarkAllRead(w.ctx, me)
			if err != nil || k != 24 {
				t.Fatalf("MarkAllRead = %d, %v", k, err)
			}
			if k, _ := w.svc.UnreadCount(w.ctx, me); k != 0 {
				t.Fatalf("unread after all read: %d", k)
			}
			if k, _ := w.svc.UnreadCount(w.ctx, other); k != 3 {
				t.Fatalf("my MarkAllRead touched the other user's: %d unread", k)
			}
			if k, err := w.svc.MarkAllRead(w.ctx, me); err != nil || k != 0 {
				t.Fatalf("MarkAllRead again = %d, %v", k, err)
			}
			if p, err := w.svc.List(w.ctx, me, notify.Filter{Unread: true}); err != nil || len(p.Items) != 0 || p.NextCursor != "" {
				t.Fatalf("unread list after all read: %v %+v", err, p)
			}
		})

		t.Run("count is capped", func(t *testing.T) {
			many, _ := w.owner("车主丙")
			w.send(many, notify.UnreadCap+5)
			if n, err := w.svc.UnreadCount(w.ctx, many); err != nil || n != notify.UnreadCap {
				t.Fatalf("unread of %d = %d, %v; want the cap %d", notify.UnreadCap+5, n, err, notify.UnreadCap)
			}
		})
	})
}

// TestIndexPlans checks that the unread count and both lists read an index
// in order: no table scan, no sort of a user's rows, whatever their number.
func TestIndexPlans(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		var users []*identity.User
		for i := 0; i < 100; i++ {
			u, _ := w.owner(fmt.Sprintf("车主%d", i))
			users = append(users, u)
		}
		err := d.InTx(w.ctx, func(tx *sql.Tx) error {
			for i := 0; i < 2000; i++ {
				u := users[i%len(users)]
				if err := notify.Notify(w.ctx, tx, notify.Notification{UserID: u.ID, Kind: notify.AppointmentConfirmed, Title: "t", CreatedAt: start}); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(w.ctx, `UPDATE notifications SET read_at = created_at WHERE id % 10 <> 0`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(w.ctx, `ANALYZE`); err != nil {
			t.Fatal(err)
		}
		uid := users[0].ID
		type query struct {
			name, sql string
			args      []any
			index     string
		}
		var qs []query
		for _, f := range []notify.Filter{{Limit: 20}, {Limit: 20, Cursor: notify.Cursor(1000)}, {Unread: true, Limit: 20}, {Unread: true, Limit: 20, Cursor: notify.Cursor(1000)}} {
			q, args, err := notify.ListSQL(uid, f)
			if err != nil {
				t.Fatal(err)
			}
			index := "notifications_user"
			if f.Unread {
				index = "notifications_user_unread"
			}
			qs = append(qs, query{fmt.Sprintf("list %+v", f), q, args, index})
		}
		qs = append(qs, query{"unread count", notify.UnreadSQL, []any{uid, notify.UnreadCap}, "notifications_user_unread"})

		for _, q := range qs {
			t.Run(q.name, func(t *testing.T) {
				plan := explain(t, d, q.sql, q.args)
				t.Logf("plan:\n%s", plan)
				if !strings.Contains(plan, q.index+" ") && !strings.HasSuffix(plan, q.index) && !strings.Contains(plan, q.index+")") {
					t.Errorf("plan does not use %s:\n%s", q.index, plan)
				}
				for _, bad := range []string{"TEMP B-TREE", "Sort", "Seq Scan", "SCAN notifications"} {
					if strings.Contains(plan, bad) {
						t.Errorf("plan has %q:\n%s", bad, plan)
					}
				}
			})
		}
	})
}

// explain returns the query plan of query with args, one line per step. On
// PostgreSQL, whose planner rightly prefers a scan and a sort on a table this
// small, sequential and bitmap scans and sorts are priced out, so that the
// plan shows whether the indexes give the rows in order, as a table of
// millions of rows needs.
func explain(t *testing.T, d *db.DB, query string, args []any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := d.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prefix := "EXPLAIN "
	if d.Dialect == db.SQLite {
		prefix = "EXPLAIN QUERY PLAN "
	} else {
		for _, set := range []string{"enable_seqscan", "enable_bitmapscan", "enable_sort"} {
			if _, err := conn.ExecContext(ctx, `SET `+set+` = off`); err != nil {
				t.Fatal(err)
			}
		}
		defer func() { _, _ = conn.ExecContext(ctx, `RESET ALL`) }()
	}
	rows, err := conn.QueryContext(ctx, prefix+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
