// Package apptest starts a complete NEV CRM server with the demo data on a
// fresh test database, for handler, authorization and browser tests.
package apptest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Server is a running server.
type Server struct {
	App   *app.App
	URL   string // base URL, e.g. http://127.0.0.1:34567
	Clock *Clock // the services' clock: real time until a test moves it
}

// Clock is real time shifted by an offset a test can set.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the shifted time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Set moves the clock so that it reads t now (and runs on from there).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

// Start runs a server with the demo data on a fresh database of dialect,
// stopped when the test ends. Its log goes to the test log (see Logger). Each option may change the configuration first (for example to
// run background-job workers, which test servers do not by default).
func Start(t testing.TB, dialect db.Dialect, options ...func(*config.Config)) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	clock := &Clock{}
	cfg := &config.Config{Addr: "127.0.0.1:0", DB: dbtest.DSN(t, dialect), Demo: true, Migrate: true, LogFormat: "text", Now: clock.Now}
	for _, o := range options {
		o(cfg)
	}
	a, err := app.New(ctx, cfg, Logger(t))
	if err != nil {
		cancel()
		t.Fatalf("start app: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with %v", err)
		}
		a.Close()
	})
	return &Server{App: a, URL: "http://" + ln.Addr().String(), Clock: clock}
}

// Client returns an HTTP client with its own cookie jar that does not follow
// redirects (so tests see 303s).
func (s *Server) Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Login returns a client logged in through the JSON API as username with the
// demo password.
func (s *Server) Login(t testing.TB, username string) *http.Client {
	t.Helper()
	c := s.Client()
	body, _ := json.Marshal(map[string]string{"username": username, "password": app.DemoPassword})
	res, err := c.Post(s.URL+"/api/v1/session", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("login %s: %d %s", username, res.StatusCode, b)
	}
	return c
}

// Session returns a client with a new session of username, opened through
// the account service without checking a password: for tests that need many
// logged-in clients (one argon2id check costs tens of milliseconds). Login
// tests go through Login.
func (s *Server) Session(t testing.TB, username string) *http.Client {
	t.Helper()
	ctx := context.Background()
	u, err := s.App.Accounts.UserByLogin(ctx, identity.System(), username)
	if err != nil {
		t.Fatalf("session for %s: %v", username, err)
	}
	sess, err := s.App.Accounts.StartSession(ctx, u.ID, "", "127.0.0.1", "apptest")
	if err != nil {
		t.Fatalf("session for %s: %v", username, err)
	}
	c := s.Client()
	base, _ := url.Parse(s.URL)
	c.Jar.SetCookies(base, []*http.Cookie{{Name: httpx.SessionCookie, Value: sess.Token, Path: "/"}})
	return c
}

// PostForm posts form values the way a same-origin browser form does
// (with the Origin header the cross-origin protection checks).
func (s *Server) PostForm(c *http.Client, path string, v url.Values) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}
