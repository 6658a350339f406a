package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
)

func TestCustomerTimeline(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
		id := func(q string, args ...any) int64 {
			t.Helper()
			var n int64
			if err := d.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		store := id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('S1', 'store', '店', '上海', '上海', $1) RETURNING id`, now)
		other := id(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('S2', 'store', '店2', '上海', '上海', $1) RETURNING id`, now)
		model := id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen) VALUES ('S7', '星河', '星河 S7', 'BEV', 80, 600, 25000000) RETURNING id`)
		sales := id(`INSERT INTO users (username, display_name, role, password_hash, site_id, created_at, updated_at) VALUES ('s', '销售甲', 'sales', '!', $1, $2, $2) RETURNING id`, store, now)
		c := id(`INSERT INTO customers (name, mobile, store_id, sales_user_id, created_at, updated_at) VALUES ('王芳', '13800001234', $1, $2, $3, $3) RETURNING id`, store, sales, now.Add(-100*time.Hour))
		at := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
		lead := id(`INSERT INTO leads (customer_id, store_id, source, status, created_at, updated_at) VALUES ($1, $2, 'website', 'converted', $3, $3) RETURNING id`, c, store, at(90))
		id(`INSERT INTO follow_ups (customer_id, lead_id, user_id, channel, content, created_at) VALUES ($1, $2, $3, 'phone', '约了周六试驾', $4) RETURNING id`, c, lead, sales, at(80))
		id(`INSERT INTO test_drives (customer_id, store_id, model_id, scheduled_at, status, created_at) VALUES ($1, $2, $3, $4, 'done', $4) RETURNING id`, c, store, model, at(70))
		id(`INSERT INTO vehicle_orders (code, customer_id, store_id, model_id, price_fen, status, ordered_at, delivered_at) VALUES ('SO1', $1, $2, $3, 25000000, 'delivered', $4, $5) RETURNING id`,
			c, store, model, at(60), at(50))
		s := customer.NewService(d, func() time.Time { return at(10) })
		actor := &identity.User{ID: sales, Role: identity.RoleSales, SiteID: store}
		if _, err := s.AddNote(ctx, actor, c, "客户很满意"); err != nil {
			t.Fatal(err)
		}
		r := report.NewCustomer360(d, s)
		var kinds []string
		cursor := ""
		for range 10 {
			p, err := r.Timeline(ctx, actor, c, 2, cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Items {
				kinds = append(kinds, e.Kind)
				if e.Title == "" || e.Label == "" || e.At.IsZero() {
					t.Errorf("event %+v", e)
				}
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if got := strings.Join(kinds, ","); got != "note,delivery,order,test_drive,follow_up,lead" {
			t.Errorf("timeline kinds %s", got)
		}
		// Another store's consultant: not found.
		_, err := r.Timeline(ctx, &identity.User{ID: 77, Role: identity.RoleSales, SiteID: other}, c, 10, "")
		apperrtest.WantCode(t, err, apperr.NotFound)
		_, err = r.Timeline(ctx, actor, c, 10, "garbage")
		apperrtest.WantField(t, err, "cursor")
		if vs, err := r.Vehicles(ctx, actor, c); err != nil || len(vs) != 0 {
			t.Errorf("vehicles %v, %v", vs, err)
		}
	})
}
