package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestBrowserJourney drives Debian's chromium through the key journey of the
// product: the demo owner books a battery swap for tomorrow, service staff
// confirm, start and complete it, and the owner sees the bell count the three
// notifications, opens the newest and sees it completed. Every step
// is checked in the DOM, the end state in the database, and the pages are
// saved as screenshots: into a temporary folder, so that `go test ./...`
// leaves the working tree as it was, or into the folder NEVCRM_SCREENSHOTS
// names (relative to the repository root). scripts/screenshots.sh refreshes
// the user manual's pictures that way (NEVCRM_SCREENSHOTS=docs/images).
//
// It skips where no chromium is installed; CI installs chromium and
// fonts-wqy-microhei, so there it always runs.
func TestBrowserJourney(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)

	s := apptest.Start(t, db.SQLite)
	b := newBrowser(t, exe, s.URL, shots, 90*time.Second)
	ctx, bctx := b.ctx, b.ctx
	// The demo owner starts with news (the center confirmed a visit): read
	// it, so that the bell counts this journey's three steps.
	ownerUser, err := s.App.Accounts.UserByLogin(ctx, identity.System(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Notify.MarkAllRead(ctx, ownerUser); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b.do("start chromium", chromedp.EmulateViewport(1280, 900))
	// Reduced motion turns the page's CSS transitions off, so a screenshot
	// never catches a hover or focus colour half-way.
	if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatalf("emulate reduced motion: %v", err)
	}
	t.Logf("chromium %s started in %v", exe, time.Since(start).Round(time.Millisecond))

	// 1. The owner logs in and sees the dashboard with the car and its battery health.
	b.login("owner", "车主")
	b.wait("dashboard shows a vehicle card with battery health",
		`document.querySelector('.vehicle-card') !== null && document.querySelector('.vehicle-card').innerText.includes('电池健康度')`)
	b.contains("h1", "你好")
	b.shot("owner-dashboard.png", "body")

	// 2. The owner books a battery swap for tomorrow (Asia/Shanghai).
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	date := time.Now().In(shanghai).AddDate(0, 0, 1).Format("2006-01-02")
	b.navigate("/owner/appointments/new")
	b.wait("booking form", `document.querySelector('#booking-form #book-submit') !== null`)
	if kind := b.value("#service"); kind != "swap" {
		t.Fatalf("default service kind = %q, want swap", kind)
	}
	if b.value("#vehicle_id") == "" || b.value("#site_id") == "" {
		t.Fatalf("booking form has no vehicle (%q) or no swap station (%q)", b.value("#vehicle_id"), b.value("#site_id"))
	}
	// Set the date as a user's date picker does: a new value and a change
	// event, on which htmx fetches the form again with the day's slots.
	evalJS[bool](b, "mark the form and set the date", fmt.Sprintf(`(() => {
		document.getElementById('booking-form').dataset.stale = '1';
		const d = document.getElementById('date');
		d.value = %s;
		d.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, jsString(date)))
	b.wait("htmx re-rendered the form with the slots of "+date, fmt.Sprintf(`(() => {
		const f = document.getElementById('booking-form');
		return f !== null && f.dataset.stale === undefined && !f.classList.contains('htmx-request')
			&& document.getElementById('date').value === %s && document.querySelector('#slots label.slot') !== null;
	})()`, jsString(date)))
	minute := evalJS[string](b, "first bookable slot", `(() => {
		const r = document.querySelector('#slots input[name=minute]:not(:disabled)');
		return r ? r.value : '';
	})()`)
	if minute == "" {
		t.Fatalf("no bookable swap slot on %s:\n%s", date, b.text("#slots"))
	}
	slotSel := fmt.Sprintf(`#slots label.slot:has(> input[name=minute][value="%s"])`, minute)
	slotLabel := b.text(slotSel + " .slot-time")
	if !strings.Contains(b.text(slotSel+" .slot-left"), "余") {
		t.Fatalf("bookable slot %s shows %q, want places left (余 N)", slotLabel, b.text(slotSel+" .slot-left"))
	}
	b.do("click the slot "+slotLabel, chromedp.Click(chromedp.CSS(slotSel)))
	b.wait("slot radio checked", fmt.Sprintf(`document.querySelector('#slots input[name=minute][value="%s"]').checked`, minute))
	const note = "右前轮有轻微异响，希望顺便检查"
	b.do("type the note", chromedp.SendKeys(chromedp.ID("note"), note))
	if got := b.value("#note"); got != note {
		t.Fatalf("note = %q, want %q", got, note)
	}
	siteID := b.value("#site_id")
	var bookedBefore int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COALESCE(SUM(booked), 0) FROM slot_usage
		WHERE site_id = CAST($1 AS INTEGER) AND service_kind = 'swap' AND slot_minute = CAST($2 AS INTEGER) AND slot_date = $3`,
		siteID, minute, mustDate(t, date)).Scan(&bookedBefore); err != nil {
		t.Fatal(err)
	}
	b.shot("owner-booking.png", "body")
	b.do("submit the booking", chromedp.Click(chromedp.ID("book-submit")))
	b.wait("redirect to my appointments", `location.pathname === '/owner/appointments' && document.readyState === 'complete'`)
	b.contains(".alert-success", "预约成功")

	var id int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT id FROM appointments WHERE note = $1`, note).Scan(&id); err != nil {
		t.Fatalf("the booked appointment is not in the database: %v", err)
	}
	row := fmt.Sprintf("#upcoming #a%d", id)
	b.contains(row+" .badge-booked", "已预约")
	b.contains(row, "换电")
	b.contains(row, date+" "+strings.SplitN(slotLabel, "-", 2)[0])
	b.logout()

	// 3. Service staff find it in the day's queue, confirm, start and complete it.
	// Service can start at most 2 hours before the slot: move the server's clock
	// to one hour before it.
	var at time.Time
	if err := s.App.DB.QueryRowContext(ctx, `SELECT scheduled_at FROM appointments WHERE id = $1`, id).Scan(&at); err != nil {
		t.Fatal(err)
	}
	s.Clock.Set(at.Add(-time.Hour))
	b.login("service", "服务顾问")
	b.navigate("/service/?date=" + date)
	row = fmt.Sprintf("#queue tr#a%d", id)
	b.wait("appointment in the service queue", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(row)))
	b.contains("h1", date)
	b.contains(row, note)
	b.attr(row, "data-status", "booked")
	b.do("confirm", chromedp.Click(chromedp.CSS(row+` form[action$="/confirm"] button`)))
	b.waitStatus(row, "confirmed")
	b.contains(row+" .badge-confirmed", "已确认")
	b.contains(".alert-success", "已确认预约")
	b.do("scroll the row into view", chromedp.ScrollIntoView(chromedp.CSS(row)))
	b.shot("service-queue.png", "viewport")
	b.do("start", chromedp.Click(chromedp.CSS(row+` form[action$="/start"] button`)))
	b.waitStatus(row, "in_progress")
	b.contains(row+" .badge-in_progress", "服务中")
	const result = "已完成换电，电池健康"
	b.openPanel(row, id, "in_progress")
	b.do("type the result", chromedp.SendKeys(chromedp.CSS(`#act-complete textarea[name=result]`), result))
	b.do("complete", chromedp.Click(chromedp.CSS(`#act-complete button[type=submit]`)))
	b.waitPanel(id, "completed")
	b.contains(row+" .badge-completed", "已完成")
	b.contains("#panel", result)
	b.logout()

	// 4. The owner's bell counts the three steps; the inbox lists them, newest
	// first; opening the newest marks it read and leads to the appointment.
	b.login("owner", "车主")
	b.contains("#bell .bell-count", "3")
	b.do("open the inbox", chromedp.Click(chromedp.ID("bell")))
	b.wait("inbox", `location.pathname === '/notifications' && document.readyState === 'complete'`)
	if n := evalJS[float64](b, "unread notifications", `document.querySelectorAll('#notifications li.notice.unread').length`); n != 3 {
		b.fail("inbox shows %v unread notifications, want 3", n)
	}
	b.contains("#notifications li.notice:nth-child(1) .notice-title", "服务已完成")
	b.contains("#notifications li.notice:nth-child(1) .notice-body", result)
	b.contains("#notifications li.notice:nth-child(2) .notice-title", "服务已开始")
	b.contains("#notifications li.notice:nth-child(3) .notice-title", "预约已确认")
	b.contains("#unread-summary", "3 条未读")
	b.shot("owner-notifications.png", "body")
	b.do("open the newest notification", chromedp.Click(chromedp.CSS("#notifications li.notice:nth-child(1) button")))
	// The notification opens the appointment's detail page.
	b.wait("the appointment's detail", fmt.Sprintf(`location.pathname === '/owner/appointments/%d' && document.readyState === 'complete'`, id))
	b.contains("#timeline", "服务完成")
	b.contains("#timeline", result)
	b.contains("#bell .bell-count", "2")
	b.navigate("/owner/appointments")
	row = fmt.Sprintf("#past #a%d", id)
	b.wait("appointment among the past ones", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(row)))
	b.contains(row+" .badge-completed", "已完成")
	b.contains(row, result)
	if evalJS[bool](b, "upcoming row", fmt.Sprintf(`document.querySelector('#upcoming #a%d') !== null`, id)) {
		t.Fatalf("completed appointment %d is still listed as upcoming", id)
	}
	b.shot("owner-completed.png", "body")

	// 5. The owner dashboard at a phone's width.
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.navigate("/owner/")
	b.wait("dashboard", `document.querySelector('.vehicle-card') !== null`)
	if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("owner dashboard at 390 px is %v px wide: it scrolls sideways on a phone", w)
	}
	b.shot("owner-mobile.png", "viewport")
	b.navigate("/notifications")
	b.wait("inbox at 390 px", `document.querySelector('#notifications li.notice') !== null`)
	if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("inbox at 390 px is %v px wide: it scrolls sideways on a phone", w)
	}
	if h := evalJS[float64](b, "bell height", `document.getElementById('bell').getBoundingClientRect().height`); h < 44 {
		t.Errorf("the bell is %v px high on a phone, want a 44 px tap target", h)
	}
	b.shot("owner-notifications-mobile.png", "viewport")

	// The database agrees: completed with the result, still counted in its slot
	// and in the station's batteries of the day.
	var status, res string
	if err := s.App.DB.QueryRowContext(ctx, `SELECT status, result FROM appointments WHERE id = $1`, id).Scan(&status, &res); err != nil {
		t.Fatal(err)
	}
	if status != "completed" || res != result {
		t.Fatalf("appointment %d in the database: status %q result %q, want completed %q", id, status, res, result)
	}
	var booked, holding, dayBooked, dayHolding int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT u.booked, (SELECT COUNT(*) FROM appointments a WHERE a.site_id = u.site_id
		AND a.service_kind = u.service_kind AND a.slot_date = u.slot_date AND a.slot_minute = u.slot_minute AND a.status <> 'cancelled')
		FROM slot_usage u JOIN appointments x ON x.site_id = u.site_id AND x.service_kind = u.service_kind
		AND x.slot_date = u.slot_date AND x.slot_minute = u.slot_minute WHERE x.id = $1`, id).Scan(&booked, &holding); err != nil {
		t.Fatalf("slot_usage row of appointment %d: %v", id, err)
	}
	if booked != bookedBefore+1 || booked != holding {
		t.Fatalf("slot_usage.booked = %d, want %d (before booking %d + 1) and equal to the %d appointments holding the slot",
			booked, bookedBefore+1, bookedBefore, holding)
	}
	if err := s.App.DB.QueryRowContext(ctx, `SELECT u.booked, (SELECT COUNT(*) FROM appointments a WHERE a.site_id = u.site_id
		AND a.service_kind = 'swap' AND a.slot_date = u.slot_date AND a.status <> 'cancelled')
		FROM swap_day_usage u JOIN appointments x ON x.site_id = u.site_id AND x.slot_date = u.slot_date WHERE x.id = $1`, id).Scan(&dayBooked, &dayHolding); err != nil {
		t.Fatalf("swap_day_usage row of appointment %d: %v", id, err)
	}
	if dayBooked != dayHolding {
		t.Fatalf("swap_day_usage.booked = %d, want the %d swap appointments of the day", dayBooked, dayHolding)
	}
	t.Logf("journey done in %v; appointment %d at site %s on %s %s; screenshots in %s",
		time.Since(start).Round(time.Millisecond), id, siteID, date, slotLabel, shots)
}

// newBrowser starts a headless chromium (its own empty profile, Chinese
// locale, a desk-size window) for a test against base, stopped when the
// test ends; shots is where screenshots go ("" for none). timeout is how
// long the test takes on an idle machine: the deadline, a safety net
// against a hung browser and no speed check, is four times that, so that a
// loaded machine (CI neighbours, parallel browser tests) does not fail it.
func newBrowser(t *testing.T, exe, base, shots string, timeout time.Duration) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 4*timeout)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	return &browser{t: t, ctx: bctx, base: base, shots: shots}
}

// screenshotDir returns the folder for a browser test's screenshots:
// NEVCRM_SCREENSHOTS (relative to the repository root), or a temporary one.
func screenshotDir(t *testing.T) string {
	t.Helper()
	shots := os.Getenv("NEVCRM_SCREENSHOTS")
	switch {
	case shots == "":
		shots = t.TempDir()
	case !filepath.IsAbs(shots):
		shots = filepath.Join("..", "..", shots) // the test runs in internal/app
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return shots
}

// findChromium returns the path of a Chromium or Chrome executable, or skips the test.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not found: install Debian's chromium and fonts-wqy-microhei (CI does) to run the browser test")
	return ""
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// browser is one chromium tab on the test server, with helpers that fail the
// test with the page's address and text when a step goes wrong.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
}

func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if b.ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
		defer cancel()
		if page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + '\n' + (document.body ? document.body.innerText.slice(0, 1500) : '')`)); err == nil {
			msg += "\n--- page " + page
		}
	}
	b.t.Fatal(msg)
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

func evalJS[T any](b *browser, what, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("%s: %v", what, err)
	}
	return v
}

// wait polls the JavaScript condition cond until it is true on a page that
// has finished loading (a page still being parsed can already show its
// first elements but not the rest). Errors while a page is being replaced
// (a lost execution context) are retried.
func (b *browser) wait(what, cond string) {
	b.t.Helper()
	var last error
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === 'complete' && !!(`+cond+`)`))
		if err == nil && ok {
			return
		}
		last = err
		select {
		case <-b.ctx.Done():
			b.t.Fatalf("timed out waiting for %s (last error %v)", what, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (b *browser) navigate(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// text returns the visible text of the first element matching the CSS selector sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return evalJS[string](b, "text of "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText : '<missing>'; })()`, jsString(sel)))
}

func (b *browser) value(sel string) string {
	b.t.Helper()
	return evalJS[string](b, "value of "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.value : ''; })()`, jsString(sel)))
}

// settle is how long contains and attr keep looking before they fail: a page
// that has just been navigated to may still be parsing when a check starts.
const settle = 5 * time.Second

// eventually evaluates get until ok accepts its result or settle has passed,
// and returns the last result. Evaluation errors while a page is being
// replaced are retried.
func eventually(b *browser, what, expr string, ok func(string) bool) string {
	b.t.Helper()
	deadline := time.Now().Add(settle)
	for {
		got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
		if err == nil && ok(got) {
			return got
		}
		if time.Now().After(deadline) || b.ctx.Err() != nil {
			if err != nil {
				b.fail("%s: %v", what, err)
			}
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// contains checks that the element sel exists and its text contains want,
// waiting up to settle for the page to show it.
func (b *browser) contains(sel, want string) {
	b.t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText : '<missing>'; })()`, jsString(sel))
	got := eventually(b, "text of "+sel, expr, func(s string) bool { return s != "<missing>" && strings.Contains(s, want) })
	if got == "<missing>" || !strings.Contains(got, want) {
		b.fail("%s: text %q does not contain %q", sel, got, want)
	}
}

// attr checks that attribute name of the element sel is want, waiting up to
// settle for the page to show it.
func (b *browser) attr(sel, name, want string) {
	b.t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? (e.getAttribute(%s) || '') : '<missing>'; })()`, jsString(sel), jsString(name))
	if got := eventually(b, name+" of "+sel, expr, func(s string) bool { return s == want }); got != want {
		b.fail("%s: %s = %q, want %q", sel, name, got, want)
	}
}

// waitStatus waits for the service queue to come back with row in status.
func (b *browser) waitStatus(row, status string) {
	b.t.Helper()
	b.wait(row+" "+status, fmt.Sprintf(`location.pathname === '/service/' && document.readyState === 'complete'
		&& document.querySelector(%s) !== null && document.querySelector(%s).dataset.status === %s`, jsString(row), jsString(row), jsString(status)))
}

// openPanel opens appointment id's detail panel from its queue row and
// waits for it to show status.
func (b *browser) openPanel(row string, id int64, status string) {
	b.t.Helper()
	b.do("open the detail panel", chromedp.Click(chromedp.CSS(row+fmt.Sprintf(` a.btn[href="/service/appointments/%d"]`, id))))
	b.waitPanel(id, status)
}

// waitPanel waits for appointment id's detail panel showing status.
func (b *browser) waitPanel(id int64, status string) {
	b.t.Helper()
	b.wait(fmt.Sprintf("panel of %d %s", id, status), fmt.Sprintf(`location.pathname === '/service/appointments/%d' && document.readyState === 'complete'
		&& document.querySelector('#panel') !== null && document.querySelector('#panel').dataset.status === %s`, id, jsString(status)))
}

func (b *browser) login(username, roleLabel string) {
	b.t.Helper()
	b.navigate("/login")
	b.do("log in as "+username,
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
	home := "/" + username + "/" // the demo usernames are the role names
	b.wait(username+" home page", fmt.Sprintf(`location.pathname === %s && document.readyState === 'complete'`, jsString(home)))
	b.contains(".user-menu .badge-role", roleLabel)
}

func (b *browser) logout() {
	b.t.Helper()
	b.do("log out", chromedp.Click(chromedp.CSS(".user-menu form button")))
	b.wait("logged out", `location.pathname === '/' && document.readyState === 'complete' && document.querySelector('.user-menu') === null`)
	b.contains(".alert-success", "您已安全退出")
}

// shot saves a PNG of the whole page (what "body") or of the viewport.
func (b *browser) shot(name, what string) {
	b.t.Helper()
	// A still page: no hover left where the last click was, no focus ring,
	// and for a whole-page shot the sticky header back at the top.
	b.do("prepare screenshot "+name,
		chromedp.MouseEvent(chromedp.MouseMoved, 1279, 899),
		chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`))
	if what != "viewport" {
		b.do("scroll to top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	}
	var png []byte
	var err error
	if what == "viewport" {
		png, err = chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	} else {
		png, err = chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS(what)))
	}
	if err != nil {
		b.fail("screenshot %s: %v", name, err)
	}
	path := filepath.Join(b.shots, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s (%d KB)", path, len(png)/1024)
}
