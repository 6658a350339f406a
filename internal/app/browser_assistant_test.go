package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// TestBrowserAssistantJourney walks the smart customer service in a real
// browser at phone width: the owner asks for a swap in plain Chinese, sees
// what will be booked, confirms, and finds it under 我的预约; then asks
// something the knowledge base does not know, hands off to a person; the
// service user finds the ticket in the queue and replies; the owner sees
// the reply in the chat and in the bell. Screenshots for the manual.
func TestBrowserAssistantJourney(t *testing.T) {
	t.Parallel()
	exe := findChromium(t)
	shots := screenshotDir(t)
	s := apptest.Start(t, db.SQLite)
	b := newBrowser(t, exe, s.URL, shots, 90*time.Second)
	ctx := b.ctx
	owner, err := s.App.Accounts.UserByLogin(ctx, identity.System(), "owner")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Notify.MarkAllRead(ctx, owner); err != nil {
		t.Fatal(err)
	}
	// The service the demo owner's car can take: a swap when it is swap capable.
	kind, word := "swap", "换电"
	var swap bool
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COALESCE(MAX(CASE WHEN m.swap_capable THEN 1 ELSE 0 END), 0) = 1 FROM vehicles v
		JOIN vehicle_models m ON m.id = v.model_id WHERE v.customer_id = $1`, owner.CustomerID).Scan(&swap); err != nil {
		t.Fatal(err)
	}
	if !swap {
		kind, word = "charging", "充电"
	}
	var open int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments WHERE customer_id = $1 AND service_kind = $2
		AND status IN ('booked', 'confirmed', 'in_progress')`, owner.CustomerID, kind).Scan(&open); err != nil || open != 0 {
		t.Fatalf("the demo owner already has an open %s appointment (%d) or %v", kind, open, err)
	}

	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.login("owner", "车主")
	b.do("open the assistant", chromedp.Click(chromedp.CSS(`.main-nav a[href="/owner/assistant"]`)))
	b.wait("chat page", `location.pathname === '/owner/assistant' && document.querySelector('#chat-text') !== null`)
	b.contains("h1", "智能客服")

	// 1. Book by conversation: the proposal first, nothing booked yet.
	b.ask("后天下午三点" + word)
	b.waitBot("将为您预约")
	b.waitBot("15:00")
	b.shot("assistant-propose-mobile.png", "viewport")
	var n int
	if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments WHERE customer_id = $1 AND service_kind = $2
		AND status = 'booked'`, owner.CustomerID, kind).Scan(&n); err != nil || n != 0 {
		t.Fatalf("booked before confirmation: %d %v", n, err)
	}
	b.do("confirm", chromedp.Click(chromedp.CSS(`.chat-actions form input[value="确认"] ~ button`)))
	b.waitBot("预约成功")
	b.shot("assistant-booked-mobile.png", "viewport")
	b.do("my appointments", chromedp.Click(chromedp.CSS(`.chat-actions a[href^="/owner/appointments"]`)))
	b.wait("my appointments", `location.pathname === '/owner/appointments' && document.readyState === 'complete'`)
	b.contains("#upcoming", word)
	b.contains("#upcoming", "15:00")

	// 2. Something it does not know: it says so and offers a person.
	b.navigate("/owner/assistant")
	b.wait("chat page", `document.querySelector('#chat-text') !== null`)
	b.ask("车顶行李架能装多重的东西")
	b.waitBot("不确定")
	b.do("hand off", chromedp.Click(chromedp.CSS(`.chat-actions form input[value="转人工"] ~ button`)))
	b.waitBot("已为您转接人工客服")
	b.contains(".chat-ticket", "已转人工")
	var ticket int64
	if err := s.App.DB.QueryRowContext(ctx, `SELECT id FROM support_tickets WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`, owner.CustomerID).Scan(&ticket); err != nil {
		t.Fatal(err)
	}
	b.logout()

	// 3. The service user replies from the queue.
	b.do("desk viewport", chromedp.EmulateViewport(1280, 900))
	b.login("service", "服务顾问")
	b.navigate("/service/tickets")
	row := fmt.Sprintf("#tickets tr#t%d", ticket)
	b.wait("ticket in the queue", fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(row)))
	b.contains(row, "智能客服转人工")
	b.shot("service-tickets.png", "body")
	b.do("open the ticket", chromedp.Click(chromedp.CSS(row+` a`)))
	b.wait("ticket page", fmt.Sprintf(`location.pathname === '/service/tickets/%d' && document.querySelector('#reply-form') !== null`, ticket))
	b.contains(".transcript", "行李架")
	b.do("write the reply", chromedp.SendKeys(chromedp.ID("body"), "您好，行李架最大静载 75 公斤，行驶中请不超过 50 公斤。"))
	b.do("send", chromedp.Click(chromedp.CSS(`#reply-form button[type=submit]:not([formaction])`)))
	b.wait("replied", `document.querySelector('.alert-success') !== null && document.querySelector('.alert-success').innerText.includes('回复已发送')`)
	b.contains("#thread", "75 公斤")
	b.shot("service-ticket.png", "body")

	// The answer becomes a knowledge-base article, used from the next question on.
	b.navigate("/admin/kb/new")
	b.wait("article form", `document.querySelector('#question') !== null`)
	evalJS[bool](b, "category", `(() => { document.getElementById('category').value = '保养'; return true; })()`)
	b.do("write the article",
		chromedp.SendKeys(chromedp.ID("question"), "车顶行李架能承重多少？"),
		chromedp.SendKeys(chromedp.ID("similar"), "行李架能装多重\n车顶能放多重的东西"),
		chromedp.SendKeys(chromedp.ID("answer"), "行李架最大静载 75 公斤，行驶中请不超过 50 公斤。"),
		chromedp.SendKeys(chromedp.ID("keywords"), "行李架 承重 车顶"))
	b.shot("admin-kb-edit.png", "body")
	b.do("save the article", chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	b.wait("saved", `document.querySelector('.alert-success') !== null && document.querySelector('.alert-success').innerText.includes('知识条目已创建')`)
	b.navigate("/admin/kb?q=" + "行李架")
	b.wait("kb list", `document.querySelector('#kb') !== null`)
	b.contains("#kb", "车顶行李架能承重多少")
	b.logout()

	// 4. The owner sees the reply in the chat and the bell.
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.login("owner", "车主")
	b.wait("bell", `document.querySelector('#bell .bell-count') !== null`)
	b.navigate(fmt.Sprintf("/owner/assistant?ticket=%d", ticket))
	b.wait("agent reply", `[...document.querySelectorAll('.msg-agent .bubble')].some(e => e.innerText.includes('75 公斤'))`)
	b.shot("assistant-agent-reply-mobile.png", "viewport")
	// A new chat answers the same question from the new article, with its source.
	b.do("new chat", chromedp.Click(chromedp.CSS(`form[action="/owner/assistant/new"] button`)))
	b.wait("empty chat", `document.querySelectorAll('.chat-log .msg').length === 1`)
	b.ask("车顶行李架能装多重的东西")
	b.waitBot("75 公斤")
	b.contains(".sources", "车顶行李架能承重多少")
	if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth`); w > 390 {
		b.fail("the chat scrolls sideways at 390 px: %v", w)
	}
}

// ask types text into the chat and sends it.
func (b *browser) ask(text string) {
	b.t.Helper()
	before := evalJS[float64](b, "messages", `document.querySelectorAll('.chat-log .msg').length`)
	b.do("ask "+text, chromedp.SendKeys(chromedp.ID("chat-text"), text), chromedp.Click(chromedp.CSS(`#chat-form button[type=submit]`)))
	b.wait("answer to "+text, fmt.Sprintf(`document.querySelectorAll('.chat-log .msg').length >= %d`, int(before)+2))
}

// waitBot waits for the last bot message to contain want.
func (b *browser) waitBot(want string) {
	b.t.Helper()
	b.wait("bot says "+want, fmt.Sprintf(`(() => { const m = [...document.querySelectorAll('.msg-bot .bubble')]; return m.length > 0 && m[m.length-1].innerText.includes(%s); })()`, jsString(want)))
}
