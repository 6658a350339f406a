package app_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestBrowserSalesJourney drives chromium through a consultant's deal from
// first contact to handover: the demo consultant creates a lead, logs a
// follow-up (a task for tomorrow), books a test drive, records it done,
// converts the lead, drags the opportunity to 赢单 on the kanban, records
// the vehicle order and the delivery (VIN, plate, the buyer's initial
// password); then the buyer logs in to the owner portal with their mobile
// and sees the car. Every step is checked in the page, the end state in the
// database; the pages are saved as screenshots at desk width and a few at
// 390 px (see TestBrowserJourney for where they go).
func TestBrowserSalesJourney(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	b := newBrowser(t, exe, s.URL, shots, 300*time.Second)
	ctx := b.ctx
	desk := func() { b.do("desk viewport", chromedp.EmulateViewport(1280, 900)) }
	phone := func() {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	}
	noSideScroll := func(what string) {
		if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); w > 392 {
			b.fail("%s scrolls sideways at 390 px (width %v)", what, w)
		}
	}
	desk()

	// A battery-electric model for the deal (its plate takes a D).
	var modelID int64
	var modelName string
	if err := s.App.DB.QueryRowContext(ctx, `SELECT id, name FROM vehicle_models WHERE active = TRUE AND powertrain = 'BEV' ORDER BY id LIMIT 1`).Scan(&modelID, &modelName); err != nil {
		t.Fatal(err)
	}
	mobile := fmt.Sprintf("137%08d", time.Now().UnixNano()%100000000)

	// 1. The consultant's dashboard: today's tasks and the pipeline.
	b.login("sales", "销售顾问")
	b.wait("dashboard", `document.querySelector('#my-day') !== null`)
	if n, _ := strconv.Atoi(b.text("#tasks-today")); n < 1 {
		b.fail("the demo consultant has no task today: %q", b.text("#tasks-today"))
	}
	b.shot("sales-home.png", "body")

	// 2. A new lead: a walk-in.
	b.navigate("/sales/leads/new")
	b.wait("lead form", `document.querySelector('#lead-form') !== null`)
	b.do("fill the lead",
		chromedp.SendKeys(chromedp.ID("name"), "钱多多"),
		chromedp.SendKeys(chromedp.ID("mobile"), "1380000"), // too short first
		chromedp.SetValue(chromedp.ID("model_id"), strconv.FormatInt(modelID, 10)),
		chromedp.SendKeys(chromedp.ID("budget"), "300000"),
	)
	b.do("submit", chromedp.Click(chromedp.CSS(`#lead-form button[type=submit]`)))
	b.wait("mobile error", `document.querySelector('.field.has-error #mobile') !== null`)
	b.contains(".field-error", "11 位")
	if v := b.value("#name"); v != "钱多多" {
		b.fail("the form lost the name: %q", v)
	}
	b.do("correct the mobile", chromedp.SetValue(chromedp.ID("mobile"), mobile))
	b.shot("sales-lead-new.png", "body")
	b.do("submit again", chromedp.Click(chromedp.CSS(`#lead-form button[type=submit]`)))
	b.wait("lead page", `location.pathname.startsWith('/sales/leads/') && document.querySelector('#follow-up-form') !== null`)
	b.contains(".alert-success", "线索已创建")
	leadID := strings.TrimPrefix(evalJS[string](b, "path", `location.pathname`), "/sales/leads/")

	// 3. First contact, with a next step: a task.
	b.do("log a follow-up",
		chromedp.SendKeys(chromedp.ID("content"), "客户关心续航和家充安装，约明天试驾"),
		chromedp.SendKeys(chromedp.ID("next_action"), "试驾后回访"),
		chromedp.Click(chromedp.CSS(`#follow-up-form button[type=submit]`)))
	b.wait("follow-up saved", `document.querySelector('.alert-success') !== null && document.querySelector('#follow-ups li') !== null`)
	b.contains("#follow-ups", "试驾后回访")
	b.contains(".kv", "分钟")
	b.shot("sales-lead.png", "body")
	phone()
	b.navigate("/sales/leads/" + leadID)
	b.wait("lead page at 390 px", `document.querySelector('#follow-ups') !== null`)
	noSideScroll("the lead page")
	b.shot("sales-lead-phone.png", "viewport")
	desk()

	// 4. A test drive tomorrow.
	b.navigate("/sales/test-drives/new?lead_id=" + leadID)
	b.wait("booking form", `document.querySelector('#slot-picker') !== null`)
	tomorrow := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 1).Format("2006-01-02")
	b.do("pick tomorrow", chromedp.SetValue(chromedp.ID("date"), tomorrow), chromedp.Click(chromedp.CSS(`#slot-picker button[type=submit]`)))
	b.wait("tomorrow's hours", fmt.Sprintf(`document.querySelector('#book-form input[name=date]').value === %s && document.querySelector('#book-form input[name=hour]:not(:disabled)') !== null`, jsString(tomorrow)))
	hour := evalJS[string](b, "first free hour", `document.querySelector('#book-form input[name=hour]:not(:disabled)').value`)
	b.do("choose the hour", chromedp.Click(chromedp.CSS(`#book-form label.slot:has(> input[name=hour][value="`+hour+`"])`)))
	b.shot("sales-test-drive-new.png", "body")
	b.do("book", chromedp.Click(chromedp.CSS(`#book-form button[type=submit]`)))
	b.wait("test drive page", `document.querySelector('#td-status') !== null`)
	b.contains("#td-status", "已预约")
	tdID := strings.TrimPrefix(evalJS[string](b, "path", `location.pathname`), "/sales/test-drives/")

	// The drive happened: the clock moves past it (the session has ended by then).
	h, _ := strconv.Atoi(hour)
	day, _ := time.ParseInLocation("2006-01-02", tomorrow, time.FixedZone("CST", 8*3600))
	s.Clock.Set(day.Add(time.Duration(h)*time.Hour + 70*time.Minute))
	b.login("sales", "销售顾问")
	b.navigate("/sales/test-drives/" + tdID)
	b.wait("outcome form", `document.querySelector('#outcome-form') !== null`)
	b.do("record done",
		chromedp.SetValue(chromedp.ID("status"), "done"),
		chromedp.SetValue(chromedp.ID("outcome"), "interested"),
		chromedp.SendKeys(chromedp.ID("feedback"), "很喜欢加速和座椅"),
		chromedp.Click(chromedp.CSS(`#outcome-form button[type=submit]`)))
	b.wait("done", `document.querySelector('#td-status') !== null && document.querySelector('#td-status').innerText.includes('已完成')`)

	// 5. Convert the lead: the deal starts at 试驾.
	b.navigate("/sales/leads/" + leadID)
	b.do("open the convert dialog", chromedp.Click(chromedp.CSS(`button[data-dialog="convert-dialog"]`)))
	b.wait("dialog open", `document.getElementById('convert-dialog').open`)
	b.do("convert", chromedp.Click(chromedp.CSS(`#convert-dialog button.btn-primary`)))
	b.wait("opportunity page", `location.pathname.startsWith('/sales/opportunities/') && document.querySelector('#opp-stage') !== null`)
	b.contains("#opp-stage", "试驾")
	oppID := strings.TrimPrefix(evalJS[string](b, "path", `location.pathname`), "/sales/opportunities/")

	// 6. Drag the card to 赢单 on the kanban.
	b.navigate("/sales/opportunities")
	card := "#opp-" + oppID
	b.wait("the card on the board", fmt.Sprintf(`document.querySelector('[data-stage="test_drive"] %s') !== null`, card))
	b.shot("sales-kanban.png", "body")
	evalJS[bool](b, "drag the card to 赢单", fmt.Sprintf(`(() => {
		const card = document.querySelector(%s), col = document.querySelector('.kanban-col[data-stage="order"]');
		const dt = new DataTransfer();
		card.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
		col.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
		col.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
		card.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: dt}));
		return true;
	})()`, jsString(card)))
	b.wait("the card in 赢单 after the reload", fmt.Sprintf(`document.readyState === 'complete' && document.querySelector('.kanban-col[data-stage="order"] %s') !== null`, card))
	phone()
	b.navigate("/sales/opportunities")
	b.wait("board at 390 px", `document.querySelector('#kanban') !== null`)
	noSideScroll("the kanban")
	b.shot("sales-kanban-phone.png", "viewport")
	desk()

	// 7. The vehicle order.
	b.navigate("/sales/opportunities/" + oppID)
	b.wait("order form", `document.querySelector('#order-form') !== null`)
	b.do("fill the order",
		chromedp.SendKeys(chromedp.ID("configuration"), "长续航版 · 智驾包"),
		chromedp.SendKeys(chromedp.ID("color"), "星河蓝"),
		chromedp.SetValue(chromedp.ID("deposit"), "5000"),
		chromedp.Click(chromedp.CSS(`#order-form button[type=submit]`)))
	b.wait("order page", `location.pathname.startsWith('/sales/orders/') && document.querySelector('#deliver-form') !== null`)
	b.contains("#order-status", "已下单")
	if vin := b.value("#vin"); len(vin) != 17 {
		b.fail("no VIN suggested: %q", vin)
	}

	// 8. Delivery: a wrong plate first, then the handover.
	plate := fmt.Sprintf("沪AD%05d", time.Now().UnixNano()%100000)
	b.do("a plate of the wrong series", chromedp.SendKeys(chromedp.ID("plate"), "沪AF12345"), chromedp.SendKeys(chromedp.ID("password"), "buyer-pass-2026"))
	b.do("deliver", chromedp.Click(chromedp.CSS(`#deliver-form button[type=submit]`)))
	b.wait("confirm dialog", `document.querySelector('dialog.dialog[open]') !== null`)
	b.do("confirm", chromedp.Click(chromedp.CSS(`dialog.dialog[open] button[value="ok"]`)))
	b.wait("plate error", `document.querySelector('.field.has-error #plate') !== null`)
	b.contains(".field-error", "D")
	b.do("the right plate", chromedp.SetValue(chromedp.ID("plate"), plate), chromedp.SendKeys(chromedp.ID("password"), "buyer-pass-2026"))
	b.shot("sales-order.png", "body")
	b.do("deliver again", chromedp.Click(chromedp.CSS(`#deliver-form button[type=submit]`)))
	b.wait("confirm dialog", `document.querySelector('dialog.dialog[open]') !== null`)
	b.do("confirm", chromedp.Click(chromedp.CSS(`dialog.dialog[open] button[value="ok"]`)))
	b.wait("delivery record", `document.querySelector('#delivery-record') !== null`)
	b.contains("#order-status", "已交付")
	b.contains("#delivered-plate", plate)
	b.shot("sales-delivery.png", "body")
	var kind string
	var vehicles int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT c.kind, (SELECT COUNT(*) FROM vehicles v WHERE v.customer_id = c.id AND v.plate = $2)
		FROM customers c WHERE c.mobile = $1`, mobile, plate).Scan(&kind, &vehicles); err != nil || kind != "owner" || vehicles != 1 {
		t.Fatalf("after delivery: customer kind %q with %d vehicles (%v)", kind, vehicles, err)
	}
	b.logout()

	// 9. The buyer logs in with their mobile and sees the car.
	b.navigate("/login")
	b.do("log in as the buyer",
		chromedp.SendKeys(chromedp.ID("username"), mobile),
		chromedp.SendKeys(chromedp.ID("password"), "buyer-pass-2026"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
	b.wait("owner home", `location.pathname === '/owner/' && document.querySelector('.vehicle-card') !== null`)
	b.contains(".vehicle-card", modelName)
	b.contains("body", plate)
	b.shot("owner-new-car.png", "body")
}
