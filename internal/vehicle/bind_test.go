package vehicle_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

func TestBindAndTransfer(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: 120, Seed: 5, Months: 12, Now: now}); err != nil {
			t.Fatal(err)
		}
		clock := dbtest.NewClock(now.Add(time.Hour))
		s := vehicle.NewService(d)
		s.SetClock(clock.Now)
		var hooked [][3]int64
		s.OnTransfer(func(ctx context.Context, tx *sql.Tx, vehicleID, from, to int64, at time.Time) error {
			hooked = append(hooked, [3]int64{vehicleID, from, to})
			return nil
		})
		// The car with the most charging records, its owner A, and two
		// customers without a car, B and C.
		var vid, a, b, c, storeID int64
		var vin string
		if err := d.QueryRow(`SELECT v.id, v.vin, v.customer_id, v.store_id FROM vehicles v ORDER BY (SELECT COUNT(*) FROM charging_sessions c WHERE c.vehicle_id = v.id) DESC, v.id LIMIT 1`).
			Scan(&vid, &vin, &a, &storeID); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(`SELECT MIN(id), MAX(id) FROM customers WHERE id NOT IN (SELECT customer_id FROM vehicles)`).Scan(&b, &c); err != nil || b == c {
			t.Fatalf("two customers without a car: %v", err)
		}
		var before int
		d.QueryRow(`SELECT COUNT(*) FROM charging_sessions WHERE vehicle_id = $1`, vid).Scan(&before)
		ownerA := &identity.User{ID: 1, Role: identity.RoleOwner, CustomerID: a}
		ownerB := &identity.User{ID: 2, Role: identity.RoleOwner, CustomerID: b}
		ownerC := &identity.User{ID: 3, Role: identity.RoleOwner, CustomerID: c}
		var salesID int64
		if err := d.QueryRow(`SELECT MIN(id) FROM users WHERE role = 'sales'`).Scan(&salesID); err != nil {
			t.Fatal(err)
		}
		sales := &identity.User{ID: salesID, Role: identity.RoleSales}

		if _, err := s.IssueBindCode(ctx, d, nil, vid); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("nil actor issued a code: %v", err)
		}
		code, err := s.IssueBindCode(ctx, d, sales, vid)
		if err != nil || len(code) != 9 || code[4] != '-' {
			t.Fatalf("code %q: %v", code, err)
		}
		var stored string
		d.QueryRow(`SELECT code_hash FROM vehicle_bind_codes WHERE vehicle_id = $1 AND used_at IS NULL AND revoked_at IS NULL`, vid).Scan(&stored)
		if len(stored) != 64 || stored == code {
			t.Fatalf("stored %q: not a SHA-256", stored)
		}

		// Input errors name the field and count nothing.
		_, err = s.Bind(ctx, ownerB, "123", code)
		apperrtest.WantField(t, err, "vin")
		_, err = s.Bind(ctx, ownerB, vin, "12")
		apperrtest.WantField(t, err, "code")
		if _, err := s.Bind(ctx, sales, vin, code); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("sales bind: %v", err)
		}
		// Wrong codes: four answers naming the field, the fifth locks.
		for i := 0; i < 4; i++ {
			_, err = s.Bind(ctx, ownerB, vin, "AAAA-AAAA")
			apperrtest.WantField(t, err, "code")
		}
		if _, err = s.Bind(ctx, ownerB, vin, "AAAA-AAAA"); !apperr.Is(err, apperr.RateLimited) {
			t.Fatalf("fifth wrong code: %v", err)
		}
		if _, err = s.Bind(ctx, ownerB, vin, code); !apperr.Is(err, apperr.RateLimited) {
			t.Fatalf("right code while locked: %v", err)
		}
		clock.Advance(16 * time.Minute)
		// The right code, typed in lower case without the dash.
		got, err := s.Bind(ctx, ownerB, " "+vin+" ", lower(code[:4]+code[5:]))
		if err != nil || got.ID != vid || got.CustomerID != b {
			t.Fatalf("bind: %+v %v", got, err)
		}
		if len(hooked) != 1 || hooked[0] != [3]int64{vid, a, b} {
			t.Errorf("transfer hooks: %v", hooked)
		}
		if _, err := s.Get(ctx, ownerA, vid); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("previous owner still sees the car: %v", err)
		}
		var after, kind int
		d.QueryRow(`SELECT COUNT(*) FROM charging_sessions WHERE vehicle_id = $1 AND customer_id = $2`, vid, a).Scan(&after)
		if after != before {
			t.Errorf("history of the previous owner: %d of %d kept", after, before)
		}
		if act, err := s.RecentActivity(ctx, ownerB, vid, 50); err != nil || len(act) != 0 {
			t.Errorf("the new owner sees %d records of the previous owner (%v)", len(act), err)
		}
		d.QueryRow(`SELECT COUNT(*) FROM customers WHERE id = $1 AND kind = 'owner'`, b).Scan(&kind)
		if kind != 1 {
			t.Error("the binding customer did not become an owner")
		}
		own, err := s.Ownerships(ctx, ownerB, vid)
		if err != nil || len(own) != 2 || own[0].Mine || own[0].EndedAt.IsZero() || !own[1].Mine || !own[1].EndedAt.IsZero() || own[1].Via != "bind" {
			t.Fatalf("ownerships %+v %v", own, err)
		}
		// A used code does not work twice.
		_, err = s.Bind(ctx, ownerC, vin, code)
		apperrtest.WantField(t, err, "code")

		// Transfer: B makes a code; B cannot bind it to themselves; C can.
		if _, err := s.IssueTransferCode(ctx, ownerA, vid); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("previous owner made a transfer code: %v", err)
		}
		tc, err := s.IssueTransferCode(ctx, ownerB, vid)
		if err != nil || !tc.ExpiresAt.Equal(clock.Now().Add(vehicle.TransferCodeTTL)) {
			t.Fatalf("transfer code: %+v %v", tc, err)
		}
		if _, err := s.Bind(ctx, ownerB, vin, tc.Code); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("binding one's own car: %v", err)
		}
		tc2, _ := s.IssueTransferCode(ctx, ownerB, vid)
		_, err = s.Bind(ctx, ownerC, vin, tc.Code) // replaced by tc2
		apperrtest.WantField(t, err, "code")
		clock.Advance(vehicle.TransferCodeTTL + time.Minute)
		_, err = s.Bind(ctx, ownerC, vin, tc2.Code) // expired
		apperrtest.WantField(t, err, "code")
		tc3, _ := s.IssueTransferCode(ctx, ownerB, vid)
		if _, err := s.Bind(ctx, ownerC, vin, tc3.Code); err != nil {
			t.Fatalf("transfer to C: %v", err)
		}
		own, _ = s.Ownerships(ctx, ownerC, vid)
		if len(own) != 3 || own[2].Via != "transfer" || !own[2].Mine {
			t.Errorf("ownerships after the transfer: %+v", own)
		}
		var open int
		d.QueryRow(`SELECT COUNT(*) FROM vehicle_ownerships WHERE vehicle_id = $1 AND ended_at IS NULL AND customer_id = $2`, vid, c).Scan(&open)
		if open != 1 {
			t.Error("the open ownership is not C's")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'vehicle.bind' AND entity_id = $1`, vid); n != 2 {
			t.Errorf("binds audited %d times", n)
		}
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
