package app_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestLargeExportRunsAsJob: an export above the threshold becomes a
// background job; the admin is sent to its page, the job reports progress
// to the end, the file holds exactly the filtered accounts, and nobody but
// the starter (and admins) can see the job or its file.
func TestLargeExportRunsAsJob(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			s := apptest.Start(t, dialect, func(c *config.Config) {
				c.Worker, c.JobWorkers, c.ExportThreshold = true, 2, 10
			})
			adm := s.Login(t, "admin")
			var owners int
			if err := s.App.DB.QueryRow(`SELECT COUNT(*) FROM users WHERE role = 'owner'`).Scan(&owners); err != nil {
				t.Fatal(err)
			}
			res, err := s.PostForm(adm, "/admin/users/export?role=owner", url.Values{"format": {"csv"}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/jobs/") || !strings.HasSuffix(loc, "?ok=export_job") {
				t.Fatalf("large export: %d %q, want a redirect to the job", res.StatusCode, loc)
			}
			id := strings.TrimSuffix(strings.TrimPrefix(loc, "/jobs/"), "?ok=export_job")

			var job struct {
				State   string `json:"state"`
				Done    int64  `json:"done"`
				Total   int64  `json:"total"`
				Percent *int   `json:"percent"`
				File    string `json:"file"`
			}
			deadline := time.Now().Add(30 * time.Second)
			for job.State != "completed" {
				if time.Now().After(deadline) {
					t.Fatalf("job %s not completed in time: %+v", id, job)
				}
				time.Sleep(50 * time.Millisecond)
				r, err := adm.Get(s.URL + "/api/v1/jobs/" + id)
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
			if job.Total != int64(owners) || job.Done != job.Total || job.Percent == nil || *job.Percent != 100 || job.File == "" {
				t.Errorf("finished job = %+v, want %d of %d rows, 100%%, a file", job, owners, owners)
			}

			var notices int
			if err := s.App.DB.QueryRow(`SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
				WHERE u.username = 'admin' AND n.kind = 'job.completed' AND n.link = $1`, "/jobs/"+id).Scan(&notices); err != nil || notices != 1 {
				t.Errorf("admin has %d job.completed notifications (%v), want 1", notices, err)
			}
			page := get(t, adm, s.URL+"/jobs/"+id)
			if !strings.Contains(page, "下载 账号-") || !strings.Contains(page, "已完成") {
				t.Errorf("job page shows no download or state")
			}
			r, err := adm.Get(s.URL + job.File)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if r.StatusCode != 200 || !strings.HasPrefix(string(body), "\ufeff") || !strings.Contains(r.Header.Get("Content-Disposition"), ".csv") {
				t.Fatalf("file: %d %q", r.StatusCode, r.Header.Get("Content-Disposition"))
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
			if err != nil || len(rows) != owners+1 {
				t.Errorf("file has %d rows (%v), want header + %d", len(rows), err, owners)
			}

			// Another user sees neither the job nor its file; the admin's
			// job list has it.
			sales := s.Login(t, "sales")
			for _, p := range []string{"/api/v1/jobs/" + id, job.File, "/jobs/" + id} {
				r, err := sales.Get(s.URL + p)
				if err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				if r.StatusCode != http.StatusNotFound {
					t.Errorf("sales GET %s: %d, want 404", p, r.StatusCode)
				}
			}
			if list := get(t, adm, s.URL+"/admin/jobs?kind=export_users"); !strings.Contains(list, fmt.Sprintf(`href="/jobs/%s"`, id)) {
				t.Error("admin job list does not show the export")
			}
			// An admin who is no longer one loses the job and its file.
			if _, err := s.App.DB.Exec(`UPDATE users SET role = 'sales', site_id = (SELECT MIN(id) FROM sites WHERE kind = 'store') WHERE username = 'admin'`); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"/api/v1/jobs/" + id, job.File} {
				r, err := adm.Get(s.URL + p)
				if err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				if r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusForbidden {
					t.Errorf("demoted admin GET %s: %d, want 404 or 403", p, r.StatusCode)
				}
			}
			if _, err := s.App.DB.Exec(`UPDATE users SET role = 'admin', site_id = NULL WHERE username = 'admin'`); err != nil {
				t.Fatal(err)
			}
			// A finished job cannot be cancelled.
			res, err = s.PostForm(adm, "/jobs/"+id+"/cancel", nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusConflict {
				t.Errorf("cancel a finished job: %d, want 409", res.StatusCode)
			}
		})
	}
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	r, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, r.StatusCode)
	}
	return string(b)
}
