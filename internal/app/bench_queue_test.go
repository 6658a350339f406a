package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/httpx"
)

// benchDataApp opens the database NEVCRM_BENCH_DB names (an SQLite file or a
// postgres:// URL of a generated database) as `nevcrm serve` without --demo
// does, migrating it first: use a copy, never the original. Demo mode is not
// needed: the benchmark logs in by starting a session for a user it finds.
// Without NEVCRM_BENCH_DB it falls back to benchApp's demo data.
func benchDataApp(b *testing.B) *app.App {
	dsn := os.Getenv("NEVCRM_BENCH_DB")
	if dsn == "" {
		a, _ := benchApp(b)
		return a
	}
	cfg := &config.Config{Addr: "127.0.0.1:0", DB: dsn, Migrate: true, LogFormat: "text"}
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a
}

// loadAverage is the machine's 1-minute load average as /proc/loadavg says,
// or "?" where there is none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// BenchmarkServiceQueueBusiest measures the service queue of the busiest
// service center's busiest day (its own appointments and its stations',
// counted over the whole database; NEVCRM_BENCH_DATE picks another day of
// that center) through the full handler stack, as a logged-in service user
// of that center, beside two baselines in the same run: /healthz through
// the same handler stack and a primary-key lookup of one customer. Each
// reports its time per request at the 50th and 99th percentile (p50-ms,
// p99-ms) and the process's CPU time per request (cpu-ms/op); with -v the
// benchmark prints them as a table with the ratio to /healthz and the load
// average. NEVCRM_BENCH_DB names the database (see
// benchDataApp); the issue 9 target is p99 ≤ 20 ms on the
// 1,000,000-customer database. scripts/bench-queue.sh runs it.
func BenchmarkServiceQueueBusiest(b *testing.B) {
	a := benchDataApp(b)
	ctx := context.Background()
	var center int64
	var day time.Time
	var n int
	t0 := time.Now()
	if err := a.DB.QueryRowContext(ctx, `SELECT CASE WHEN st.kind = 'service_center' THEN st.id ELSE st.parent_id END AS center, a.slot_date, COUNT(*) AS n
		FROM appointments a JOIN sites st ON st.id = a.site_id
		WHERE st.kind = 'service_center' OR st.parent_id IS NOT NULL
		GROUP BY center, a.slot_date ORDER BY n DESC, center LIMIT 1`).Scan(&center, &day, &n); err != nil {
		b.Fatal(err)
	}
	if d := os.Getenv("NEVCRM_BENCH_DATE"); d != "" {
		var err error
		if day, err = time.Parse("2006-01-02", d); err != nil {
			b.Fatal(err)
		}
		if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments a JOIN sites st ON st.id = a.site_id
			WHERE a.slot_date = $1 AND (st.id = $2 OR st.parent_id = $2)`, day, center).Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
	date := day.Format("2006-01-02")
	var dayTotal, customers int
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments WHERE slot_date = $1`, day).Scan(&dayTotal); err != nil {
		b.Fatal(err)
	}
	if err := a.DB.QueryRow(`SELECT MAX(id) FROM customers`).Scan(&customers); err != nil {
		b.Fatal(err)
	}
	var uid int64
	if err := a.DB.QueryRowContext(ctx, `SELECT id FROM users WHERE role = 'service' AND site_id = $1 AND active = $2 ORDER BY id LIMIT 1`, center, true).Scan(&uid); err != nil {
		b.Fatal(err)
	}
	s, err := a.Accounts.StartSession(ctx, uid, "", "", "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("database: %s, %d customers; busiest center %d on %s: %d appointments in its queue, %d that day in all (found in %s)",
		a.DB.Dialect, customers, center, date, n, dayTotal, time.Since(t0).Round(time.Millisecond))

	type result struct {
		name          string
		n             int
		p50, p99, cpu float64
	}
	var results []result
	// measure times each request; cpu is the process's CPU time per
	// request (server and client are one process), which, unlike the
	// percentiles, does not grow with what else the machine runs.
	measure := func(b *testing.B, name string, one func(i int)) {
		var d []time.Duration
		cpu0 := cpuTime()
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			one(i)
			d = append(d, time.Since(t0))
		}
		cpu := float64((cpuTime() - cpu0).Microseconds()) / 1e3 / float64(len(d))
		slices.Sort(d)
		at := func(p float64) float64 { return float64(d[min(len(d)-1, int(p*float64(len(d))))]) / 1e6 }
		b.ReportMetric(at(0.50), "p50-ms")
		b.ReportMetric(at(0.99), "p99-ms")
		b.ReportMetric(cpu, "cpu-ms/op")
		results = append(results, result{name, len(d), at(0.50), at(0.99), cpu})
	}
	page := func(b *testing.B, path string, cookie bool) func(int) {
		return func(int) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if cookie {
				req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: s.Token})
			}
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("%s: %d", path, rec.Code)
			}
		}
	}
	b.Run("baseline-healthz", func(b *testing.B) { measure(b, "baseline-healthz", page(b, "/healthz", false)) })
	b.Run("baseline-customer-by-id", func(b *testing.B) {
		var name string
		measure(b, "baseline-customer-by-id", func(i int) {
			if err := a.DB.QueryRow(`SELECT name FROM customers WHERE id = $1`, i%customers+1).Scan(&name); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("service-queue-busiest", func(b *testing.B) {
		measure(b, "service-queue-busiest", page(b, "/service/?date="+date, true))
	})
	if len(results) == 0 || results[0].name != "baseline-healthz" {
		return // filtered with -bench
	}
	var t strings.Builder
	fmt.Fprintf(&t, "load average %s\n%-26s %7s %10s %10s %10s %14s %14s\n", loadAverage(), "request", "n", "p50 ms", "p99 ms", "cpu ms", "p50 × healthz", "p99 × healthz")
	for _, r := range results {
		fmt.Fprintf(&t, "%-26s %7d %10.3f %10.3f %10.3f %14.1f %14.1f\n", r.name, r.n, r.p50, r.p99, r.cpu, r.p50/results[0].p50, r.p99/results[0].p99)
	}
	b.Log("\n" + t.String())
}
