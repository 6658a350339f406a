package app_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/httpx"
)

// BenchmarkReports serves every report page and the dashboards to one user
// at a time and reports p50 and p99 per request (ms) beside a baseline (a
// customer by primary key) measured in the same run. The period is
// NEVCRM_BENCH_FROM..NEVCRM_BENCH_TO (local dates; default the three months
// before the large dataset's as-of date, 2026-04-01..2026-06-30) and the
// queue's day NEVCRM_BENCH_DAY (default 2026-06-29). Run with -benchtime=Nx.
func BenchmarkReports(b *testing.B) {
	a, cookies := benchApp(b)
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
	pages := []struct{ name, user, path string }{
		{"dash-sales-admin", "admin", "/sales/"},
		{"dash-admin-overview", "admin", "/admin/"},
		{"dash-queue-all-centers", "admin", "/service/?date=" + day},
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
