package app_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestQueueCrossCenter: service staff of another center get 404 for an
// appointment of this center's queue — its detail panel, every staff action
// through HTML and JSON, the API's appointment — and their queue (HTML and
// JSON) does not list it, nor does naming this center or its station in
// site_id open it (403); nothing is written. Its own center opens it, also
// when named; an admin may name it.
func TestQueueCrossCenter(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	ctx := t.Context()
	owner := mustUser(t, s, "owner")
	svc := mustUser(t, s, "service")
	date := s.App.Services.Booking.Now().In(shanghai(t)).AddDate(0, 0, 1).Format("2006-01-02")
	a := bookFirstFree(t, s, owner, date)
	var other string
	if err := s.App.DB.QueryRowContext(ctx, `SELECT username FROM users WHERE role = 'service' AND active = $1 AND site_id <> $2
		AND site_id IN (SELECT id FROM sites WHERE kind = 'service_center') ORDER BY id LIMIT 1`, true, svc.SiteID).Scan(&other); err != nil {
		t.Fatalf("no service user at another center: %v", err)
	}
	var tech int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT id FROM users WHERE role = 'service' AND site_id = $1 ORDER BY id LIMIT 1`, svc.SiteID).Scan(&tech); err != nil {
		t.Fatal(err)
	}
	stamp := func() string {
		var st string
		var techID int64
		if err := s.App.DB.QueryRowContext(ctx, `SELECT status, COALESCE(technician_user_id, 0) FROM appointments WHERE id = $1`, a.ID).Scan(&st, &techID); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s/%d", st, techID)
	}
	before := stamp()
	do := func(c *http.Client, method, path, ctype, body string) (int, string) {
		req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", s.URL)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	const form, js = "application/x-www-form-urlencoded", "application/json"
	id := fmt.Sprint(a.ID)
	cases := []struct{ method, path, ctype, body string }{
		{"GET", "/service/appointments/" + id, "", ""},
		{"POST", "/service/appointments/" + id + "/confirm", form, "date=" + date},
		{"POST", "/service/appointments/" + id + "/assign", form, fmt.Sprintf("date=%s&technician_id=%d", date, tech)},
		{"POST", "/service/appointments/" + id + "/cancel", form, "date=" + date + "&reason=x"},
		{"GET", "/api/v1/appointments/" + id, "", ""},
		{"POST", "/api/v1/service/appointments/" + id + "/confirm", js, "{}"},
		{"POST", "/api/v1/service/appointments/" + id + "/cancel", js, `{"reason":"x"}`},
	}
	intruder := s.Session(t, other)
	for _, c := range cases {
		status, body := do(intruder, c.method, c.path, c.ctype, c.body)
		if status != http.StatusNotFound {
			t.Errorf("%s of another center: %s %s = %d, want 404\n%.300s", other, c.method, c.path, status, body)
		}
		if strings.HasPrefix(c.path, "/api/") && !strings.Contains(body, `"not_found"`) {
			t.Errorf("%s %s: JSON error code: %.200s", c.method, c.path, body)
		}
	}
	if _, body := do(intruder, "GET", "/service/?date="+date, "", ""); strings.Contains(body, fmt.Sprintf(`id="a%d"`, a.ID)) {
		t.Error("another center's queue lists the appointment")
	}
	if _, body := do(intruder, "GET", "/api/v1/service/queue?date="+date, "", ""); strings.Contains(body, fmt.Sprintf(`"id":%d,`, a.ID)) {
		t.Error("another center's JSON queue lists the appointment")
	}
	// Naming the center (or one of its stations) in site_id does not open
	// its queue to another center's adviser: 403 in HTML and JSON.
	var station int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT id FROM sites WHERE parent_id = $1 ORDER BY id LIMIT 1`, svc.SiteID).Scan(&station); err != nil {
		t.Fatal(err)
	}
	for _, site := range []int64{svc.SiteID, station} {
		for _, path := range []string{fmt.Sprintf("/service/?date=%s&site_id=%d", date, site), fmt.Sprintf("/api/v1/service/queue?date=%s&site_id=%d", date, site)} {
			status, body := do(intruder, "GET", path, "", "")
			if status != http.StatusForbidden || strings.Contains(body, fmt.Sprintf(`id="a%d"`, a.ID)) || strings.Contains(body, fmt.Sprintf(`"id":%d,`, a.ID)) {
				t.Errorf("%s names another center: GET %s = %d, want 403 without the appointment", other, path, status)
			}
		}
	}
	if after := stamp(); after != before {
		t.Fatalf("refused requests changed the appointment: %s → %s", before, after)
	}
	own := s.Session(t, "service")
	// Its own center named in site_id: the same queue as without.
	_, plain := do(own, "GET", "/service/?date="+date, "", "")
	if status, body := do(own, "GET", fmt.Sprintf("/service/?date=%s&site_id=%d", date, svc.SiteID), "", ""); status != 200 ||
		strings.Count(body, `<tr id="a`) != strings.Count(plain, `<tr id="a`) || !strings.Contains(body, fmt.Sprintf(`id="a%d"`, a.ID)) {
		t.Errorf("its own center named: %d", status)
	}
	// The admin may name any center.
	if status, body := do(s.Session(t, "admin"), "GET", fmt.Sprintf("/api/v1/service/queue?date=%s&site_id=%d", date, svc.SiteID), "", ""); status != 200 ||
		!strings.Contains(body, fmt.Sprintf(`"id":%d,`, a.ID)) {
		t.Errorf("admin's JSON queue of the center: %d", status)
	}
	if status, body := do(own, "GET", "/service/appointments/"+id, "", ""); status != 200 || !strings.Contains(body, `id="panel"`) {
		t.Errorf("its own center: %d", status)
	}
	if status, body := do(own, "GET", "/api/v1/service/queue?date="+date, "", ""); status != 200 || !strings.Contains(body, fmt.Sprintf(`"id":%d,`, a.ID)) {
		t.Errorf("its own center's JSON queue lacks it: %d", status)
	}
}
