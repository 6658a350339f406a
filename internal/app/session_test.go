package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// sessionCookies returns the session cookies a response sets.
func sessionCookies(res *http.Response) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == httpx.SessionCookie {
			out = append(out, c)
		}
	}
	return out
}

func fetch(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
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

// near reports whether a cookie expiry (whole seconds) is want, give or take
// the seconds the test itself takes (the test clock runs on in real time).
func near(got, want time.Time) bool {
	d := got.Sub(want)
	return d > -5*time.Second && d < 5*time.Second
}

// Sessions end after their role's idle timeout and absolute lifetime; the
// cookie follows the session's end and is renewed at most once a minute;
// an ended session sends the browser to a login page that says why, and
// the API answers 401 with the same words.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, dialect)
			owner := account.SessionPolicyFor(identity.RoleOwner)
			service := account.SessionPolicyFor(identity.RoleService)
			admin := account.SessionPolicyFor(identity.RoleAdmin)

			// Login sets a cookie that expires with the idle timeout.
			c := s.Client()
			t0 := s.Clock.Now()
			res, err := s.PostForm(c, "/login", url.Values{"username": {"service"}, "password": {"nevcrm-demo"}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			ck := sessionCookies(res)
			if res.StatusCode != http.StatusSeeOther || len(ck) != 1 || !near(ck[0].Expires, t0.Add(service.Idle)) {
				t.Fatalf("login: %d, cookies %v, want expiry %s", res.StatusCode, ck, t0.Add(service.Idle))
			}

			// Within a minute no cookie is sent again; after it, the cookie
			// follows the renewed session.
			s.Clock.Set(t0.Add(30 * time.Second))
			if res, _ := fetch(t, c, s.URL+"/service/"); res.StatusCode != http.StatusOK || len(sessionCookies(res)) != 0 {
				t.Fatalf("within a minute: %d, cookies %v", res.StatusCode, sessionCookies(res))
			}
			t1 := t0.Add(service.Idle - time.Minute)
			s.Clock.Set(t1)
			res, _ = fetch(t, c, s.URL+"/service/")
			if ck := sessionCookies(res); res.StatusCode != http.StatusOK || len(ck) != 1 || !near(ck[0].Expires, t1.Add(service.Idle)) {
				t.Fatalf("after a minute: %d, cookies %v, want expiry %s", res.StatusCode, ck, t1.Add(service.Idle))
			}

			// Idle for longer than the timeout: to the login page, which
			// says the login has expired; the cookie is cleared.
			s.Clock.Set(t1.Add(service.Idle + time.Second))
			res, _ = fetch(t, c, s.URL+"/service/?date=2026-01-05")
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther ||
				loc != "/login?next="+url.QueryEscape("/service/?date=2026-01-05")+"&reason=expired" {
				t.Fatalf("idle session: %d to %q", res.StatusCode, loc)
			}
			if ck := sessionCookies(res); len(ck) != 1 || ck[0].MaxAge >= 0 {
				t.Errorf("idle session's cookie not cleared: %v", ck)
			}
			_, page := fetch(t, c, s.URL+res.Header.Get("Location"))
			if !strings.Contains(page, "登录已过期，请重新登录") {
				t.Error("login page does not say the login expired")
			}
			_, page = fetch(t, c, s.URL+"/login?next=%2F")
			if strings.Contains(page, "登录已过期") {
				t.Error("login page says the login expired to a visitor who was never logged in")
			}

			// The API says the same, in JSON.
			api := s.Login(t, "owner")
			s.Clock.Set(s.Clock.Now().Add(owner.Idle + time.Minute))
			res, body := fetch(t, api, s.URL+"/api/v1/me")
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || res.StatusCode != http.StatusUnauthorized ||
				e.Error.Message != "登录已过期，请重新登录" {
				t.Errorf("API with an idle session: %d %s", res.StatusCode, body)
			}
			if res, body := fetch(t, api, s.URL+"/api/v1/me"); res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "请先登录") {
				t.Errorf("API after the cookie was cleared: %d %s", res.StatusCode, body)
			}

			// Absolute lifetime: an admin active every ten minutes is logged
			// out when it is reached.
			c = s.Login(t, "admin")
			t2 := s.Clock.Now()
			for at := t2.Add(10 * time.Minute); at.Before(t2.Add(admin.Absolute - 10*time.Second)); at = at.Add(10 * time.Minute) {
				s.Clock.Set(at)
				if res, _ := fetch(t, c, s.URL+"/admin/"); res.StatusCode != http.StatusOK {
					t.Fatalf("active admin at +%s: %d", at.Sub(t2), res.StatusCode)
				}
			}
			s.Clock.Set(t2.Add(admin.Absolute + time.Second))
			if res, _ := fetch(t, c, s.URL+"/admin/"); res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "&reason=expired") {
				t.Fatalf("admin past the absolute lifetime: %d to %q", res.StatusCode, res.Header.Get("Location"))
			}

			// Logging in again with the ended session's cookie still in the
			// browser sets exactly one cookie: the new session's.
			c = s.Client()
			s.Login(t, "sales") // a session to end
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/login", strings.NewReader(url.Values{"username": {"sales"}, "password": {"nevcrm-demo"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", s.URL)
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: "ended-session-token"})
			res, err = c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if ck := sessionCookies(res); res.StatusCode != http.StatusSeeOther || len(ck) != 1 || ck[0].Value == "" || ck[0].MaxAge < 0 {
				t.Errorf("login with an ended cookie: %d, cookies %v", res.StatusCode, res.Header.Values("Set-Cookie"))
			}
		})
	}
}
