package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

func TestRefusesStaleSchema(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			cfg := &config.Config{Addr: "127.0.0.1:0", DB: dbtest.DSN(t, dialect), Migrate: false, LogFormat: "text"}
			_, err := app.New(context.Background(), cfg, apptest.Logger(t))
			if !errors.Is(err, db.ErrSchemaOutdated) {
				t.Fatalf("app.New on an unmigrated database = %v, want ErrSchemaOutdated", err)
			}
		})
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	res, err := http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Request-Id") == "" {
		t.Fatalf("healthz: %d, request id %q", res.StatusCode, res.Header.Get("X-Request-Id"))
	}
	// With the database gone the check fails with 503, not a hang or a 500.
	s.App.DB.Close()
	rec := httptest.NewRecorder()
	s.App.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("healthz with a closed database: %d", rec.Code)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodPut, "/api/v1/appointments", "GET, POST"},
		{http.MethodDelete, "/login", "GET, POST"},
	} {
		req, _ := http.NewRequest(tc.method, s.URL+tc.path, nil)
		req.Header.Set("Origin", s.URL)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want 405 Allow %q", tc.method, tc.path, res.StatusCode, res.Header.Get("Allow"), tc.allow)
		}
	}
	res, err := http.Get(s.URL + "/api/v1/nothing")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown API path: %d", res.StatusCode)
	}
}

func TestDemoLoginsOnlyInDemoMode(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Addr: "127.0.0.1:0", DB: dbtest.DSN(t, db.SQLite), Migrate: true, LogFormat: "text"}
	a, err := app.New(context.Background(), cfg, apptest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "演示账号") {
		t.Fatalf("login page without --demo: %d, shows demo logins: %v", rec.Code, strings.Contains(rec.Body.String(), "演示账号"))
	}
	s := apptest.Start(t, db.SQLite)
	res, err := http.Get(s.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "演示账号") {
		t.Fatal("login page with --demo lacks the demo logins")
	}
}

func TestInvalidTextRefused(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, dialect)
			owner := s.Login(t, "owner")
			before := 0
			if err := s.App.DB.QueryRow(`SELECT COUNT(*) FROM appointments`).Scan(&before); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				c      *http.Client
				method string
				path   string
				ctype  string
				body   string
			}{
				{s.Client(), "POST", "/login", "application/x-www-form-urlencoded", "username=%ff%fe&password=x"},
				{s.Client(), "POST", "/register", "application/x-www-form-urlencoded", "mobile=13900000000&name=%ff&password=12345678&password2=12345678"},
				{owner, "POST", "/owner/appointments", "application/x-www-form-urlencoded", "vehicle_id=1&service=swap&site_id=1&date=2026-12-01&minute=600&note=%00"},
				{owner, "GET", "/owner/appointments/new?city=%ff", "", ""},
				{s.Client(), "POST", "/api/v1/session", "application/json", `{"username":"\u0000admin","password":"x"}`},
				{s.Client(), "POST", "/api/v1/session", "application/json", "{\"username\":\"\xff\",\"password\":\"x\"}"},
				{owner, "GET", "/api/v1/sites?city=%ff", "", ""},
				{owner, "GET", "/api/v1/sites?=%00", "", ""},
				{s.Client(), "POST", "/register", "APPLICATION/X-WWW-FORM-URLENCODED", "mobile=13900000000&name=%E5%BC%A0%00&password=12345678&password2=12345678"},
				{owner, "POST", "/owner/appointments/1/cancel", "multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\na\x00b\r\n--X--\r\n"},
				{owner, "POST", "/community/posts", "multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\na\x00b\r\n--X--\r\n"},
			} {
				req, _ := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
				req.Header.Set("Origin", s.URL)
				if tc.ctype != "" {
					req.Header.Set("Content-Type", tc.ctype)
				}
				res, err := tc.c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("%s %s %q: %d, want 422", tc.method, tc.path, tc.body, res.StatusCode)
				}
			}
			after := 0
			if err := s.App.DB.QueryRow(`SELECT COUNT(*) FROM appointments`).Scan(&after); err != nil || after != before {
				t.Fatalf("appointments %d -> %d (%v)", before, after, err)
			}
		})
	}
}

func TestDemoRefusesRealData(t *testing.T) {
	t.Parallel()
	dsn := dbtest.DSN(t, db.SQLite)
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(`INSERT INTO customers (name, mobile, created_at, updated_at) VALUES ('真实客户', '13900000001', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	cfg := &config.Config{Addr: "127.0.0.1:0", DB: dsn, Demo: true, Migrate: true, LogFormat: "text"}
	if _, err := app.New(context.Background(), cfg, apptest.Logger(t)); err == nil || !strings.Contains(err.Error(), "refusing --demo") {
		t.Fatalf("--demo on real data: %v", err)
	}
}
