package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/httpx"
)

// benchApp opens the benchmark database with the demo accounts and returns
// the app and a session token per demo account. The database is the demo
// data (2,000 customers) unless NEVCRM_BENCH_DB names a generated database,
// e.g. one made with `nevcrm generate --scale large`. Requests are logged
// as in production (text, formatted) but to io.Discard.
func benchApp(b *testing.B) (*app.App, map[string]string) {
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
	b.Cleanup(func() { a.Close() })
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
	return a, cookies
}

// BenchmarkPages measures the main pages through the full handler stack
// (middleware, session lookup, services, SQL, templates) beside a baseline:
// a primary-key lookup of one customer on the same database in the same run.
// scripts/bench-pages.sh prints the ratios; NEVCRM_BENCH_DB names another
// database (see benchApp).
func BenchmarkPages(b *testing.B) {
	a, cookies := benchApp(b)
	var customers int
	if err := a.DB.QueryRow(`SELECT MAX(id) FROM customers`).Scan(&customers); err != nil {
		b.Fatal(err)
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
		{"healthz", "", "/healthz"},
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

// BenchmarkThroughput serves /healthz and the owner's dashboard (/owner/,
// logged in) from a real listener to concurrent keep-alive clients in the
// same process, one after the other in the same run, and reports each in
// requests per second and in CPU time of the whole process (server and
// clients) per request; NEVCRM_BENCH_ROUNDS repeats the pair. The ratio of
// the two is what docs/测试说明.md reports (scripts/bench-throughput.sh prints
// it per round). Requests per second depend on what else the machine runs;
// CPU time per request does not, and with the cores saturated throughput is
// the cores divided by it. With NEVCRM_BENCH_DB (a copy of a generated
// database, see benchDataApp) the owner is the first owner account with a
// vehicle and an appointment, logged in by a session started for them.
func BenchmarkThroughput(b *testing.B) {
	a, owner := throughputApp(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.Error(err)
		}
	})
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	rounds, _ := strconv.Atoi(os.Getenv("NEVCRM_BENCH_ROUNDS"))
	for round := range max(rounds, 1) {
		for _, p := range []struct{ name, user, path string }{
			{"healthz", "", "/healthz"},
			{"owner-dashboard", owner, "/owner/"},
		} {
			b.Run(fmt.Sprintf("round%d/%s", round+1, p.name), func(b *testing.B) {
				b.SetParallelism(4) // 4 × GOMAXPROCS clients
				cpu0 := cpuTime()
				b.RunParallel(func(pb *testing.PB) {
					req, err := http.NewRequest(http.MethodGet, base+p.path, nil)
					if err != nil {
						b.Error(err)
						return
					}
					if p.user != "" {
						req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: p.user})
					}
					for pb.Next() {
						res, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							b.Errorf("%s: %d", p.path, res.StatusCode)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/req")
			})
		}
	}
}

// throughputApp opens BenchmarkThroughput's database and returns a session
// token of the owner whose dashboard it measures: the demo owner on the
// demo data, else (NEVCRM_BENCH_DB) the first active owner account with a
// vehicle and an appointment.
func throughputApp(b *testing.B) (*app.App, string) {
	if os.Getenv("NEVCRM_BENCH_DB") == "" {
		a, cookies := benchApp(b)
		return a, cookies["owner"]
	}
	a := benchDataApp(b)
	ctx := context.Background()
	var uid, customers int64
	if err := a.DB.QueryRowContext(ctx, `SELECT u.id FROM users u WHERE u.role = 'owner' AND u.active = $1
		AND EXISTS (SELECT 1 FROM vehicles v WHERE v.customer_id = u.customer_id)
		AND EXISTS (SELECT 1 FROM appointments p WHERE p.customer_id = u.customer_id) ORDER BY u.id LIMIT 1`, true).Scan(&uid); err != nil {
		b.Fatal(err)
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&customers); err != nil {
		b.Fatal(err)
	}
	s, err := a.Accounts.StartSession(ctx, uid, "", "", "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("database: %s, %d customers; owner account %d", a.DB.Dialect, customers, uid)
	return a, s.Token
}
