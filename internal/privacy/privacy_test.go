package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/privacy"
)

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	return n
}

func TestPrivacyCenter(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		if err := datagen.Generate(ctx, d, datagen.Options{Customers: 150, Seed: 11, Months: 12, Now: now}); err != nil {
			t.Fatal(err)
		}
		clock := dbtest.NewClock(now.Add(time.Hour))
		s := privacy.NewService(d, clock.Now)
		s.OnErase("booking", booking.CancelForErase)
		s.OnErase("customer", customer.Erase)
		s.OnErase("account", account.EraseOwner)
		s.OnErase("notify", notify.EraseUser)

		// An owner with an account and a car with charging records; their
		// next appointment is made open.
		var uid, cid int64
		if err := d.QueryRow(`SELECT u.id, u.customer_id FROM users u WHERE u.role = 'owner'
			AND u.customer_id IN (SELECT customer_id FROM charging_sessions)
			AND u.customer_id NOT IN (SELECT customer_id FROM privacy_requests) ORDER BY u.id LIMIT 1`).Scan(&uid, &cid); err != nil {
			t.Fatal(err)
		}
		o := &identity.User{ID: uid, Role: identity.RoleOwner, CustomerID: cid}
		var open int64
		if err := d.QueryRow(`SELECT MAX(id) FROM appointments WHERE customer_id = $1`, cid).Scan(&open); err != nil || open == 0 {
			t.Fatalf("no appointment of the owner: %v", err)
		}
		if count(t, d, `SELECT COUNT(*) FROM appointments WHERE customer_id = $1 AND status IN ('booked', 'confirmed', 'in_progress')`, cid) == 0 {
			// An open appointment for the test, with its place taken as booking does.
			if _, err := d.Exec(`UPDATE appointments SET status = 'booked', completed_at = NULL, cancelled_at = NULL, started_at = NULL,
				confirmed_at = NULL WHERE id = $1 AND status IN ('completed', 'cancelled', 'no_show')`, open); err != nil {
				t.Fatal(err)
			}
		}
		var adminID int64
		d.QueryRow(`SELECT MIN(id) FROM users WHERE role = 'admin'`).Scan(&adminID)
		admin := &identity.User{ID: adminID, Role: identity.RoleAdmin}
		sales := &identity.User{ID: 1, Role: identity.RoleSales, SiteID: 1}
		var name, mobile string
		d.QueryRow(`SELECT name, mobile FROM customers WHERE id = $1`, cid).Scan(&name, &mobile)

		// Export: a zip of JSON and CSV with the owner's own data.
		var buf bytes.Buffer
		if err := s.Export(ctx, sales, &buf); !apperr.Is(err, apperr.Forbidden) || buf.Len() != 0 {
			t.Fatalf("sales export: %v", err)
		}
		if err := s.Export(ctx, o, &buf); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, f := range zr.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			files[f.Name] = string(b)
		}
		for _, want := range []string{"data.json", "README.txt", "profile.csv", "vehicles.csv", "charging_sessions.csv", "appointments.csv", "account_activity.csv"} {
			if _, ok := files[want]; !ok {
				t.Errorf("export has no %s (has %d files)", want, len(files))
			}
		}
		var data map[string]any
		if err := json.Unmarshal([]byte(files["data.json"]), &data); err != nil {
			t.Fatal(err)
		}
		if p, _ := data["profile"].(map[string]any); p["name"] != name || p["mobile"] != mobile {
			t.Errorf("profile in the export: %v", data["profile"])
		}
		charges, _ := data["charging_sessions"].([]any)
		if want := count(t, d, `SELECT COUNT(*) FROM charging_sessions WHERE customer_id = $1`, cid); len(charges) != want || want == 0 {
			t.Errorf("export has %d charging sessions, want %d", len(charges), want)
		}
		if !strings.HasPrefix(files["profile.csv"], "\ufeff姓名,") || !strings.Contains(files["profile.csv"], name) {
			t.Errorf("profile.csv: %q", files["profile.csv"][:40])
		}
		if count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'privacy.export' AND user_id = $1`, uid) != 1 {
			t.Error("export not audited")
		}

		// Request, withdraw, request again.
		_, err = s.RequestErase(ctx, o, strings.Repeat("长", 201))
		apperrtest.WantField(t, err, "reason")
		r, err := s.RequestErase(ctx, o, "不再用车")
		if err != nil || r.Status != privacy.Pending || !r.DueAt.Equal(clock.Now().AddDate(0, 0, privacy.DueDays)) {
			t.Fatalf("request: %+v %v", r, err)
		}
		if _, err := s.RequestErase(ctx, o, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second pending request: %v", err)
		}
		if count(t, d, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'privacy.erase_requested'`, adminID) == 0 {
			t.Error("the admins were not told")
		}
		if err := s.Withdraw(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := s.Withdraw(ctx, o); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second withdraw: %v", err)
		}
		r, _ = s.RequestErase(ctx, o, "")

		// The queue: admins only, with the open appointments and masked mobiles.
		if _, _, err := s.Queue(ctx, sales); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("sales queue: %v", err)
		}
		pending, _, err := s.Queue(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		var mine *privacy.Request
		for _, x := range pending {
			if x.ID == r.ID {
				mine = x
			}
		}
		if mine == nil || mine.OpenAppointments == 0 || strings.Contains(mine.Mobile, mobile[3:7]) {
			t.Fatalf("queue entry %+v", mine)
		}
		// Reject needs a reason; the owner is told.
		err = s.Reject(ctx, admin, r.ID, " ")
		apperrtest.WantField(t, err, "note")
		if err := s.Reject(ctx, admin, r.ID, "您有未结清的维修费用，请先结清"); err != nil {
			t.Fatal(err)
		}
		if count(t, d, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'privacy.erase_rejected'`, uid) != 1 {
			t.Error("the owner was not told of the rejection")
		}
		if err := s.Erase(ctx, admin, r.ID, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("erase of a rejected request: %v", err)
		}

		// Erase: anonymised, records kept.
		r, _ = s.RequestErase(ctx, o, "")
		vehicles := count(t, d, `SELECT COUNT(*) FROM vehicles WHERE customer_id = $1`, cid)
		charged := count(t, d, `SELECT COUNT(*) FROM charging_sessions WHERE customer_id = $1`, cid)
		if err := s.Erase(ctx, sales, r.ID, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("sales erase: %v", err)
		}
		if err := s.Erase(ctx, admin, r.ID, "已核实身份"); err != nil {
			t.Fatal(err)
		}
		var gotName, gotMobile string
		var erased bool
		d.QueryRow(`SELECT name, mobile, erased_at IS NOT NULL FROM customers WHERE id = $1`, cid).Scan(&gotName, &gotMobile, &erased)
		if gotName != customer.ErasedName || !strings.HasPrefix(gotMobile, "erased-") || !erased {
			t.Errorf("customer after erasure: %q %q %v", gotName, gotMobile, erased)
		}
		if count(t, d, `SELECT COUNT(*) FROM users WHERE id = $1 AND active = $2 AND mobile IS NULL`, uid, false) != 1 {
			t.Error("account not disabled and anonymised")
		}
		if count(t, d, `SELECT COUNT(*) FROM notifications WHERE user_id = $1`, uid) != 0 {
			t.Error("notifications kept")
		}
		if count(t, d, `SELECT COUNT(*) FROM appointments WHERE customer_id = $1 AND status IN ('booked', 'confirmed')`, cid) != 0 {
			t.Error("open appointments kept")
		}
		if count(t, d, `SELECT COUNT(*) FROM vehicles WHERE customer_id = $1`, cid) != vehicles ||
			count(t, d, `SELECT COUNT(*) FROM charging_sessions WHERE customer_id = $1`, cid) != charged {
			t.Error("records the law requires were not kept")
		}
		if count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'erase' AND entity_id = $1 AND user_id = $2`, r.ID, adminID) != 1 {
			t.Error("erasure not audited")
		}
		_, decided, _ := s.Queue(ctx, admin)
		if len(decided) == 0 || decided[0].ID != r.ID || decided[0].Status != privacy.Done || decided[0].DecisionNote != "已核实身份" {
			t.Errorf("decided list: %+v", decided[0])
		}
	})
}
