package assistant_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/assistant"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/llm"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/support"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// start is the fixed "now": Monday 2026-11-30 09:00 in Shanghai.
var start = time.Date(2026, 11, 30, 9, 0, 0, 0, site.Shanghai)

type fixture struct {
	t      testing.TB
	ctx    context.Context
	DB     *db.DB
	Clock  *dbtest.Clock
	Book   *booking.Service
	Sup    *support.Service
	Svc    *assistant.Service
	Acc    *account.Service
	Swap   int64 // 浦东 swap station
	Swap2  int64 // 闵行 swap station
	Charge int64 // 徐汇 charging station
	Center int64
	A, B   *identity.User
	VehA   int64
	Staff  *identity.User
	Sales  *identity.User
	seq    atomic.Int64
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), DB: d, Clock: dbtest.NewClock(start)}
	now := f.Clock.Now
	if err := support.EnsureDefaults(f.ctx, d, start); err != nil {
		t.Fatal(err)
	}
	f.Book = booking.NewService(d, now)
	f.Sup = support.NewService(d, now)
	f.Acc = account.NewService(d, now)
	var err error
	f.Svc, err = assistant.NewService(d, now, assistant.Deps{Support: f.Sup, Booking: f.Book, Vehicles: vehicle.NewService(d),
		Sites: site.NewService(d), WorkOrders: workorder.NewService(d, f.Book, now), Customers: customer.NewService(d, now)})
	if err != nil {
		t.Fatal(err)
	}
	f.Swap = f.site("SW-1", "swap_station", "上海浦东新区启程换电站", "浦东新区", "swap", 4)
	f.Swap2 = f.site("SW-2", "swap_station", "上海闵行区启程换电站", "闵行区", "swap", 4)
	f.Charge = f.site("CH-1", "charging_station", "上海徐汇区启程超充站", "徐汇区", "charging", 6)
	f.Center = f.site("SC-1", "service_center", "上海浦东新区启程服务中心", "浦东新区", "repair", 2)
	model := f.id(`INSERT INTO vehicle_models (code, brand, name, powertrain, battery_kwh, range_km, price_fen, swap_capable)
		VALUES ('S7', '启程', '启程 S7', 'BEV', 90, 600, 30000000, TRUE) RETURNING id`)
	f.A, f.VehA = f.owner("车主甲", "沪A10001", model)
	f.B, _ = f.owner("车主乙", "沪A10002", model)
	f.Staff = f.staff("svc", "客服小王", identity.RoleService)
	f.Sales = f.staff("sales", "销售甲", identity.RoleSales)
	return f
}

func (f *fixture) id(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.DB.QueryRowContext(f.ctx, q, args...).Scan(&id); err != nil {
		f.t.Fatalf("fixture: %v\n%s", err, q)
	}
	return id
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	return int(f.id(q, args...))
}

func (f *fixture) site(code, kind, name, district, service string, places int) int64 {
	id := f.id(`INSERT INTO sites (code, kind, name, province, city, district, address, open_minute, close_minute, slot_minutes,
		battery_total, charged_batteries, created_at) VALUES ($1, $2, $3, '上海', '上海', $4, $5, 480, 1320, 30, 20, 16, $6) RETURNING id`,
		code, kind, name, district, district+"测试路 1 号", start.UTC())
	if _, err := f.DB.ExecContext(f.ctx, `INSERT INTO site_capacity (site_id, service_kind, places_per_slot) VALUES ($1, $2, $3)`, id, service, places); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) owner(name, plate string, model int64) (*identity.User, int64) {
	n := f.seq.Add(1)
	now := start.UTC()
	mobile := fmt.Sprintf("139%08d", n)
	cust := f.id(`INSERT INTO customers (name, mobile, city, kind, stage, created_at, updated_at) VALUES ($1, $2, '上海', 'owner', 'delivered', $3, $3) RETURNING id`,
		name, mobile, now)
	delivered := now.AddDate(-1, 0, 0)
	veh := f.id(`INSERT INTO vehicles (vin, plate, customer_id, model_id, purchased_on, delivered_at, warranty_end, battery_warranty_end, battery_soh, mileage_km, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 96.5, 18000, $9, $9) RETURNING id`,
		fmt.Sprintf("LTEST%012d", n), plate, cust, model, delivered, delivered, delivered.AddDate(5, 0, 0), delivered.AddDate(8, 0, 0), now)
	uid := f.id(`INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
		VALUES ($1, $2, 'owner', '!test', $3, TRUE, $4, $4) RETURNING id`, mobile, name, cust, now)
	return f.user(uid), veh
}

func (f *fixture) staff(username, name string, role identity.Role) *identity.User {
	uid := f.id(`INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at)
		VALUES ($1, $2, $3, '!test', TRUE, $4, $4) RETURNING id`, username, name, string(role), start.UTC())
	return f.user(uid)
}

func (f *fixture) user(id int64) *identity.User {
	f.t.Helper()
	u, err := f.Acc.User(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// ask sends text in conversation c (0: new) and returns the reply.
func (f *fixture) ask(u *identity.User, c int64, text string) *assistant.Reply {
	f.t.Helper()
	r, err := f.Svc.Ask(f.ctx, u, c, text)
	if err != nil {
		f.t.Fatalf("ask %q: %v", text, err)
	}
	return r
}

func wantIn(t *testing.T, r *assistant.Reply, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.Reply, p) {
			t.Fatalf("reply %q lacks %q", r.Reply, p)
		}
	}
}

func TestBookSwapByConversation(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.ask(f.A, 0, "明天下午在浦东换电")
		if r.Intent != assistant.BookSwap {
			t.Fatalf("intent %s, want book_swap", r.Intent)
		}
		wantIn(t, r, "将为您预约", "换电", "上海浦东新区启程换电站", "明天（12月1日 周二）", "12:00-12:30", "确认预约吗")
		if n := f.count(`SELECT COUNT(*) FROM appointments`); n != 0 {
			t.Fatalf("booked before confirmation: %d", n)
		}
		c := r.ConversationID
		r = f.ask(f.A, c, "确认")
		if r.AppointmentID == 0 {
			t.Fatalf("not booked: %q", r.Reply)
		}
		wantIn(t, r, "预约成功")
		ups, err := f.Book.Upcoming(f.ctx, f.A, 10)
		if err != nil || len(ups) != 1 || ups[0].SiteID != f.Swap || ups[0].Kind != booking.Swap || ups[0].SlotMinute != 12*60 || ups[0].Date() != "2026-12-01" {
			t.Fatalf("appointment: %v %+v", err, ups)
		}
		// A second confirmation books nothing more.
		f.ask(f.A, c, "确认")
		if n := f.count(`SELECT COUNT(*) FROM appointments`); n != 1 {
			t.Fatalf("appointments %d, want 1", n)
		}
	})
}

func TestMultiTurnBookingAndChanges(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.ask(f.A, 0, "我要充电")
		c := r.ConversationID
		wantIn(t, r, "哪天")
		r = f.ask(f.A, c, "后天早上八点")
		wantIn(t, r, "将为您预约", "充电", "上海徐汇区启程超充站", "08:00-08:30")
		r = f.ask(f.A, c, "好的")
		if r.AppointmentID == 0 {
			t.Fatalf("not booked: %q", r.Reply)
		}
		charge := r.AppointmentID

		// Status lists it.
		r = f.ask(f.A, c, "我的预约")
		wantIn(t, r, "充电", "08:00-08:30", "已预约")

		// Reschedule by conversation.
		r = f.ask(f.A, c, "把充电改到明天下午3点")
		if r.Intent != assistant.AppointmentReschedule {
			t.Fatalf("intent %s: %q", r.Intent, r.Reply)
		}
		wantIn(t, r, "改到", "15:00-15:30", "确认改约吗")
		r = f.ask(f.A, c, "确认")
		wantIn(t, r, "改约成功")
		a, err := f.Book.Get(f.ctx, f.A, charge)
		if err != nil || a.Date() != "2026-12-01" || a.SlotMinute != 15*60 {
			t.Fatalf("rescheduled: %v %+v", err, a)
		}

		// Cancel, declining first.
		r = f.ask(f.A, c, "取消预约")
		wantIn(t, r, "确认取消吗")
		f.ask(f.A, c, "算了")
		if a, _ := f.Book.Get(f.ctx, f.A, charge); a.Status != booking.Booked {
			t.Fatalf("cancelled without confirmation: %s", a.Status)
		}
		f.ask(f.A, c, "取消预约")
		r = f.ask(f.A, c, "确认")
		wantIn(t, r, "已取消")
		if a, _ := f.Book.Get(f.ctx, f.A, charge); a.Status != booking.Cancelled {
			t.Fatalf("status %s, want cancelled", a.Status)
		}
	})
}

func TestStationsBatteryWarranty(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.ask(f.A, 0, "附近有换电站吗")
		if r.Intent != assistant.StationFind {
			t.Fatalf("intent %s", r.Intent)
		}
		wantIn(t, r, "上海浦东新区启程换电站", "上海闵行区启程换电站", "可约时段")
		// Choosing one by number proposes a booking there.
		r = f.ask(f.A, r.ConversationID, "2")
		wantIn(t, r, "将为您预约", "上海闵行区启程换电站")

		r = f.ask(f.A, 0, "我的电池健康度多少")
		wantIn(t, r, "96.5%", "沪A10001")
		// The answer follows the model's warranty terms (as the vehicle
		// page and the work order's payer decision do), not a fixed term.
		var model int64
		var delivered time.Time
		if err := d.QueryRowContext(f.ctx, `SELECT model_id, delivered_at FROM vehicles WHERE id = $1`, f.VehA).Scan(&model, &delivered); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`DELETE FROM warranty_terms WHERE model_id = $1`,
			`INSERT INTO warranty_terms (model_id, vehicle_years, vehicle_km, battery_years, battery_km) VALUES ($1, 4, 120000, 7, 150000)`} {
			if _, err := d.ExecContext(f.ctx, q, model); err != nil {
				t.Fatal(err)
			}
		}
		day := func(years int) string { return delivered.AddDate(years, 0, 0).In(site.Shanghai).Format("2006-01-02") }
		r = f.ask(f.A, 0, "我的车还在保修期吗")
		wantIn(t, r, "整车质保（4 年或 120,000 公里）至 "+day(4), "电池质保（7 年或 150,000 公里）至 "+day(7), "当前里程 18,000 公里")
	})
}

func TestKnowledgeAnswerAndHandOff(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.ask(f.A, 0, "换电要多久")
		if len(r.Sources) == 0 || !strings.Contains(r.Sources[0].Question, "换电需要多长时间") {
			t.Fatalf("sources %+v", r.Sources)
		}
		wantIn(t, r, "3~5 分钟")
		c := r.ConversationID
		// Two questions it cannot answer: the second hands off.
		r = f.ask(f.A, c, "火星上的天气如何")
		wantIn(t, r, "不确定")
		if r.TicketID != 0 {
			t.Fatal("handed off after one miss")
		}
		r = f.ask(f.A, c, "量子纠缠怎么解释")
		if r.TicketID == 0 {
			t.Fatalf("no hand-off after two misses: %q", r.Reply)
		}
		ticket := r.TicketID
		tk, err := f.Sup.Ticket(f.ctx, f.Staff, ticket)
		if err != nil || tk.Status != support.Open || !strings.Contains(tk.Description, "火星上的天气如何") || tk.DueAt == nil || tk.Category != "other" {
			t.Fatalf("ticket: %v %+v", err, tk)
		}
		// The owner adds a detail: it goes to the ticket.
		r = f.ask(f.A, c, "我的车在地库充不上电")
		wantIn(t, r, "已转给人工客服")
		// Staff reply: the owner sees it in the chat and as a notification.
		if _, err := f.Sup.Reply(f.ctx, f.Staff, ticket, "您好，请尝试把车开到信号好的地方再试。", false); err != nil {
			t.Fatal(err)
		}
		conv, err := f.Svc.Conversation(f.ctx, f.A, c)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range conv.Messages {
			found = found || m.Sender == "agent" && strings.Contains(m.Body, "信号好的地方")
		}
		if !found {
			t.Fatalf("agent reply missing from chat: %+v", conv.Messages)
		}
		if n := f.count(`SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'ticket.reply'`, f.A.ID); n != 1 {
			t.Fatalf("notifications %d", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM support_ticket_messages WHERE ticket_id = $1 AND sender = 'customer'`, ticket); n != 1 {
			t.Fatalf("forwarded messages %d", n)
		}
		// Resolved: the owner rates in the chat and the ticket closes.
		if _, err := f.Sup.Resolve(f.ctx, f.Staff, ticket, "已远程解锁，问题解决。"); err != nil {
			t.Fatal(err)
		}
		r = f.ask(f.A, c, "5星 非常满意")
		wantIn(t, r, "感谢您的评价")
		tk, _ = f.Sup.Ticket(f.ctx, f.Staff, ticket)
		if tk.Status != support.Closed || tk.Rating != 5 {
			t.Fatalf("after rating: %s %d", tk.Status, tk.Rating)
		}
		// Owner B sees nothing of A's.
		if _, err := f.Svc.Conversation(f.ctx, f.B, c); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("other owner's conversation: %v", err)
		}
		if _, err := f.Svc.Ask(f.ctx, f.B, c, "你好"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("ask in other's conversation: %v", err)
		}
		if _, err := f.Sup.Ticket(f.ctx, f.B, ticket); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("other owner's ticket: %v", err)
		}
		if _, err := f.Svc.Ask(f.ctx, f.Sales, 0, "你好"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("sales asking: %v", err)
		}
		if _, err := f.Sup.Queue(f.ctx, f.Sales, support.QueueFilter{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("sales queue: %v", err)
		}
		if _, err := f.Svc.Ask(f.ctx, f.A, 0, "  "); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("empty text: %v", err)
		}
	})
}

func TestComplaintAndSuggestionBecomeFeedback(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.ask(f.A, 0, "换电站排队一个小时太坑了，我要投诉")
		if r.Intent != assistant.Complaint || r.TicketID == 0 {
			t.Fatalf("complaint: %s ticket %d", r.Intent, r.TicketID)
		}
		if n := f.count(`SELECT COUNT(*) FROM feedback WHERE kind = 'complaint' AND category = 'swap' AND source = 'assistant' AND ticket_id = $1`, r.TicketID); n != 1 {
			t.Fatalf("complaint feedback %d", n)
		}
		r = f.ask(f.A, 0, "我想提个建议")
		wantIn(t, r, "具体内容")
		r = f.ask(f.A, r.ConversationID, "希望App能显示换电站实时排队人数")
		wantIn(t, r, "已记录")
		if n := f.count(`SELECT COUNT(*) FROM feedback WHERE kind = 'suggestion' AND rating IS NULL`); n != 1 {
			t.Fatalf("suggestions %d", n)
		}
		sum, err := f.Sup.FeedbackSummary(f.ctx, f.Staff, 30)
		if err != nil || len(sum) != 2 {
			t.Fatalf("summary %v %+v", err, sum)
		}
	})
}

func TestStaleResolvedTicketsClose(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.ask(f.A, 0, "转人工")
		if r.TicketID == 0 || r.Intent != assistant.Human {
			t.Fatalf("hand-off: %s %d", r.Intent, r.TicketID)
		}
		if _, err := f.Sup.Resolve(f.ctx, f.Staff, r.TicketID, "已处理"); err != nil {
			t.Fatal(err)
		}
		f.Clock.Advance(support.AutoCloseAfter + time.Hour)
		n, err := f.Sup.CloseStale(f.ctx, identity.System())
		if err != nil || n != 1 {
			t.Fatalf("closed %d %v", n, err)
		}
		if _, err := f.Sup.CloseStale(f.ctx, f.Staff); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("staff closing: %v", err)
		}
	})
}

// TestLLMWriterPhrasesAnswersOnly: with a model configured (a local fake
// server), knowledge answers are phrased by it from the articles with the
// owner's identifiers masked, while bookings still wait for confirmation.
func TestLLMWriterPhrasesAnswersOnly(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var sent []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req struct {
				Messages []llm.Message `json:"messages"`
			}
			_ = json.NewDecoder(r.Body).Decode(&req)
			for _, m := range req.Messages {
				sent = append(sent, m.Content)
			}
			_, _ = w.Write([]byte(`{"choices":[{"message":{"role":"assistant","content":"您好！换电一般只要 3~5 分钟，全程不用下车。"}}]}`))
		}))
		defer srv.Close()
		f.Svc.Writer = assistant.LLMWriter{Client: llm.New(llm.Config{URL: srv.URL, Model: "fake"})}
		r := f.ask(f.A, 0, "我手机13912345678，换电要多久")
		if r.Reply != "您好！换电一般只要 3~5 分钟，全程不用下车。" || len(r.Sources) == 0 {
			t.Fatalf("reply %q sources %v", r.Reply, r.Sources)
		}
		all := strings.Join(sent, "\n")
		if strings.Contains(all, "13912345678") || strings.Contains(all, "车主甲") || strings.Contains(all, "沪A10001") || !strings.Contains(all, "换电需要多长时间") {
			t.Fatalf("sent to the model: %s", all)
		}
		r = f.ask(f.A, 0, "明天下午换电")
		wantIn(t, r, "确认预约吗")
		if n := f.count(`SELECT COUNT(*) FROM appointments`); n != 0 {
			t.Fatal("booked without confirmation")
		}
		// A failing model falls back to the template answer.
		srv.Close()
		r = f.ask(f.A, 0, "换电要多久")
		wantIn(t, r, "3~5 分钟")
	})
}

// TestDialogues runs the labelled multi-turn dialogues (data/dialogues.txt).
func TestDialogues(t *testing.T) {
	raw, err := os.ReadFile("data/dialogues.txt")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, dbtest.Open(t, db.SQLite))
	var conv int64
	turns, dialogues := 0, 0
	var last *assistant.Reply
	for i, line := range strings.Split(string(raw), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.TrimSpace(line) == "":
			if conv != 0 {
				dialogues++
			}
			conv = 0
		case strings.HasPrefix(line, "> "):
			last = f.ask(f.A, conv, strings.TrimPrefix(line, "> "))
			conv = last.ConversationID
			turns++
		case strings.HasPrefix(line, "= "):
			parts := strings.Split(strings.TrimPrefix(line, "= "), " | ")
			if string(last.Intent) != parts[0] {
				t.Errorf("dialogues.txt:%d: intent %s, want %s (reply %q)", i+1, last.Intent, parts[0], last.Reply)
			}
			for _, p := range parts[1:] {
				if !strings.Contains(last.Reply, p) {
					t.Errorf("dialogues.txt:%d: reply %q lacks %q", i+1, last.Reply, p)
				}
			}
		default:
			t.Fatalf("dialogues.txt:%d: unknown line %q", i+1, line)
		}
	}
	t.Logf("%d dialogues, %d turns", dialogues+1, turns)
}

// TestCampaignsListedWhenWired: with the campaign area wired, "最近有什么活动"
// lists the owner's joinable campaigns; without it the knowledge base answers.
func TestCampaignsListedWhenWired(t *testing.T) {
	f := newFixture(t, dbtest.Open(t, db.SQLite))
	r := f.ask(f.A, 0, "最近有什么活动")
	if r.Intent != assistant.Campaign || !strings.Contains(r.Reply, "暂无可在线报名") {
		t.Fatalf("without campaigns: %s %q", r.Intent, r.Reply)
	}
	var seen *identity.User
	f.Svc.Campaigns = func(ctx context.Context, actor *identity.User) ([]assistant.CampaignInfo, error) {
		seen = actor
		return []assistant.CampaignInfo{{Title: "冬季免费检测", When: "12月1日-12月31日", URL: "/owner/campaigns"}}, nil
	}
	r = f.ask(f.A, 0, "我能参加哪些活动")
	wantIn(t, r, "冬季免费检测", "12月1日-12月31日")
	if seen == nil || seen.ID != f.A.ID {
		t.Fatal("campaigns not asked as the owner")
	}
}

// TestKnowledgeEditsApplyAtOnce: an article staff add is used by the next
// question; a disabled one no longer is; owners cannot edit.
func TestKnowledgeEditsApplyAtOnce(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		q := "车顶行李架最多能装多重"
		if r := f.ask(f.A, 0, q); strings.Contains(r.Reply, "75 公斤") {
			t.Fatal("answered before the article exists")
		}
		a, err := f.Sup.CreateArticle(f.ctx, f.Staff, support.ArticleInput{Category: "保养", Question: "车顶行李架能承重多少？",
			Similar: "行李架能装多重\n车顶能放多重的东西", Answer: "行李架最大静载 75 公斤，行驶中请不超过 50 公斤。", Keywords: "行李架 承重 车顶", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		r := f.ask(f.A, 0, q)
		if !strings.Contains(r.Reply, "75 公斤") || len(r.Sources) == 0 || r.Sources[0].ID != a.ID {
			t.Fatalf("new article not used: %q %+v", r.Reply, r.Sources)
		}
		if got, _ := f.Sup.Article(f.ctx, f.Staff, a.ID); got.Hits != 1 {
			t.Fatalf("hits %d", got.Hits)
		}
		if _, err := f.Sup.UpdateArticle(f.ctx, f.Staff, a.ID, support.ArticleInput{Category: "保养", Question: a.Question, Answer: a.Answer, Active: false}); err != nil {
			t.Fatal(err)
		}
		if r := f.ask(f.A, 0, q); strings.Contains(r.Reply, "75 公斤") {
			t.Fatal("disabled article still used")
		}
		if _, err := f.Sup.CreateArticle(f.ctx, f.A, support.ArticleInput{Category: "保养", Question: "x", Answer: "y"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("owner editing: %v", err)
		}
		if _, err := f.Sup.CreateArticle(f.ctx, f.Staff, support.ArticleInput{Category: "不存在", Question: "", Answer: ""}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("bad input: %v", err)
		}
	})
}

// TestErase: an approved privacy erasure deletes the owner's conversations
// and blanks what they wrote to support, keeping the tickets.
func TestErase(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := f.ask(f.A, 0, "我的手机号13912345678，换电站排队太久了我要投诉")
		f.ask(f.A, r.ConversationID, "车牌沪A10001")
		other := f.ask(f.B, 0, "你好")
		err := d.InTx(f.ctx, func(tx *sql.Tx) error {
			if err := assistant.Erase(f.ctx, tx, f.A.CustomerID, f.A.ID, start); err != nil {
				return err
			}
			return support.Erase(f.ctx, tx, f.A.CustomerID, f.A.ID, start)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT COUNT(*) FROM assistant_conversations WHERE customer_id = $1`, f.A.CustomerID); n != 0 {
			t.Fatalf("conversations left: %d", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM support_tickets WHERE customer_id = $1 AND description LIKE '%13912345678%'`, f.A.CustomerID); n != 0 {
			t.Fatal("transcript kept")
		}
		if n := f.count(`SELECT COUNT(*) FROM support_ticket_messages WHERE body LIKE '%沪A10001%'`); n != 0 {
			t.Fatal("owner's message kept")
		}
		if n := f.count(`SELECT COUNT(*) FROM feedback WHERE customer_id = $1 AND comment <> ''`, f.A.CustomerID); n != 0 {
			t.Fatal("feedback comment kept")
		}
		if n := f.count(`SELECT COUNT(*) FROM support_tickets WHERE id = $1`, r.TicketID); n != 1 {
			t.Fatal("ticket record deleted")
		}
		if _, err := f.Svc.Conversation(f.ctx, f.B, other.ConversationID); err != nil {
			t.Fatalf("another owner's conversation: %v", err)
		}
	})
}
