package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestBrowserOwnerCenter follows a new owner on a phone (390 × 844): they
// register, see the first step, bind their car with the delivery code, look
// at its battery health, book a swap, open the appointment's detail, change
// their password and download their data. Then every owner page is opened
// at 390 px and checked: nothing scrolls sideways and the page's primary
// action is on screen, with the notification bell in the header. The pages are saved as screenshots for the user
// manual (see TestBrowserJourney for where they go).
func TestBrowserOwnerCenter(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	b := newBrowser(t, exe, s.URL, shots, 120*time.Second)
	ctx := b.ctx
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	// checkPhone checks the page now shown: no sideways scrolling, and the
	// element primary (CSS) visible within the screen's width.
	checkPhone := func(what, primary string) {
		b.t.Helper()
		b.wait(what+" loaded", `document.readyState === 'complete'`)
		if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); w > 392 {
			b.fail("%s scrolls sideways at 390 px (width %v)", what, w)
		}
		visible := evalJS[bool](b, "primary action of "+what, fmt.Sprintf(`(() => { const e = document.querySelector(%s);
			if (!e) return false; const r = e.getBoundingClientRect(); const st = getComputedStyle(e);
			return r.width > 0 && r.height >= 32 && r.left >= 0 && r.right <= 390 && st.visibility !== 'hidden' && st.display !== 'none'; })()`, jsString(primary)))
		if !visible {
			b.fail("%s: primary action %s not visible within 390 px", what, primary)
		}
		// The notification inbox is one tap away from every owner page.
		if !evalJS[bool](b, "bell of "+what, `(() => { const e = document.querySelector('header #bell[href="/notifications"]');
			if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.right <= 390 && r.top < 120; })()`) {
			b.fail("%s: no notification bell in the header", what)
		}
	}

	// A swap-capable car delivered at least three months ago (a battery
	// health history to show) without open appointments (a swap is booked
	// below); the dealer printed a bind code on its delivery record. The
	// demo data is generated for today, so the car is looked up, not fixed:
	// on some days the demo owner's own car was delivered two days before.
	var vehicleID int64
	var vin string
	if err := s.App.DB.QueryRowContext(ctx, `SELECT v.id, v.vin FROM vehicles v JOIN vehicle_models m ON m.id = v.model_id
		WHERE m.swap_capable = $1 AND v.delivered_at < $2
		AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.vehicle_id = v.id AND a.status IN ('booked', 'confirmed', 'in_progress'))
		ORDER BY v.id LIMIT 1`, true, time.Now().AddDate(0, -3, 0).UTC()).Scan(&vehicleID, &vin); err != nil {
		t.Fatal(err)
	}
	code, err := s.App.Vehicles.IssueBindCode(ctx, s.App.DB, identity.System(), vehicleID)
	if err != nil {
		t.Fatal(err)
	}

	// Register: the home page shows the first step, not an empty booking form.
	mobile := fmt.Sprintf("136%08d", time.Now().UnixNano()%100000000)
	b.navigate("/register")
	b.do("register",
		chromedp.SendKeys(chromedp.ID("mobile"), mobile),
		chromedp.SendKeys(chromedp.ID("name"), "周新"),
		chromedp.SendKeys(chromedp.ID("password"), "first-pass-1"),
		chromedp.SendKeys(chromedp.ID("password2"), "first-pass-1"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type=submit]`)))
	b.wait("owner home", `location.pathname === '/owner/' && document.readyState === 'complete'`)
	b.contains("#first-step", "第一步：绑定我的车")
	checkPhone("first step", "#first-step a.btn-primary")
	b.shot("owner-first-step-mobile.png", "viewport")

	// Bind the car.
	b.do("open bind form", chromedp.Click(chromedp.CSS("#first-step a.btn-primary")))
	b.wait("bind form", `location.pathname === '/owner/vehicles/bind' && document.readyState === 'complete'`)
	checkPhone("bind form", "#bind-submit")
	b.do("bind",
		chromedp.SendKeys(chromedp.ID("vin"), vin),
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.ID("bind-submit")))
	b.wait("vehicle page", fmt.Sprintf(`location.pathname === '/owner/vehicles/%d' && document.readyState === 'complete'`, vehicleID))
	b.contains(".alert-success", "绑定成功")
	// Battery health: the chart is drawn from the monthly history.
	b.wait("battery health chart", `document.querySelector('#battery-health .chart svg') !== null`)
	months := evalJS[float64](b, "history months", `document.querySelectorAll('#battery-health tbody tr').length`)
	if months < 2 {
		b.fail("battery health history has %v months", months)
	}
	checkPhone("vehicle page", ".page-actions a.btn-primary")
	b.shot("owner-vehicle-mobile.png", "body")

	// Book a swap for tomorrow.
	tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format("2006-01-02")
	b.navigate(fmt.Sprintf("/owner/appointments/new?service=swap&vehicle_id=%d&date=%s", vehicleID, tomorrow))
	checkPhone("booking form", "#book-submit")
	b.wait("slots", `document.querySelector('#slots input[name=minute]:not([disabled])') !== null`)
	b.do("choose slot", chromedp.Evaluate[chromedp.Void](`(() => { const i = document.querySelector('#slots input[name=minute]:not([disabled])');
		i.closest('details').open = true; i.click(); })()`))
	b.do("note", chromedp.SendKeys(chromedp.ID("note"), "请顺便检查胎压"))
	b.do("book", chromedp.Click(chromedp.ID("book-submit")))
	b.wait("appointments", `location.pathname === '/owner/appointments' && document.readyState === 'complete'`)
	b.contains(".alert-success", "预约成功")
	checkPhone("appointments", ".page-actions a.btn-primary")
	b.shot("owner-appointments-mobile.png", "viewport")

	// The appointment's detail.
	b.do("open detail", chromedp.Click(chromedp.CSS("#upcoming a[href^='/owner/appointments/']")))
	b.wait("detail", `/^\/owner\/appointments\/\d+$/.test(location.pathname) && document.readyState === 'complete'`)
	b.contains("#note", "请顺便检查胎压")
	b.contains("#timeline", "已预约")
	if ref := b.text("#ref"); len(ref) < 10 {
		b.fail("reference number %q", ref)
	}
	checkPhone("appointment detail", "#detail-actions .btn")
	b.shot("owner-appointment-mobile.png", "body")
	detail := evalJS[string](b, "detail path", `location.pathname`)

	// Change the password.
	b.navigate("/owner/profile")
	checkPhone("profile", "#profile button.btn-primary")
	b.do("change password",
		chromedp.SendKeys(chromedp.ID("old_password"), "first-pass-1"),
		chromedp.SendKeys(chromedp.ID("new_password"), "second-pass-2"),
		chromedp.SendKeys(chromedp.ID("password2"), "second-pass-2"),
		chromedp.Click(chromedp.CSS(`form[action="/owner/profile/password"] button[type=submit]`)))
	b.wait("password changed", `location.pathname === '/owner/profile' && document.querySelector('.alert-success') !== null`)
	b.contains(".alert-success", "密码已修改")
	b.shot("owner-profile-mobile.png", "body")

	// Download my data: the privacy page's link answers a zip.
	b.navigate("/owner/privacy")
	checkPhone("privacy", "#export-link")
	zip, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => { const r = await fetch(document.getElementById('export-link').href);
		const b = new Uint8Array(await r.arrayBuffer()); return r.headers.get('Content-Type') + ' ' + String.fromCharCode(b[0], b[1]) + ' ' + b.length; })()`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("download my data: %v", err)
	}
	if !strings.HasPrefix(zip, "application/zip PK ") {
		b.fail("download my data: %q", zip)
	}
	b.shot("owner-privacy-mobile.png", "body")

	// Every owner page at 390 px (the community's and the work order's
	// are checked at 390 px by their own journeys).
	for _, p := range []struct{ path, primary, shot string }{
		{"/owner/", ".page-actions a.btn-primary", "owner-home-mobile.png"},
		{fmt.Sprintf("/owner/vehicles/%d", vehicleID), ".page-actions a.btn-primary", ""},
		{"/owner/appointments", ".page-actions a.btn-primary", ""},
		{"/owner/appointments/new", "#book-submit", "owner-book-mobile.png"},
		{detail, "#detail-actions .btn", ""},
		{detail + "/reschedule", "#reschedule-submit", ""},
		{"/owner/profile", "#profile button.btn-primary", ""},
		{"/owner/vehicles/bind", "#bind-submit", "owner-bind-mobile.png"},
		{"/notifications", "#bell", ""},
		{"/owner/privacy", "#export-link", ""},
		{"/owner/assistant", "#chat-form button.btn-primary", ""},
		{"/owner/campaigns", ".page-actions a.btn", ""},
		{"/owner/campaigns/coupons", ".page-actions a.btn", ""},
	} {
		b.navigate(p.path)
		checkPhone(p.path, p.primary)
		if p.shot != "" {
			b.shot(p.shot, "viewport")
		}
	}
}
