package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
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
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			cfg := &config.Config{Addr: "127.0.0.1:0", DB: dbtest.DSN(t, dialect), Migrate: false, LogFormat: "text"}
			_, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if !errors.Is(err, db.ErrSchemaOutdated) {
				t.Fatalf("app.New on an unmigrated database = %v, want ErrSchemaOutdated", err)
			}
		})
	}
}

func TestHealthz(t *testing.T) {
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
	cfg := &config.Config{Addr: "127.0.0.1:0", DB: dbtest.DSN(t, db.SQLite), Migrate: true, LogFormat: "text"}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
