package assistant

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/support"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// state is what a conversation remembers between turns: the action being
// prepared, its slots, the numbered choices offered and the proposal
// waiting for confirmation.
type state struct {
	Flow      string    `json:"flow,omitempty"` // book, cancel, reschedule, feedback
	Kind      string    `json:"kind,omitempty"`
	Date      string    `json:"date,omitempty"`
	Period    Period    `json:"period,omitempty"`
	Minute    *int      `json:"minute,omitempty"`
	Place     string    `json:"place,omitempty"`
	Near      bool      `json:"near,omitempty"`
	VehicleID int64     `json:"vehicle_id,omitempty"`
	SiteID    int64     `json:"site_id,omitempty"`
	ApptID    int64     `json:"appt_id,omitempty"`
	Propose   *proposal `json:"propose,omitempty"`
	ChoiceOf  string    `json:"choice_of,omitempty"` // vehicle, site, appointment
	Choices   []choice  `json:"choices,omitempty"`
	Category  string    `json:"category,omitempty"` // feedback topic
}

func (s state) empty() bool { return s.Flow == "" && s.Propose == nil && len(s.Choices) == 0 }

// proposal is an action shown to the owner and waiting for "确认".
type proposal struct {
	Op        string `json:"op"` // book, cancel, reschedule
	Kind      string `json:"kind,omitempty"`
	VehicleID int64  `json:"vehicle_id,omitempty"`
	SiteID    int64  `json:"site_id,omitempty"`
	ApptID    int64  `json:"appt_id,omitempty"`
	Date      string `json:"date,omitempty"`
	Minute    int    `json:"minute,omitempty"`
}

type choice struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
	// Minute is a site choice's proposed slot (-1: none).
	Minute int `json:"minute,omitempty"`
}

// turn is one message being answered.
type turn struct {
	s     *Service
	actor *identity.User
	c     *Conversation
	text  string
	now   time.Time
	u     Understanding
	// Effects written with the messages (see Service.save).
	handoff  *support.TicketInput
	forward  bool
	feedback *support.FeedbackInput
}

var (
	confirmWords = []string{"确认", "确定", "好的", "好", "可以", "行", "是的", "是", "对", "对的", "没问题", "ok", "yes", "嗯", "嗯嗯", "就这个", "就这样", "订吧", "约吧", "预约吧", "好啊", "可以的", "确认预约", "确认取消", "确认改约", "同意"}
	declineWords = []string{"不", "不要", "算了", "不用", "不用了", "先不", "先不用", "no", "不了", "放弃", "取消", "不对", "不是", "再想想"}
	reChoice     = regexp.MustCompile(`^(?:第)?([1-9一二三四五六七八九])(?:个|号|家)?$`)
	reStars      = regexp.MustCompile(`([1-5一二三四五])\s*(?:星|分)`)
)

func isWord(n string, words []string) bool {
	n = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(n, "吧"), "了"))
	for _, w := range words {
		if n == w || strings.ReplaceAll(n, " ", "") == w {
			return true
		}
	}
	return false
}

func (t *turn) reply(in Intent, text string, actions ...Action) *Reply {
	return &Reply{Intent: in, Reply: text, Actions: actions, Confidence: t.u.Prob}
}

func say(label string) Action       { return Action{Type: "reply", Label: label, Text: label} }
func link(label, url string) Action { return Action{Type: "link", Label: label, URL: url} }

// respond decides the answer.
func (t *turn) respond(ctx context.Context) (*Reply, error) {
	t.u = t.s.engine.Understand(t.text, t.now)
	n := t.u.Text
	st := &t.c.state

	// A person handles the conversation: forward what the owner writes.
	if t.c.Status == "handed_off" && t.c.TicketID != 0 {
		tk, err := t.s.Support.Ticket(ctx, t.actor, t.c.TicketID)
		if err != nil {
			return nil, err
		}
		if tk.Status == support.Resolved && tk.Rating == 0 {
			if r := t.rate(ctx, tk); r != nil {
				return r, nil
			}
		}
		if tk.Live() {
			t.forward = true
			return t.reply(Human, fmt.Sprintf("已转给人工客服（工单 #%d，%s），您的消息已送达。客服回复会显示在这里，并通过站内通知提醒您。", tk.ID, tk.StatusLabel())), nil
		}
		t.c.Status = "bot" // resolved or closed: the assistant answers again
	}

	// A proposal waits for a yes or no.
	if p := st.Propose; p != nil {
		switch {
		case isWord(n, confirmWords):
			st.Propose = nil
			return t.execute(ctx, p)
		case isWord(n, declineWords):
			*st = state{}
			return t.reply(Other, "好的，已放弃本次操作。还有什么可以帮您？", say("预约换电"), say("我的预约")), nil
		}
		st.Propose = nil
	}

	// Numbered choices offered in the last turn.
	if len(st.Choices) > 0 {
		if i, ok := pick(n, st.Choices); ok {
			ch := st.Choices[i]
			st.Choices = nil
			switch st.ChoiceOf {
			case "vehicle":
				st.VehicleID = ch.ID
			case "site":
				st.SiteID = ch.ID
				if ch.Minute > 0 && st.Minute == nil {
					m := ch.Minute
					st.Minute = &m
				}
				if st.Flow == "" {
					st.Flow = "book"
				}
			case "appointment":
				st.ApptID = ch.ID
			}
			st.ChoiceOf = ""
			return t.continueFlow(ctx)
		}
		st.Choices, st.ChoiceOf = nil, ""
	}

	// An action being prepared takes the slots of this message.
	if st.Flow != "" && t.continues() {
		if st.Flow == "feedback" {
			return t.recordFeedback(support.KindSuggestion, t.text)
		}
		t.merge()
		return t.continueFlow(ctx)
	}
	*st = state{}
	return t.dispatch(ctx)
}

// continues reports whether the message carries on the action being
// prepared rather than asking something new.
func (t *turn) continues() bool {
	st := &t.c.state
	if st.Flow == "feedback" {
		return t.u.Intent != Human && t.u.Intent != Greeting
	}
	if !t.u.Slots.Empty() || strings.Contains(t.u.Text, "换个时间") || strings.Contains(t.u.Text, "换个站") {
		return t.u.Intent != Human && t.u.Intent != Complaint
	}
	switch t.u.Intent {
	case BookSwap, BookCharge, BookRepair:
		return st.Flow == "book"
	case AppointmentCancel:
		return st.Flow == "cancel"
	case AppointmentReschedule:
		return st.Flow == "reschedule"
	}
	return t.u.Prob < MinIntent
}

// merge copies this message's slots into the state.
func (t *turn) merge() {
	st, sl := &t.c.state, t.u.Slots
	if sl.Kind != "" && st.Flow == "book" {
		if st.Kind != sl.Kind {
			st.SiteID = 0
		}
		st.Kind = sl.Kind
	}
	if sl.Date != "" {
		st.Date = sl.Date
	}
	if sl.Period != "" {
		st.Period = sl.Period
		if sl.Minute < 0 {
			st.Minute = nil
		}
	}
	if sl.Minute >= 0 {
		m := sl.Minute
		st.Minute = &m
	}
	if sl.Place != "" {
		st.Place, st.SiteID = sl.Place, 0
	}
	if sl.Near {
		st.Near = true
	}
	if strings.Contains(t.u.Text, "换个站") || strings.Contains(t.u.Text, "换个网点") {
		st.SiteID = 0
	}
	if strings.Contains(t.u.Text, "换个时间") && sl.Date == "" && sl.Minute < 0 && sl.Period == "" {
		st.Minute, st.Period = nil, ""
		st.Date = ""
	}
}

func pick(n string, cs []choice) (int, bool) {
	n = strings.ReplaceAll(n, " ", "")
	if m := reChoice.FindStringSubmatch(n); m != nil {
		k, ok := cnNum(m[1])
		if ok && k >= 1 && k <= len(cs) {
			return k - 1, true
		}
	}
	for i, c := range cs {
		if n != "" && (strings.Contains(Normalize(c.Label), n) && len([]rune(n)) >= 2) {
			return i, true
		}
	}
	return 0, false
}

// dispatch answers a new request by its intent.
func (t *turn) dispatch(ctx context.Context) (*Reply, error) {
	st := &t.c.state
	in := t.u.Intent
	if t.u.Prob < MinIntent && !(len(t.u.Hits) > 0 && t.u.Hits[0].Confidence >= MinAnswer) {
		return t.miss(ctx)
	}
	switch in {
	case BookSwap, BookCharge, BookRepair:
		st.Flow = "book"
		st.Kind = map[Intent]string{BookSwap: "swap", BookCharge: "charging", BookRepair: "repair"}[in]
		if t.u.Slots.Kind != "" {
			st.Kind = t.u.Slots.Kind
		}
		t.merge()
		return t.continueFlow(ctx)
	case AppointmentCancel:
		st.Flow = "cancel"
		t.merge()
		st.Kind = t.u.Slots.Kind
		return t.continueFlow(ctx)
	case AppointmentReschedule:
		st.Flow = "reschedule"
		t.merge()
		st.Kind = t.u.Slots.Kind
		return t.continueFlow(ctx)
	case AppointmentStatus:
		return t.status(ctx)
	case StationFind:
		return t.stations(ctx)
	case BatteryHealth:
		return t.battery(ctx)
	case Warranty:
		return t.warranty(ctx)
	case Campaign:
		return t.campaign(ctx)
	case Human:
		return t.handOff(ctx, "您好，已为您转接人工客服，工单号 #{ticket}。"), nil
	case Complaint:
		return t.complaint(ctx)
	case Feedback:
		return t.suggestion()
	case Greeting:
		return t.greeting(), nil
	}
	return t.answer(ctx, in)
}

// answer replies from the knowledge base, or admits not knowing.
func (t *turn) answer(ctx context.Context, in Intent) (*Reply, error) {
	hits := t.u.Hits
	if len(hits) == 0 || hits[0].Confidence < MinAnswer {
		return t.miss(ctx)
	}
	t.c.misses = 0
	best := hits[0]
	r := t.reply(in, best.Doc.Answer)
	r.Confidence = best.Confidence
	r.Sources = sources(hits)
	if t.s.Writer != nil {
		arts := []string{}
		for _, h := range hits {
			arts = append(arts, h.Doc.Question+"\n"+h.Doc.Answer)
		}
		wctx, cancel := context.WithTimeout(ctx, 8*time.Second)
		if txt, err := t.s.Writer.Write(wctx, WriteInput{Question: t.text, Intent: in, Draft: best.Doc.Answer, Articles: arts}); err == nil && strings.TrimSpace(txt) != "" {
			r.Reply = strings.TrimSpace(txt)
		}
		cancel()
	}
	r.Actions = append(r.Actions, say("没解决，转人工"))
	return r, nil
}

// sources lists the best article and the related ones scoring at least
// half as well.
func sources(hits []Hit) []Source {
	var out []Source
	for i, h := range hits {
		if i > 0 && h.Score < hits[0].Score/2 {
			break
		}
		out = append(out, Source{ID: h.Doc.ID, Category: h.Doc.Category, Question: h.Doc.Question, Confidence: round2(h.Confidence)})
	}
	return out
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// miss says the assistant does not know; the second miss in a row hands
// off to a person.
func (t *turn) miss(ctx context.Context) (*Reply, error) {
	t.c.misses++
	if t.c.misses >= 2 {
		t.c.misses = 0
		return t.handOff(ctx, "抱歉，我连续两次没能理解您的问题，已为您转接人工客服，工单号 #{ticket}。"), nil
	}
	r := t.reply(Other, "抱歉，这个问题我还不确定答案，不想误导您。您可以换个说法再问一次，或者转人工客服。",
		say("转人工"), say("预约换电"), say("我的预约"))
	if len(t.u.Hits) > 0 && t.u.Hits[0].Confidence >= 0.25 {
		r.Reply += "\n您是不是想问：" + t.u.Hits[0].Doc.Question
		r.Actions = append([]Action{say(t.u.Hits[0].Doc.Question)}, r.Actions...)
	}
	r.Intent = Other
	return r, nil
}

// ticketCategory is the ticket category for an intent.
func ticketCategory(in Intent, kind string) string {
	switch kind {
	case "swap":
		return "swap"
	case "charging":
		return "charging"
	case "repair":
		return "repair"
	}
	switch in {
	case BookSwap:
		return "swap"
	case BookCharge, ChargingHowto, StationFind:
		return "charging"
	case BookRepair, AppointmentStatus, AppointmentCancel, AppointmentReschedule, Warranty, Roadside:
		return "repair"
	case BatteryHealth, Range:
		return "battery"
	case OTA:
		return "software"
	case Account:
		return "billing"
	case Complaint:
		return "complaint"
	}
	return "other"
}

// handOff opens a ticket carrying the conversation (written with the
// messages); text may hold {ticket} for its number.
func (t *turn) handOff(ctx context.Context, text string) *Reply {
	transcript := t.transcript(ctx)
	subject := "智能客服转人工：" + lastQuestion(transcript, t.text)
	t.handoff = &support.TicketInput{Category: ticketCategory(t.lastTopic(ctx), t.u.Slots.Kind), Subject: subject, Description: transcript}
	t.c.state = state{}
	r := t.reply(Human, text+"人工客服每天 8:00-22:00 在线，紧急问题 2 小时内、一般问题 24 小时内回复；回复会显示在这里，并通过站内通知提醒您。您可以继续在这里补充情况。")
	r.Intent = Human
	return r
}

// lastTopic is the intent of the owner's last understood question, for the
// ticket's category.
func (t *turn) lastTopic(ctx context.Context) Intent {
	if t.u.Intent != Human && t.u.Intent != Other {
		return t.u.Intent
	}
	var in string
	// The question just before the hand-off, even one not understood
	// (other): not a booking made earlier in the same chat.
	_ = t.s.db.QueryRowContext(ctx, `SELECT intent FROM assistant_messages WHERE conversation_id = $1 AND sender = 'customer'
		AND intent NOT IN ('human', 'greeting', '') ORDER BY id DESC LIMIT 1`, t.c.ID).Scan(&in)
	return Intent(in)
}

// transcript is the conversation so far (at most the last 20 messages)
// and this message, for the person who takes over.
func (t *turn) transcript(ctx context.Context) string {
	var b strings.Builder
	rows, err := t.s.db.QueryContext(ctx, `SELECT sender, body, created_at FROM assistant_messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT 20`, t.c.ID)
	if err == nil {
		var lines []string
		for rows.Next() {
			var sender, body string
			var at time.Time
			if rows.Scan(&sender, &body, &at) == nil {
				who := map[string]string{"customer": "车主", "bot": "智能客服", "agent": "人工客服"}[sender]
				lines = append(lines, at.In(site.Shanghai).Format("15:04")+" "+who+"："+body)
			}
		}
		rows.Close()
		for i := len(lines) - 1; i >= 0; i-- {
			b.WriteString(lines[i] + "\n")
		}
	}
	b.WriteString(t.now.In(site.Shanghai).Format("15:04") + " 车主：" + t.text)
	return b.String()
}

// lastQuestion is the owner's latest message before the hand-off that is
// not itself a request for a person, for the ticket's subject.
func lastQuestion(transcript, fallback string) string {
	lines := strings.Split(transcript, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if _, q, ok := strings.Cut(lines[i], " 车主："); ok {
			if n := Normalize(q); n != "" && !strings.Contains(n, "人工") && !strings.Contains(n, "客服") {
				return clip(q, 30)
			}
		}
	}
	return clip(fallback, 30)
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (t *turn) greeting() *Reply {
	n := t.u.Text
	if strings.Contains(n, "谢谢") || strings.Contains(n, "感谢") {
		return t.reply(Greeting, "不客气，很高兴能帮到您！还有其他问题随时问我。")
	}
	return t.reply(Greeting, "您好，我是启程智能客服。我可以帮您预约换电、充电和维修保养，查询、改约或取消预约，查看维修进度，找附近有空位的站点，查询电池健康度和质保，也能解答用车问题。直接说就行，比如“明天下午在浦东换电”。",
		say("明天下午换电"), say("我的预约"), say("附近的换电站"), say("我的电池健康度"))
}

func (t *turn) complaint(ctx context.Context) (*Reply, error) {
	t.feedback = &support.FeedbackInput{Kind: support.KindComplaint, Category: feedbackCategory(t.u), Comment: t.text}
	if len([]rune(strings.ReplaceAll(t.u.Text, " ", ""))) <= 5 {
		// "我要投诉" alone: a person listens.
		return t.handOff(ctx, "非常抱歉给您带来不好的体验。已为您转接人工客服（工单 #{ticket}），请在这里说明具体情况。"), nil
	}
	r := t.handOff(ctx, "非常抱歉给您带来不好的体验，您的投诉已记录，并已转给人工客服跟进（工单 #{ticket}）。")
	r.Intent = Complaint
	t.handoff.Category = "complaint"
	return r, nil
}

func feedbackCategory(u Understanding) string {
	switch u.Slots.Kind {
	case "swap":
		return "swap"
	case "charging":
		return "charging"
	case "repair":
		return "repair"
	}
	n := u.Text
	switch {
	case containsAny(n, "换电"):
		return "swap"
	case containsAny(n, "充电", "充电桩", "充电站", "快充"):
		return "charging"
	case containsAny(n, "保养", "维修", "技师", "修"):
		return "repair"
	case containsAny(n, "电池", "续航"):
		return "battery"
	case containsAny(n, "app", "车机", "导航", "升级", "软件", "系统"):
		return "software"
	case containsAny(n, "收费", "费用", "扣费", "价格", "钱"):
		return "billing"
	case containsAny(n, "态度", "客服", "服务", "排队", "等"):
		return "service"
	}
	return "other"
}

func (t *turn) suggestion() (*Reply, error) {
	if len([]rune(strings.ReplaceAll(t.u.Text, " ", ""))) <= 8 && !containsAny(t.u.Text, "表扬", "点赞") {
		t.c.state = state{Flow: "feedback"}
		return t.reply(Feedback, "非常欢迎您的建议！请直接告诉我具体内容，我会记录并转给相关团队。"), nil
	}
	return t.recordFeedback(support.KindSuggestion, t.text)
}

func (t *turn) recordFeedback(kind, text string) (*Reply, error) {
	t.feedback = &support.FeedbackInput{Kind: kind, Category: feedbackCategory(t.u), Comment: text}
	t.c.state = state{}
	return t.reply(Feedback, "感谢您的反馈，已记录（分类："+support.CategoryLabel(t.feedback.Category)+"），我们会认真改进。"), nil
}

// rate takes a star rating of the resolved hand-off ticket, or returns nil.
func (t *turn) rate(ctx context.Context, tk *support.Ticket) *Reply {
	n := strings.ReplaceAll(t.u.Text, " ", "")
	stars := 0
	if m := reStars.FindStringSubmatch(n); m != nil {
		stars, _ = cnNum(m[1])
	} else {
		switch {
		case containsAny(n, "非常满意", "很满意", "太好了"):
			stars = 5
		case containsAny(n, "不满意", "很差", "太差"):
			stars = 1
		case containsAny(n, "满意", "不错", "还行"):
			stars = 4
		}
	}
	if stars == 0 {
		return nil
	}
	if _, err := t.s.Support.RateTicket(ctx, t.actor, tk.ID, stars, t.text); err != nil {
		return nil
	}
	t.c.Status = "bot"
	r := t.reply(Feedback, fmt.Sprintf("感谢您的评价（%d 星）！工单 #%d 已关闭。还有其他问题随时问我。", stars, tk.ID))
	if stars <= 2 {
		r.Reply = fmt.Sprintf("很抱歉这次没能让您满意（%d 星），我们会复盘改进。工单 #%d 已关闭，如问题仍未解决，请说“转人工”。", stars, tk.ID)
	}
	return r
}

// RatingActions are the buttons offered when a hand-off ticket is resolved.
func RatingActions() []Action {
	return []Action{say("5星 非常满意"), say("4星 满意"), say("3星 一般"), say("2星 不满意"), say("1星 很不满意")}
}

// ownVehicles returns the owner's vehicles.
func (t *turn) ownVehicles(ctx context.Context) ([]*vehicle.Vehicle, error) {
	return t.s.Vehicles.ListMine(ctx, t.actor)
}

func (t *turn) battery(ctx context.Context) (*Reply, error) {
	personal := containsAny(t.u.Text, "我的", "我车", "我这", "我家", "还剩", "多少", "健康吗", "怎么样", "状况", "老化", "查询", "查一下")
	if !personal && len(t.u.Hits) > 0 && t.u.Hits[0].Confidence >= MinAnswer && t.u.Hits[0].Doc.Key != "battery_soh" {
		return t.answer(ctx, BatteryHealth)
	}
	vs, err := t.ownVehicles(ctx)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return t.answer(ctx, BatteryHealth)
	}
	var lines []string
	warn := false
	for _, v := range vs {
		line := fmt.Sprintf("%s（%s）：电池健康度 %.1f%%，已行驶 %d 公里", v.Title(), plateOrVIN(v), v.BatterySOH, v.MileageKM)
		if v.FastChargeShare > 0 {
			line += fmt.Sprintf("，快充占比 %.0f%%", v.FastChargeShare*100)
		}
		if v.SOHWarn() {
			line += "。低于 90%，建议到服务中心检测"
			warn = true
		} else {
			line += "，状态良好"
		}
		lines = append(lines, line)
	}
	r := t.reply(BatteryHealth, strings.Join(lines, "；\n")+"。\n电池健康度正常每年下降约 1~2 个百分点，日常以慢充为主、充电上限设为 80%~90% 有助于延缓衰减。")
	if len(t.u.Hits) > 0 {
		r.Sources = sources(t.u.Hits[:1])
	}
	if warn {
		r.Actions = append(r.Actions, say("预约电池检测"))
	}
	r.Actions = append(r.Actions, link("查看我的车辆", "/owner/"))
	return r, nil
}

func plateOrVIN(v *vehicle.Vehicle) string {
	if v.Plate != "" {
		return v.Plate
	}
	if len(v.VIN) > 6 {
		return "车架号尾号 " + v.VIN[len(v.VIN)-6:]
	}
	return "未上牌"
}

func (t *turn) warranty(ctx context.Context) (*Reply, error) {
	personal := containsAny(t.u.Text, "我的", "我车", "还在", "过保", "到什么时候", "还有多久", "到期", "到哪天")
	if !personal {
		return t.answer(ctx, Warranty)
	}
	vs, err := t.ownVehicles(ctx)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return t.answer(ctx, Warranty)
	}
	today := t.now.In(site.Shanghai)
	var lines []string
	for _, v := range vs {
		// The same terms the vehicle page and the work order's payer
		// decision use (workorder.Coverage).
		covers, err := t.s.WorkOrders.Coverage(ctx, t.actor, v.ID)
		if err != nil {
			return nil, err
		}
		var parts []string
		for _, c := range covers {
			parts = append(parts, fmt.Sprintf("%s（%d 年或 %s 公里）至 %s%s", c.Name, c.Years, listing.Thousands(int64(c.KM)),
				c.Ends.In(site.Shanghai).Format("2006-01-02"), left(today, c.Ends)))
		}
		lines = append(lines, fmt.Sprintf("%s（%s）：%s；当前里程 %s 公里", v.Title(), plateOrVIN(v), strings.Join(parts, "，"),
			listing.Thousands(int64(v.MileageKM))))
	}
	r := t.reply(Warranty, strings.Join(lines, "；\n")+"。\n质保以年限或里程先到者为准，易损件磨损和事故损坏不在质保范围内。")
	if len(t.u.Hits) > 0 {
		r.Sources = sources(t.u.Hits[:1])
	}
	r.Actions = append(r.Actions, say("预约维修保养"))
	return r, nil
}

func left(today, end time.Time) string {
	if end.IsZero() {
		return ""
	}
	d := int(end.Sub(today).Hours() / 24)
	if d < 0 {
		return "（已过期）"
	}
	return fmt.Sprintf("（还有 %d 天）", d)
}

// campaign lists the campaigns the owner can join (when the campaign area
// is wired), else answers from the knowledge base.
func (t *turn) campaign(ctx context.Context) (*Reply, error) {
	var list []CampaignInfo
	if t.s.Campaigns != nil {
		var err error
		if list, err = t.s.Campaigns(ctx, t.actor); err != nil {
			return nil, err
		}
	}
	personal := containsAny(t.u.Text, "活动", "优惠", "福利", "促销", "报名")
	if t.s.Campaigns != nil && personal {
		if len(list) == 0 {
			return t.reply(Campaign, "目前没有您可以报名的车主活动。有新活动时会通过首页公告和站内通知告诉您。", link("查看活动", "/owner/campaigns")), nil
		}
		var lines []string
		for i, c := range list {
			if i == 8 {
				break
			}
			line := fmt.Sprintf("%d. %s（%s）", i+1, c.Title, c.When)
			if c.Joined {
				line += " · 已报名"
			}
			lines = append(lines, line)
		}
		r := t.reply(Campaign, "您现在可以参加的活动：\n"+strings.Join(lines, "\n")+"\n点开活动页即可查看详情并报名。", link("查看并报名", "/owner/campaigns"))
		if len(t.u.Hits) > 0 && t.u.Hits[0].Confidence >= MinAnswer {
			r.Sources = sources(t.u.Hits[:1])
		}
		return r, nil
	}
	r, err := t.answer(ctx, Campaign)
	if err != nil || r.Intent == Other {
		return r, err
	}
	if t.s.Campaigns == nil {
		r.Reply += "\n目前暂无可在线报名的车主活动，有新活动时会通过首页公告和站内通知告诉您。"
		r.Actions = []Action{link("查看公告资讯", "/")}
	}
	return r, nil
}

// kindOf is the booking kind of the state.
func kindOf(k string) booking.Kind {
	switch k {
	case "swap":
		return booking.Swap
	case "charging":
		return booking.Charging
	case "repair":
		return booking.Repair
	}
	return ""
}

// failText is what a service error means for the owner.
func failText(err error) (string, bool) {
	if e := apperr.As(err); e != nil && e.Code != apperr.Internal {
		msg := e.Message
		for _, m := range e.Fields {
			msg = m
		}
		return msg, true
	}
	return "", false
}

func weekday(d time.Time) string {
	return "周" + []string{"日", "一", "二", "三", "四", "五", "六"}[d.Weekday()]
}

// dayLabel says a local date as the owner does: "明天（12月1日 周二）".
func dayLabel(date string, now time.Time) string {
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		return date
	}
	local := now.In(site.Shanghai)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	rel := map[int]string{0: "今天", 1: "明天", 2: "后天"}[int(d.Sub(today).Hours()/24)]
	s := fmt.Sprintf("%d月%d日 %s", d.Month(), d.Day(), weekday(d))
	if rel != "" {
		return rel + "（" + s + "）"
	}
	return s
}
