package inventory_test

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

// packs gives the fixture's swap station packs in the states given, each
// with its receive movement, and the station's counts as inventory keeps
// them; it returns the pack ids.
func (f *fixture) packs(states ...string) []int64 {
	f.t.Helper()
	var ids []int64
	charged := 0
	for i, st := range states {
		id := f.id(`INSERT INTO battery_packs (serial, site_id, state, health_pct, updated_at) VALUES ($1, $2, $3, 95, $4) RETURNING id`,
			fmt.Sprintf("BPT%03d", i+1), f.Station, st, start.UTC())
		f.id(`INSERT INTO battery_pack_movements (pack_id, site_id, kind, from_state, to_state, reason, created_at)
			VALUES ($1, $2, 'receive', '', $3, '新站投运', $4) RETURNING id`, id, f.Station, st, start.UTC())
		ids = append(ids, id)
		if st == inventory.PackCharged {
			charged++
		}
	}
	if _, err := f.DB.ExecContext(f.ctx, `UPDATE sites SET battery_total = $1, charged_batteries = $2 WHERE id = $3`, len(states), charged, f.Station); err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// swapAppointment inserts a completed swap appointment at the station.
func (f *fixture) swapAppointment() int64 {
	n := f.seq.Add(1)
	day := start.UTC().Truncate(24*60*60*1e9).AddDate(0, 0, -int(n))
	return f.id(`INSERT INTO appointments (customer_id, vehicle_id, site_id, service_kind, slot_date, slot_minute, scheduled_at, status, created_at, updated_at)
		VALUES ($1, $2, $3, 'swap', $4, 600, $5, 'completed', $5, $5) RETURNING id`, f.customer, f.vehicle, f.Station, day, start.UTC())
}

// counts returns the station's charged and total counts in sites.
func (f *fixture) counts() (charged, total int) {
	f.t.Helper()
	if err := f.DB.QueryRowContext(f.ctx, `SELECT charged_batteries, battery_total FROM sites WHERE id = $1`, f.Station).Scan(&charged, &total); err != nil {
		f.t.Fatal(err)
	}
	return
}

// TestBatteryPacks: a station's packs by state for its center's staff
// only; state changes follow the allowed moves with who, when and why in
// an append-only history, and keep the station's counts (sites) in line.
func TestBatteryPacks(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ids := f.packs(inventory.PackCharged, inventory.PackCharged, inventory.PackCharging)
		st, err := f.Svc.Stations(f.ctx, f.ServiceA)
		if err != nil || len(st) != 1 || st[0].ID != f.Station || st[0].Charged != 2 || st[0].Charging != 1 || st[0].Total != 3 {
			t.Fatalf("stations of the center: %+v, %v", st, err)
		}
		if st, err := f.Svc.Stations(f.ctx, f.ServiceB); err != nil || len(st) != 0 {
			t.Errorf("another center sees stations: %+v, %v", st, err)
		}
		if _, _, err := f.Svc.Station(f.ctx, f.ServiceB, f.Station); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another center opens the station: %v", err)
		}
		if _, err := f.Svc.SetPackState(f.ctx, f.ServiceB, ids[2], "", inventory.PackCharged, ""); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another center changes a pack: %v", err)
		}
		if _, err := f.Svc.PackMovements(f.ctx, f.ServiceB, f.Station, 0, 0, 10); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another center reads the movements: %v", err)
		}
		if _, err := f.Svc.Stations(f.ctx, f.Sales); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("sales: %v", err)
		}

		// Charging → charged.
		p, err := f.Svc.SetPackState(f.ctx, f.ServiceA, ids[2], inventory.PackCharging, inventory.PackCharged, "")
		if err != nil || p.State != inventory.PackCharged {
			t.Fatalf("charged: %+v, %v", p, err)
		}
		if c, n := f.counts(); c != 3 || n != 3 {
			t.Errorf("counts after charging: %d/%d, want 3/3", c, n)
		}
		// Maintenance needs a reason; a stale state or a move not allowed is refused.
		if _, err := f.Svc.SetPackState(f.ctx, f.ServiceA, ids[0], "", inventory.PackMaintenance, " "); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("maintenance without a reason: %v", err)
		}
		if _, err := f.Svc.SetPackState(f.ctx, f.ServiceA, ids[0], inventory.PackCharging, inventory.PackMaintenance, "x"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("stale from: %v", err)
		}
		if _, err := f.Svc.SetPackState(f.ctx, f.ServiceA, ids[0], "", inventory.PackCharging, "x"); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("charged to charging by hand: %v", err)
		}
		if _, err := f.Svc.SetPackState(f.ctx, f.ServiceA, ids[0], inventory.PackCharged, inventory.PackMaintenance, "外壳磕碰"); err != nil {
			t.Fatal(err)
		}
		if c, n := f.counts(); c != 2 || n != 3 {
			t.Errorf("counts after maintenance: %d/%d, want 2/3", c, n)
		}
		ms, err := f.Svc.PackMovements(f.ctx, f.ServiceA, f.Station, 0, 0, 10)
		if err != nil || len(ms) != 5 || ms[0].Reason != "外壳磕碰" || ms[0].UserName != "服务顾问甲" || ms[0].FromState != "charged" || ms[0].ToState != "maintenance" {
			t.Fatalf("movements: %d, %+v, %v", len(ms), ms, err)
		}
		one, err := f.Svc.PackMovements(f.ctx, f.Admin, f.Station, ids[0], 0, 10)
		if err != nil || len(one) != 2 {
			t.Errorf("one pack's movements: %d, %v", len(one), err)
		}
		older, err := f.Svc.PackMovements(f.ctx, f.ServiceA, f.Station, 0, ms[1].ID, 10)
		if err != nil || len(older) != 3 || older[0].ID >= ms[1].ID {
			t.Errorf("movements before %d: %d, %v", ms[1].ID, len(older), err)
		}
		for _, q := range []string{`UPDATE battery_pack_movements SET reason = 'x'`, `DELETE FROM battery_pack_movements`} {
			if _, err := d.ExecContext(f.ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", q, err)
			}
		}
		f.verify()
	})
}

// TestConcurrentSwapsForLastPacks: six swaps completed at once at a station
// with two charged packs take exactly two packs, each once; one
// appointment never takes a second pack; invariants hold.
func TestConcurrentSwapsForLastPacks(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ids := f.packs(inventory.PackCharged, inventory.PackCharged, inventory.PackCharging, inventory.PackMaintenance)
		appts := make([]int64, 6)
		for i := range appts {
			appts[i] = f.swapAppointment()
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := map[int64]int64{}, 0
		var other []error
		for _, a := range appts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var p *inventory.Pack
				err := d.InTx(f.ctx, func(tx *sql.Tx) error {
					var err error
					p, err = inventory.ConsumeForSwap(f.ctx, tx, f.Station, a, f.ServiceA.ID, "换电", f.Clock.Now())
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok[a] = p.ID
				case apperr.Is(err, apperr.Conflict):
					refused++
				default:
					other = append(other, err)
				}
			}()
		}
		wg.Wait()
		if len(other) > 0 {
			t.Fatalf("unexpected errors: %v", other)
		}
		used := map[int64]bool{}
		for _, p := range ok {
			used[p] = true
		}
		if len(ok) != 2 || refused != 4 || len(used) != 2 || !used[ids[0]] || !used[ids[1]] {
			t.Fatalf("swaps: %d took packs %v, %d refused; want the 2 charged packs taken once each", len(ok), ok, refused)
		}
		if c, n := f.counts(); c != 0 || n != 4 {
			t.Errorf("counts after the swaps: %d/%d, want 0/4", c, n)
		}
		// A pack charged again is not taken twice by one appointment.
		if _, err := f.Svc.SetPackState(f.ctx, f.ServiceA, ids[2], "", inventory.PackCharged, ""); err != nil {
			t.Fatal(err)
		}
		var done int64
		for a := range ok {
			done = a
		}
		err := d.InTx(f.ctx, func(tx *sql.Tx) error {
			_, err := inventory.ConsumeForSwap(f.ctx, tx, f.Station, done, f.ServiceA.ID, "换电", f.Clock.Now())
			return err
		})
		if !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second pack for appointment %d: %v", done, err)
		}
		if c, _ := f.counts(); c != 1 {
			t.Errorf("the refused second swap changed the counts: %d charged, want 1", c)
		}
		// An untracked station (no packs) is left alone.
		err = d.InTx(f.ctx, func(tx *sql.Tx) error {
			p, err := inventory.ConsumeForSwap(f.ctx, tx, f.Center, appts[0], 0, "换电", f.Clock.Now())
			if p != nil {
				t.Errorf("a pack at a site without packs: %+v", p)
			}
			return err
		})
		if err != nil {
			t.Errorf("untracked site: %v", err)
		}
		f.verify()
	})
}
