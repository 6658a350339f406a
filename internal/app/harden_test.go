package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/httpx"
)

// call sends a request the way a same-origin browser does and returns the
// answer with its body read.
func call(t *testing.T, s *apptest.Server, c *http.Client, method, path, ctype, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", s.URL)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

const form = "application/x-www-form-urlencoded"

// Answers to logged-in users, and answers that set or clear the session
// cookie, are never stored; anonymous pages must be revalidated; the
// fingerprinted static files keep their year-long lifetime. (The
// authorization matrix test checks every route as every role.)
func TestCacheControl(t *testing.T) {
	s := apptest.Start(t, db.SQLite)
	c := s.Client()
	want := func(what string, res *http.Response, cc string) {
		t.Helper()
		if got := res.Header.Get("Cache-Control"); got != cc {
			t.Errorf("%s (%d): Cache-Control %q, want %q", what, res.StatusCode, got, cc)
		}
	}
	res, home := call(t, s, c, "GET", "/", "", "")
	want("anonymous home", res, "no-cache")
	res, _ = call(t, s, c, "GET", "/login", "", "")
	want("anonymous login page", res, "no-cache")
	res, _ = call(t, s, c, "POST", "/login", form, url.Values{"username": {"owner"}, "password": {"wrong-password"}}.Encode())
	want("failed login", res, "no-cache")

	res, _ = call(t, s, c, "POST", "/login", form, url.Values{"username": {"owner"}, "password": {app.DemoPassword}}.Encode())
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
		t.Fatalf("login: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	want("login setting the cookie", res, "no-store")

	for _, path := range []string{"/", "/owner/", "/owner/appointments", "/api/v1/me", "/no/such/page", "/api/v1/nothing", "/admin/", "/news/abc"} {
		res, _ := call(t, s, c, "GET", path, "", "")
		want("logged in GET "+path, res, "no-store")
	}
	// Answers of the middleware before the session lookup too.
	res, _ = call(t, s, c, "POST", "/owner/appointments/1/cancel", form, "", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", res.StatusCode)
	}
	want("logged in, cross-site refusal", res, "no-store")
	res, _ = call(t, s, c, "GET", "/owner/appointments/new?city=%ff", "", "")
	want("logged in, invalid text", res, "no-store")

	asset := regexp.MustCompile(`/static/[0-9a-f]+/css/app\.css`).FindString(home)
	if asset == "" {
		t.Fatal("no stylesheet link on the home page")
	}
	res, _ = call(t, s, c, "GET", asset, "", "")
	want("static file to a logged-in user", res, "public, max-age=31536000, immutable")

	res, _ = call(t, s, c, "POST", "/logout", form, "")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	want("logout clearing the cookie", res, "no-store")
	res, _ = call(t, s, c, "GET", "/", "", "")
	want("home after logout", res, "no-cache")

	api := s.Client()
	res, _ = call(t, s, api, "POST", "/api/v1/session", "application/json", `{"username":"service","password":"`+app.DemoPassword+`"}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("API login: %d", res.StatusCode)
	}
	want("API login", res, "no-store")
	res, _ = call(t, s, api, "DELETE", "/api/v1/session", "", "")
	want("API logout", res, "no-store")
}

// A 429 says when to try again, in whole seconds, on both transports: the
// login and registration throttles give the time left of the lock.
func TestRetryAfter(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			s := apptest.Start(t, dialect)
			c := s.Client()
			retry := func(what string, res *http.Response, body, text string) {
				t.Helper()
				if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "900" || !strings.Contains(body, text) {
					t.Errorf("%s: %d Retry-After %q, want 429 after 900 s saying %q:\n%.300s", what, res.StatusCode, res.Header.Get("Retry-After"), text, body)
				}
			}
			// Five failures lock a (login, address) pair for 15 minutes.
			var res *http.Response
			var body string
			for range 6 {
				res, body = call(t, s, c, "POST", "/login", form, url.Values{"username": {"locked.web"}, "password": {"wrong-password"}}.Encode())
			}
			retry("HTML login", res, body, "15 分钟后再试")
			for range 6 {
				res, body = call(t, s, c, "POST", "/api/v1/session", "application/json", `{"username":"locked.api","password":"wrong-password"}`)
			}
			retry("JSON login", res, body, `"code":"rate_limited"`)
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.Contains(e.Error.Message, "15 分钟后再试") {
				t.Errorf("JSON login: %v %q", err, body)
			}
			// Other errors carry no Retry-After.
			res, _ = call(t, s, c, "POST", "/login", form, url.Values{"username": {"owner"}, "password": {"wrong-password"}}.Encode())
			if res.StatusCode == http.StatusTooManyRequests || res.Header.Get("Retry-After") != "" {
				t.Errorf("a wrong password: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
			}

			// Registration: ten valid attempts per address within the window.
			var taken string
			if err := s.App.DB.QueryRow(`SELECT mobile FROM users WHERE username = 'owner'`).Scan(&taken); err != nil {
				t.Fatal(err)
			}
			reg := url.Values{"mobile": {taken}, "name": {"张三"}, "password": {"password1"}, "password2": {"password1"}}.Encode()
			for range 11 {
				res, body = call(t, s, c, "POST", "/register", form, reg)
			}
			retry("HTML registration", res, body, "注册过于频繁，请 15 分钟后再试")
		})
	}
}

// /metrics is not public: on the main listener it is 404 unless a token is
// configured, and then 401 without it; the metrics listener serves it.
func TestMetricsProtection(t *testing.T) {
	s := apptest.Start(t, db.SQLite)
	admin := s.Login(t, "admin")
	for who, c := range map[string]*http.Client{"anonymous": s.Client(), "admin": admin} {
		res, body := call(t, s, c, "GET", "/metrics", "", "")
		if res.StatusCode != http.StatusNotFound || strings.Contains(body, "nevcrm_http") {
			t.Errorf("/metrics on the main listener as %s: %d", who, res.StatusCode)
		}
	}

	// The metrics listener: requests are labelled by route pattern.
	owner := s.Login(t, "owner")
	call(t, s, owner, "GET", "/owner/appointments/123456/reschedule", "", "")
	call(t, s, owner, "GET", "/owner/appointments/654321/reschedule", "", "")
	call(t, s, s.Client(), "GET", "/no/such/page/42", "", "")
	s.App.SetQueueDepth(func(context.Context) (map[string]int, error) { return map[string]int{"default": 3}, nil })
	ms := httptest.NewServer(s.App.MetricsHandler())
	defer ms.Close()
	res, err := http.Get(ms.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	text := string(b)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("metrics listener: %d", res.StatusCode)
	}
	for _, want := range []string{
		`nevcrm_http_requests_total{method="GET",route="GET /owner/appointments/{id}/reschedule",status="`,
		`nevcrm_http_request_duration_seconds_count{method="GET",route="GET /owner/appointments/{id}/reschedule"} 2`,
		`nevcrm_http_requests_total{method="POST",route="POST /api/v1/session",status="2xx"} 2`,
		`nevcrm_http_requests_total{method="GET",route="unmatched",status="4xx"}`,
		`go_sql_open_connections{db_name="nevcrm"}`,
		`go_sql_wait_count_total{db_name="nevcrm"}`,
		`nevcrm_job_queue_depth{queue="default"} 3`,
		"\ngo_goroutines ",
		"\nprocess_resident_memory_bytes ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, raw := range []string{"123456", "654321", "/no/such"} {
		if strings.Contains(text, raw) {
			t.Errorf("a raw path value %q became a label", raw)
		}
	}

	// With a token, the main listener serves /metrics to its bearer only;
	// a session, even an admin's, is no substitute.
	const token = "metrics-token-0123456789abcdef"
	cfg := &config.Config{Addr: "127.0.0.1:0", DB: dbtest.DSN(t, db.SQLite), Migrate: true, LogFormat: "text", MetricsToken: token}
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"main", a.Handler}, {"metrics listener", a.MetricsHandler()}} {
		for _, tc := range []struct {
			auth string
			want int
		}{{"", 401}, {"Bearer wrong", 401}, {"Bearer " + token, 200}} {
			r := httptest.NewRequest("GET", "/metrics", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			r.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: "whatever"})
			rec := httptest.NewRecorder()
			h.h.ServeHTTP(rec, r)
			if rec.Code != tc.want || (tc.want == 200) != strings.Contains(rec.Body.String(), "nevcrm_http_requests_total") {
				t.Errorf("%s, Authorization %q: %d, want %d", h.name, tc.auth, rec.Code, tc.want)
			}
		}
	}
}
