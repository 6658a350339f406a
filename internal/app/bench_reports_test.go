package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// reportUsers signs in, on a generated database, the users BenchmarkReports
// serves (admin, sales, service: see there) and brings the comment word
// rollup up to date.
func reportUsers(b *testing.B, a *app.App) map[string]string {
	ctx := context.Background()
	t0 := time.Now()
	n, err := a.Reports.CountCommentWords(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("database: %s; comment words of %d days counted in %s; load %s", a.DB.Dialect, n, time.Since(t0).Round(time.Millisecond), loadAverage())
	cookies := map[string]string{}
	for name, q := range map[string]string{
		"admin": `SELECT u.id FROM users u WHERE u.role = 'admin' AND u.active = $1 ORDER BY u.id LIMIT 1`,
		"sales": `SELECT u.id FROM users u JOIN sites s ON s.id = u.site_id WHERE u.role = 'sales' AND s.kind = 'store' AND u.active = $1 ORDER BY u.id LIMIT 1`,
		"service": `SELECT u.id FROM users u JOIN sites s ON s.id = u.site_id WHERE u.role = 'service' AND s.kind = 'service_center' AND u.active = $1
			ORDER BY u.id LIMIT 1`,
	} {
		var uid int64
		if err := a.DB.QueryRowContext(ctx, q, true).Scan(&uid); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		s, err := a.Accounts.StartSession(ctx, uid, "", "", "bench")
		if err != nil {
			b.Fatal(err)
		}
		cookies[name] = s.Token
	}
	return cookies
}

// BenchmarkReports serves every report page and the dashboards to one user
// at a time and reports p50 and p99 per request (ms) beside a baseline (a
// customer by primary key) measured in the same run. The period is
// NEVCRM_BENCH_FROM..NEVCRM_BENCH_TO (local dates; default the three months
// before the large dataset's as-of date, 2026-04-01..2026-06-30) and the
// queue's day NEVCRM_BENCH_DAY (default 2026-06-29): the admin's summary of
// every center and the queue of that day's busiest center. With NEVCRM_BENCH_DB
// set it opens that generated database without demo mode (benchDataApp) and
// signs in its first active admin, the first store's first sales consultant
// and the first service center's first adviser; the comment word job runs
// once before measuring, as it would have in a running system. Run with
// -benchtime=Nx.
func BenchmarkReports(b *testing.B) {
	var a *app.App
	var cookies map[string]string
	if os.Getenv("NEVCRM_BENCH_DB") == "" {
		a, cookies = benchApp(b)
	} else {
		a = benchDataApp(b)
		cookies = reportUsers(b, a)
	}
	from, to, day := os.Getenv("NEVCRM_BENCH_FROM"), os.Getenv("NEVCRM_BENCH_TO"), os.Getenv("NEVCRM_BENCH_DAY")
	if from == "" {
		from, to = "2026-04-01", "2026-06-30"
	}
	if day == "" {
		day = "2026-06-29"
	}
	period := "from=" + from + "&to=" + to
	measure := func(b *testing.B, user, path string) {
		var took []time.Duration
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if user != "" {
				req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: cookies[user]})
			}
			rec := httptest.NewRecorder()
			start := time.Now()
			a.Handler.ServeHTTP(rec, req)
			took = append(took, time.Since(start))
			if rec.Code != http.StatusOK {
				b.Fatalf("%s: %d", path, rec.Code)
			}
		}
		slices.Sort(took)
		pct := func(p float64) float64 {
			i := int(p*float64(len(took))+0.5) - 1
			return float64(took[max(0, min(i, len(took)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(pct(0.50), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
	}
	b.Run("baseline-customer-by-id", func(b *testing.B) {
		var took []time.Duration
		var name string
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			if err := a.DB.QueryRow(`SELECT name FROM customers WHERE id = $1`, i%1000+1).Scan(&name); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(took[min(len(took)-1, len(took)*99/100)].Microseconds())/1000, "p99-ms")
	})
	// The admin's queue of one center: the day's busiest, else the first.
	sum, err := a.Reports.DayQueues(context.Background(), &identity.User{ID: 1, Role: identity.RoleAdmin}, day, "")
	if err != nil {
		b.Fatal(err)
	}
	var center int64
	if len(sum.Centers) > 0 {
		center = sum.Centers[0].ID
		b.Logf("queue of %s: %d centers with appointments, the busiest %s with %d of %d", day, len(sum.Centers), sum.Centers[0].Name, sum.Centers[0].Total, sum.All.Total)
	} else if len(sum.Idle) > 0 {
		center = sum.Idle[0].ID
	}
	pages := []struct{ name, user, path string }{
		{"dash-sales-admin", "admin", "/sales/"},
		{"dash-admin-overview", "admin", "/admin/"},
		{"dash-queue-all-centers", "admin", "/service/?date=" + day},
		{"dash-queue-admin-center", "admin", fmt.Sprintf("/service/?date=%s&site_id=%d", day, center)},
	}
	for _, tab := range []string{"performance", "targets", "funnel", "sources", "campaigns", "market"} {
		pages = append(pages, struct{ name, user, path string }{"sales-" + tab + "-admin", "admin", "/sales/reports?tab=" + tab + "&" + period})
		pages = append(pages, struct{ name, user, path string }{"sales-" + tab + "-store", "sales", "/sales/reports?tab=" + tab + "&" + period})
	}
	pages = append(pages, struct{ name, user, path string }{"sales-performance-by-month-admin", "admin", "/sales/reports?tab=performance&by=month&" + period})
	for _, tab := range []string{"feedback", "service", "energy"} {
		pages = append(pages, struct{ name, user, path string }{"service-" + tab + "-admin", "admin", "/service/reports?tab=" + tab + "&" + period})
		pages = append(pages, struct{ name, user, path string }{"service-" + tab + "-center", "service", "/service/reports?tab=" + tab + "&" + period})
	}
	pages = append(pages, struct{ name, user, path string }{"drill-deliveries-admin", "admin", "/sales/reports/rows?set=deliveries&" + period},
		struct{ name, user, path string }{"drill-leads-order-admin", "admin", "/sales/reports/rows?set=leads&stage=order&" + period})
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) { measure(b, p.user, p.path) })
	}
}
