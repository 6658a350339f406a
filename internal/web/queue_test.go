package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestQueueDetailPanel: the queue lists appointments without per-row assign
// or cancel forms; each opens in a detail panel with its history and every
// action, an unavailable one disabled with the booking service's own reason;
// the technician is never preselected; the staff cancel asks for a reason in
// the page's dialog and a refusal comes back with the dialog open.
func TestQueueDetailPanel(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	ctx := context.Background()
	a := bookSwap(t, s)
	service := s.Login(t, "service")
	panel := fmt.Sprintf("/service/appointments/%d", a.ID)

	_, b := get(t, service, s.URL+"/service/?date="+a.Date())
	if !strings.Contains(b, fmt.Sprintf(`<tr id="a%d" data-status="booked"`, a.ID)) || !strings.Contains(b, `href="`+panel+`"`) {
		t.Fatalf("the queue has no row linking to the panel of %d", a.ID)
	}
	for _, bad := range []string{`name="technician_id"`, `/cancel"`, `name="reason"`, `name="result"`} {
		if strings.Contains(b, bad) {
			t.Errorf("the queue without a panel still has %s in its rows", bad)
		}
	}

	// whyShown checks the panel's reason of action against the service's.
	whyShown := func(b, action string) {
		t.Helper()
		admin, err := s.App.Services.Accounts.UserByLogin(ctx, identity.System(), "admin")
		if err != nil {
			t.Fatal(err)
		}
		cur, err := s.App.Services.Booking.Get(ctx, admin, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		why := cur.Why(action, s.App.Services.Booking.Now())
		enabled := regexp.MustCompile(`<form class="panel-action" id="act-` + action + `"[^>]*>\s*<input[^>]*>\s*(<input[^>]*>\s*)?<button class="btn[^"]*" type="submit">`)
		switch {
		case why == "" && !enabled.MatchString(b):
			t.Errorf("%s is available but the panel has no enabled button", action)
		case why != "" && !strings.Contains(b, fmt.Sprintf(`<p class="why" id="why-%s">%s</p>`, action, html.EscapeString(why))):
			t.Errorf("%s: the panel does not say %q", action, why)
		}
	}

	_, b = get(t, service, s.URL+panel)
	if !strings.Contains(b, `id="panel"`) || !strings.Contains(b, `class="is-selected"`) {
		t.Fatal("the panel is not open on its row")
	}
	whyShown(b, "start")
	whyShown(b, "complete")
	whyShown(b, "no-show")
	if !strings.Contains(b, "请先确认预约") {
		t.Error("a booked appointment's start does not ask to confirm first")
	}
	sel := regexp.MustCompile(`(?s)<select id="technician_id".*?</select>`).FindString(b)
	if sel == "" || !strings.Contains(sel, `<option value="">请选择技师</option>`) || strings.Contains(sel, "selected") {
		t.Errorf("the technician is preselected or has no placeholder: %s", sel)
	}
	if !strings.Contains(b, `data-dialog="cancel-dialog"`) || !strings.Contains(b, `<dialog id="cancel-dialog" class="dialog">`) {
		t.Error("the cancel action does not open the page's dialog")
	}
	if !strings.Contains(b, "已预约") || !strings.Contains(b, `id="panel-history"`) {
		t.Error("the panel has no history")
	}

	// Assign without choosing a technician: the field says so.
	res, b := post(t, s, service, panel+"/assign", url.Values{"date": {a.Date()}, "technician_id": {""}})
	if res.StatusCode != 422 || !strings.Contains(b, "请选择技师") || replaceURL(b) != panel {
		t.Errorf("assign without a technician: %d, replace url %q", res.StatusCode, replaceURL(b))
	}
	// Confirm from the panel: back to the panel, the history names who.
	res, _ = post(t, s, service, panel+"/confirm", url.Values{"date": {a.Date()}})
	if res.StatusCode != 303 || res.Header.Get("Location") != panel+"?ok=confirmed" {
		t.Fatalf("confirm: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	_, b = get(t, service, s.URL+panel)
	if !regexp.MustCompile(`<strong>网点已确认</strong> <span class="muted">· [^<]+</span>`).MatchString(b) {
		t.Error("the history does not say who confirmed")
	}
	whyShown(b, "start")
	whyShown(b, "confirm")

	// Cancel without a reason: refused, the dialog opens again.
	res, b = post(t, s, service, panel+"/cancel", url.Values{"date": {a.Date()}})
	if res.StatusCode != 422 || !strings.Contains(b, `<dialog id="cancel-dialog" class="dialog" data-open>`) || !strings.Contains(b, "请填写取消原因") {
		t.Errorf("cancel without a reason: %d", res.StatusCode)
	}
	if count(t, s, `SELECT COUNT(*) FROM appointments WHERE id = $1 AND status = 'confirmed'`, a.ID) != 1 {
		t.Fatal("a refused cancel changed the appointment")
	}
	res, _ = post(t, s, service, panel+"/cancel", url.Values{"date": {a.Date()}, "reason": {"站内设备检修"}})
	if res.StatusCode != 303 {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	_, b = get(t, service, s.URL+panel)
	if !strings.Contains(b, "站内设备检修") || strings.Contains(b, `id="panel-actions"`) || !strings.Contains(b, "没有可做的操作") {
		t.Error("a cancelled appointment's panel shows actions or lacks the reason")
	}
}

// TestAdminQueue: the admin's queue without a center is the day's summary
// (no appointment rows), each center linking to its queue; with a center
// it lists exactly that center's adviser's rows, the picker and the day
// links keep the center, a row action comes back to it and the detail
// panel shows the appointment's center; a site that is not a center, or
// not a number, is refused beside the picker with the summary shown.
func TestAdminQueue(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	a := bookSwap(t, s)
	service := s.Login(t, "service")
	admin := s.Login(t, "admin")
	svc, err := s.App.Services.Accounts.UserByLogin(context.Background(), identity.System(), "service")
	if err != nil {
		t.Fatal(err)
	}
	center := svc.SiteID
	date := a.Date()
	rows := regexp.MustCompile(`<tr id="a\d+"`)

	_, b := get(t, admin, s.URL+"/service/?date="+date)
	if !strings.Contains(b, `id="centers"`) || rows.MatchString(b) {
		t.Fatal("the admin's queue without a center is not a summary")
	}
	link := fmt.Sprintf(`href="/service/?date=%s&amp;site_id=%d"`, date, center)
	if !strings.Contains(b, fmt.Sprintf(`<tr id="c%d">`, center)) || !strings.Contains(b, link) {
		t.Errorf("the summary has no row linking to the center %d's queue", center)
	}

	_, own := get(t, service, s.URL+"/service/?date="+date)
	_, b = get(t, admin, fmt.Sprintf("%s/service/?date=%s&site_id=%d", s.URL, date, center))
	if got, want := rows.FindAllString(b, -1), rows.FindAllString(own, -1); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("the admin's queue of the center has rows %v, its adviser's %v", got, want)
	}
	if strings.Contains(b, `id="centers"`) || !strings.Contains(b, fmt.Sprintf(`<option value="%d" selected>`, center)) {
		t.Error("the center's queue shows the summary or the picker lost the center")
	}
	d, _ := booking.ParseDate(date)
	next := d.AddDate(0, 0, 1).Format("2006-01-02")
	if !strings.Contains(b, fmt.Sprintf(`href="/service/?date=%s&amp;site_id=%d"`, next, center)) {
		t.Error("the next-day link drops the center")
	}
	if !strings.Contains(b, fmt.Sprintf(`<input type="hidden" name="site_id" value="%d">`, center)) {
		t.Error("the rows' actions do not carry the center")
	}
	// A row action (confirm) comes back to the center's queue.
	res, _ := post(t, s, admin, fmt.Sprintf("/service/appointments/%d/confirm", a.ID),
		url.Values{"date": {date}, "from": {"queue"}, "site_id": {fmt.Sprint(center)}})
	if want := fmt.Sprintf("/service/?date=%s&site_id=%d&ok=confirmed", date, center); res.StatusCode != 303 || res.Header.Get("Location") != want {
		t.Errorf("confirm from the queue: %d to %q, want %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	// The panel: beside its center's queue, closing back to it.
	_, b = get(t, admin, fmt.Sprintf("%s/service/appointments/%d", s.URL, a.ID))
	if !strings.Contains(b, `id="panel"`) || !strings.Contains(b, fmt.Sprintf(`<tr id="a%d" data-status="confirmed" class="is-selected"`, a.ID)) ||
		!strings.Contains(b, fmt.Sprintf(`href="/service/?date=%s&amp;site_id=%d" aria-label="关闭详情"`, date, center)) {
		t.Error("the admin's panel is not beside its center's queue or does not close back to it")
	}

	var station int64
	if err := s.App.DB.QueryRow(`SELECT id FROM sites WHERE parent_id = $1 ORDER BY id LIMIT 1`, center).Scan(&station); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{fmt.Sprint(station), "999999", "abc", "-1"} {
		res, b := get(t, admin, s.URL+"/service/?date="+date+"&site_id="+url.QueryEscape(bad))
		if res.StatusCode != 200 || !strings.Contains(b, "请选择一个服务中心") || !strings.Contains(b, `id="centers"`) {
			t.Errorf("site_id=%s: %d, no message beside the picker or no summary", bad, res.StatusCode)
		}
	}
}
