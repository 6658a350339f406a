package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	neturl "net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newApp builds the app on dsn with its clock frozen at now.
func newApp(t *testing.T, dsn string, demo bool, now time.Time) *app.App {
	t.Helper()
	cfg := &config.Config{Addr: "127.0.0.1:0", DB: dsn, Demo: demo, Migrate: true, LogFormat: "text", Now: func() time.Time { return now }}
	a, err := app.New(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatalf("app.New (demo %v): %v", demo, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// queueStatuses returns the statuses in the demo service account's queue of
// date, with their counts.
func queueStatuses(t *testing.T, a *app.App, date string) map[booking.Status]int {
	t.Helper()
	ctx := context.Background()
	svc, err := a.Accounts.UserByLogin(ctx, identity.System(), "service")
	if err != nil {
		t.Fatal(err)
	}
	q, err := a.Booking.Queue(ctx, svc, date, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[booking.Status]int{}
	for _, x := range q {
		out[x.Status]++
	}
	return out
}

func noProblems(t *testing.T, d *db.DB) {
	t.Helper()
	problems, err := datagen.Check(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("nevcrm check on the demo database: %s", p)
	}
}

// login logs in through the JSON API and returns the client, or nil and the
// status when refused.
func login(t *testing.T, url, username, password string) (*http.Client, int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	res, err := c.Post(url+"/api/v1/session", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, res.StatusCode
	}
	// The server's clock is fixed (10:40 today) while the jar follows the
	// real one: keep the session cookie regardless of its Expires (a staff
	// session's idle timeout may already be over by the real clock).
	u, _ := neturl.Parse(url)
	for _, ck := range res.Cookies() {
		ck.Expires, ck.MaxAge = time.Time{}, 0
		jar.SetCookies(u, []*http.Cookie{ck})
	}
	return c, res.StatusCode
}

func page(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	return string(b)
}

// TestDemo starts serve --demo at 10:40 in Shanghai and checks what a visitor
// finds: every demo account lands on a populated workspace (the service queue
// of today holds every status, tomorrow's the statuses a day ahead can
// hold), every generated account logs in with the demo password, the
// database passes nevcrm check, a second start adds nothing; and without
// --demo the same accounts are refused.
func TestDemo(t *testing.T) {
	// 10:40 in Shanghai today (the session cookies must not have expired
	// by the real clock, which the test client's cookie jar follows).
	cst := time.FixedZone("CST", 8*3600)
	y, m, d := time.Now().In(cst).Date()
	now := time.Date(y, m, d, 10, 40, 0, 0, cst).UTC()
	today, tomorrow := now.In(cst).Format("2006-01-02"), now.In(cst).AddDate(0, 0, 1).Format("2006-01-02")
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.DSN(t, dialect)
			a := newApp(t, dsn, true, now)
			srv := httptest.NewServer(a.Handler)
			defer srv.Close()

			got := queueStatuses(t, a, today)
			total := 0
			for _, st := range booking.Statuses {
				total += got[st]
				if got[st] == 0 {
					t.Errorf("today's queue has no %s appointment: %v", st, got)
				}
			}
			if total < 30 {
				t.Errorf("today's queue holds %d appointments, want a full one (30 or more)", total)
			}
			got = queueStatuses(t, a, tomorrow)
			for st, want := range map[booking.Status]int{booking.Booked: 5, booking.Confirmed: 5, booking.Cancelled: 1} {
				if got[st] < want {
					t.Errorf("tomorrow's queue has %d %s appointments, want %d or more: %v", got[st], st, want, got)
				}
			}
			noProblems(t, a.DB)

			// Each demo account lands on a populated workspace.
			owner, code := login(t, srv.URL, "owner", app.DemoPassword)
			if owner == nil {
				t.Fatalf("demo owner login: %d", code)
			}
			home := page(t, owner, srv.URL+"/owner/")
			if !strings.Contains(home, "vehicle-card") || !strings.Contains(home, "即将到来的预约") || strings.Contains(home, "暂无预约") {
				t.Error("owner home lacks the vehicle or the upcoming appointments")
			}
			ou, _ := a.Accounts.UserByLogin(ctx, identity.System(), "owner")
			if n, err := a.Notify.UnreadCount(ctx, ou); err != nil || n == 0 {
				t.Errorf("the demo owner's bell is empty: %d, %v", n, err)
			}
			up, _, err := a.Booking.Mine(ctx, ou, 10)
			if err != nil || len(up) < 2 {
				t.Errorf("demo owner's upcoming appointments: %d, %v", len(up), err)
			}
			var vehicleID, sessions int64
			if err := a.DB.QueryRow(`SELECT v.id, (SELECT COUNT(*) FROM charging_sessions c WHERE c.vehicle_id = v.id) FROM vehicles v
				WHERE v.customer_id = $1 ORDER BY v.id LIMIT 1`, ou.CustomerID).Scan(&vehicleID, &sessions); err != nil {
				t.Fatal(err)
			}
			if sessions < 3 {
				t.Errorf("demo owner's car has %d charging sessions, want a history", sessions)
			}
			if v := page(t, owner, srv.URL+"/owner/vehicles/"+strconv.FormatInt(vehicleID, 10)); !strings.Contains(v, "kWh") {
				t.Error("owner's vehicle page shows no charging history")
			}
			svc, _ := login(t, srv.URL, "service", app.DemoPassword)
			queue := page(t, svc, srv.URL+"/service/?date="+today)
			for _, st := range booking.Statuses {
				if !strings.Contains(queue, `data-status="`+string(st)+`"`) {
					t.Errorf("service queue page shows no %s row", st)
				}
			}
			sales, _ := login(t, srv.URL, "sales", app.DemoPassword)
			page(t, sales, srv.URL+"/sales/")
			su, _ := a.Accounts.UserByLogin(ctx, identity.System(), "sales")
			ov, err := a.Reports.Sales(ctx, su)
			if err != nil || ov.Tiles[0].N == 0 || ov.Tiles[1].N == 0 {
				t.Errorf("sales overview of the demo store: %+v, %v", ov, err)
			}
			admin, _ := login(t, srv.URL, "admin", app.DemoPassword)
			page(t, admin, srv.URL+"/admin/")
			au, _ := a.Accounts.UserByLogin(ctx, identity.System(), "admin")
			if ov, err := a.Reports.Admin(ctx, au); err != nil || ov.Tiles[0].N == 0 || len(ov.Breakdown) == 0 {
				t.Errorf("admin overview: %+v, %v", ov, err)
			}

			// Generated staff and owners log in with the demo password too.
			var ownerMobile string
			if err := a.DB.QueryRow(`SELECT mobile FROM users WHERE role = 'owner' AND username IS NULL ORDER BY id LIMIT 1`).Scan(&ownerMobile); err != nil {
				t.Fatal(err)
			}
			generated := []string{"sales0001", "svc0001", "adm001", ownerMobile}
			for _, name := range generated {
				if c, code := login(t, srv.URL, name, app.DemoPassword); c == nil {
					t.Errorf("generated account %s in demo mode: %d", name, code)
				}
			}

			// A second start the same day adds nothing.
			var before, after int
			if err := a.DB.QueryRow(`SELECT COUNT(*) FROM appointments`).Scan(&before); err != nil {
				t.Fatal(err)
			}
			if err := app.LoadDemo(ctx, a.DB, a.Services, quiet); err != nil {
				t.Fatal(err)
			}
			if err := a.DB.QueryRow(`SELECT COUNT(*) FROM appointments`).Scan(&after); err != nil || after != before {
				t.Errorf("second LoadDemo: appointments %d -> %d (%v)", before, after, err)
			}
			srv.Close()
			a.Close()

			// Without --demo the demo password opens nothing.
			plain := newApp(t, dsn, false, now)
			if plain.Accounts.DemoMode() {
				t.Fatal("serve without --demo is in demo mode")
			}
			for _, name := range append(generated, app.DemoAccounts...) {
				if _, err := plain.Accounts.Authenticate(ctx, name, app.DemoPassword, ""); !errors.Is(err, account.ErrBadCredentials) {
					t.Errorf("%s without --demo: %v, want ErrBadCredentials", name, err)
				}
			}
		})
	}
}

// TestDemoQueueAtAnyHour starts the demo just after midnight and late in the
// evening (the service center closed): today's queue still holds every
// status, at the stations that are open, and the database passes check.
func TestDemoQueueAtAnyHour(t *testing.T) {
	for _, now := range []time.Time{
		time.Date(2026, 3, 10, 16, 40, 0, 0, time.UTC), // 00:40 on 11 March in Shanghai
		time.Date(2026, 3, 10, 12, 30, 0, 0, time.UTC), // 20:30 on 10 March
	} {
		t.Run(now.Format("15:04Z"), func(t *testing.T) {
			a := newApp(t, dbtest.DSN(t, db.SQLite), true, now)
			date := now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
			got := queueStatuses(t, a, date)
			for _, st := range booking.Statuses {
				if got[st] == 0 {
					t.Errorf("queue of %s at %s has no %s appointment: %v", date, now.Format(time.RFC3339), st, got)
				}
			}
			noProblems(t, a.DB)
		})
	}
}

// TestServeRefusesIncompleteGeneration interrupts a generation run and
// expects serve, with and without --demo, to refuse the database with a
// message that says what happened and what to do.
func TestServeRefusesIncompleteGeneration(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			dsn := dbtest.DSN(t, dialect)
			d, err := db.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			err = datagen.Generate(ctx, d, datagen.Options{Customers: 2000, Seed: 1, Months: 6, Progress: cancelOnWrite(cancel)})
			cancel()
			d.Close()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted Generate: %v", err)
			}
			for _, demo := range []bool{false, true} {
				cfg := &config.Config{Addr: "127.0.0.1:0", DB: dsn, Demo: demo, Migrate: true, LogFormat: "text"}
				a, err := app.New(context.Background(), cfg, quiet)
				if err == nil {
					a.Close()
					t.Fatalf("serve (demo %v) started on an unfinished generation", demo)
				}
				if !errors.Is(err, app.ErrIncompleteData) || !strings.Contains(err.Error(), "datagen_status=running") ||
					!strings.Contains(err.Error(), "nevcrm generate") {
					t.Errorf("serve (demo %v): %v", demo, err)
				}
			}
		})
	}
}

// cancelOnWrite cancels the run at its first progress message, before any
// row is written, like a Ctrl-C during loading.
type cancelOnWrite func()

func (c cancelOnWrite) Write(p []byte) (int, error) { c(); return len(p), nil }
