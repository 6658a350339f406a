package app_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestBatteriesAcrossCenters: a swap station's packs are its center's:
// staff of another center get 404 for its page, its packs, its movements
// and a pack's state change (HTML and JSON), and their lists leave it out;
// its own staff see its packs. Completing a swap appointment there from
// the queue's panel consumes one charged pack, recorded with the
// appointment, and the station's counts follow.
func TestBatteriesAcrossCenters(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	ctx := t.Context()
	owner := mustUser(t, s, "owner")
	svc := mustUser(t, s, "service")
	date := s.App.Services.Booking.Now().In(shanghai(t)).AddDate(0, 0, 1).Format("2006-01-02")
	a := bookFirstFree(t, s, owner, date)
	station := a.SiteID
	var packs, pack int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*), MIN(id) FROM battery_packs WHERE site_id = $1`, station).Scan(&packs, &pack); err != nil || packs == 0 {
		t.Fatalf("the demo swap station %d has no packs: %v", station, err)
	}
	var other string
	if err := s.App.DB.QueryRowContext(ctx, `SELECT username FROM users WHERE role = 'service' AND active = $1 AND site_id <> $2
		AND site_id IN (SELECT id FROM sites WHERE kind = 'service_center') ORDER BY id LIMIT 1`, true, svc.SiteID).Scan(&other); err != nil {
		t.Fatal(err)
	}
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
	count := func(q string, args ...any) int {
		var n int
		if err := s.App.DB.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	moves := count(`SELECT COUNT(*) FROM battery_pack_movements WHERE site_id = $1`, station)
	intruder := s.Session(t, other)
	for _, c := range []struct{ method, path, ctype, body string }{
		{"GET", fmt.Sprintf("/service/batteries/%d", station), "", ""},
		{"POST", fmt.Sprintf("/service/batteries/packs/%d/state", pack), "application/x-www-form-urlencoded", "state=maintenance&reason=x"},
		{"GET", fmt.Sprintf("/api/v1/swap-stations/%d/packs", station), "", ""},
		{"GET", fmt.Sprintf("/api/v1/swap-stations/%d/pack-movements", station), "", ""},
		{"POST", fmt.Sprintf("/api/v1/battery-packs/%d/state", pack), "application/json", `{"state":"maintenance","reason":"x"}`},
	} {
		status, body := do(intruder, c.method, c.path, c.ctype, c.body)
		if status != http.StatusNotFound {
			t.Errorf("%s of another center: %s %s = %d, want 404", other, c.method, c.path, status)
		}
		if strings.HasPrefix(c.path, "/api/") && !strings.Contains(body, `"not_found"`) {
			t.Errorf("%s %s: JSON error code: %.200s", c.method, c.path, body)
		}
	}
	if _, body := do(intruder, "GET", "/service/batteries", "", ""); strings.Contains(body, fmt.Sprintf(`href="/service/batteries/%d"`, station)) {
		t.Error("another center's list has the station")
	}
	if _, body := do(intruder, "GET", "/api/v1/swap-stations", "", ""); strings.Contains(body, fmt.Sprintf(`"id":%d,`, station)) {
		t.Error("another center's JSON list has the station")
	}
	if n := count(`SELECT COUNT(*) FROM battery_pack_movements WHERE site_id = $1`, station); n != moves {
		t.Fatalf("refused requests wrote %d movements", n-moves)
	}
	own := s.Session(t, "service")
	if status, body := do(own, "GET", fmt.Sprintf("/service/batteries/%d", station), "", ""); status != 200 || strings.Count(body, `<tr id="p`) != int(packs) {
		t.Errorf("own center's station page: %d, %d pack rows, want %d", status, strings.Count(body, `<tr id="p`), packs)
	}

	// Complete the swap from the panel: one charged pack is consumed.
	charged := count(`SELECT COUNT(*) FROM battery_packs WHERE site_id = $1 AND state = 'charged'`, station)
	if charged == 0 {
		t.Fatal("no charged pack at the station")
	}
	s.Clock.Set(a.ScheduledAt.Add(-time.Hour))
	own = s.Session(t, "service") // a session of the new clock's time
	form := "application/x-www-form-urlencoded"
	for _, step := range []string{"confirm", "start", "complete"} {
		status, body := do(own, "POST", fmt.Sprintf("/service/appointments/%d/%s", a.ID, step), form, "date="+date+"&result=换电完成")
		if status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%.300s", step, status, body)
		}
	}
	if got := count(`SELECT COUNT(*) FROM appointments WHERE id = $1 AND status = 'completed'`, a.ID); got != 1 {
		var st string
		_ = s.App.DB.QueryRowContext(ctx, `SELECT status FROM appointments WHERE id = $1`, a.ID).Scan(&st)
		t.Fatalf("the swap was not completed: %s", st)
	}
	if got := count(`SELECT COUNT(*) FROM battery_packs WHERE site_id = $1 AND state = 'charged'`, station); got != charged-1 {
		t.Errorf("charged packs after the swap: %d, want %d", got, charged-1)
	}
	if got := count(`SELECT charged_batteries FROM sites WHERE id = $1`, station); got != charged-1 {
		t.Errorf("sites.charged_batteries after the swap: %d, want %d", got, charged-1)
	}
	if got := count(`SELECT COUNT(*) FROM battery_pack_movements WHERE appointment_id = $1 AND site_id = $2 AND from_state = 'charged'
		AND to_state = 'charging' AND user_id = $3`, a.ID, station, svc.ID); got != 1 {
		t.Errorf("movements of the swap: %d, want 1 by the service user", got)
	}
	if status, body := do(own, "GET", fmt.Sprintf("/api/v1/swap-stations/%d/pack-movements?limit=1", station), "", ""); status != 200 ||
		!strings.Contains(body, fmt.Sprintf(`"appointment_id":%d`, a.ID)) || strings.Contains(body, `"next_cursor":""`) {
		t.Errorf("newest movement through JSON: %d %.300s", status, body)
	}
}
