package customer

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// TestListWalkMatchesSeek runs both forms of every filter's query on each
// database: the seeking form (the count, and the page when few customers
// match) and the walking form List uses once more than listing.CountCap
// customers match (which a small test database never reaches through
// List). Both must be valid SQL on both databases and select the same
// customers in the same order.
func TestListWalkMatchesSeek(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
		s := NewService(d, func() time.Time { return now })
		one := func(q string, args ...any) int64 {
			t.Helper()
			var id int64
			if err := d.QueryRowContext(ctx, q, args...).Scan(&id); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return id
		}
		store := one(`INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ('SA', 'store', '上海徐汇店', '上海', '上海', $1) RETURNING id`, now)
		model := one(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen) VALUES ('S7', '星河', '星河 S7', 'BEV', 80, 600, 25000000) RETURNING id`)
		sales := one(`INSERT INTO users (username, display_name, role, password_hash, site_id, created_at, updated_at) VALUES ('alice', 'alice', 'sales', '!', $1, $2, $2) RETURNING id`, store, now)
		stages := []string{"lead", "interested", "test_drive", "negotiation", "ordered", "delivered", "lost"}
		var ids []int64
		for i := range 60 {
			var contact any
			if i%3 != 0 {
				contact = now.Add(-time.Duration(i) * 24 * time.Hour)
			}
			var modelArg any
			if i%2 == 0 {
				modelArg = model
			}
			id := one(`INSERT INTO customers (name, mobile, city, kind, stage, source, store_id, sales_user_id, preferred_model_id, consent_marketing,
					last_contact_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
				fmt.Sprintf("%c%d", []rune("王李张")[i%3], i), fmt.Sprintf("1390000%04d", i), []string{"上海", "杭州"}[i%2],
				[]string{"prospect", "owner"}[i%2], stages[i%len(stages)], []string{"website", "walk_in", "event"}[i%3], store, sales, modelArg,
				i%4 == 0, contact, now.Add(-time.Duration(i)*time.Hour), now.Add(-time.Duration(i%7)*time.Minute))
			ids = append(ids, id)
			if i%2 == 0 {
				one(`INSERT INTO customer_tags (customer_id, tag, created_at) VALUES ($1, '高意向', $2) RETURNING customer_id`, id, now)
			}
		}
		// One merged customer, which no list shows.
		if _, err := d.ExecContext(ctx, `UPDATE customers SET merged_into_id = $1 WHERE id = $2`, ids[0], ids[59]); err != nil {
			t.Fatal(err)
		}
		admin := &identity.User{ID: 1, Role: identity.RoleAdmin, Active: true}
		consultant := &identity.User{ID: sales, Role: identity.RoleSales, SiteID: store, Active: true}
		model6 := fmt.Sprint(model)
		queries := []string{"", "q=王", "q=13900000012", "q=0012", "q=1390000", "kind=owner", "stage=lost", "city=上海", "source=event",
			"model_id=" + model6, "tag=高意向", "sales_user_id=" + fmt.Sprint(sales), "contact_after=2026-11-01", "contact_before=2026-11-20",
			"contact_after=2026-10-15&contact_before=2026-11-20", "no_contact=1", "consent=1", "consent=0", "sort=created_asc",
			"sort=updated_desc", "sort=name_asc", "tag=高意向&stage=lost&sort=name_asc", "q=王&tag=高意向", "q=1390000&tag=高意向", "q=王&city=上海&kind=prospect&model_id=" + model6,
			"store_id=" + fmt.Sprint(store) + "&tag=高意向&consent=1&sort=updated_desc"}
		// Every store's customers with a tag are counted from the tags
		// alone (merged customers have none): the same count as the
		// customers' query.
		_, total, err := s.List(ctx, admin, Filter{Tag: "高意向"})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountMatching(ctx, admin, Filter{Tag: "高意向"}); err != nil || total.N != int(n) || n != 30 {
			t.Errorf("tag count: List %d, CountMatching %d (%v), want 30", total.N, n, err)
		}
		for _, actor := range []*identity.User{admin, consultant} {
			for _, raw := range queries {
				q, err := url.ParseQuery(raw)
				if err != nil {
					t.Fatal(err)
				}
				f, err := FilterFromQuery(q)
				if err != nil {
					t.Fatalf("%s: %v", raw, err)
				}
				order, _ := Sorts.Lookup(f.Sort)
				var got [2][]int64
				for i, seek := range []bool{true, false} {
					from, w := f.where(actor, seek, d.Dialect)
					if _, err := listing.Count(ctx, d, "FROM "+from+w.SQL(), w.Args...); err != nil {
						t.Fatalf("%s %s seek=%v: count: %v", actor.Role, raw, seek, err)
					}
					rows, err := s.rowsPage(ctx, from, w, order, nil, 100, false)
					if err != nil {
						t.Fatalf("%s %s seek=%v: page: %v", actor.Role, raw, seek, err)
					}
					for _, r := range rows {
						got[i] = append(got[i], r.ID)
					}
				}
				if !slices.Equal(got[0], got[1]) {
					t.Errorf("%s %s: seeking gives %v, walking %v", actor.Role, raw, got[0], got[1])
				}
				if slices.Contains(got[0], ids[59]) {
					t.Errorf("%s %s: the merged customer is listed", actor.Role, raw)
				}
				if raw == "" && len(got[0]) != 59 {
					t.Errorf("%s: %d customers listed, want 59", actor.Role, len(got[0]))
				}
			}
		}
	})
}
