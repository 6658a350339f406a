package support_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/support"
)

var start = time.Date(2026, 11, 30, 9, 0, 0, 0, site.Shanghai)

// TestTicketLifecycle: urgent wording sets the SLA, the queue puts overdue
// tickets first, assignment checks the assignee, replies stop the timer.
func TestTicketLifecycle(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := dbtest.NewClock(start)
		s := support.NewService(d, clock.Now)
		acc := account.NewService(d, clock.Now)
		id := func(q string, args ...any) int64 {
			t.Helper()
			var n int64
			if err := d.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatalf("%v\n%s", err, q)
			}
			return n
		}
		now := start.UTC()
		cust := id(`INSERT INTO customers (name, mobile, kind, stage, created_at, updated_at) VALUES ('车主丙', '13900000001', 'owner', 'delivered', $1, $1) RETURNING id`, now)
		user := func(q string, args ...any) *identity.User {
			u, err := acc.User(ctx, id(q, args...))
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		owner := user(`INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
			VALUES ('13900000001', '车主丙', 'owner', '!test', $1, TRUE, $2, $2) RETURNING id`, cust, now)
		staff := user(`INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at)
			VALUES ('svc', '客服甲', 'service', '!test', TRUE, $1, $1) RETURNING id`, now)
		sales := user(`INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at)
			VALUES ('sales', '销售甲', 'sales', '!test', TRUE, $1, $1) RETURNING id`, now)

		normal, err := s.CreateTicket(ctx, owner, support.TicketInput{Category: "charging", Subject: "充电桩扫码没反应"})
		if err != nil || normal.Priority != "normal" || normal.DueAt.Sub(normal.CreatedAt) != 24*time.Hour {
			t.Fatalf("normal: %v %+v", err, normal)
		}
		clock.Advance(time.Minute)
		urgent, err := s.CreateTicket(ctx, owner, support.TicketInput{Category: "battery", Subject: "仪表显示电池故障，有点冒烟"})
		if err != nil || urgent.Priority != "urgent" || urgent.DueAt.Sub(urgent.CreatedAt) != 2*time.Hour {
			t.Fatalf("urgent: %v %+v", err, urgent)
		}
		if _, err := s.CreateTicket(ctx, owner, support.TicketInput{Subject: " "}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("empty subject: %v", err)
		}
		if _, err := s.CreateTicket(ctx, staff, support.TicketInput{Subject: "x"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("staff creating: %v", err)
		}
		clock.Advance(3 * time.Hour)
		q, err := s.Queue(ctx, staff, support.QueueFilter{})
		if err != nil || len(q) != 2 || q[0].ID != urgent.ID || !q[0].Overdue(clock.Now()) || !strings.HasPrefix(q[0].SLAText(clock.Now()), "已超时") {
			t.Fatalf("queue: %v %+v", err, q)
		}
		if _, err := s.Assign(ctx, staff, urgent.ID, sales.ID); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("assigning to sales: %v", err)
		}
		tk, err := s.Assign(ctx, staff, urgent.ID, 0)
		if err != nil || tk.Status != support.Assigned || tk.AssigneeID != staff.ID {
			t.Fatalf("assign: %v %+v", err, tk)
		}
		tk, err = s.Reply(ctx, staff, urgent.ID, "请立即靠边停车，救援已出发。", true)
		if err != nil || tk.Status != support.Pending || tk.FirstResponseAt == nil || !strings.HasPrefix(tk.SLAText(clock.Now()), "已响应") {
			t.Fatalf("reply: %v %+v", err, tk)
		}
		mine, err := s.Queue(ctx, staff, support.QueueFilter{Mine: true})
		if err != nil || len(mine) != 1 || mine[0].ID != urgent.ID {
			t.Fatalf("mine: %v %+v", err, mine)
		}
		if _, err := s.Queue(ctx, staff, support.QueueFilter{Status: "nonsense"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("bad status: %v", err)
		}
		if _, err := s.RateTicket(ctx, owner, urgent.ID, 5, ""); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("rating before resolution: %v", err)
		}
		if _, err := s.Resolve(ctx, staff, urgent.ID, "已处理"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RateTicket(ctx, owner, urgent.ID, 6, ""); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("6 stars: %v", err)
		}
		tk, err = s.RateTicket(ctx, owner, urgent.ID, 2, "太慢了")
		if err != nil || tk.Status != support.Closed || tk.Rating != 2 {
			t.Fatalf("rate: %v %+v", err, tk)
		}
		if _, err := s.RateTicket(ctx, owner, urgent.ID, 5, ""); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second rating: %v", err)
		}
		if _, err := s.Reply(ctx, staff, urgent.ID, "补充", false); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("reply on closed: %v", err)
		}
	})
}
