package site_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// TestAssignStations: the system or an admin makes a center responsible for
// a city's charging and swap stations; stores, other cities and other roles
// are untouched.
func TestAssignStations(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
		add := func(code, kind, city string) int64 {
			t.Helper()
			var id int64
			if err := d.QueryRowContext(ctx, `INSERT INTO sites (code, kind, name, province, city, created_at) VALUES ($1, $2, $1, '浙江', $3, $4) RETURNING id`,
				code, kind, city, now).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		center := add("SC-1", "service_center", "杭州")
		store := add("ST-1", "store", "杭州")
		charge := add("CS-1", "charging_station", "杭州")
		swap := add("SW-1", "swap_station", "杭州")
		elsewhere := add("SW-2", "swap_station", "宁波")
		s := site.NewService(d)
		parent := func(id int64) int64 {
			t.Helper()
			var p *int64
			if err := d.QueryRowContext(ctx, `SELECT parent_id FROM sites WHERE id = $1`, id).Scan(&p); err != nil {
				t.Fatal(err)
			}
			if p == nil {
				return 0
			}
			return *p
		}

		apperrtest.WantCode(t, s.AssignStations(ctx, nil, "杭州", center), apperr.Unauthenticated)
		apperrtest.WantCode(t, s.AssignStations(ctx, &identity.User{ID: 9, Role: identity.RoleService, SiteID: center}, "杭州", center), apperr.Forbidden)
		apperrtest.WantField(t, s.AssignStations(ctx, identity.System(), "杭州", store), "center_id")
		if parent(charge) != 0 || parent(swap) != 0 {
			t.Fatal("refused calls changed the stations")
		}
		if err := s.AssignStations(ctx, identity.System(), "杭州", center); err != nil {
			t.Fatal(err)
		}
		if parent(charge) != center || parent(swap) != center || parent(store) != 0 || parent(elsewhere) != 0 {
			t.Errorf("parents: charge %d swap %d store %d elsewhere %d, want %d %d 0 0",
				parent(charge), parent(swap), parent(store), parent(elsewhere), center, center)
		}
	})
}
