package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/report"
)

// TestBrowserWorkOrderJourney walks a repair from the appointment to the
// owner's rating in a real browser: the service user starts the demo
// owner's maintenance visit in the queue, opens its work order (开工单),
// records the diagnosis, adds labour from the catalogue and a part from the
// center's stock (which drops), starts and
// completes the repair, completes the appointment, hands the car over; the
// owner gets the rating request in the bell, reads the record in plain
// Chinese and rates it 2 stars, which opens a follow-up case the service
// user sees. Screenshots at desk width and at 390 px.
func TestBrowserWorkOrderJourney(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	b := newBrowser(t, exe, s.URL, shots, 120*time.Second)
	ctx := b.ctx
	ownerUser, err := s.App.Accounts.UserByLogin(ctx, identity.System(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Notify.MarkAllRead(ctx, ownerUser); err != nil {
		t.Fatal(err)
	}
	// The demo owner's confirmed maintenance visit at the demo center.
	var apptID int64
	var at time.Time
	if err := s.App.DB.QueryRowContext(ctx, `SELECT id, scheduled_at FROM appointments WHERE customer_id = $1 AND service_kind = 'repair'
		AND status = 'confirmed' ORDER BY scheduled_at LIMIT 1`, ownerUser.CustomerID).Scan(&apptID, &at); err != nil {
		t.Fatalf("the demo owner has no confirmed repair visit: %v", err)
	}
	s.Clock.Set(at.Add(-time.Hour))
	date := at.In(shanghai(t)).Format("2006-01-02")
	b.do("desk viewport", chromedp.EmulateViewport(1280, 900))

	// 1. The service user starts the visit and opens its work order from the queue.
	b.login("service", "服务顾问")
	b.navigate("/service/?date=" + date)
	row := fmt.Sprintf("#queue tr#a%d", apptID)
	b.wait("visit in the queue", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(row)))
	b.do("start the visit", chromedp.Click(chromedp.CSS(row+` form[action$="/start"] button`)))
	b.waitStatus(row, "in_progress")
	b.openPanel(row, apptID, "in_progress")
	b.do("开工单", chromedp.Click(chromedp.CSS(`#panel a.btn[href^="/service/work-orders/new"]`)))
	b.wait("the work-order form", `location.pathname === '/service/work-orders/new' && document.querySelector('#wo-new') !== null`)
	b.contains("h1", "开工单")
	if got := b.value("#complaint"); !strings.Contains(got, "空调") {
		b.fail("complaint %q: want the owner's note", got)
	}
	// A mileage of 0 is refused beside the field, nothing written.
	b.do("submit without mileage", chromedp.Click(chromedp.ID("wo-open")))
	b.wait("mileage error", `document.querySelector('.field.has-error #mileage_km') !== null`)
	b.contains(".field-error", "进厂里程")
	b.do("type the mileage", chromedp.SendKeys(chromedp.ID("mileage_km"), "23850"))
	b.do("type fault codes", chromedp.SendKeys(chromedp.ID("fault_codes"), "b1a00"))
	b.shot("workorder-new.png", "body")
	b.do("open the work order", chromedp.Click(chromedp.ID("wo-open")))
	b.wait("work-order page", `/^\/service\/work-orders\/\d+$/.test(location.pathname) && document.readyState === 'complete'`)
	b.contains(".alert-success", "工单已开立")
	b.contains("h1", "开单")
	woPath := evalJS[string](b, "path", `location.pathname`)
	var woID int64
	if _, err := fmt.Sscanf(woPath, "/service/work-orders/%d", &woID); err != nil {
		t.Fatal(err)
	}

	// 2. Diagnosis, labour from the catalogue: maintenance check (owner pays)
	// and A/C repair (a quality fault on a car in warranty: warranty pays).
	b.do("diagnosis", chromedp.SendKeys(chromedp.ID("diagnosis"), "空调压缩机电磁阀失效，保养项目正常"))
	b.do("save details", chromedp.Click(chromedp.ID("save-details")))
	b.waitOK("saved", `document.querySelector('.alert-success') !== null && document.querySelector('.alert-success').innerText.includes('已保存')`)
	for i, code := range []string{"OP-CHECK", "OP-AC"} {
		opID := evalJS[string](b, "operation "+code, fmt.Sprintf(`(() => { const o = [...document.querySelectorAll('#operation_id option')].find(o => o.textContent.includes(%s)); return o ? o.value : ''; })()`,
			jsString(map[string]string{"OP-CHECK": "常规保养检查", "OP-AC": "空调系统维修"}[code])))
		if opID == "" {
			b.fail("operation %s is not in the catalogue select", code)
		}
		evalJS[bool](b, "choose "+code, fmt.Sprintf(`(() => { document.getElementById('operation_id').value = %s; return true; })()`, jsString(opID)))
		b.do("add labour "+code, chromedp.Click(chromedp.ID("add-labour")))
		// The success message of the first line is still shown until the
		// second POST's page replaces it: wait for the line count.
		b.waitOK("labour added", fmt.Sprintf(`document.readyState === 'complete' && document.querySelectorAll('#labour-lines tbody tr').length === %d
			&& document.querySelector('.alert-success') !== null && document.querySelector('.alert-success').innerText.includes('已添加工时')`, i+1))
	}
	if n := evalJS[float64](b, "labour lines", `document.querySelectorAll('#labour-lines tbody tr').length`); n != 2 {
		b.fail("%v labour lines, want 2", n)
	}
	b.contains("#labour-lines tbody tr:nth-child(1) .badge-payer-owner", "车主自费")
	b.contains("#labour-lines tbody tr:nth-child(2) .badge-payer-warranty", "质保")
	// A part from the center's stock: the stock drops by the quantity issued.
	partID := evalJS[string](b, "a part in stock", `(() => { const o = document.querySelector('#part_id option[value]:not([value=""])'); return o ? o.value : ''; })()`)
	if partID == "" {
		b.fail("the center has no part in stock")
	}
	var siteID int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT site_id FROM work_orders WHERE id = $1`, woID).Scan(&siteID); err != nil {
		t.Fatal(err)
	}
	onHand := func() int {
		var n int
		if err := s.App.DB.QueryRowContext(ctx, `SELECT quantity FROM part_stock WHERE site_id = $1 AND part_id = CAST($2 AS INTEGER)`, siteID, partID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := onHand()
	evalJS[bool](b, "choose the part", fmt.Sprintf(`(() => { document.getElementById('part_id').value = %s; document.getElementById('quantity').value = '1'; return true; })()`, jsString(partID)))
	b.do("issue the part", chromedp.Click(chromedp.ID("add-part")))
	b.waitOK("part issued", `document.querySelector('.alert-success') !== null && document.querySelector('.alert-success').innerText.includes('已领用备件')`)
	if n := evalJS[float64](b, "parts lines", `document.querySelectorAll('#part-lines tbody tr').length`); n != 1 {
		b.fail("%v parts lines, want 1", n)
	}
	if after := onHand(); after != before-1 {
		t.Fatalf("stock of part %s: %d before, %d after issuing 1", partID, before, after)
	}
	partName := evalJS[string](b, "part name", `document.querySelector('#part-lines tbody tr td').childNodes[0].textContent.trim()`)
	// The hand-over is not offered yet; complete waits for the start.
	b.do("start the repair", chromedp.Click(chromedp.ID("act-start")))
	b.wait("in progress", `document.querySelector('h1 .badge-in_progress') !== null`)
	b.shot("workorder-detail.png", "body")
	b.do("complete the repair", chromedp.Click(chromedp.ID("act-complete")))
	b.wait("completed", `document.querySelector('h1 .badge-completed') !== null`)
	owes := b.text("#owner-fen")
	warranty := b.text("#warranty-fen")
	if owes == "¥0.00" || warranty == "¥0.00" {
		b.fail("totals: owner %s warranty %s, want both above zero", owes, warranty)
	}

	// 3. The appointment completes now that its work order is complete.
	b.navigate("/service/?date=" + date)
	b.wait("queue", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(row)))
	b.openPanel(row, apptID, "in_progress")
	b.do("type the result", chromedp.SendKeys(chromedp.CSS(`#act-complete textarea[name=result]`), "保养完成，空调已修复"))
	b.do("complete the visit", chromedp.Click(chromedp.CSS(`#act-complete button[type=submit]`)))
	b.waitPanel(apptID, "completed")

	// 4. Hand-over, confirmed in the page's dialog.
	b.navigate(woPath)
	b.wait("work order", `document.querySelector('#act-hand-over') !== null`)
	b.do("hand over", chromedp.Click(chromedp.ID("act-hand-over")))
	b.wait("confirm dialog", `document.querySelector('dialog[open] button[value="ok"]') !== null`)
	b.do("confirm", chromedp.Click(chromedp.CSS(`dialog[open] button[value="ok"]`)))
	b.wait("handed over", `document.querySelector('h1 .badge-closed') !== null`)
	b.contains(".alert-success", "车主已收到评价邀请")
	b.navigate(woPath + "/print")
	b.wait("print record", `document.querySelector('#print-record') !== null`)
	b.contains("#print-record", "车主应付")
	b.shot("workorder-print.png", "body")
	b.logout()

	// 5. The owner: the bell, the record in plain Chinese, the rating.
	b.login("owner", "车主")
	// Started and completed (the appointment), handed over (the work order).
	b.contains("#bell .bell-count", "3")
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.navigate("/notifications")
	b.wait("inbox", `document.querySelector('#notifications li.notice') !== null`)
	b.contains("#notifications li.notice:nth-child(1) .notice-title", "请为本次服务评分")
	b.do("open the notification", chromedp.Click(chromedp.CSS("#notifications li.notice:nth-child(1) button")))
	b.wait("the record", fmt.Sprintf(`location.pathname === '/owner/work-orders/%d' && document.readyState === 'complete'`, woID))
	b.contains("#lines", "空调系统维修")
	b.contains("#lines", "质保")
	b.contains("#lines", "更换"+partName)
	b.contains("#owner-pays", owes)
	if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the owner's record at 390 px is %v px wide", w)
	}
	b.do("2 stars", chromedp.Click(chromedp.CSS(`#rate-form label.rating-choice:has(input[value="2"])`)))
	evalJS[bool](b, "tag", `(() => { document.querySelector('#rate-form input[name=tags][value="等待太久"]').checked = true; return true; })()`)
	b.do("comment", chromedp.SendKeys(chromedp.ID("comment"), "等待时间太长，希望改进"))
	b.shot("owner-workorder-rate-mobile.png", "viewport")
	b.do("submit the rating", chromedp.Click(chromedp.ID("rate-submit")))
	b.wait("rated", `document.querySelector('#rating') !== null`)
	b.contains(".alert-success", "感谢您的评价")
	b.contains("#rating", "24 小时内联系您")
	b.navigate(fmt.Sprintf("/owner/vehicles/%d", vehicleOf(t, s, woID)))
	b.wait("vehicle page with repairs", `document.querySelector('#repairs #wo-history') !== null`)
	b.contains("#repairs", "空调系统维修")
	if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the vehicle page at 390 px is %v px wide", w)
	}
	b.do("scroll to the repairs", chromedp.ScrollIntoView(chromedp.CSS("#repairs")))
	b.shot("owner-vehicle-repairs-mobile.png", "viewport")
	b.do("desk viewport", chromedp.EmulateViewport(1280, 900))
	b.logout()

	// 6. The center sees the follow-up case and the dashboard counts the rating.
	b.login("service", "服务顾问")
	b.navigate("/service/follow-ups")
	b.wait("follow-ups", `document.querySelector('#follow-ups li') !== null`)
	b.contains("#follow-ups", "等待时间太长")
	b.shot("service-followups.png", "body")
	b.navigate("/service/dashboard")
	b.wait("dashboard", `document.querySelector('#kpis') !== null`)
	// The average over the center's ratings in the dashboard's window,
	// which the demo data may fill with others besides this 2-star one.
	serviceUser, err := s.App.Accounts.UserByLogin(ctx, identity.System(), "service")
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.App.Reports.ServiceKPIs(ctx, serviceUser, report.KPIFilter{})
	if err != nil || k.Ratings == 0 || k.LowRatings == 0 {
		t.Fatalf("KPIs after the 2-star rating: %+v, %v", k, err)
	}
	b.contains("#kpi-rating", fmt.Sprintf("%.2f", k.AvgRating))
	b.shot("service-dashboard.png", "body")
	b.navigate("/service/work-orders")
	b.wait("list", `document.querySelector('#work-orders') !== null`)
	b.contains(fmt.Sprintf("#work-orders tr#w%d", woID), "已交车")
	b.shot("workorders-list.png", "body")
	b.do("tablet viewport", chromedp.EmulateViewport(768, 1024))
	b.navigate(woPath)
	b.wait("detail at tablet width", `document.querySelector('#lines') !== null`)
	b.shot("workorder-detail-tablet.png", "viewport")

	var status string
	var owner, warr, labour int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT status, total_fen, warranty_fen, labour_fen FROM work_orders WHERE id = $1`, woID).Scan(&status, &owner, &warr, &labour); err != nil {
		t.Fatal(err)
	}
	var parts int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT parts_fen FROM work_orders WHERE id = $1`, woID).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	if status != "closed" || owner+warr != labour+parts || parts == 0 || owner == 0 || warr == 0 {
		t.Fatalf("work order %d: %s owner %d warranty %d labour %d", woID, status, owner, warr, labour)
	}
}

func vehicleOf(t *testing.T, s *apptest.Server, woID int64) int64 {
	var id int64
	if err := s.App.DB.QueryRowContext(t.Context(), `SELECT vehicle_id FROM work_orders WHERE id = $1`, woID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// waitOK is wait that fails at once, with the page, when the page shows an
// error message instead.
func (b *browser) waitOK(what, cond string) {
	b.t.Helper()
	b.wait(what, `(`+cond+`) || document.querySelector('.alert-error') !== null`)
	if evalJS[bool](b, "error shown", `document.querySelector('.alert-error') !== null`) {
		b.fail("%s: the page shows an error", what)
	}
}
