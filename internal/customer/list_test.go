package customer_test

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/listing"
)

func names(p listing.Page[*customer.Row]) string {
	var out []string
	for _, r := range p.Items {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

func TestListScopeSearchAndFilters(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		wang := w.add("王芳", "13800001234", "上海", w.storeA, w.alice, 3*time.Hour)
		li := w.add("李雷", "13900005678", "上海", w.storeA, w.bob, 2*time.Hour)
		w.add("王五", "13700009999", "苏州", w.storeA, w.alice, time.Hour)
		zhao := w.add("赵六", "13600001234", "杭州", w.storeB, w.carol, 30*time.Minute)
		w.exec(`UPDATE customers SET stage = 'lost', consent_marketing = TRUE, kind = 'owner', source = 'event', last_contact_at = $2 WHERE id = $1`,
			li, w.now.Add(-48*time.Hour))
		w.exec(`INSERT INTO vehicles (vin, plate, customer_id, model_id, purchased_on, warranty_end, battery_warranty_end, created_at, updated_at)
			VALUES ('LSVAB12345C678901', '沪A12345', $1, $2, '2025-01-01', '2030-01-01', '2033-01-01', $3, $3)`, wang, w.model, w.now)

		list := func(t *testing.T, u any, q string) (listing.Page[*customer.Row], listing.Total) {
			t.Helper()
			f, err := customer.FilterFromQuery(mustQuery(q))
			if err != nil {
				t.Fatalf("filter %q: %v", q, err)
			}
			actor := w.alice
			switch u {
			case "admin":
				actor = w.admin
			case "carol":
				actor = w.carol
			}
			p, total, err := w.s.List(w.ctx, actor, f)
			if err != nil {
				t.Fatalf("list %q: %v", q, err)
			}
			return p, total
		}
		for _, tc := range []struct{ who, q, want string }{
			{"alice", "", "王五,李雷,王芳"},
			{"carol", "", "赵六"},
			{"admin", "", "赵六,王五,李雷,王芳"},
			{"admin", "store_id=" + itoa(w.storeB), "赵六"},
			{"alice", "q=王", "王五,王芳"},
			{"alice", "q=13900005678", "李雷"},
			{"alice", "q=1234", "王芳"}, // last four; 赵六 (…1234) is another store's
			{"admin", "q=1234", "赵六,王芳"},
			{"alice", "q=lsvab12345c678901", "王芳"},
			{"alice", "q=沪A12345", "王芳"},
			{"alice", "q=139", "李雷"},
			{"alice", "stage=lost", "李雷"},
			{"alice", "kind=owner", "李雷"},
			{"alice", "source=event", "李雷"},
			{"alice", "consent=1", "李雷"},
			{"alice", "consent=0", "王五,王芳"},
			{"alice", "city=苏州", "王五"},
			{"alice", "sales_user_id=" + itoa(w.alice.ID), "王五,王芳"},
			{"alice", "model_id=" + itoa(w.model), "王五,李雷,王芳"},
			{"alice", "contact_after=2026-11-26&contact_before=2026-11-27", "李雷"},
			{"alice", "contact_after=2026-11-28", ""},
			{"alice", "no_contact=1", "王五,王芳"},
			{"alice", "sort=name_asc", "李雷,王五,王芳"},
			{"alice", "sort=created_asc", "王芳,李雷,王五"},
		} {
			p, total := list(t, tc.who, tc.q)
			if got := names(p); got != tc.want {
				t.Errorf("%s %q: got %q, want %q", tc.who, tc.q, got, tc.want)
			}
			if total.N != len(p.Items) {
				t.Errorf("%s %q: total %d, items %d", tc.who, tc.q, total.N, len(p.Items))
			}
		}
		_ = zhao
		// Masked mobiles in the list.
		p, _ := list(t, "alice", "q=13900005678")
		if p.Items[0].Mobile != "139****5678" {
			t.Errorf("list mobile %q, want masked", p.Items[0].Mobile)
		}
		// Keyset pages of one.
		f, _ := customer.FilterFromQuery(mustQuery("limit=1&sort=name_asc"))
		var seen []string
		for i := 0; i < 5; i++ {
			pg, _, err := w.s.List(w.ctx, w.alice, f)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, names(pg))
			if !pg.HasNext() {
				break
			}
			f.Cursor = pg.NextCursor
		}
		if strings.Join(seen, "|") != "李雷|王五|王芳" {
			t.Errorf("pages %v", seen)
		}
		// A cursor of another sort is refused.
		f.Sort = "created_desc"
		_, _, err := w.s.List(w.ctx, w.alice, f)
		apperrtest.WantField(t, err, "cursor")

		// Bad parameters name their field.
		for q, field := range map[string]string{"stage=x": "stage", "kind=x": "kind", "source=x": "source", "consent=2": "consent",
			"contact_after=2026-13-01": "contact_after", "sort=x": "sort", "model_id=-1": "model_id", "limit=999": "limit",
			"contact_after=2026-11-02&contact_before=2026-11-01": "contact_before", "q=" + strings.Repeat("王", 33): "q"} {
			f, err := customer.FilterFromQuery(mustQuery(q))
			if err == nil {
				_, _, err = w.s.List(w.ctx, w.alice, f)
			}
			apperrtest.WantField(t, err, field)
		}
		// Roles without customer access.
		_, _, err = w.s.List(w.ctx, w.serviceUser, customer.Filter{})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, _, err = w.s.List(w.ctx, w.owner, customer.Filter{})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, _, err = w.s.List(w.ctx, nil, customer.Filter{})
		apperrtest.WantCode(t, err, apperr.Unauthenticated)

		// Export: the filtered set; a consultant's file masks mobiles, an admin's does not.
		var buf bytes.Buffer
		n, err := w.s.Export(w.ctx, w.alice, customer.Filter{Query: "王"}, listing.NewCSVWriter(&buf))
		if err != nil || n != 2 || !strings.Contains(buf.String(), "138****1234") || strings.Contains(buf.String(), "李雷") {
			t.Errorf("export = %d, %v:\n%s", n, err, buf.String())
		}
		buf.Reset()
		n, err = w.s.Export(w.ctx, w.admin, customer.Filter{}, listing.NewCSVWriter(&buf))
		if err != nil || n != 4 || !strings.Contains(buf.String(), "13800001234") {
			t.Errorf("admin export = %d, %v:\n%s", n, err, buf.String())
		}
		var audits int
		if err := d.QueryRowContext(w.ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'export_customers'`).Scan(&audits); err != nil || audits != 2 {
			t.Errorf("export audits = %d, %v", audits, err)
		}
	})
}

func TestSavedViews(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		f, _ := customer.FilterFromQuery(mustQuery("stage=lost&city=上海&sort=name_asc"))
		v, err := w.s.SaveView(w.ctx, w.alice, "流失客户", f)
		if err != nil {
			t.Fatal(err)
		}
		// The same name replaces the view.
		f.City = "杭州"
		if _, err := w.s.SaveView(w.ctx, w.alice, "流失客户", f); err != nil {
			t.Fatal(err)
		}
		views, err := w.s.Views(w.ctx, w.alice)
		if err != nil || len(views) != 1 || !strings.Contains(views[0].Query, "city=%E6%9D%AD%E5%B7%9E") {
			t.Fatalf("views = %+v, %v", views, err)
		}
		back, err := customer.FilterFromQuery(mustQuery(views[0].Query))
		if err != nil || back.Stage != "lost" || back.City != "杭州" || back.Sort != "name_asc" {
			t.Errorf("view query round trip: %+v, %v", back, err)
		}
		if other, _ := w.s.Views(w.ctx, w.bob); len(other) != 0 {
			t.Errorf("bob sees alice's views: %+v", other)
		}
		_, err = w.s.SaveView(w.ctx, w.alice, " ", f)
		apperrtest.WantField(t, err, "name")
		apperrtest.WantCode(t, w.s.DeleteView(w.ctx, w.bob, v.ID), apperr.NotFound)
		if err := w.s.DeleteView(w.ctx, w.alice, v.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func mustQuery(q string) url.Values {
	v, err := url.ParseQuery(q)
	if err != nil {
		panic(err)
	}
	return v
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestListTagFilter: the tag filter as a consultant (their store only:
// the tag is probed per customer) and as an admin (every store: driven
// from the tag's rows), with and without a store.
func TestListTagFilter(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a1 := w.add("标签甲", "13800002001", "上海", w.storeA, w.alice, 3*time.Hour)
		w.add("标签乙", "13800002002", "上海", w.storeA, w.alice, 2*time.Hour)
		b1 := w.add("标签丙", "13900002003", "杭州", w.storeB, w.carol, time.Hour)
		for _, id := range []int64{a1, b1} {
			w.exec(`INSERT INTO customer_tags (customer_id, tag, created_at) VALUES ($1, '高意向', $2)`, id, w.now)
		}
		for _, c := range []struct {
			who   string
			query string
			want  string
		}{{"alice", "tag=高意向", "标签甲"}, {"admin", "tag=高意向", "标签丙,标签甲"}, {"admin", "tag=高意向&store_id=" + strconv.FormatInt(w.storeB, 10), "标签丙"},
			{"admin", "tag=没有", ""}} {
			q, _ := url.ParseQuery(c.query)
			f, err := customer.FilterFromQuery(q)
			if err != nil {
				t.Fatal(err)
			}
			u := w.alice
			if c.who == "admin" {
				u = w.admin
			}
			p, total, err := w.s.List(w.ctx, u, f)
			if err != nil || names(p) != c.want || total.N != len(p.Items) {
				t.Errorf("%s %s: %q (%d), %v; want %q", c.who, c.query, names(p), total.N, err, c.want)
			}
		}
	})
}
