package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/httpx"
)

// BenchmarkPages measures the main pages through the full handler stack
// (middleware, session lookup, services, SQL, templates) beside a baseline:
// a primary-key lookup of one customer on the same database in the same run.
// scripts/bench-pages.sh prints the ratios. The database is the demo data
// (1,000 customers) unless NEVCRM_BENCH_DB names a generated database, e.g.
// one made with `nevcrm generate --scale large`.
func BenchmarkPages(b *testing.B) {
	ctx := context.Background()
	dsn := os.Getenv("NEVCRM_BENCH_DB")
	if dsn == "" {
		dsn = filepath.Join(b.TempDir(), "bench.db")
	}
	cfg := &config.Config{Addr: "127.0.0.1:0", DB: dsn, Demo: true, Migrate: true, LogFormat: "text"}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	var customers int
	if err := a.DB.QueryRow(`SELECT COUNT(*) FROM customers`).Scan(&customers); err != nil {
		b.Fatal(err)
	}
	b.Logf("database: %s, %d customers", a.DB.Dialect, customers)

	cookies := map[string]string{}
	for _, name := range app.DemoAccounts {
		u, err := a.Accounts.Authenticate(ctx, name, app.DemoPassword, "")
		if err != nil {
			b.Fatal(err)
		}
		s, err := a.Accounts.StartSession(ctx, u.ID, "", "", "bench")
		if err != nil {
			b.Fatal(err)
		}
		cookies[name] = s.Token
	}
	var swapSite int64
	if err := a.DB.QueryRow(`SELECT st.id FROM users u JOIN customers c ON c.id = u.customer_id JOIN sites st ON st.city = c.city
		WHERE u.username = 'owner' AND st.kind = 'swap_station' ORDER BY st.id LIMIT 1`).Scan(&swapSite); err != nil {
		b.Fatal(err)
	}
	tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format("2006-01-02")

	b.Run("baseline-customer-by-id", func(b *testing.B) {
		var name string
		for i := 0; b.Loop(); i++ {
			if err := a.DB.QueryRow(`SELECT name FROM customers WHERE id = $1`, i%customers+1).Scan(&name); err != nil {
				b.Fatal(err)
			}
		}
	})
	pages := []struct{ name, user, path string }{
		{"home", "", "/"},
		{"owner-dashboard", "owner", "/owner/"},
		{"owner-appointments", "owner", "/owner/appointments"},
		{"booking-form", "owner", fmt.Sprintf("/owner/appointments/new?service=swap&site_id=%d&date=%s", swapSite, tomorrow)},
		{"api-slots", "owner", fmt.Sprintf("/api/v1/sites/%d/slots?service=swap&date=%s", swapSite, tomorrow)},
		{"service-queue", "service", "/service/?date=" + tomorrow},
		{"sales-dashboard", "sales", "/sales/"},
		{"admin-dashboard", "admin", "/admin/"},
		{"admin-users", "admin", "/admin/users"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, p.path, nil)
				if p.user != "" {
					req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: cookies[p.user]})
				}
				rec := httptest.NewRecorder()
				a.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.path, rec.Code)
				}
			}
		})
	}
}
