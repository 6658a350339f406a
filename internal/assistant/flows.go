package assistant

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// continueFlow takes the action being prepared one step further: it asks
// for what is missing, offers choices, or proposes the action.
func (t *turn) continueFlow(ctx context.Context) (*Reply, error) {
	switch t.c.state.Flow {
	case "book":
		return t.book(ctx)
	case "cancel", "reschedule":
		return t.change(ctx)
	case "feedback":
		return t.reply(Feedback, "请告诉我您的具体建议。"), nil
	}
	t.c.state = state{}
	return t.dispatch(ctx)
}

func bookIntent(kind string) Intent {
	return map[string]Intent{"swap": BookSwap, "charging": BookCharge, "repair": BookRepair}[kind]
}

// book prepares a booking: kind, vehicle, date, site and slot, then proposes it.
func (t *turn) book(ctx context.Context) (*Reply, error) {
	st := &t.c.state
	in := bookIntent(st.Kind)
	if st.Kind == "" {
		return t.reply(BookSwap, "请问您想预约哪项服务？", say("换电"), say("充电"), say("维修保养")), nil
	}
	kind := kindOf(st.Kind)
	// The vehicle.
	vs, err := t.ownVehicles(ctx)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		*st = state{}
		return t.reply(in, "您的账号下还没有绑定车辆，暂时无法预约。请联系购车门店绑定车辆，或转人工客服。", say("转人工")), nil
	}
	var usable []*vehicle.Vehicle
	for _, v := range vs {
		if kind != booking.Swap || v.SwapCapable {
			usable = append(usable, v)
		}
	}
	if len(usable) == 0 {
		*st = state{}
		return t.reply(in, "您名下的车型不支持换电（支持换电的是启程 S5、S7、X5、X7）。可以为您预约充电：", say("预约充电")), nil
	}
	var car *vehicle.Vehicle
	for _, v := range usable {
		if v.ID == st.VehicleID {
			car = v
		}
	}
	if car == nil {
		for _, v := range usable {
			f := strings.Fields(strings.ToLower(v.ModelName))
			short := ""
			if len(f) > 0 {
				short = f[len(f)-1] // "启程 S7" → "s7"
			}
			if (v.Plate != "" && strings.Contains(strings.ToUpper(t.text), strings.ToUpper(v.Plate))) || (short != "" && strings.Contains(t.u.Text, short)) {
				car = v
			}
		}
	}
	if car == nil && len(usable) == 1 {
		car = usable[0]
	}
	if car == nil {
		st.ChoiceOf = "vehicle"
		st.Choices = nil
		var acts []Action
		for i, v := range usable {
			label := fmt.Sprintf("%s %s", v.Title(), plateOrVIN(v))
			st.Choices = append(st.Choices, choice{ID: v.ID, Label: label})
			acts = append(acts, Action{Type: "reply", Label: label, Text: fmt.Sprint(i + 1)})
		}
		return t.reply(in, "您有多辆车，请问为哪辆车预约"+kind.Label()+"？", acts...), nil
	}
	st.VehicleID = car.ID
	// One open appointment per vehicle and kind: say so before proposing.
	ups, err := t.s.Booking.Upcoming(ctx, t.actor, 20)
	if err != nil {
		return nil, err
	}
	for _, a := range ups {
		if a.VehicleID == car.ID && a.Kind == kind && a.Status.Open() {
			*st = state{}
			return t.reply(in, fmt.Sprintf("这辆车已有一个未完成的%s预约（%s %s，%s），如需更换时间请说“改约”，或先取消再预约。",
				kind.Label(), dayLabel(a.Date(), t.now), a.When()[11:], a.SiteName), say("改约"), say("取消预约"), link("查看我的预约", "/owner/appointments")), nil
		}
	}
	// The date: a time alone means today, or tomorrow once it has passed.
	if st.Date == "" && (st.Minute != nil || st.Period != "") {
		local := t.now.In(site.Shanghai)
		today := local.Format("2006-01-02")
		from, _ := st.Period.span()
		if st.Minute != nil {
			from = *st.Minute
		}
		if local.Hour()*60+local.Minute()+int(booking.LeadTime/time.Minute) > from+59 {
			today = local.AddDate(0, 0, 1).Format("2006-01-02")
		}
		st.Date = today
	}
	if st.Date == "" {
		return t.reply(in, fmt.Sprintf("好的，为您的 %s 预约%s。请问哪天、大概几点方便？比如“明天下午”或“周六上午十点”。", car.Title(), kind.Label()),
			say("今天"), say("明天上午"), say("明天下午"), say("后天")), nil
	}
	if msg := t.checkHorizon(st.Date); msg != "" {
		st.Date = ""
		return t.reply(in, msg, say("明天"), say("后天")), nil
	}
	// The sites.
	sites, where, err := t.candidates(ctx, kind.SiteKind(), st.Place, st.SiteID)
	if err != nil {
		return nil, err
	}
	if len(sites) == 0 {
		pl := st.Place
		st.Place = ""
		return t.reply(in, fmt.Sprintf("抱歉，%s暂时没有可预约的%s。您可以换个区域，比如说“在浦东”，或让我找附近的站。", pl, kind.SiteKind().Label()), say("附近的站")), nil
	}
	type option struct {
		st   *site.Site
		slot booking.Slot
		day  *booking.Day
	}
	var opts []option
	for _, s := range sites {
		day, err := t.s.Booking.Slots(ctx, s.ID, kind, st.Date)
		if err != nil {
			if _, ok := failText(err); ok {
				continue
			}
			return nil, err
		}
		if sl, ok := bestSlot(day, st.Period, st.Minute); ok {
			opts = append(opts, option{s, sl, day})
		}
		if len(opts) >= 4 {
			break
		}
	}
	when := dayLabel(st.Date, t.now)
	if st.Minute != nil {
		when += " " + site.Clock(*st.Minute)
	} else if st.Period != "" {
		when += st.Period.Label()
	}
	if len(opts) == 0 {
		st.Minute, st.Period = nil, ""
		return t.reply(in, fmt.Sprintf("%s%s的%s都已约满或不在营业时间。换个时间或网点试试？", where, when, kind.Label()),
			say("换个时间"), say("换个站"), link("在预约页面查看全部时段", "/owner/appointments/new")), nil
	}
	best := opts[0]
	st.SiteID = best.st.ID
	exact := st.Minute == nil || best.slot.Minute <= *st.Minute && *st.Minute < best.slot.Minute+best.day.Site.SlotMinutes
	note := ""
	if !exact {
		note = fmt.Sprintf("您想要的 %s 已约满，最接近的空位是 %s。", site.Clock(*st.Minute), best.slot.Label)
	}
	p := &proposal{Op: "book", Kind: st.Kind, VehicleID: car.ID, SiteID: best.st.ID, Date: st.Date, Minute: best.slot.Minute}
	st.Propose = p
	summary := fmt.Sprintf("%s将为您预约：\n· 服务：%s\n· 网点：%s（%s）\n· 时间：%s %s\n· 车辆：%s %s\n",
		note, kind.Label(), best.st.Name, best.st.Address, dayLabel(st.Date, t.now), best.slot.Label, car.Title(), plateOrVIN(car))
	if kind == booking.Swap && best.day.BatteriesLeft >= 0 {
		summary += fmt.Sprintf("· 当日可换电池剩余：%d 块\n", best.day.BatteriesLeft)
	}
	summary += "确认预约吗？"
	r := t.reply(in, summary, Action{Type: "reply", Label: "确认预约", Text: "确认"}, say("换个时间"))
	// Other sites as numbered alternatives.
	if len(opts) > 1 {
		st.ChoiceOf = "site"
		st.Choices = nil
		var alt []string
		for i, o := range opts[1:] {
			st.Choices = append(st.Choices, choice{ID: o.st.ID, Label: o.st.Name, Minute: o.slot.Minute})
			alt = append(alt, fmt.Sprintf("%d. %s %s", i+1, o.st.Name, o.slot.Label))
			r.Actions = append(r.Actions, Action{Type: "reply", Label: "改选 " + o.st.Name, Text: fmt.Sprint(i + 1)})
		}
		r.Reply += "\n也可以改选（回复序号）：\n" + strings.Join(alt, "\n")
	}
	r.Actions = append(r.Actions, Action{Type: "reply", Label: "不用了", Text: "不用了"})
	return r, nil
}

// checkHorizon explains a date outside the bookable days, or returns "".
func (t *turn) checkHorizon(date string) string {
	today := t.s.Booking.Today()
	if date < today {
		return "这个日期已经过去了，请换一天。"
	}
	if date > t.s.Booking.LastDay() {
		return fmt.Sprintf("只能预约今天起 %d 天内（至 %s）的时段，请换一天。", booking.HorizonDays, t.s.Booking.LastDay())
	}
	return ""
}

// bestSlot is the bookable slot of day that matches the minute (or the
// nearest bookable one after it, else before), the period's first, or the
// day's first.
func bestSlot(day *booking.Day, p Period, minute *int) (booking.Slot, bool) {
	var free []booking.Slot
	for _, sl := range day.Slots {
		if sl.Bookable {
			free = append(free, sl)
		}
	}
	if len(free) == 0 {
		return booking.Slot{}, false
	}
	if minute != nil {
		m := *minute
		sort.SliceStable(free, func(i, j int) bool {
			return dist(free[i].Minute, m, day.Site.SlotMinutes) < dist(free[j].Minute, m, day.Site.SlotMinutes)
		})
		if dist(free[0].Minute, m, day.Site.SlotMinutes) > 180 {
			return booking.Slot{}, false
		}
		return free[0], true
	}
	if p != "" {
		from, to := p.span()
		for _, sl := range free {
			if sl.Minute >= from && sl.Minute < to {
				return sl, true
			}
		}
		return booking.Slot{}, false
	}
	return free[0], true
}

// dist is how far slot start s is from the wanted minute m (0 when m falls in the slot).
func dist(s, m, length int) int {
	switch {
	case m >= s && m < s+length:
		return 0
	case s > m:
		return s - m
	}
	return m - s + 1 // earlier slots rank after later ones at the same distance
}

// candidates returns open sites of kind: the chosen one, else those in the
// named place (district or city), else in the owner's city; the text says
// where ("浦东", "上海").
func (t *turn) candidates(ctx context.Context, kind site.Kind, place string, siteID int64) ([]*site.Site, string, error) {
	if siteID != 0 {
		st, err := t.s.Sites.Get(ctx, siteID)
		if err != nil {
			return nil, "", err
		}
		if st.Kind == kind && st.Open {
			return []*site.Site{st}, st.Name, nil
		}
	}
	all, err := t.s.Sites.List(ctx, kind, "", 5000)
	if err != nil {
		return nil, "", err
	}
	if place != "" {
		var out []*site.Site
		for _, s := range all {
			if strings.Contains(s.District, place) || strings.Contains(s.City, place) || strings.Contains(s.Name, place) {
				out = append(out, s)
			}
		}
		return out, place, nil
	}
	city, err := t.s.Customers.MyCity(ctx, t.actor)
	if err != nil {
		return nil, "", err
	}
	var out []*site.Site
	for _, s := range all {
		if city == "" || s.City == city || strings.TrimSuffix(s.City, "市") == strings.TrimSuffix(city, "市") {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = all
	}
	if len(out) > 12 {
		out = out[:12]
	}
	if city == "" {
		city = "附近"
	}
	return out, city, nil
}

// execute carries out a confirmed proposal through the booking service.
func (t *turn) execute(ctx context.Context, p *proposal) (*Reply, error) {
	st := &t.c.state
	switch p.Op {
	case "book":
		a, err := t.s.Booking.Book(ctx, t.actor, booking.BookInput{VehicleID: p.VehicleID, SiteID: p.SiteID, Kind: kindOf(p.Kind),
			Date: p.Date, Minute: p.Minute, Note: "通过智能客服预约"})
		if err != nil {
			msg, ok := failText(err)
			if !ok {
				return nil, err
			}
			if err == booking.ErrFull || apperr.Is(err, apperr.Conflict) {
				// Taken meanwhile: look again from the same wishes.
				r, err2 := t.book(ctx)
				if err2 != nil {
					return nil, err2
				}
				r.Reply = "刚才的时段已被约满。" + r.Reply
				return r, nil
			}
			*st = state{}
			return t.reply(bookIntent(p.Kind), "没能预约成功："+msg, link("去预约页面", "/owner/appointments/new"), say("转人工")), nil
		}
		*st = state{}
		r := t.reply(bookIntent(p.Kind), fmt.Sprintf("预约成功！%s · %s · %s %s（预约号 %d）。请在时段开始后 15 分钟内到站，服务开始前 2 小时以上可以随时改约或取消。",
			a.Kind.Label(), a.SiteName, dayLabel(a.Date(), t.now), a.When()[11:], a.ID),
			link("查看我的预约", fmt.Sprintf("/owner/appointments#a%d", a.ID)), say("改约"), say("取消预约"))
		r.AppointmentID = a.ID
		return r, nil
	case "cancel":
		a, err := t.s.Booking.Cancel(ctx, t.actor, p.ApptID, "车主通过智能客服取消", "")
		*st = state{}
		if err != nil {
			msg, ok := failText(err)
			if !ok {
				return nil, err
			}
			return t.reply(AppointmentCancel, "没能取消："+msg, link("查看我的预约", "/owner/appointments")), nil
		}
		r := t.reply(AppointmentCancel, fmt.Sprintf("已取消 %s %s 在 %s 的%s预约，名额已释放。", dayLabel(a.Date(), t.now), a.When()[11:], a.SiteName, a.Kind.Label()),
			link("查看我的预约", "/owner/appointments"), say("重新预约"+a.Kind.Label()))
		r.AppointmentID = a.ID
		return r, nil
	case "reschedule":
		a, err := t.s.Booking.Reschedule(ctx, t.actor, p.ApptID, p.Date, p.Minute)
		if err != nil {
			msg, ok := failText(err)
			if !ok {
				return nil, err
			}
			st.Date, st.Minute, st.Period = "", nil, ""
			return t.reply(AppointmentReschedule, "没能改约："+msg+" 请换个时间再试。", say("明天上午"), say("明天下午")), nil
		}
		*st = state{}
		r := t.reply(AppointmentReschedule, fmt.Sprintf("改约成功！新的时间是 %s %s，网点 %s（预约号 %d）。", dayLabel(a.Date(), t.now), a.When()[11:], a.SiteName, a.ID),
			link("查看我的预约", fmt.Sprintf("/owner/appointments#a%d", a.ID)))
		r.AppointmentID = a.ID
		return r, nil
	}
	*st = state{}
	return t.reply(Other, "这个操作已失效，请重新告诉我您要做什么。"), nil
}

// change prepares a cancel or a reschedule: which appointment, and for a
// reschedule the new slot.
func (t *turn) change(ctx context.Context) (*Reply, error) {
	st := &t.c.state
	in := AppointmentCancel
	verb := "取消"
	if st.Flow == "reschedule" {
		in, verb = AppointmentReschedule, "改约"
	}
	ups, err := t.s.Booking.Upcoming(ctx, t.actor, 20)
	if err != nil {
		return nil, err
	}
	now := t.s.Booking.Now()
	var open []*booking.Appointment
	for _, a := range ups {
		if !a.Status.Open() {
			continue
		}
		if st.ApptID != 0 && a.ID != st.ApptID {
			continue
		}
		if st.ApptID == 0 && st.Kind != "" && string(a.Kind) != st.Kind {
			continue
		}
		if st.ApptID == 0 && st.Flow == "cancel" && st.Date != "" && a.Date() != st.Date {
			continue
		}
		open = append(open, a)
	}
	if len(open) == 0 {
		*st = state{}
		return t.reply(in, "您目前没有可以"+verb+"的预约。", link("查看我的预约", "/owner/appointments"), say("预约换电")), nil
	}
	if len(open) > 1 {
		st.ChoiceOf = "appointment"
		st.Choices = nil
		var lines []string
		var acts []Action
		for i, a := range open {
			label := fmt.Sprintf("%s %s %s %s", a.Kind.Label(), dayLabel(a.Date(), t.now), a.When()[11:], a.SiteName)
			st.Choices = append(st.Choices, choice{ID: a.ID, Label: label})
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, label))
			acts = append(acts, Action{Type: "reply", Label: label, Text: fmt.Sprint(i + 1)})
		}
		return t.reply(in, "您有多个预约，请问要"+verb+"哪一个？（回复序号）\n"+strings.Join(lines, "\n"), acts...), nil
	}
	a := open[0]
	st.ApptID = a.ID
	what := fmt.Sprintf("%s %s %s 在 %s 的%s预约", dayLabel(a.Date(), t.now), a.When()[11:], a.VehicleName, a.SiteName, a.Kind.Label())
	if !a.OwnerCanChange(now) {
		*st = state{}
		return t.reply(in, fmt.Sprintf("%s 距开始已不足 2 小时，无法在线%s。请直接联系网点，或转人工客服协助。", what, verb), say("转人工")), nil
	}
	if st.Flow == "cancel" {
		st.Propose = &proposal{Op: "cancel", ApptID: a.ID}
		return t.reply(in, "将为您取消："+what+"。取消后名额会释放给其他车主，确认取消吗？",
			Action{Type: "reply", Label: "确认取消", Text: "确认"}, Action{Type: "reply", Label: "保留预约", Text: "不用了"}), nil
	}
	if !a.CanReschedule(now) {
		*st = state{}
		return t.reply(in, fmt.Sprintf("%s 已改约 %d 次，达到上限，不能再改约。可以取消后重新预约。", what, a.RescheduleCount), say("取消预约")), nil
	}
	if st.Date == "" && st.Minute == nil && st.Period == "" {
		return t.reply(in, "要把 "+what+" 改到什么时候？比如“明天下午”或“周六上午十点”。", say("明天上午"), say("明天下午"), say("后天")), nil
	}
	if st.Date == "" {
		st.Date = a.Date()
	}
	if msg := t.checkHorizon(st.Date); msg != "" {
		st.Date = ""
		return t.reply(in, msg), nil
	}
	day, err := t.s.Booking.Slots(ctx, a.SiteID, a.Kind, st.Date)
	if err != nil {
		if msg, ok := failText(err); ok {
			return t.reply(in, "没能查到新时段："+msg), nil
		}
		return nil, err
	}
	sl, ok := bestSlot(day, st.Period, st.Minute)
	if !ok || (sl.Minute == a.SlotMinute && st.Date == a.Date()) {
		st.Minute, st.Period = nil, ""
		return t.reply(in, fmt.Sprintf("%s在 %s 没有合适的空位了，换个时间试试？", dayLabel(st.Date, t.now), a.SiteName), say("明天上午"), say("后天下午")), nil
	}
	st.Propose = &proposal{Op: "reschedule", ApptID: a.ID, Date: st.Date, Minute: sl.Minute}
	return t.reply(in, fmt.Sprintf("将把 %s\n改到：%s %s（同一网点）。确认改约吗？", what, dayLabel(st.Date, t.now), sl.Label),
		Action{Type: "reply", Label: "确认改约", Text: "确认"}, say("换个时间"), Action{Type: "reply", Label: "不改了", Text: "不用了"}), nil
}

// status reports the owner's open appointments and repairs.
func (t *turn) status(ctx context.Context) (*Reply, error) {
	ups, err := t.s.Booking.Upcoming(ctx, t.actor, 10)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, a := range ups {
		lines = append(lines, fmt.Sprintf("· %s %s %s · %s · %s", a.Kind.Label(), dayLabel(a.Date(), t.now), a.When()[11:], a.SiteName, a.Status.Label()))
	}
	vs, err := t.ownVehicles(ctx)
	if err != nil {
		return nil, err
	}
	var repairs []string
	for _, v := range vs {
		wos, err := t.s.WorkOrders.VehicleHistory(ctx, t.actor, v.ID)
		if err != nil {
			return nil, err
		}
		for _, w := range wos {
			if w.Status == workorder.Closed && w.ClosedAt != nil && t.now.Sub(*w.ClosedAt) > 7*24*time.Hour {
				continue
			}
			line := fmt.Sprintf("· 维修工单 %s（%s %s）：%s", w.Code, w.SiteName, v.Title(), w.Status.Label())
			if w.TotalFen > 0 {
				line += "，应付 " + workorder.Yuan(w.TotalFen)
			}
			repairs = append(repairs, line)
			if len(repairs) >= 5 {
				break
			}
		}
	}
	if len(lines) == 0 && len(repairs) == 0 {
		return t.reply(AppointmentStatus, "您目前没有进行中的预约或维修。需要为您预约吗？", say("预约换电"), say("预约充电"), say("预约维修保养")), nil
	}
	var b strings.Builder
	if len(lines) > 0 {
		b.WriteString("您的预约：\n" + strings.Join(lines, "\n"))
	}
	if len(repairs) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("维修进度：\n" + strings.Join(repairs, "\n"))
	}
	r := t.reply(AppointmentStatus, b.String(), link("查看我的预约", "/owner/appointments"))
	if len(lines) > 0 {
		r.Actions = append(r.Actions, say("改约"), say("取消预约"))
	}
	return r, nil
}

// stations lists sites of the asked kind with free places today (or
// tomorrow), offering to book at one of them.
func (t *turn) stations(ctx context.Context) (*Reply, error) {
	st := &t.c.state
	kind := kindOf(t.u.Slots.Kind)
	if kind == "" {
		kind = booking.Charging
		if vs, err := t.ownVehicles(ctx); err == nil {
			for _, v := range vs {
				if v.SwapCapable {
					kind = booking.Swap
				}
			}
		}
	}
	sites, where, err := t.candidates(ctx, kind.SiteKind(), t.u.Slots.Place, 0)
	if err != nil {
		return nil, err
	}
	if len(sites) == 0 {
		return t.reply(StationFind, fmt.Sprintf("抱歉，%s暂时没有营业中的%s。", where, kind.SiteKind().Label()), say("附近的充电站")), nil
	}
	date := t.u.Slots.Date
	if date == "" {
		date = t.s.Booking.Today()
	}
	type row struct {
		s     *site.Site
		free  int
		first string
		min   int
	}
	var rows []row
	for _, s := range sites {
		day, err := t.s.Booking.Slots(ctx, s.ID, kind, date)
		if err != nil {
			if _, ok := failText(err); ok {
				continue
			}
			return nil, err
		}
		r := row{s: s, min: -1}
		for _, sl := range day.Slots {
			if sl.Bookable {
				r.free++
				if r.first == "" {
					r.first, r.min = sl.Label, sl.Minute
				}
			}
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return (rows[i].free > 0) && rows[j].free == 0 })
	if len(rows) > 5 {
		rows = rows[:5]
	}
	var lines []string
	*st = state{Flow: "book", Kind: string(kind), Date: date, ChoiceOf: "site"}
	r := t.reply(StationFind, "")
	for i, x := range rows {
		num := "· "
		if x.free > 0 {
			num = fmt.Sprintf("%d. ", i+1)
		}
		line := fmt.Sprintf("%s%s（%s，营业 %s）", num, x.s.Name, x.s.Address, x.s.Hours())
		if x.free > 0 {
			line += fmt.Sprintf("：%s还有 %d 个可约时段，最早 %s", dayLabel(date, t.now), x.free, x.first)
			st.Choices = append(st.Choices, choice{ID: x.s.ID, Label: x.s.Name, Minute: x.min})
			r.Actions = append(r.Actions, Action{Type: "reply", Label: "预约 " + x.s.Name, Text: fmt.Sprint(len(st.Choices))})
		} else {
			line += "：" + dayLabel(date, t.now) + "已约满"
		}
		lines = append(lines, line)
	}
	intro := where + "的" + kind.SiteKind().Label()
	if t.u.Slots.Near && t.u.Slots.Place == "" {
		intro = "离您常用城市（" + where + "）最近的" + kind.SiteKind().Label()
	}
	r.Reply = intro + "：\n" + strings.Join(lines, "\n")
	if len(st.Choices) > 0 {
		r.Reply += "\n回复序号即可预约。"
	} else {
		*st = state{}
	}
	return r, nil
}
