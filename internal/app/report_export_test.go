package app_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/site"
)

// readCSV reads an exported CSV body (UTF-8 with BOM) into rows.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("CSV without BOM: %.60q", body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestReportRowsExport: the rows behind a report figure export as CSV and
// XLSX holding exactly the rows counted independently in SQL (a sales
// manager's deliveries of their store, a service user's appointments of
// their center and its stations), and a drill-down above the threshold
// becomes a background job whose file holds every row.
func TestReportRowsExport(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			// The demo data is generated for today, so its counts change from
			// day to day: the test picks its periods from the data. The
			// store's deliveries are exported at once (at most the threshold
			// in the period: the last 12, 6, 3 or 1 months, else the last 14,
			// 7, 3, 2 or 1 days, whichever is the longest such: the demo
			// store is busy), the center's appointments of 12 months as a job
			// (more than the threshold).
			const threshold = 12
			s := apptest.Start(t, dialect, func(c *config.Config) {
				c.Worker, c.JobWorkers, c.ExportThreshold = true, 2, threshold
			})
			now := time.Now().In(site.Shanghai)
			to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, site.Shanghai)
			// since returns the period from a day to today.
			since := func(from time.Time) (period string, lo, hi time.Time) {
				return "from=" + from.Format("2006-01-02") + "&to=" + to.Format("2006-01-02"), from.UTC(), to.AddDate(0, 0, 1).UTC()
			}
			window := func(months int) (period string, lo, hi time.Time) {
				return since(time.Date(now.Year(), now.Month()-time.Month(months), 1, 0, 0, 0, 0, site.Shanghai))
			}

			// A sales manager: the deliveries of their store.
			mgr := s.Session(t, "manager")
			var store int64
			var want int
			if err := s.App.DB.QueryRow(`SELECT site_id FROM users WHERE username = 'manager'`).Scan(&store); err != nil {
				t.Fatal(err)
			}
			var period string
			var windows []func() (string, time.Time, time.Time)
			for _, months := range []int{12, 6, 3, 1} {
				windows = append(windows, func() (string, time.Time, time.Time) { return window(months) })
			}
			for _, days := range []int{14, 7, 3, 2, 1} {
				windows = append(windows, func() (string, time.Time, time.Time) { return since(to.AddDate(0, 0, 1-days)) })
			}
			for _, w := range windows {
				p, lo, hi := w()
				if err := s.App.DB.QueryRow(`SELECT COUNT(*) FROM vehicle_orders WHERE status = 'delivered' AND store_id = $1
					AND delivered_at >= $2 AND delivered_at < $3`, store, lo, hi).Scan(&want); err != nil {
					t.Fatal(err)
				}
				if want >= 1 && want <= threshold {
					period = p
					break
				}
			}
			if period == "" {
				t.Fatalf("demo store has no period of 12, 6, 3 or 1 months or 14, 7, 3, 2 or 1 days with 1..%d deliveries (last: %d)", threshold, want)
			}
			page := get(t, mgr, s.URL+"/sales/reports/rows?set=deliveries&"+period)
			if !strings.Contains(page, `action="/sales/reports/rows/export?`) {
				t.Fatal("drill-down page has no export form")
			}
			res, err := s.PostForm(mgr, "/sales/reports/rows/export?set=deliveries&"+period+"&cursor=", url.Values{"format": {"csv"}})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), ".csv") {
				t.Fatalf("export: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
			}
			rows := readCSV(t, string(body))
			if len(rows) != want+1 || rows[0][0] != "订单号" {
				t.Fatalf("deliveries CSV: %d lines (header %v), want header + %d", len(rows), rows[0], want)
			}
			for _, r := range rows[1:] {
				if r[6] != "已交付" {
					t.Errorf("exported row not delivered: %v", r)
				}
			}
			res, err = s.PostForm(mgr, "/sales/reports/rows/export?set=deliveries&"+period, url.Values{"format": {"xlsx"}})
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.HasPrefix(string(body), "PK") || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
				t.Errorf("xlsx export: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			// Another store's id is ignored: a consultant's export is of
			// their own store; a bad set is a user mistake.
			var other int64
			if err := s.App.DB.QueryRow(`SELECT MIN(id) FROM sites WHERE kind = 'store' AND id <> $1`, store).Scan(&other); err != nil {
				t.Fatal(err)
			}
			res, err = s.PostForm(mgr, "/sales/reports/rows/export?set=deliveries&store_id="+itoa(other)+"&"+period, url.Values{"format": {"csv"}})
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
			if got := readCSV(t, string(body)); len(got) != want+1 {
				t.Errorf("export with another store's id: %d lines, want the own store's header + %d", len(got), want)
			}
			res, err = s.PostForm(mgr, "/sales/reports/rows/export?set=nothing&"+period, url.Values{"format": {"csv"}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("export of an unknown set: %d, want 422", res.StatusCode)
			}

			// Service: the appointments of the center and its stations, more
			// than the threshold: a background job with every row.
			svc := s.Session(t, "service")
			var center int64
			if err := s.App.DB.QueryRow(`SELECT site_id FROM users WHERE username = 'service'`).Scan(&center); err != nil {
				t.Fatal(err)
			}
			period, lo, hi := window(12)
			if err := s.App.DB.QueryRow(`SELECT COUNT(*) FROM appointments a JOIN sites x ON x.id = a.site_id
				WHERE (x.id = $1 OR x.parent_id = $1) AND a.scheduled_at >= $2 AND a.scheduled_at < $3`, center, lo, hi).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if want <= threshold {
				t.Fatalf("demo center has %d appointments in %s; the test wants more than the threshold %d", want, period, threshold)
			}
			res, err = s.PostForm(svc, "/service/reports/rows/export?set=appointments&"+period, url.Values{"format": {"csv"}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/jobs/") {
				t.Fatalf("large export: %d %q, want a redirect to the job", res.StatusCode, loc)
			}
			id := strings.TrimSuffix(strings.TrimPrefix(loc, "/jobs/"), "?ok=report_export_job")
			var job struct {
				State string `json:"state"`
				Done  int64  `json:"done"`
				Total int64  `json:"total"`
				File  string `json:"file"`
			}
			deadline := time.Now().Add(60 * time.Second)
			for job.State != "completed" {
				if time.Now().After(deadline) {
					t.Fatalf("job %s not completed in time: %+v", id, job)
				}
				time.Sleep(50 * time.Millisecond)
				r, err := svc.Get(s.URL + "/api/v1/jobs/" + id)
				if err != nil {
					t.Fatal(err)
				}
				if err := json.NewDecoder(r.Body).Decode(&job); err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				if job.State == "discarded" || job.State == "cancelled" {
					t.Fatalf("job ended %s", job.State)
				}
			}
			if job.Total != int64(want) || job.Done != job.Total || job.File == "" {
				t.Errorf("finished job %+v, want %d rows and a file", job, want)
			}
			rows = readCSV(t, get(t, svc, s.URL+job.File))
			if len(rows) != want+1 || rows[0][0] != "预约" {
				t.Errorf("appointments file: %d lines, want header + %d", len(rows), want)
			}
			seen := map[string]bool{}
			for _, r := range rows[1:] {
				if seen[r[0]] {
					t.Errorf("appointment %s exported twice", r[0])
				}
				seen[r[0]] = true
			}
		})
	}
}
