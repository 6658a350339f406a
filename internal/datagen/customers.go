package datagen

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/support"
)

// cust is the state of one customer while its journey is generated.
type cust struct {
	id        int64
	city      int
	store     *site
	storeIdx  int
	sales     int64
	model     int
	budget    int64 // fen; 0 = unknown
	created   time.Time
	updated   time.Time
	contact   time.Time // the latest follow-up (zero: never contacted)
	stage     string
	source    string
	lastCamp  int64
	ordered   bool
	vehicle   int64
	vModel    int
	vDay      int
	delivered time.Time
	kmPerDay  float64
	soh       float64
	color     string
}

// leadResult is what a lead's outcome tells its customer.
type leadResult struct {
	status    string // converted, lost, new, contacted, qualified
	testDrive bool
	visits    int
}

func (g *gen) touch(c *cust, t time.Time) {
	if t.After(c.updated) {
		c.updated = g.clampNow(t)
	}
}

// dupEvery is how often a customer repeats the store's previous customer's
// name (about 2%: CRM data-quality surveys find 1–5% duplicate records).
const dupEvery = 50

// customerPass writes every customer with its leads, opportunities, test
// drives, orders, vehicle, charging, community and support history.
func (g *gen) customerPass() {
	g.owners = make([][]owner, len(cities))
	for n := 0; n < g.opt.Customers && g.l.err == nil; n++ {
		g.customer(n)
		g.l.mark(g.ctx)
	}
}

func (g *gen) customer(n int) {
	l, t, r := g.l, &g.t, g.r
	ci := pickWeighted(r, g.cityCDF)
	city := cities[ci]
	stores := g.byCity[ci][0]
	c := &cust{id: t.customers.next(), city: ci, storeIdx: stores[r.IntN(len(stores))], model: pickWeighted(r, g.modelCDF)}
	c.store = &g.sites[c.storeIdx]
	c.sales = c.store.staff[r.IntN(len(c.store.staff))]
	male := g.chance(0.68)
	name := chineseName(r, male)
	gender := map[bool]string{true: "M", false: "F"}[male]
	if g.chance(0.03) {
		gender = "U"
	}
	// One customer in dupEvery is a second record of a person the store
	// knows already (registered again with another number): same name,
	// same city. Decided by the id, so that no other row changes.
	if prev, ok := g.lastName[c.storeIdx]; ok && c.id%dupEvery == 0 {
		name, gender = prev[0], prev[1]
	}
	if g.lastName == nil {
		g.lastName = map[int][2]string{}
	}
	g.lastName[c.storeIdx] = [2]string{name, gender}
	mobile := makeMobile(r, n)
	age := min(70, max(20, int(math.Round(34+9*r.NormFloat64()))))
	if g.chance(0.85) {
		price := float64(models[c.model].priceYuan)
		c.budget = int64(math.Round(price*math.Exp(0.15*r.NormFloat64()+0.02)/10000)) * 10000 * 100
	}
	interests := interestsList[r.IntN(len(interestsList))]
	if g.chance(0.6) {
		interests += "," + interestsList[r.IntN(len(interestsList))]
	}
	contact := []string{"phone", "phone", "wechat", "wechat", "sms", "email"}[r.IntN(6)]
	firstDay := pickWeighted(r, g.dayCDF)
	c.created = g.clampNow(g.at(firstDay, 480+r.IntN(840)))
	c.updated = c.created
	consent, consentAt := g.chance(0.7), any(nil)
	if consent {
		consentAt = c.created
	}

	nLeads := 1
	if g.chance(0.25) {
		nLeads = 2
	}
	day := firstDay
	var last leadResult
	for k := 0; k < nLeads; k++ {
		if k > 0 {
			day += 30 + r.IntN(150)
			if day > g.today() {
				break
			}
		}
		at := c.created
		if k > 0 {
			at = g.clampNow(g.at(day, 480+r.IntN(840)))
		}
		last = g.lead(c, day, at)
		if last.status == "converted" {
			break
		}
	}
	kind := "prospect"
	switch {
	case c.vehicle != 0:
		kind, c.stage = "owner", "delivered"
	case c.ordered:
		c.stage = "ordered"
	case last.status == "lost":
		c.stage = "lost"
	case last.status == "qualified" && last.testDrive:
		c.stage = "test_drive"
	case last.status == "qualified" && last.visits >= 2:
		c.stage = "negotiation"
	case last.status == "new":
		c.stage = "lead"
	default:
		c.stage = "interested"
	}
	if c.vehicle != 0 {
		g.ownerLife(c)
	}
	var budget any
	if c.budget > 0 {
		budget = c.budget
	}
	l.add(t.customers, c.id, name, mobile, gender, g.now.Year()-age, city.province, city.name, kind, c.stage, c.source,
		c.store.id, c.sales, budget, int64(c.model+1), models[c.model].powertrain, interests, contact, consent, consentAt, nullTime(c.contact),
		c.created, c.updated)
	for _, tag := range customerTags(c) {
		l.add(t.tags, c.id, tag, c.sales, c.updated)
	}
	if c.vehicle != 0 {
		g.ownerAccount(c, name, mobile)
	}
}

// highBudgetFen is the budget from which a customer is tagged 高预算
// (400,000 yuan, about the list price of the dearest model, 启程 L9 增程).
const highBudgetFen = 400_000 * 100

// customerTags are the tags a consultant would have given c, decided by
// its journey alone (no random draw, so that no other row changes): 高意向
// for a test drive or negotiation in progress, 车展 for a customer first met
// at an auto show, 高预算 for a budget of highBudgetFen or more.
func customerTags(c *cust) []string {
	var tags []string
	if c.stage == "test_drive" || c.stage == "negotiation" {
		tags = append(tags, "高意向")
	}
	if c.source == "auto_show" {
		tags = append(tags, "车展")
	}
	if c.budget >= highBudgetFen {
		tags = append(tags, "高预算")
	}
	return tags
}

// ownerAppShare is the share of owners with an account in the owner app
// (the car's digital key and remote control, so most owners activate it).
const ownerAppShare = 0.75

// ownerAccount gives an owner an app account (mobile login, password_hash
// account.DemoHash) within a few days of delivery, for ownerAppShare of the
// owners. It draws from its own stream, g.acct.
func (g *gen) ownerAccount(c *cust, name, mobile string) {
	if g.acct.Float64() >= ownerAppShare {
		return
	}
	at := g.clampNow(c.delivered.Add(time.Duration(g.acct.Int64N(int64(72*time.Hour/time.Second))) * time.Second))
	uid := g.t.users.next()
	g.l.add(g.t.ownerUsers, uid, mobile, name, "owner", account.DemoHash, c.id, true, at, at)
	g.privacyRequest(c.id, uid, at)
}

// lead writes one lead of customer c created on day d at time at, with the
// outcome drawn from ConversionProbability, and everything it leads to.
func (g *gen) lead(c *cust, d int, at time.Time) leadResult {
	l, t, r := g.l, &g.t, g.r
	src := leadSources[pickWeighted(r, g.sourceCDF)]
	source := src.name
	camp := -1
	if source == "event" || g.chance(0.2) {
		camp = g.findCampaign(cities[c.city].name, d)
		if camp >= 0 && g.camps[camp].id == c.lastCamp {
			camp = -1
		}
	}
	if source == "event" && camp < 0 {
		source = "walk_in"
	}
	if c.source == "" {
		c.source = source
	}
	res := leadResult{testDrive: g.chance(src.td), visits: g.poisson(src.visits)}
	if (res.testDrive || source == "walk_in") && res.visits == 0 {
		res.visits = 1
	}
	resp := int(math.Exp(math.Log(25) + 1.1*r.NormFloat64()))
	switch source {
	case "walk_in":
		resp = r.IntN(5)
	case "call_center":
		resp /= 3
	}
	model := c.model
	if g.chance(0.3) {
		model = pickWeighted(r, g.modelCDF)
	}
	price := int64(models[model].priceYuan) * 100
	f := LeadFeatures{Source: source, TestDrive: res.testDrive, StoreVisits: res.visits, Tier1City: cities[c.city].tier1,
		Campaign: camp >= 0, ResponseMinutes: resp}
	if c.budget > 0 {
		f.BudgetRatio = float64(c.budget) / float64(price)
	}
	converts := g.chance(ConversionProbability(f))
	outDay := d + 5 + int(r.ExpFloat64()*20)
	var end, convAt time.Time
	lostReason := ""
	switch {
	case converts && outDay <= g.today():
		res.status = "converted"
		convAt = g.clampNow(g.at(outDay, 600+r.IntN(600)))
		end = convAt
	case !converts && d+45 <= g.today():
		res.status = "lost"
		end = g.clampNow(g.at(min(d+15+r.IntN(30), g.today()), 600+r.IntN(600)))
		lostReason = g.pick(lostReasons)
	default:
		res.status = "contacted"
		if res.testDrive || res.visits > 1 {
			res.status = "qualified"
		} else if g.today()-d < 3 && g.chance(0.5) {
			res.status = "new"
		}
		end = g.now
	}
	var respAny any = resp
	if res.status == "new" {
		respAny = nil
	}
	leadID := t.leads.next()
	var campID any
	if camp >= 0 {
		cp := &g.camps[camp]
		cp.joined++
		c.lastCamp = cp.id
		campID = cp.id
		status, attended := "registered", any(nil)
		if res.visits > 0 || res.testDrive || res.status == "converted" {
			status, attended = "attended", g.clampNow(at.Add(2*time.Hour))
		} else if g.chance(0.08) {
			status = "cancelled"
		}
		pid := t.participations.next()
		l.add(t.participations, pid, cp.id, c.id, status, at, attended, fmt.Sprintf("%06d", pid*7919%1000000))
	}
	l.add(t.leads, leadID, c.id, c.store.id, c.sales, campID, source, res.status, int64(model+1), nullBudget(c.budget),
		res.testDrive, res.visits, respAny, lostReason, at, end, nullTime(convAt))
	g.touch(c, end)

	// Opportunity for leads that got serious.
	var oppID int64
	oppStage, prob := "", 0
	switch {
	case res.status == "converted":
		oppStage, prob = "order", 90
	case res.status == "lost" && (res.testDrive || res.visits >= 2):
		oppStage = "lost"
	case res.status == "qualified":
		oppStage, prob = "intent", 20
		if res.testDrive {
			oppStage, prob = "test_drive", 40
		} else if res.visits >= 2 {
			oppStage, prob = "quote", 60
		}
	}
	discount := price * int64(r.IntN(6)) / 100 / 10000 * 10000
	oppCreated := g.clampNow(at.Add(time.Duration(1+r.IntN(48)) * time.Hour))
	if end.Before(oppCreated) {
		oppCreated = end
	}

	// Test drive with its store appointment.
	if res.testDrive {
		g.testDrive(c, leadID, model, d, at, res.status)
	}

	// Order, delivery and vehicle.
	var orderRow []any
	if res.status == "converted" {
		c.ordered = true
		delDay := outDay + 7 + r.IntN(35)
		delivered := g.at(delDay, 600+r.IntN(480))
		status, delAt := "ordered", any(nil)
		var vehicleID int64
		if !delivered.After(g.now) && delDay <= g.today() {
			status, delAt = "delivered", delivered
			vehicleID = g.vehicle(c, model, delDay, delivered)
			oppStage, prob = "delivered", 100
			g.touch(c, delivered)
		}
		orderID := t.orders.next()
		orderRow = []any{orderID, fmt.Sprintf("SO%s%07d", convAt.In(shanghai).Format("20060102"), orderID), c.id, nil, c.store.id, c.sales,
			int64(model + 1), nullID(vehicleID), price, discount, int64(500000), status, convAt, delAt}
		l.add(t.audit, t.audit.next(), c.sales, "vehicle_order.create", "vehicle_orders", orderID, "门店下单", convAt)
	}
	if oppStage != "" {
		oppID = t.opportunities.next()
		var expect, closed any
		if oppStage == "lost" || oppStage == "delivered" {
			closed = end
			if oppStage == "delivered" {
				closed = c.updated
			}
		} else {
			expect = g.date(min(d+30+r.IntN(30), g.today()+60))
		}
		l.add(t.opportunities, oppID, leadID, c.id, c.store.id, c.sales, int64(model+1), oppStage, price-discount, prob, expect,
			lostReason, oppCreated, later(end, oppCreated), closed)
	}
	if orderRow != nil {
		orderRow[3] = nullID(oppID)
		l.add(t.orders, orderRow...)
	}

	// Follow-ups between the lead and its outcome.
	nf := 1 + g.poisson(1.2)
	if res.status == "new" {
		nf = 0
	}
	for i := 0; i < nf; i++ {
		ft := g.randTime(at, end)
		text := strings.ReplaceAll(g.pick(followUpTexts), "{model}", models[model].name)
		var opp any
		if oppID != 0 && !ft.Before(oppCreated) {
			opp = oppID
		}
		next, nextAt := "", any(nil)
		if i == nf-1 && res.status != "converted" && res.status != "lost" {
			next = g.pick(nextActions[:len(nextActions)-1])
			nextAt = ft.Add(time.Duration(24+r.IntN(72)) * time.Hour)
		}
		l.add(t.followUps, t.followUps.next(), c.id, leadID, opp, c.sales, []string{"phone", "phone", "wechat", "wechat", "sms", "visit", "email"}[r.IntN(7)],
			text, next, nextAt, ft)
		if ft.After(c.contact) {
			c.contact = ft // what logging the follow-up records (sales.insertFollowUp)
		}
	}
	return res
}

func nullBudget(b int64) any {
	if b == 0 {
		return nil
	}
	return b
}

// testDrive books a test-drive slot at the customer's store within the
// store's capacity (shared across customers) and writes the test drive.
func (g *gen) testDrive(c *cust, leadID int64, model, d int, created time.Time, status string) {
	l, t, r := g.l, &g.t, g.r
	s := c.store
	tdDay := d + 1 + r.IntN(4)
	if status == "lost" || status == "converted" {
		tdDay = min(tdDay, g.today())
	}
	slots := (s.close - s.open) / s.slot
	minute := -1
	for try := 0; try < 8; try++ {
		m := s.open + s.slot*r.IntN(slots)
		if g.tdUsage[[3]int{c.storeIdx, tdDay, m}] < s.places {
			minute = m
			break
		}
	}
	if minute < 0 {
		return // store fully booked: this lead went without a test drive slot
	}
	at := g.at(tdDay, minute)
	if !at.After(created) {
		at = created.Add(time.Hour)
	}
	tdStatus, feedback := "scheduled", ""
	apStatus := "confirmed"
	var confirmed, started, completed any = at.Add(-20 * time.Hour), nil, nil
	if at.Before(created.Add(20 * time.Hour)) {
		confirmed = created
	}
	result := ""
	switch {
	case !at.Add(time.Duration(s.slot) * time.Minute).After(g.now):
		tdStatus, apStatus, feedback, result = "done", "completed", g.pick(testDriveFeedback), "已完成试驾"
		started, completed = at, at.Add(time.Duration(s.slot)*time.Minute)
	case !at.After(g.now):
		apStatus, started = "in_progress", at
	case g.chance(0.4):
		apStatus, confirmed = "booked", nil
	}
	g.tdUsage[[3]int{c.storeIdx, tdDay, minute}]++
	l.add(t.testDrives, t.testDrives.next(), c.id, leadID, s.id, int64(model+1), c.sales, at, tdStatus, feedback, created)
	if created.After(g.now) {
		created = g.now
	}
	updated := created
	if completed != nil {
		updated = completed.(time.Time)
	}
	l.add(t.appointments, t.appointments.next(), c.id, nil, s.id, "test_drive", g.date(tdDay), minute, at, apStatus,
		"试驾 "+models[model].name, nil, "", result, "", created, updated, confirmed, started, completed, nil)
	g.touch(c, updated)
}

// vehicle writes the delivered vehicle of customer c and returns its id.
func (g *gen) vehicle(c *cust, model, delDay int, delivered time.Time) int64 {
	l, t, r := g.l, &g.t, g.r
	m := models[model]
	city := cities[c.city]
	id := t.vehicles.next()
	vin := makeVIN(model, delivered.In(shanghai).Year(), "SHW"[r.IntN(3)], int(id))
	series := byte('F')
	if m.powertrain == "BEV" {
		series = 'D'
	}
	key := city.plate + string(series)
	plate := makePlate(city.plate, series, g.plates[key])
	g.plates[key]++
	c.kmPerDay = math.Exp(math.Log(38) + 0.45*r.NormFloat64())
	ageDays := g.now.Sub(delivered).Hours() / 24
	mileage := int(c.kmPerDay * ageDays)
	fast := 0.02 + 0.2*r.Float64()
	if m.powertrain == "BEV" {
		fast = 0.05 + 0.6*math.Pow(r.Float64(), 1.5)
	}
	noise := r.NormFloat64()
	c.soh = stateOfHealth(ageDays/365.25, float64(mileage), fast, noise)
	c.vehicle, c.vModel, c.vDay, c.delivered = id, model, delDay, delivered
	c.color = g.pick(colors)
	version := "3.2.1"
	if g.chance(0.15) {
		version = "3.1.4"
	}
	purchased := g.date(delDay)
	l.add(t.vehicles, id, vin, plate, c.id, int64(model+1), c.store.id, c.color, purchased, delivered, mileage,
		c.soh, math.Round(fast*100)/100, version, purchased.AddDate(termsOf(model).VehicleYears, 0, 0), purchased.AddDate(termsOf(model).BatteryYears, 0, 0), delivered, g.now)
	l.add(t.audit, t.audit.next(), c.sales, "vehicle.deliver", "vehicles", id, "交付 "+vin, delivered)
	g.ownerCenter(c, id, delivered, fast, noise, mileage)
	g.owners[c.city] = append(g.owners[c.city], owner{customer: c.id, vehicle: id, day: int32(delDay), model: uint8(model), kmPerDay: float32(c.kmPerDay)})
	return id
}

// stateOfHealth is the battery SoH model (docs: 电池健康度模型): 1.6 points
// a year, 0.5 per 10,000 km, 4 points a year at 100 % fast charging, noise
// of 0.3 points; clamped to [70, 100] and rounded to 0.1.
func stateOfHealth(years, km, fastShare, noise float64) float64 {
	soh := 100 - 1.6*years - 0.5*km/10000 - 4*fastShare*years + 0.3*noise
	return math.Round(min(100, max(70, soh))*10) / 10
}

// ownerLife writes an owner's charging sessions, posts, support tickets
// and assistant conversations after delivery.
func (g *gen) ownerLife(c *cust) {
	l, t, r := g.l, &g.t, g.r
	m := models[c.vModel]
	city := cities[c.city]
	stations := g.byCity[c.city][2]
	from := g.at(c.vDay, 1260)
	ageDays := g.today() - c.vDay
	n := min(80, g.poisson(float64(ageDays)*0.05))
	for i := 0; i < n; i++ {
		d := c.vDay + 1 + r.IntN(max(1, ageDays))
		loc := []string{"home", "home", "home", "home", "home", "public", "public", "station", "station", "station"}[r.IntN(10)]
		var siteID int64
		if loc == "station" {
			siteID = g.sites[stations[r.IntN(len(stations))]].id
		}
		fast := loc == "station" && g.chance(0.9) || loc == "public" && g.chance(0.5)
		minute := 1140 + r.IntN(240)
		if loc != "home" {
			minute = 480 + r.IntN(840)
		}
		started := g.at(d, minute)
		startSoC := 10 + r.IntN(50)
		endSoC := 90 + r.IntN(11)
		if fast {
			endSoC = 80 + r.IntN(16)
		}
		energy := math.Round(m.kwh*float64(endSoC-startSoC)/100/0.92*10) / 10
		kw := 7.0
		if fast {
			kw = 50 + 70*r.Float64()
		}
		ended := started.Add(time.Duration(energy / kw * float64(time.Hour))).Truncate(time.Second)
		if ended.After(g.now) {
			continue
		}
		price := map[string]float64{"home": 0.55, "public": 1.5, "station": 1.2}[loc]
		l.add(t.charging, t.charging.next(), c.vehicle, c.id, nullID(siteID), loc, fast, started, ended, energy, startSoC, endSoC,
			int64(math.Round(energy*price*100)))
	}
	if len(stations) == 0 || !from.Before(g.now) {
		return
	}
	fill := strings.NewReplacer("{model}", m.name, "{city}", city.name, "{color}", c.color,
		"{months}", fmt.Sprint(max(1, ageDays/30)), "{km}", fmt.Sprint(int(c.kmPerDay*float64(ageDays))),
		"{daily}", fmt.Sprint(int(c.kmPerDay)), "{soc}", fmt.Sprint(10+r.IntN(30)), "{soh}", fmt.Sprint(int(c.soh)))
	if g.chance(0.06) {
		for p := 0; p < 1+r.IntN(2); p++ {
			g.legacyPostDraws(c, from)
			g.post(c, fill, from)
		}
	}
	// More posts from the community's own stream (a livelier community
	// without moving any other generated row).
	if g.cr.Float64() < 0.06 {
		for p := 0; p < 1+g.cr.IntN(3); p++ {
			g.post(c, fill, from)
		}
	}
	if g.chance(0.08) {
		g.ticket(c, fill, from, "")
	}
	if g.chance(0.12) {
		g.conversation(c, fill, from)
	}
}

// serviceUser returns a technician of a service center in the customer's city.
func (g *gen) serviceUser(c *cust) int64 {
	centers := g.byCity[c.city][1]
	s := g.sites[centers[g.r.IntN(len(centers))]]
	return s.staff[g.r.IntN(len(s.staff))]
}

// ticket writes a support ticket (category "" = random) and maybe feedback on it.
func (g *gen) ticket(c *cust, fill *strings.Replacer, from time.Time, category string) int64 {
	l, t, r := g.l, &g.t, g.r
	tt := ticketTemplates[r.IntN(len(ticketTemplates))]
	for _, x := range ticketTemplates {
		if x.category == category {
			tt = x
		}
	}
	created := g.clampNow(g.randTime(from, g.now))
	id := t.tickets.next()
	status, resolved := []string{"open", "assigned", "pending"}[r.IntN(3)], any(nil)
	updated := created
	if g.now.Sub(created) > 72*time.Hour {
		status = "resolved"
		if g.chance(0.4) {
			status = "closed"
		}
		rt := created.Add(time.Duration(2+r.IntN(70)) * time.Hour)
		resolved, updated = rt, rt
	}
	var assignee any
	if status != "open" {
		assignee = g.serviceUser(c)
	}
	priority := []string{"low", "normal", "normal", "normal", "high", "urgent"}[r.IntN(6)]
	// The first-response deadline by priority (support.SLA), answered within
	// an hour for tickets someone has taken; closed ones closed when resolved.
	due := created.Add(support.SLA[priority])
	var first, closed any
	if status != "open" {
		first = created.Add(time.Hour)
	}
	if status == "closed" {
		closed = resolved
	}
	l.add(t.tickets, id, c.id, c.vehicle, tt.category, tt.subject, fill.Replace(tt.description), priority, status, assignee, created, updated, resolved,
		due, first, closed)
	if resolved != nil && g.chance(0.5) {
		g.feedback(c.id, nil, nil, nil, id, updated.Add(time.Hour), tt.category, "ticket")
	}
	return id
}

// feedback writes a rating with a comment matching it, in the category of
// what was rated (an appointment's kind of service, a ticket's category:
// a ticket complaining about service is in category service), given in
// source (app, ticket).
func (g *gen) feedback(customer int64, appointment, workOrder, site any, ticket int64, at time.Time, category, source string) {
	rating := []int{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 2, 1}[g.r.IntN(20)]
	if category == "complaint" {
		category = "service"
	}
	g.l.add(g.t.feedback, g.t.feedback.next(), customer, appointment, workOrder, nullID(ticket), rating,
		g.pick(feedbackByRating[rating]), g.clampNow(at), site, "rating", category, source)
}

// conversation writes an assistant conversation answered from the
// knowledge base, sometimes handed off to a support ticket.
func (g *gen) conversation(c *cust, fill *strings.Replacer, from time.Time) {
	l, t, r := g.l, &g.t, g.r
	started := g.randTime(from, g.now)
	id := t.conversations.next()
	at := started
	rounds := 1 + r.IntN(3)
	type msg struct {
		sender, body string
		kb           any
		conf         any
		at           time.Time
	}
	var msgs []msg
	handoff := g.chance(0.15)
	for i := 0; i < rounds; i++ {
		k := r.IntN(kbDrawn)
		a := kbArticles[k]
		msgs = append(msgs, msg{"customer", a.Question, nil, nil, at})
		at = at.Add(time.Duration(2+r.IntN(5)) * time.Second)
		msgs = append(msgs, msg{"bot", a.Answer, int64(k + 1), math.Round((0.6+0.38*r.Float64())*100) / 100, at})
		at = at.Add(time.Duration(20+r.IntN(120)) * time.Second)
	}
	status, ticket := "closed", int64(0)
	if handoff {
		msgs = append(msgs, msg{"customer", "转人工", nil, nil, at})
		at = at.Add(time.Duration(30+r.IntN(300)) * time.Second)
		msgs = append(msgs, msg{"agent", "您好，我是人工客服，已为您创建服务工单，稍后会有专人联系您。", nil, nil, at})
		status = "handed_off"
		ticket = g.ticket(c, fill, at, "")
	} else if g.now.Sub(at) < time.Hour {
		status = "bot"
	}
	for _, m := range msgs {
		if m.at.After(g.now) {
			break
		}
		l.add(t.messages, t.messages.next(), id, m.sender, m.body, m.kb, m.conf, m.at)
	}
	l.add(t.conversations, id, c.id, status, nullID(ticket), started, g.clampNow(at))
}

// later returns the later of two instants.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
