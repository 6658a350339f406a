package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

var bellCount = regexp.MustCompile(`class="bell-count">([^<]*)<`)

// bell returns the number on the header bell of page b ("" when none), and
// fails unless the page has the bell.
func bell(t *testing.T, b string) string {
	t.Helper()
	if !strings.Contains(b, `id="bell"`) || !strings.Contains(b, `href="/notifications"`) {
		t.Fatal("page has no notification bell")
	}
	if m := bellCount.FindStringSubmatch(b); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func testNotifications(t *testing.T, s *apptest.Server) {
	ctx := context.Background()
	sys := identity.System()
	ownerUser, err := s.App.Accounts.UserByLogin(ctx, sys, "owner")
	if err != nil {
		t.Fatal(err)
	}
	owner := s.Login(t, "owner")
	service := s.Login(t, "service")
	// Start from an empty inbox, whatever earlier tests left.
	if _, err := s.App.Notify.MarkAllRead(ctx, ownerUser); err != nil {
		t.Fatal(err)
	}

	t.Run("every role has the bell", func(t *testing.T) {
		for role, path := range map[string]string{"owner": "/owner/", "sales": "/sales/", "service": "/service/", "admin": "/admin/"} {
			res, b := get(t, s.Login(t, role), s.URL+path)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", path, res.StatusCode)
			}
			bell(t, b)
		}
		_, b := get(t, s.Client(), s.URL+"/")
		if strings.Contains(b, `id="bell"`) {
			t.Fatal("anonymous visitors see a bell")
		}
		res, _ := get(t, s.Client(), s.URL+"/notifications")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Fatalf("anonymous /notifications: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		_, b = get(t, owner, s.URL+"/notifications")
		if bell(t, b) != "" || !strings.Contains(b, "全部已读") || !strings.Contains(b, `id="read-all" disabled`) {
			t.Fatal("an owner with no unread notification sees a count or an active 全部标为已读")
		}
	})

	t.Run("service confirms, the owner sees the bell and opens the notification", func(t *testing.T) {
		vehicleID, siteID, date := ownerTarget(t, s)
		day, err := s.App.Booking.Slots(ctx, siteID, booking.Swap, date)
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
		a, err := s.App.Booking.Book(ctx, ownerUser, booking.BookInput{VehicleID: vehicleID, SiteID: siteID, Kind: booking.Swap, Date: date, Minute: minute})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _, _ = s.App.Booking.Cancel(ctx, ownerUser, a.ID, "", "") }()

		// A refused action (start before confirm) notifies nobody.
		res, _ := post(t, s, service, fmt.Sprintf("/service/appointments/%d/start", a.ID), url.Values{"date": {date}})
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("start before confirm: %d", res.StatusCode)
		}
		if _, b := get(t, owner, s.URL+"/owner/"); bell(t, b) != "" {
			t.Fatalf("a refused action lit the bell: %q", bell(t, b))
		}

		res, _ = post(t, s, service, fmt.Sprintf("/service/appointments/%d/confirm", a.ID), url.Values{"date": {date}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirm: %d", res.StatusCode)
		}
		_, b := get(t, owner, s.URL+"/owner/")
		if got := bell(t, b); got != "1" || !strings.Contains(b, `aria-label="通知，1 条未读"`) {
			t.Fatalf("owner's bell after confirm = %q", got)
		}
		_, b = get(t, owner, s.URL+"/notifications")
		var id int64
		if err := s.App.DB.QueryRow(`SELECT MAX(id) FROM notifications WHERE user_id = $1`, ownerUser.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{fmt.Sprintf(`<li class="notice unread" id="n%d">`, id), "预约已确认", day.Site.Name,
			fmt.Sprintf(`action="/notifications/%d/open"`, id), "1 条未读", "刚刚", `id="read-all">`} {
			if !strings.Contains(b, want) {
				t.Errorf("inbox lacks %q", want)
			}
		}

		// Another user cannot open it: 404, and it stays unread.
		res, _ = post(t, s, service, fmt.Sprintf("/notifications/%d/open", id), nil)
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("service opening the owner's notification: %d", res.StatusCode)
		}
		res, _ = post(t, s, owner, "/notifications/abc/open", nil)
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("malformed id: %d", res.StatusCode)
		}
		// Opening it marks it read and follows its link.
		res, _ = post(t, s, owner, fmt.Sprintf("/notifications/%d/open", id), nil)
		if want := fmt.Sprintf("/owner/appointments/%d", a.ID); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Fatalf("open: %d %q, want 303 %q", res.StatusCode, res.Header.Get("Location"), want)
		}
		_, b = get(t, owner, s.URL+"/notifications")
		if bell(t, b) != "" || !strings.Contains(b, fmt.Sprintf(`<li class="notice" id="n%d">`, id)) {
			t.Fatal("the opened notification is still unread")
		}
	})

	t.Run("an owner books a repair, the service adviser opens the appointment's detail panel", func(t *testing.T) {
		serviceUser, err := s.App.Accounts.UserByLogin(ctx, sys, "service")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Notify.MarkAllRead(ctx, serviceUser); err != nil {
			t.Fatal(err)
		}
		// A generated owner of the center's city with no open repair booking
		// (the demo owner has one) books the first free repair place.
		center := serviceUser.SiteID
		var city string
		if err := s.App.DB.QueryRow(`SELECT city FROM sites WHERE id = $1`, center).Scan(&city); err != nil {
			t.Fatal(err)
		}
		owners, err := datagen.DemoOwners(ctx, s.App.DB, city, time.Now(), 50)
		if err != nil {
			t.Fatal(err)
		}
		var a *booking.Appointment
		var booker *identity.User
		for _, o := range owners {
			if a != nil {
				break
			}
			var login string
			if err := s.App.DB.QueryRow(`SELECT COALESCE(username, mobile) FROM users WHERE id = $1`, o.UserID).Scan(&login); err != nil {
				t.Fatal(err)
			}
			u, err := s.App.Accounts.UserByLogin(ctx, sys, login)
			if err != nil {
				t.Fatal(err)
			}
			for days := 2; days < 9 && a == nil; days++ {
				date := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, days).Format("2006-01-02")
				day, err := s.App.Booking.Slots(ctx, center, booking.Repair, date)
				if err != nil {
					t.Fatal(err)
				}
				for _, sl := range day.Slots {
					if sl.Bookable {
						if a, err = s.App.Booking.Book(ctx, u, booking.BookInput{VehicleID: o.VehicleID, SiteID: center,
							Kind: booking.Repair, Date: date, Minute: sl.Minute, Note: "刹车异响"}); err == nil {
							booker = u
						}
						break
					}
				}
			}
		}
		if a == nil {
			t.Fatal("no generated owner could book a repair at the service adviser's center within a week")
		}
		defer func() { _, _ = s.App.Booking.Cancel(ctx, booker, a.ID, "", "") }()
		var id int64
		if err := s.App.DB.QueryRow(`SELECT MAX(id) FROM notifications WHERE user_id = $1`, serviceUser.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		res, _ := post(t, s, service, fmt.Sprintf("/notifications/%d/open", id), nil)
		want := fmt.Sprintf("/service/appointments/%d", a.ID)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Fatalf("open: %d %q, want 303 %q", res.StatusCode, res.Header.Get("Location"), want)
		}
		res, b := get(t, service, s.URL+want)
		if res.StatusCode != http.StatusOK || !strings.Contains(b, "has-panel") || !strings.Contains(b, "刹车异响") ||
			!strings.Contains(b, fmt.Sprintf(`id="a%d" data-status="booked" class="is-selected"`, a.ID)) {
			t.Fatalf("the notification's link does not open the appointment's detail panel: %d", res.StatusCode)
		}
	})

	t.Run("pages, unread filter, mark all read", func(t *testing.T) {
		for i := 1; i <= 25; i++ {
			err := notify.Notify(ctx, s.App.DB, notify.Notification{UserID: ownerUser.ID, Kind: notify.AppointmentCompleted,
				Title: fmt.Sprintf("测试通知 %02d", i), Body: "<b>不是标记</b>", Link: "/owner/"})
			if err != nil {
				t.Fatal(err)
			}
		}
		_, b := get(t, owner, s.URL+"/owner/")
		if got := bell(t, b); got != "25" {
			t.Fatalf("bell = %q, want 25", got)
		}
		_, b = get(t, owner, s.URL+"/notifications?unread=1")
		if n := strings.Count(b, `<li class="notice unread"`); n != 20 || strings.Contains(b, `<li class="notice"`) {
			t.Fatalf("first unread page has %d unread items (and read ones: %v)", n, strings.Contains(b, `<li class="notice"`))
		}
		if strings.Contains(b, "<b>不是标记</b>") || !strings.Contains(b, "&lt;b&gt;") {
			t.Fatal("notification body not escaped")
		}
		m := regexp.MustCompile(`href="(/notifications\?[^"]*cursor=[^"]*)" id="next-page"`).FindStringSubmatch(b)
		if m == nil || !strings.Contains(m[1], "unread=1") {
			t.Fatal("no next-page link keeping the filter")
		}
		_, b = get(t, owner, s.URL+strings.ReplaceAll(m[1], "&amp;", "&"))
		if n := strings.Count(b, `<li class="notice unread"`); n != 5 || !strings.Contains(b, "回到最新") || !strings.Contains(b, "已经是最早的通知") {
			t.Fatalf("second unread page has %d items", n)
		}
		// The full list holds the read one too.
		_, b = get(t, owner, s.URL+"/notifications")
		if strings.Count(b, `<li class="notice`) != 20 || !strings.Contains(b, "测试通知 25") || !strings.Contains(b, `id="next-page"`) {
			t.Fatal("full list's first page")
		}
		res, b := get(t, owner, s.URL+"/notifications?cursor=abc")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, "翻页位置无效") {
			t.Fatalf("bad cursor: %d", res.StatusCode)
		}

		res, _ = post(t, s, owner, "/notifications/read-all", nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/notifications?ok=allread" {
			t.Fatalf("read-all: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		_, b = get(t, owner, s.URL+"/notifications?ok=allread")
		if bell(t, b) != "" || !strings.Contains(b, "已将全部通知标为已读") || strings.Contains(b, `<li class="notice unread"`) {
			t.Fatal("after read-all")
		}
		_, b = get(t, owner, s.URL+"/notifications?unread=1")
		if !strings.Contains(b, "没有未读通知") || !strings.Contains(b, `id="notifications-empty"`) {
			t.Fatal("empty unread list has no empty state")
		}
	})

	t.Run("staff bell caps at 99+", func(t *testing.T) {
		sales, err := s.App.Accounts.UserByLogin(ctx, sys, "sales")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < notify.UnreadCap+3; i++ {
			if err := notify.Notify(ctx, s.App.DB, notify.Notification{UserID: sales.ID, Kind: "appointment.booked", Title: "新预约"}); err != nil {
				t.Fatal(err)
			}
		}
		c := s.Login(t, "sales")
		_, b := get(t, c, s.URL+"/sales/")
		if got := bell(t, b); got != "99+" {
			t.Fatalf("sales bell = %q, want 99+", got)
		}
		if _, err := s.App.Notify.MarkAllRead(ctx, sales); err != nil {
			t.Fatal(err)
		}
		_, b = get(t, c, s.URL+"/notifications")
		if bell(t, b) != "" || !strings.Contains(b, "新预约") {
			t.Fatal("sales inbox after all read")
		}
		_, b = get(t, service, s.URL+"/notifications")
		if !strings.Contains(b, "返回工作台") && !strings.Contains(b, `class="notice`) {
			t.Fatal("service inbox has neither items nor the empty state")
		}
	})
}
