package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestBrowserServiceQueue opens an appointment of the service queue in its
// detail panel at desk (1280), tablet (768) and phone (390) width: the
// panel is on screen without sideways scrolling, an unavailable action
// shows the booking service's reason beside its disabled button, the
// technician is not preselected, and the staff cancel opens the page's
// dialog with a reason field. At desk width the technician is assigned
// (the history names them) and the appointment cancelled with a reason.
// Screenshots: service-queue-panel-{1280,768,390}.png and
// service-queue-cancel-{1280,768,390}.png.
func TestBrowserServiceQueue(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	b := newBrowser(t, exe, s.URL, shots, 90*time.Second)
	ctx := b.ctx
	ownerUser, err := s.App.Accounts.UserByLogin(ctx, identity.System(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.App.Accounts.UserByLogin(ctx, identity.System(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := s.App.Services.Booking.Now().In(shanghai(t)).AddDate(0, 0, 1).Format("2006-01-02")
	a := bookFirstFree(t, s, ownerUser, tomorrow)
	why := a.Why("start", s.App.Services.Booking.Now())
	if why == "" {
		t.Fatal("a booked appointment can be started: the test needs a reason to show")
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatalf("emulate reduced motion: %v", err)
	}
	b.do("desk viewport", chromedp.EmulateViewport(1280, 900))
	b.login("service", "服务顾问")
	panel := fmt.Sprintf("/service/appointments/%d", a.ID)
	for _, w := range []int64{1280, 768, 390} {
		switch w {
		case 390:
			b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		case 768:
			b.do("tablet viewport", chromedp.EmulateViewport(768, 1024, chromedp.EmulateMobile))
		default:
			b.do("desk viewport", chromedp.EmulateViewport(1280, 900))
		}
		b.navigate(panel)
		b.waitPanel(a.ID, "booked")
		if sw := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); sw > float64(w) {
			t.Errorf("at %d px the queue page is %v px wide: it scrolls sideways", w, sw)
		}
		if !evalJS[bool](b, "panel on screen", `(() => { const r = document.getElementById('panel').getBoundingClientRect();
			return r.left >= 0 && r.right <= window.innerWidth + 0.5 && r.width > 280; })()`) {
			t.Errorf("at %d px the panel is not fully on screen", w)
		}
		b.contains("#why-start", why)
		if !evalJS[bool](b, "start disabled", `document.querySelector('#act-start button').disabled`) {
			t.Errorf("at %d px 开始服务 is not disabled", w)
		}
		if got := b.value("#technician_id"); got != "" {
			t.Errorf("at %d px a technician is preselected: %q", w, got)
		}
		b.shot(fmt.Sprintf("service-queue-panel-%d.png", w), "body")
		b.do("open the cancel dialog", chromedp.Click(chromedp.CSS(`#act-cancel button`)))
		b.wait("cancel dialog", `document.querySelector('#cancel-dialog[open] textarea[name=reason]') !== null`)
		if !evalJS[bool](b, "dialog fits", `(() => { const r = document.querySelector('#cancel-dialog').getBoundingClientRect();
			return r.left >= 0 && r.right <= window.innerWidth + 0.5; })()`) {
			t.Errorf("at %d px the cancel dialog does not fit the screen", w)
		}
		b.shot(fmt.Sprintf("service-queue-cancel-%d.png", w), "viewport")
		b.do("close the dialog", chromedp.Click(chromedp.CSS(`#cancel-dialog button[formmethod=dialog]`)))
		b.wait("dialog closed", `document.querySelector('#cancel-dialog[open]') === null`)
	}

	// Desk: assign a technician chosen on purpose, then cancel with a reason.
	b.do("desk viewport", chromedp.EmulateViewport(1280, 900))
	b.navigate(panel)
	b.waitPanel(a.ID, "booked")
	techs, err := s.App.Services.Booking.Technicians(ctx, mustUser(t, s, "service"))
	if err != nil || len(techs) == 0 {
		t.Fatalf("the demo center has no technicians: %v", err)
	}
	b.do("choose the technician", chromedp.SetValue(chromedp.ID("technician_id"), fmt.Sprint(techs[0].ID)))
	b.do("bay", chromedp.SendKeys(chromedp.ID("bay"), "B2"))
	b.do("assign", chromedp.Click(chromedp.CSS(`#act-assign button[type=submit]`)))
	b.wait("assigned", `document.readyState === 'complete' && document.querySelector('.alert-success') !== null`)
	b.waitPanel(a.ID, "booked")
	b.contains(".alert-success", "派工")
	b.contains("#panel-history", "已派工")
	b.contains("#panel-history", techs[0].Name)
	b.do("open the cancel dialog", chromedp.Click(chromedp.CSS(`#act-cancel button`)))
	b.wait("cancel dialog", `document.querySelector('#cancel-dialog[open] textarea[name=reason]') !== null`)
	b.do("reason", chromedp.SendKeys(chromedp.ID("cancel-reason"), "换电设备临时检修"))
	b.do("confirm the cancel", chromedp.Click(chromedp.ID("cancel-confirm")))
	b.waitPanel(a.ID, "cancelled")
	b.contains(fmt.Sprintf("#queue tr#a%d .badge-cancelled", a.ID), "已取消")
	b.contains("#panel-history", "换电设备临时检修")
	got, err := s.App.Services.Booking.Get(ctx, admin, a.ID)
	if err != nil || got.CancelReason != "换电设备临时检修" || got.TechnicianID != techs[0].ID {
		t.Errorf("after the journey: %+v, %v", got, err)
	}
}

// mustUser returns the account named username.
func mustUser(t *testing.T, s *apptest.Server, username string) *identity.User {
	t.Helper()
	u, err := s.App.Accounts.UserByLogin(t.Context(), identity.System(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestBrowserAdminQueue: the admin's queue without a center is the day's
// summary per service center (no appointment rows), at desk (1280) and
// phone (390) width without sideways scrolling; sorting by a status keeps
// the date in the address; the admin picks the demo center from the
// summary, gets exactly its adviser's queue with the center kept in the
// address (picker, day links), opens an appointment in the detail panel
// and closes it back to that center's queue. Screenshots:
// admin-queue-summary-{1280,390}.png, admin-queue-center-{1280,390}.png,
// admin-queue-panel-{1280,390}.png (at 390 px the first screen).
func TestBrowserAdminQueue(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	b := newBrowser(t, exe, s.URL, shots, 90*time.Second)
	ctx := b.ctx
	service := mustUser(t, s, "service")
	center := service.SiteID
	today := s.App.Services.Booking.Today()
	queue, err := s.App.Services.Booking.Queue(ctx, service, today, 0)
	if err != nil || len(queue) == 0 {
		t.Fatalf("the demo center has no appointments today: %v", err)
	}
	row := fmt.Sprintf("#centers tr#c%d", center)
	width := func(w int64) {
		if w == 390 {
			b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		} else {
			b.do("desk viewport", chromedp.EmulateViewport(1280, 900))
		}
	}
	width(1280)
	b.login("admin", "管理员")
	for _, w := range []int64{1280, 390} {
		width(w)
		b.navigate("/service/")
		b.wait("summary", `document.readyState === 'complete' && document.querySelector('#centers') !== null`)
		if evalJS[bool](b, "no rows", `document.querySelector('#queue') !== null`) {
			t.Error("the admin's queue without a center lists appointment rows")
		}
		b.contains(row+" .summary-total", fmt.Sprint(len(queue)))
		if sw := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); sw > float64(w) {
			t.Errorf("at %d px the summary is %v px wide: it scrolls sideways", w, sw)
		}
		b.shot(fmt.Sprintf("admin-queue-summary-%d.png", w), "body")
	}

	// Sort by no-shows: the header keeps the date and marks the order.
	width(1280)
	b.navigate("/service/?date=" + today)
	b.do("sort by no-shows", chromedp.Click(chromedp.CSS(`#centers thead a[href*="sort=no_show"]`)))
	b.wait("sorted", `location.search.includes('sort=no_show') && document.readyState === 'complete' && document.querySelector('#centers') !== null`)
	if got := evalJS[string](b, "page date", `new URLSearchParams(location.search).get('date') || ''`); got != today {
		t.Errorf("sorting lost the date: %q", got)
	}
	b.attr(`#centers thead th[aria-sort]`, "aria-sort", "descending")
	if !evalJS[bool](b, "no-show order", `(() => { const v = [...document.querySelectorAll('#centers tbody td[data-status=no_show]')].map(td => +td.innerText.replace(/,/g, ''));
		return v.every((x, i) => i === 0 || v[i-1] >= x); })()`) {
		t.Error("sorted by no-shows, the centers are not in descending order")
	}

	// Pick the demo center from the summary.
	for _, w := range []int64{1280, 390} {
		width(w)
		whole := "body"
		if w == 390 {
			whole = "viewport" // a phone's queue is a long column of cards: its first screen
		}
		b.navigate("/service/?date=" + today)
		b.do("pick the center", chromedp.Click(chromedp.CSS(row+" th a")))
		b.wait("center queue", fmt.Sprintf(`location.search.includes('site_id=%d') && document.readyState === 'complete' && document.querySelector('#queue') !== null`, center))
		if n := evalJS[float64](b, "rows", `document.querySelectorAll('#queue tbody tr').length`); int(n) != len(queue) {
			t.Errorf("the center's queue has %v rows, its adviser's %d", n, len(queue))
		}
		if got := b.value("#site_id"); got != fmt.Sprint(center) {
			t.Errorf("the picker shows %q, want the center %d", got, center)
		}
		b.attr(".page-actions a:last-child", "href", fmt.Sprintf("/service/?date=%s&site_id=%d", mustDate(t, today).AddDate(0, 0, 1).Format("2006-01-02"), center))
		if sw := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); sw > float64(w) {
			t.Errorf("at %d px the center's queue is %v px wide: it scrolls sideways", w, sw)
		}
		b.shot(fmt.Sprintf("admin-queue-center-%d.png", w), whole)

		a := queue[0]
		for _, x := range queue {
			if x.Status == booking.Booked { // one with actions to show
				a = x
				break
			}
		}
		b.do("open the appointment", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#queue tr#a%d a.btn[href="/service/appointments/%d"]`, a.ID, a.ID))))
		b.waitPanel(a.ID, string(a.Status))
		b.contains("#panel", a.CustomerName)
		if n := evalJS[float64](b, "rows", `document.querySelectorAll('#queue tbody tr').length`); int(n) != len(queue) {
			t.Errorf("beside the panel the queue has %v rows, the center's %d", n, len(queue))
		}
		if !evalJS[bool](b, "panel on screen", `(() => { const r = document.getElementById('panel').getBoundingClientRect();
			return r.left >= 0 && r.right <= window.innerWidth + 0.5 && r.width > 280; })()`) {
			t.Errorf("at %d px the panel is not fully on screen", w)
		}
		b.shot(fmt.Sprintf("admin-queue-panel-%d.png", w), whole)
		b.do("close the panel", chromedp.Click(chromedp.CSS(`#panel .panel-head a`)))
		b.wait("back to the center", fmt.Sprintf(`location.pathname === '/service/' && location.search.includes('site_id=%d') && document.readyState === 'complete' && document.querySelector('#panel') === null`, center))
	}
}
