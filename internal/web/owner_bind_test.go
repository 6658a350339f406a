package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestOwnerBindVehicle follows a newly registered owner: the first step
// instead of an empty booking form, binding the car with the delivery
// code (wrong codes answered beside the field), the previous owner's open
// appointments cancelled, and the booking form linking the appointment
// that blocks a second one and not offering the slot the car holds.
func TestOwnerBindVehicle(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, dbtest.Dialects()[0])
	ctx := context.Background()
	vehicleID, siteID, date := ownerTarget(t, s)
	var vin string
	var prevOwner int64
	if err := s.App.DB.QueryRow(`SELECT vin, customer_id FROM vehicles WHERE id = $1`, vehicleID).Scan(&vin, &prevOwner); err != nil {
		t.Fatal(err)
	}
	a := bookSwap(t, s) // the demo owner's open swap of this car

	res, _ := post(t, s, s.Client(), "/register", url.Values{"mobile": {"13912345670"}, "name": {"赵六"}, "password": {"pass-word-1"}, "password2": {"pass-word-1"}})
	if res.StatusCode != 303 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	me := s.Session(t, "13912345670")
	_, b := get(t, me, s.URL+"/owner/")
	if !strings.Contains(b, `id="first-step"`) || !strings.Contains(b, `href="/owner/vehicles/bind"`) {
		t.Fatal("home of an owner without a car: no first step")
	}
	_, b = get(t, me, s.URL+"/owner/appointments/new")
	if !strings.Contains(b, `id="first-step-bind"`) || strings.Contains(b, `name="minute"`) {
		t.Fatal("booking form of an owner without a car: no first step, or an empty form")
	}

	sys := identity.System()
	code, err := s.App.Vehicles.IssueBindCode(ctx, s.App.DB, sys, vehicleID)
	if err != nil {
		t.Fatal(err)
	}
	res, b = post(t, s, me, "/owner/vehicles/bind", url.Values{"vin": {vin}, "code": {"ZZZZ-ZZZZ"}})
	if res.StatusCode != 422 || !strings.Contains(b, "车架号或绑定码不正确") || !strings.Contains(b, `value="`+vin+`"`) || strings.Contains(b, "ZZZZ-ZZZZ") ||
		replaceURL(b) != "/owner/vehicles/bind" {
		t.Fatalf("wrong code: %d", res.StatusCode)
	}
	res, _ = post(t, s, me, "/owner/vehicles/bind", url.Values{"vin": {strings.ToLower(vin)}, "code": {code}})
	if want := fmt.Sprintf("/owner/vehicles/%d?ok=bound", vehicleID); res.StatusCode != 303 || res.Header.Get("Location") != want {
		t.Fatalf("bind: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, b = get(t, me, s.URL+fmt.Sprintf("/owner/vehicles/%d?ok=bound", vehicleID))
	if !strings.Contains(b, "绑定成功") || !strings.Contains(b, "凭交付绑定码绑定") || !strings.Contains(b, "其他车主") {
		t.Fatal("vehicle page after binding")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM appointments WHERE id = $1 AND status = 'cancelled' AND cancel_reason = '车辆已转入新车主名下'`, a.ID); n != 1 {
		t.Error("the previous owner's open appointment of the car was not cancelled")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.customer_id = $1 AND n.kind = 'vehicle.transferred'`, prevOwner); n != 1 {
		t.Error("the previous owner was not told")
	}
	if res, _ := get(t, s.Session(t, "owner"), s.URL+fmt.Sprintf("/owner/vehicles/%d", vehicleID)); res.StatusCode != 404 {
		t.Errorf("the previous owner still opens the car: %d", res.StatusCode)
	}

	// Book a swap; the form then links it and marks its slot.
	day, err := s.App.Services.Booking.Slots(ctx, siteID, booking.Swap, date)
	if err != nil {
		t.Fatal(err)
	}
	minute := -1
	for _, sl := range day.Slots {
		if sl.Bookable {
			minute = sl.Minute
			break
		}
	}
	res, b = post(t, s, me, "/owner/appointments", url.Values{"vehicle_id": {fmt.Sprint(vehicleID)}, "service": {"swap"}, "site_id": {fmt.Sprint(siteID)},
		"date": {date}, "minute": {fmt.Sprint(minute)}, "note": {"第一次换电"}})
	if res.StatusCode != 303 {
		t.Fatalf("book: %d\n%s", res.StatusCode, b)
	}
	var mine int64
	if err := s.App.DB.QueryRow(`SELECT id FROM appointments WHERE vehicle_id = $1 AND status = 'booked'`, vehicleID).Scan(&mine); err != nil {
		t.Fatal(err)
	}
	res, b = post(t, s, me, "/owner/appointments", url.Values{"vehicle_id": {fmt.Sprint(vehicleID)}, "service": {"swap"}, "site_id": {fmt.Sprint(siteID)},
		"date": {date}, "minute": {fmt.Sprint(minute + 60)}})
	if res.StatusCode != 422 || !strings.Contains(b, fmt.Sprintf(`<a href="/owner/appointments/%d">查看该预约</a>`, mine)) {
		t.Fatalf("second swap: %d, no link to the blocking appointment", res.StatusCode)
	}
	_, b = get(t, me, s.URL+fmt.Sprintf("/owner/appointments/new?service=swap&vehicle_id=%d&site_id=%d&date=%s", vehicleID, siteID, date))
	re := regexp.MustCompile(fmt.Sprintf(`value="%d" disabled>\s*<span class="slot-time">[^<]*</span>\s*<span class="slot-left">本车已约`, minute))
	if !re.MatchString(b) {
		t.Error("the slot the car holds is offered")
	}

	// The new owner makes a transfer code: shown once, on the car's page.
	res, b = post(t, s, me, fmt.Sprintf("/owner/vehicles/%d/transfer-code", vehicleID), nil)
	if res.StatusCode != 200 || !strings.Contains(b, `id="transfer-code"`) || replaceURL(b) != fmt.Sprintf("/owner/vehicles/%d", vehicleID) {
		t.Fatalf("transfer code: %d %q", res.StatusCode, replaceURL(b))
	}
	if res, _ := post(t, s, s.Session(t, "owner"), fmt.Sprintf("/owner/vehicles/%d/transfer-code", vehicleID), nil); res.StatusCode != 404 {
		t.Errorf("the previous owner made a transfer code: %d", res.StatusCode)
	}
}
