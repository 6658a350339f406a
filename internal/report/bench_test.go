package report_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
)

// BenchmarkReportService computes every report tab through the report
// service (SQL and the Go that builds the tables; no HTTP or templates) on
// the database NEVCRM_BENCH_DB names (migrated first; skipped when unset),
// as an admin (every store or center) and as the first store's consultant
// and the first service center's adviser, over NEVCRM_BENCH_FROM ..
// NEVCRM_BENCH_TO (default 2026-04-01 .. 2026-06-30), and reports p50 and
// p99 (ms) beside a baseline measured in the same run (a customer by
// primary key). The comment word job runs once first, as it would have in a
// running system. Run with -benchtime=Nx; the table is in docs/测试说明.md.
func BenchmarkReportService(b *testing.B) {
	dsn := os.Getenv("NEVCRM_BENCH_DB")
	if dsn == "" {
		b.Skip("set NEVCRM_BENCH_DB to a generated database")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	from, to := os.Getenv("NEVCRM_BENCH_FROM"), os.Getenv("NEVCRM_BENCH_TO")
	if from == "" {
		from, to = "2026-04-01", "2026-06-30"
	}
	end, err := time.Parse("2006-01-02", to)
	if err != nil {
		b.Fatal(err)
	}
	s := report.NewService(d, func() time.Time { return end.Add(20 * time.Hour) })
	// The comment word job would have run in a running system.
	t0 := time.Now()
	days, err := s.CountCommentWords(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("comment words of %d days counted in %s", days, time.Since(t0).Round(time.Millisecond))
	var store, center, seller, adviser int64
	if err := d.QueryRowContext(ctx, `SELECT u.id, u.site_id FROM users u JOIN sites s ON s.id = u.site_id WHERE u.role = 'sales' AND s.kind = 'store' ORDER BY u.id LIMIT 1`).Scan(&seller, &store); err != nil {
		b.Fatal(err)
	}
	if err := d.QueryRowContext(ctx, `SELECT u.id, u.site_id FROM users u JOIN sites s ON s.id = u.site_id WHERE u.role = 'service' AND s.kind = 'service_center' ORDER BY u.id LIMIT 1`).Scan(&adviser, &center); err != nil {
		b.Fatal(err)
	}
	admin := &identity.User{ID: 1, Role: identity.RoleAdmin}
	sales := &identity.User{ID: seller, Role: identity.RoleSales, SiteID: store}
	svc := &identity.User{ID: adviser, Role: identity.RoleService, SiteID: center}
	measure := func(b *testing.B, f func() error) {
		var took []time.Duration
		for b.Loop() {
			start := time.Now()
			if err := f(); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
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
		var name string
		i := 0
		measure(b, func() error {
			i++
			return d.QueryRowContext(ctx, `SELECT name FROM customers WHERE id = $1`, i%1000+1).Scan(&name)
		})
	})
	b.Run("dash-admin-overview", func(b *testing.B) {
		measure(b, func() error { _, err := s.Admin(ctx, admin); return err })
	})
	b.Run("dash-sales-admin", func(b *testing.B) {
		measure(b, func() error { _, err := s.Sales(ctx, admin); return err })
	})
	for _, tab := range report.SalesTabs {
		for _, who := range []struct {
			name string
			u    *identity.User
		}{{"admin", admin}, {"store", sales}} {
			b.Run("sales-"+tab.Value+"-"+who.name, func(b *testing.B) {
				measure(b, func() error {
					_, err := s.SalesReport(ctx, who.u, report.Filter{Tab: tab.Value, From: from, To: to})
					return err
				})
			})
		}
	}
	for _, tab := range report.ServiceTabs {
		for _, who := range []struct {
			name string
			u    *identity.User
		}{{"admin", admin}, {"center", svc}} {
			b.Run("service-"+tab.Value+"-"+who.name, func(b *testing.B) {
				measure(b, func() error {
					_, err := s.ServiceReport(ctx, who.u, report.Filter{Tab: tab.Value, From: from, To: to})
					return err
				})
			})
		}
	}
}
