package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// bookSwap books the demo owner's swap-capable car into the first free swap
// slot of tomorrow through the booking service and returns the appointment.
func bookSwap(t *testing.T, s *apptest.Server) *booking.Appointment {
	t.Helper()
	ctx := context.Background()
	u, err := s.App.Services.Accounts.UserByLogin(ctx, identity.System(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	vehicleID, siteID, date := ownerTarget(t, s)
	day, err := s.App.Services.Booking.Slots(ctx, siteID, booking.Swap, date)
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range day.Slots {
		if sl.Bookable {
			a, err := s.App.Services.Booking.Book(ctx, u, booking.BookInput{VehicleID: vehicleID, SiteID: siteID, Kind: booking.Swap, Date: date, Minute: sl.Minute})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	t.Fatalf("no free swap slot at site %d on %s", siteID, date)
	return nil
}

// replaceURL returns the data-replace-url of a page, or "".
func replaceURL(page string) string {
	m := regexp.MustCompile(`<body data-replace-url="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func post(t *testing.T, s *apptest.Server, c *http.Client, path string, v url.Values) (*http.Response, string) {
	t.Helper()
	res, err := s.PostForm(c, path, v)
	if err != nil {
		t.Fatal(err)
	}
	return res, body(t, res)
}

// uxChecks are the fixes of the defects seen when the product was tried as
// a new user would (issue 7, item 13) that an HTTP client can see; the
// visual ones are in internal/app's browser test.
func uxChecks(t *testing.T, s *apptest.Server) {
	t.Run("favicon", func(t *testing.T) {
		res, ico := get(t, s.Client(), s.URL+"/favicon.ico")
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "icon") || !bytes.HasPrefix([]byte(ico), []byte{0, 0, 1, 0}) {
			t.Fatalf("/favicon.ico: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(ico))
		}
		_, home := get(t, s.Client(), s.URL+"/")
		m := regexp.MustCompile(`<link rel="icon" href="(/static/[^"]+\.svg)"`).FindStringSubmatch(home)
		if m == nil {
			t.Fatal("the layout names no SVG icon")
		}
		res, svg := get(t, s.Client(), s.URL+m[1])
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/svg+xml") || !strings.Contains(svg, "<svg") {
			t.Fatalf("%s: %d %q", m[1], res.StatusCode, res.Header.Get("Content-Type"))
		}
	})

	t.Run("login page says why it opened", func(t *testing.T) {
		c := s.Client()
		res, _ := get(t, c, s.URL+"/owner/appointments")
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || loc != "/login?next=%2Fowner%2Fappointments&reason=required" {
			t.Fatalf("anonymous /owner/appointments: %d %s", res.StatusCode, loc)
		}
		_, b := get(t, c, s.URL+loc)
		if !strings.Contains(b, "请先登录") || !strings.Contains(b, `name="next" value="/owner/appointments"`) {
			t.Fatal("login page does not ask to log in first or lost next")
		}
		// A cookie that names no session (expired, account deactivated): the
		// page says so, and the dead cookie is removed.
		req, _ := http.NewRequest("GET", s.URL+"/owner/", nil)
		req.AddCookie(&http.Cookie{Name: "nevcrm_session", Value: "no-such-session"})
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc = res.Header.Get("Location")
		cleared := false
		for _, ck := range res.Cookies() {
			cleared = cleared || ck.Name == "nevcrm_session" && ck.MaxAge < 0
		}
		if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "&reason=expired") || !cleared {
			t.Fatalf("stale session: %d %s, cookie cleared %v", res.StatusCode, loc, cleared)
		}
		if _, b := get(t, s.Client(), s.URL+loc); !strings.Contains(b, "登录已过期，请重新登录") {
			t.Fatal("login page does not say the login expired")
		}
		// Only the fixed texts: a crafted reason shows nothing.
		if _, b := get(t, s.Client(), s.URL+"/login?reason=%E4%BD%A0%E4%B8%AD%E5%A5%96%E4%BA%86"); strings.Contains(b, "你中奖了") || strings.Contains(b, "alert-info") {
			t.Fatal("arbitrary login reason rendered")
		}
		if _, b := get(t, s.Client(), s.URL+"/login"); strings.Contains(b, "请先登录") {
			t.Fatal("the login page opened from the menu asks to log in first")
		}
	})

	t.Run("home page shows each user only their own workspaces", func(t *testing.T) {
		entries := regexp.MustCompile(`<a (?:class="[^"]*" )?(?:id="[^"]*" )?href="(/[a-z]+/)">进入`)
		// cards returns the workspaces the home page offers (banner and cards).
		cards := func(c *http.Client) string {
			_, b := get(t, c, s.URL+"/")
			var got []string
			for _, m := range entries.FindAllStringSubmatch(b, -1) {
				if !slices.Contains(got, m[1]) {
					got = append(got, m[1])
				}
			}
			return strings.Join(got, " ")
		}
		for who, want := range map[string]string{"": "/owner/ /sales/ /service/", "owner": "/owner/", "sales": "/sales/",
			"service": "/service/", "admin": "/admin/ /sales/ /service/"} {
			c := s.Client()
			if who != "" {
				c = s.Login(t, who)
			}
			if got := cards(c); got != want {
				t.Errorf("%q sees entry cards %q, want %q", who, got, want)
			}
		}
		// Every card a logged-in user sees opens for them.
		for _, who := range []string{"owner", "sales", "service", "admin"} {
			c := s.Login(t, who)
			for _, href := range strings.Fields(cards(c)) {
				if res, _ := get(t, c, s.URL+href); res.StatusCode != 200 {
					t.Errorf("%s: card %s answers %d", who, href, res.StatusCode)
				}
			}
		}
	})

	t.Run("failed form posts name the form's GET address for the history", func(t *testing.T) {
		owner := s.Login(t, "owner")
		vehicleID, siteID, date := ownerTarget(t, s)
		before := count(t, s, `SELECT COUNT(*) FROM appointments`)
		res, b := post(t, s, owner, "/owner/appointments", url.Values{"vehicle_id": {fmt.Sprint(vehicleID)}, "site_id": {fmt.Sprint(siteID)},
			"service": {"swap"}, "date": {date}, "note": {"私人备注"}})
		want := fmt.Sprintf("/owner/appointments/new?date=%s&service=swap&site_id=%d&vehicle_id=%d", date, siteID, vehicleID)
		if res.StatusCode != 422 || !strings.Contains(b, "请选择一个时段") || replaceURL(b) == "" {
			t.Fatalf("booking without a slot: %d, asks for a slot %v, replace url %q", res.StatusCode, strings.Contains(b, "请选择一个时段"), replaceURL(b))
		}
		if u := replaceURL(b); !strings.HasPrefix(u, "/owner/appointments/new?") || !strings.Contains(u, "&date="+date) && !strings.Contains(u, "?date="+date) ||
			!strings.Contains(u, fmt.Sprintf("site_id=%d", siteID)) || strings.Contains(u, "note") {
			t.Errorf("booking form address %q, want like %q (never the note)", u, want)
		}
		if !strings.Contains(b, "私人备注") {
			t.Error("the note typed did not come back")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM appointments`); n != before {
			t.Errorf("failed booking wrote %d appointments", n-before)
		}
		// The form's own GET page names no address to replace.
		if _, b := get(t, owner, s.URL+"/owner/appointments/new"); replaceURL(b) != "" {
			t.Error("a GET page asks to replace its address")
		}
		// Malformed values never reach the address.
		_, b = post(t, s, owner, "/owner/appointments", url.Values{"vehicle_id": {"x"}, "site_id": {"1 OR 1=1"}, "service": {"swap"}, "date": {"明天"}, "city": {"<b>"}})
		if u := replaceURL(b); !strings.HasPrefix(u, "/owner/appointments/new?") || strings.Contains(u, "date=") || strings.Contains(u, "city=") || strings.Contains(u, "OR") {
			t.Errorf("booking form address after malformed values: %q", u)
		}

		res, b = post(t, s, s.Client(), "/login", url.Values{"username": {"owner"}, "password": {"wrong-password"}, "next": {"/owner/appointments"}})
		if res.StatusCode != 401 || replaceURL(b) != "/login?next=%2Fowner%2Fappointments" {
			t.Errorf("failed login: %d, replace url %q", res.StatusCode, replaceURL(b))
		}
		_, b = post(t, s, s.Client(), "/login", url.Values{"username": {"owner"}, "password": {"wrong-password"}, "next": {"//evil.example"}})
		if replaceURL(b) != "/login" {
			t.Errorf("failed login with a foreign next: replace url %q", replaceURL(b))
		}
		res, b = post(t, s, s.Client(), "/register", url.Values{"mobile": {"1"}})
		if res.StatusCode != 422 || replaceURL(b) != "/register" {
			t.Errorf("failed registration: %d, replace url %q", res.StatusCode, replaceURL(b))
		}

		a := bookSwap(t, s)
		defer func() {
			if _, b := post(t, s, owner, fmt.Sprintf("/owner/appointments/%d/cancel", a.ID), nil); count(t, s, `SELECT COUNT(*) FROM appointments WHERE id = $1 AND status = 'cancelled'`, a.ID) != 1 {
				t.Errorf("clean-up cancel failed:\n%s", b)
			}
		}()
		res, b = post(t, s, owner, fmt.Sprintf("/owner/appointments/%d/reschedule", a.ID), url.Values{"date": {date}})
		if res.StatusCode != 422 || !strings.Contains(b, "请选择一个时段") || replaceURL(b) != fmt.Sprintf("/owner/appointments/%d/reschedule?date=%s", a.ID, date) {
			t.Errorf("reschedule without a slot: %d, replace url %q", res.StatusCode, replaceURL(b))
		}

		service := s.Login(t, "service")
		res, b = post(t, s, service, fmt.Sprintf("/service/appointments/%d/cancel", a.ID), url.Values{"date": {date}})
		panel := fmt.Sprintf("/service/appointments/%d", a.ID)
		if res.StatusCode != 422 || !strings.Contains(b, "请填写取消原因") || replaceURL(b) != panel {
			t.Errorf("staff cancel without a reason: %d, replace url %q", res.StatusCode, replaceURL(b))
		}
		res, b = post(t, s, service, fmt.Sprintf("/service/appointments/%d/start", a.ID), url.Values{"date": {"abc"}})
		if res.StatusCode != 409 || replaceURL(b) != panel {
			t.Errorf("start too early with a malformed date: %d, replace url %q", res.StatusCode, replaceURL(b))
		}
	})

	t.Run("finished appointment cannot be rescheduled, and says why", func(t *testing.T) {
		owner := s.Login(t, "owner")
		a := bookSwap(t, s)
		// Open: the button is active.
		_, b := get(t, owner, fmt.Sprintf("%s/owner/appointments/%d/reschedule", s.URL, a.ID))
		if !strings.Contains(b, `id="reschedule-submit">确认改约`) || strings.Contains(b, "reschedule-blocked") || !strings.Contains(b, `name="minute"`) {
			t.Fatal("open appointment: reschedule button not active or no slots")
		}
		if res, b := post(t, s, owner, fmt.Sprintf("/owner/appointments/%d/cancel", a.ID), nil); res.StatusCode != 303 {
			t.Fatalf("cancel: %d\n%s", res.StatusCode, b)
		}
		res, b := get(t, owner, fmt.Sprintf("%s/owner/appointments/%d/reschedule", s.URL, a.ID))
		if res.StatusCode != 200 || !strings.Contains(b, `id="reschedule-submit" disabled`) || !strings.Contains(b, "该预约当前状态为已取消，不能改约") ||
			strings.Contains(b, `name="minute"`) {
			t.Fatalf("cancelled appointment's reschedule page: %d, disabled %v", res.StatusCode, strings.Contains(b, `id="reschedule-submit" disabled`))
		}
		// The service refuses the POST anyway, and nothing moves.
		var minute int
		for _, sl := range mustSlots(t, s, a).Slots {
			if sl.Bookable && sl.Minute != a.SlotMinute {
				minute = sl.Minute
				break
			}
		}
		res, b = post(t, s, owner, fmt.Sprintf("/owner/appointments/%d/reschedule", a.ID), url.Values{"date": {a.Date()}, "minute": {fmt.Sprint(minute)}})
		if res.StatusCode != 409 || !strings.Contains(b, "不能改约") {
			t.Errorf("reschedule of a cancelled appointment: %d", res.StatusCode)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM appointments WHERE id = $1 AND reschedule_count = 0 AND slot_minute = $2 AND status = 'cancelled'`, a.ID, a.SlotMinute); n != 1 {
			t.Error("the refused reschedule changed the appointment")
		}
		// A cancel of it again: the refusal shows above the list, at the list's address.
		res, b = post(t, s, owner, fmt.Sprintf("/owner/appointments/%d/cancel", a.ID), nil)
		if res.StatusCode != 409 || !strings.Contains(b, "不能取消") || !strings.Contains(b, `id="upcoming"`) && !strings.Contains(b, `id="past"`) ||
			replaceURL(b) != "/owner/appointments" {
			t.Errorf("second cancel: %d, replace url %q", res.StatusCode, replaceURL(b))
		}
	})

	t.Run("reschedule slots refresh for htmx", func(t *testing.T) {
		owner := s.Login(t, "owner")
		a := bookSwap(t, s)
		defer post(t, s, owner, fmt.Sprintf("/owner/appointments/%d/cancel", a.ID), nil)
		day := a.SlotDate.AddDate(0, 0, 1).Format("2006-01-02")
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/owner/appointments/%d/reschedule?date=%s", s.URL, a.ID, day), nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "reschedule-form")
		res, err := owner.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, res)
		if res.StatusCode != 200 || strings.Contains(b, "<html") || !strings.Contains(b, `data-date="`+day+`"`) || !strings.Contains(b, `name="minute"`) {
			t.Fatalf("htmx reschedule fragment for %s: %d, %d bytes", day, res.StatusCode, len(b))
		}
		_, page := get(t, owner, fmt.Sprintf("%s/owner/appointments/%d/reschedule", s.URL, a.ID))
		if !strings.Contains(page, `hx-get="/owner/appointments/`) || !strings.Contains(page, `class="refresh"`) {
			t.Fatal("the reschedule form does not refresh its slots when the date changes")
		}
	})

	t.Run("no Go date layout on any page", func(t *testing.T) {
		owner, service := s.Login(t, "owner"), s.Login(t, "service")
		_, siteID, _ := ownerTarget(t, s)
		a := bookSwap(t, s)
		defer post(t, s, owner, fmt.Sprintf("/owner/appointments/%d/cancel", a.ID), nil)
		pages := []struct {
			c    *http.Client
			path string
		}{
			{service, "/service/?date=abc"},
			{service, "/service/?date=2026-13-45"},
			{owner, "/owner/appointments/new?date=abc"},
			{owner, fmt.Sprintf("/owner/slots?service=swap&site_id=%d&date=abc", siteID)},
			{owner, fmt.Sprintf("/owner/appointments/%d/reschedule?date=abc", a.ID)},
			{owner, "/owner/appointments"},
			{owner, "/owner/"},
		}
		for _, p := range pages {
			_, b := get(t, p.c, s.URL+p.path)
			if strings.Contains(b, "2006") || strings.Contains(b, "YYYY") {
				t.Errorf("%s shows a developer date layout", p.path)
			}
		}
		_, b := post(t, s, owner, "/owner/appointments", url.Values{"service": {"swap"}, "site_id": {fmt.Sprint(siteID)}, "date": {"abc"}, "minute": {"600"}})
		if strings.Contains(b, "2006") || !strings.Contains(b, "请选择日期，例如 "+s.App.Services.Booking.Today()) {
			t.Error("a booking with a malformed date does not give an example date")
		}
	})
}

func mustSlots(t *testing.T, s *apptest.Server, a *booking.Appointment) *booking.Day {
	t.Helper()
	d, err := s.App.Services.Booking.Slots(context.Background(), a.SiteID, a.Kind, a.Date())
	if err != nil {
		t.Fatal(err)
	}
	return d
}
