package datagen

import (
	"context"
	"fmt"
	"github.com/nevcrm/nevcrm/internal/workorder"
	"math"
	"math/rand/v2"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/db"
)

// site is a generated site with what the booking pass needs.
type site struct {
	id                int64
	kind              string
	city              int
	code              string
	open, close, slot int
	places            int
	charged           int
	packs             []int64 // swap station: the packs charged at the end, which history's swaps used in turn
	packTurn          int
	parent            int64
	created           time.Time
	staff             []int64 // sales at stores, technicians at service centers
}

// owner is the compact record of a delivered vehicle kept for the booking
// pass (a few bytes per owner; the rows themselves are already written).
type owner struct {
	customer, vehicle int64
	day               int32 // delivery day index
	model             uint8
	kmPerDay          float32
}

// campaign is what the lead pass needs to pick a campaign.
type campaign struct {
	id               int64
	city             string
	startDay, endDay int
	capacity, joined int
}

type tables struct {
	sites, models, users, customers, tags, ownerUsers, vehicles, capacity, campaigns, participations,
	leads, opportunities, testDrives, orders, followUps, charging, appointments, slotUsage,
	swapUsage, swaps, parts, partStock, workOrders, woLabour, woParts, movements, posts,
	comments, likes, news, announcements, kb, tickets, conversations, messages, feedback, audit *table
	// Inventory (migration 00009, inventory.go).
	partModels, transfers, packs, packMoves *table
	// workorder.go
	woRates, woTerms, woRatings, woFollowups *table
	// community.go (migration 00012)
	profiles, favorites, photos, terms, reports, words, mutes *table
	// owner.go (migration 00011)
	ownerships, health, bindCodes, privacy *table
}

// gen holds the state of one generation run.
type gen struct {
	ctx context.Context
	opt Options
	r   *rand.Rand
	// acct draws who of the owners has an app account. A stream of its
	// own, so that the accounts leave every other generated row as it was.
	acct *rand.Rand
	// cr draws the community (community.go), for the same reason.
	cr *rand.Rand
	l  *loader
	// lastName is the latest customer name per store, which a few later
	// customers of that store repeat (dupEvery): the likely duplicates of
	// the customer area's merge page.
	lastName map[int][2]string
	inv      invState // inventory.go
	t        tables
	now      time.Time
	days     int       // history days; day index days-1 is today
	day0     time.Time // local midnight of day 0
	// nowMinute is the local minute of now on the last history day.
	nowMinute int
	dayCDF    []float64
	cityCDF   []float64
	modelCDF  []float64
	sourceCDF []float64

	sites  []site
	byCity [][4][]int // site indices per city and kind (kindIndex)
	admins []int64
	// community.go
	profiles  map[int64]bool
	photoPool []photoBytes
	camps     []campaign
	campByMo  [][]int // campaign indices active in each history month
	owners    [][]owner
	tdUsage   map[[3]int]int // (store site index, day, minute) -> booked test drives
	// openKinds holds (vehicle, kind) of open bookings: a vehicle holds at
	// most one open appointment per kind of service (unique index
	// appointments_vehicle_kind_open); openSlots holds (vehicle, day,
	// minute) of open bookings, since two kinds may not share a slot either
	// (appointments_vehicle_slot_open).
	openKinds map[openKey]bool
	openSlots map[[3]int64]bool
	plates    map[string]int
	// oc draws the owner center's rows (owner.go); ocAccounts counts the
	// owner accounts seen, for the deletion requests.
	oc         *rand.Rand
	ocAccounts int
	// fb draws the owners' complaints and suggestions about completed
	// appointments (feedbackOn), a stream of its own, so that every other
	// row stays as it was.
	fb *rand.Rand
}

var kinds = [4]string{"store", "service_center", "charging_station", "swap_station"}

func (g *gen) declareTables() {
	l := g.l
	g.t = tables{
		sites: l.table("sites", "id", "code", "kind", "name", "province", "city", "district", "address", "latitude", "longitude",
			"phone", "open_minute", "close_minute", "slot_minutes", "bays", "charger_count", "battery_total", "charged_batteries",
			"parent_id", "status", "opened_on", "created_at"),
		models: l.table("vehicle_models", "id", "code", "brand", "name", "body_type", "powertrain", "battery_kwh", "range_km",
			"price_fen", "seats", "swap_capable", "launched_on", "active"),
		users: l.table("users", "id", "username", "display_name", "role", "password_hash", "site_id", "active", "created_at", "updated_at"),
		customers: l.table("customers", "id", "name", "mobile", "gender", "birth_year", "province", "city", "kind", "stage", "source",
			"store_id", "sales_user_id", "budget_fen", "preferred_model_id", "preferred_powertrain", "interests", "preferred_contact",
			"consent_marketing", "consent_at", "last_contact_at", "created_at", "updated_at"),
		// Declared after customers: its trigger copies the customer's list
		// columns into customer_tag_list (migration 00027).
		tags: l.table("customer_tags", "customer_id", "tag", "created_by", "created_at"),
		// Owner accounts are users rows too, declared after customers (whom
		// they refer to); their ids come from users.next.
		ownerUsers: l.table("users", "id", "mobile", "display_name", "role", "password_hash", "customer_id", "active", "created_at", "updated_at"),
		vehicles: l.table("vehicles", "id", "vin", "plate", "customer_id", "model_id", "store_id", "color", "purchased_on", "delivered_at",
			"mileage_km", "battery_soh", "fast_charge_share", "software_version", "warranty_end", "battery_warranty_end", "created_at", "updated_at"),
		capacity: l.table("site_capacity", "site_id", "service_kind", "places_per_slot"),
		campaigns: l.table("campaigns", "id", "name", "kind", "channel", "store_id", "city", "description", "starts_at", "ends_at",
			"budget_fen", "cost_fen", "capacity", "status", "created_by", "created_at"),
		participations: l.table("campaign_participations", "id", "campaign_id", "customer_id", "status", "joined_at", "attended_at", "check_in_code"),
		leads: l.table("leads", "id", "customer_id", "store_id", "sales_user_id", "campaign_id", "source", "status", "interested_model_id",
			"budget_fen", "test_drive", "store_visits", "first_response_minutes", "lost_reason", "created_at", "updated_at", "converted_at"),
		opportunities: l.table("opportunities", "id", "lead_id", "customer_id", "store_id", "sales_user_id", "model_id", "stage", "amount_fen",
			"probability", "expected_close_on", "lost_reason", "created_at", "updated_at", "closed_at"),
		testDrives: l.table("test_drives", "id", "customer_id", "lead_id", "store_id", "model_id", "sales_user_id", "scheduled_at", "status", "feedback", "created_at"),
		orders: l.table("vehicle_orders", "id", "code", "customer_id", "opportunity_id", "store_id", "sales_user_id", "model_id", "vehicle_id",
			"price_fen", "discount_fen", "deposit_fen", "status", "ordered_at", "delivered_at"),
		followUps: l.table("follow_ups", "id", "customer_id", "lead_id", "opportunity_id", "user_id", "channel", "content", "next_action", "next_at", "created_at"),
		charging: l.table("charging_sessions", "id", "vehicle_id", "customer_id", "site_id", "location_kind", "fast", "started_at", "ended_at",
			"energy_kwh", "start_soc", "end_soc", "cost_fen"),
		appointments: l.table("appointments", "id", "customer_id", "vehicle_id", "site_id", "service_kind", "slot_date", "slot_minute", "scheduled_at",
			"status", "note", "technician_user_id", "bay", "result", "cancel_reason", "created_at", "updated_at", "confirmed_at", "started_at",
			"completed_at", "cancelled_at"),
		slotUsage: l.table("slot_usage", "site_id", "service_kind", "slot_date", "slot_minute", "booked"),
		swapUsage: l.table("swap_day_usage", "site_id", "slot_date", "booked"),
		swaps: l.table("battery_swaps", "id", "vehicle_id", "customer_id", "site_id", "appointment_id", "swapped_at", "battery_out_sn", "battery_in_sn",
			"soc_out", "soc_in", "duration_sec", "cost_fen"),
		parts:      l.table("parts", "id", "sku", "name", "category", "unit", "price_fen", "cost_fen", "reorder_level", "active"),
		partModels: l.table("part_models", "part_id", "model_id"),
		partStock:  l.table("part_stock", "site_id", "part_id", "quantity", "reorder_level", "updated_at", "avg_cost_fen"),
		workOrders: l.table("work_orders", "id", "code", "appointment_id", "site_id", "vehicle_id", "customer_id", "technician_user_id", "kind", "status",
			"complaint", "diagnosis", "mileage_km", "labour_fen", "parts_fen", "total_fen", "opened_at", "completed_at", "closed_at",
			"fault_cause", "fault_codes", "warranty_fen", "bay", "updated_at"),
		woLabour: l.table("work_order_labour", "id", "work_order_id", "description", "minutes", "rate_fen", "amount_fen", "technician_user_id",
			"operation_id", "payer", "payer_reason"),
		woParts: l.table("work_order_parts", "id", "work_order_id", "part_id", "quantity", "unit_price_fen", "amount_fen", "payer", "payer_reason"),
		transfers: l.table("stock_transfers", "id", "code", "part_id", "quantity", "unit_cost_fen", "from_site_id", "to_site_id",
			"status", "note", "sent_by", "sent_at", "received_by", "received_at"),
		movements: l.table("stock_movements", "id", "site_id", "part_id", "kind", "quantity", "balance_after", "work_order_id", "reference",
			"user_id", "created_at", "unit_cost_fen", "reason", "transfer_id"),
		packs:     l.table("battery_packs", "id", "serial", "site_id", "state", "health_pct", "updated_at"),
		packMoves: l.table("battery_pack_movements", "id", "pack_id", "site_id", "kind", "from_state", "to_state", "reason", "user_id", "appointment_id", "created_at"),
		profiles:  l.table("community_profiles", "customer_id", "nickname", "badge", "created_at", "updated_at"),
		posts: l.table("posts", "id", "customer_id", "topic", "title", "body", "status", "like_count", "comment_count", "created_at", "updated_at",
			"moderation", "moderation_reason", "moderated_by", "moderated_at", "photo_count", "favorite_count", "hot_score"),
		comments:  l.table("comments", "id", "post_id", "customer_id", "body", "status", "created_at", "parent_id", "moderation", "moderation_reason"),
		likes:     l.table("post_likes", "post_id", "customer_id", "created_at"),
		favorites: l.table("post_favorites", "post_id", "customer_id", "created_at"),
		photos:    l.table("post_photos", "id", "post_id", "position", "width", "height", "image", "thumb", "created_at"),
		terms:     l.table("post_terms", "term", "post_id", "weight"),
		reports: l.table("community_reports", "id", "post_id", "comment_id", "target", "reporter_customer_id", "reason", "detail", "status",
			"handled_by", "handled_at", "created_at"),
		words:         l.table("community_banned_words", "id", "word", "action", "created_by", "created_at"),
		mutes:         l.table("community_mutes", "id", "customer_id", "until", "reason", "created_by", "created_at"),
		news:          l.table("news", "id", "title", "summary", "body", "category", "author_user_id", "status", "published_at"),
		announcements: l.table("announcements", "id", "title", "body", "level", "author_user_id", "published_at", "expires_at"),
		kb:            l.table("kb_articles", "id", "category", "question", "alt_questions", "answer", "keywords", "active", "updated_at"),
		tickets: l.table("support_tickets", "id", "customer_id", "vehicle_id", "category", "subject", "description", "priority", "status",
			"assignee_user_id", "created_at", "updated_at", "resolved_at", "due_at", "first_response_at", "closed_at"),
		conversations: l.table("assistant_conversations", "id", "customer_id", "status", "ticket_id", "started_at", "updated_at"),
		messages:      l.table("assistant_messages", "id", "conversation_id", "sender", "body", "kb_article_id", "confidence", "created_at"),
		feedback: l.table("feedback", "id", "customer_id", "appointment_id", "work_order_id", "ticket_id", "rating", "comment", "created_at", "site_id",
			"kind", "category", "source"),
		audit:     l.table("audit_log", "id", "user_id", "action", "entity", "entity_id", "detail", "created_at"),
		woRates:   l.table("labour_rates", "site_id", "hourly_rate_fen", "updated_at"),
		woTerms:   l.table("warranty_terms", "model_id", "vehicle_years", "vehicle_km", "battery_years", "battery_km"),
		woRatings: l.table("work_order_ratings", "id", "work_order_id", "customer_id", "site_id", "rating", "tags", "comment", "created_at"),
		woFollowups: l.table("service_followups", "id", "work_order_id", "rating_id", "site_id", "status", "due_at", "resolution", "closed_by",
			"created_at", "closed_at"),
		ownerships: l.table("vehicle_ownerships", "id", "vehicle_id", "customer_id", "via", "started_at", "ended_at"),
		health:     l.table("vehicle_health_history", "vehicle_id", "month", "battery_soh", "mileage_km", "fast_charge_share"),
		bindCodes:  l.table("vehicle_bind_codes", "id", "vehicle_id", "code_hash", "purpose", "issued_by_user_id", "issued_at", "expires_at"),
		privacy:    l.table("privacy_requests", "id", "customer_id", "user_id", "kind", "status", "reason", "requested_at", "due_at", "decided_at"),
	}
}

// generate runs the passes: reference data, customers, bookings.
func generate(ctx context.Context, d *db.DB, opt Options, prog *progress) error {
	// The work-order catalogue is data the server also writes at start:
	// written first, into the empty tables, so its ids follow its order.
	if err := workorder.EnsureDefaults(ctx, d); err != nil {
		return err
	}
	l, err := newLoader(ctx, d, prog)
	if err != nil {
		return err
	}
	g := &gen{ctx: ctx, opt: opt, r: rand.New(rand.NewPCG(uint64(opt.Seed), 0x9e3779b97f4a7c15)),
		acct: rand.New(rand.NewPCG(uint64(opt.Seed), 0x6a09e667f3bcc908)), l: l, now: opt.Now,
		cr:      rand.New(rand.NewPCG(uint64(opt.Seed), 0x3c6ef372fe94f82b)),
		tdUsage: map[[3]int]int{}, openKinds: map[openKey]bool{}, openSlots: map[[3]int64]bool{}, plates: map[string]int{}}
	g.declareTables()
	g.inv.r = rand.New(rand.NewPCG(uint64(opt.Seed), 0xbb67ae8584caa73b))
	g.oc = rand.New(rand.NewPCG(uint64(opt.Seed), 0x3c6ef372fe94f82b))
	g.fb = rand.New(rand.NewPCG(uint64(opt.Seed), 0xa54ff53a5f1d36f1))
	g.setupCalendar()
	prog.note("datagen: %d customers, %d days of history, seed %d", opt.Customers, g.days, opt.Seed)
	g.referenceData()
	g.workorderReference()
	g.customerPass()
	g.bookingPass()
	return l.close(ctx)
}

// setupCalendar fixes the history window and the seasonal day distribution.
func (g *gen) setupCalendar() {
	nowLocal := g.now.In(shanghai)
	start := nowLocal.AddDate(0, -g.opt.Months, 0)
	g.day0 = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, shanghai)
	today := time.Date(nowLocal.Year(), nowLocal.Month(), nowLocal.Day(), 0, 0, 0, 0, shanghai)
	g.days = int(math.Round(today.Sub(g.day0).Hours()/24)) + 1
	g.nowMinute = nowLocal.Hour()*60 + nowLocal.Minute()
	w := make([]float64, g.days)
	for i := range w {
		t := g.day0.AddDate(0, 0, i)
		f := monthWeight[t.Month()-1] * (1 + 0.5*float64(i)/float64(g.days)) // market growth
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			f *= 1.3
		}
		w[i] = f
	}
	g.dayCDF = cdf(w)
	g.cityCDF = cdf(g.cityWeights())
	mw := make([]float64, len(models))
	for i, m := range models {
		mw[i] = m.weight
	}
	g.modelCDF = cdf(mw)
	sw := make([]float64, len(leadSources))
	for i, s := range leadSources {
		sw[i] = s.share
	}
	g.sourceCDF = cdf(sw)
}

// cityWeights are the cities' shares of customers and sites: their
// registration weights, with the first city raised to HubShare of the total
// under Options.Hub.
func (g *gen) cityWeights() []float64 {
	w := make([]float64, len(cities))
	others := 0.0
	for i, c := range cities {
		w[i] = c.weight
		if i > 0 {
			others += c.weight
		}
	}
	if g.opt.Hub {
		w[0] = others * HubShare / (1 - HubShare)
	}
	return w
}

// local returns the local midnight of day d.
func (g *gen) local(d int) time.Time { return g.day0.AddDate(0, 0, d) }

// date returns day d as a calendar date (UTC midnight), for DATE columns.
func (g *gen) date(d int) time.Time {
	t := g.local(d)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// at returns the UTC instant of local minute m of day d.
func (g *gen) at(d, m int) time.Time { return g.local(d).Add(time.Duration(m) * time.Minute).UTC() }

// today is the index of the current local day.
func (g *gen) today() int { return g.days - 1 }

// clampNow caps t at now.
func (g *gen) clampNow(t time.Time) time.Time {
	if t.After(g.now) {
		return g.now
	}
	return t
}

// randTime returns a random instant between a and b (b ≥ a), to the second.
func (g *gen) randTime(a, b time.Time) time.Time {
	span := b.Sub(a)
	if span <= 0 {
		return a
	}
	return a.Add(time.Duration(g.r.Int64N(int64(span/time.Second)+1)) * time.Second)
}

func (g *gen) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*g.r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= g.r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// nullID maps 0 to NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (t *table) next() int64 { t.lastID++; return t.lastID }

// referenceData writes models, parts, sites, staff, campaigns and content.
func (g *gen) referenceData() {
	l, t := g.l, &g.t
	start := g.at(0, 0)
	for i, m := range models {
		launch, _ := time.Parse("2006-01-02", m.launch)
		l.add(t.models, int64(i+1), m.code, "启程", m.name, m.body, m.powertrain, m.kwh, m.rangeKM, int64(m.priceYuan)*100, m.seats, m.swap, launch, true)
	}
	for i, p := range partList {
		l.add(t.parts, int64(i+1), p.sku, p.name, p.category, p.unit, int64(p.priceYuan)*100, int64(p.priceYuan)*62, p.reorder, true)
	}
	t.parts.lastID = int64(len(partList))
	g.partModels()
	for i := 0; i < 3; i++ {
		id := t.users.next()
		g.admins = append(g.admins, id)
		l.add(t.users, id, fmt.Sprintf("adm%03d", i+1), chineseName(g.r, g.chance(0.6)), "admin", account.DemoHash, nil, true, start, start)
	}
	g.makeSites(start)
	g.makeCampaigns()
	g.content()
	g.makeWarehouse(start)
}

// makeSites places sites in every city in proportion to its customers.
func (g *gen) makeSites(start time.Time) {
	l, t := g.l, &g.t
	weights := g.cityWeights()
	var sumW float64
	for _, w := range weights {
		sumW += w
	}
	g.byCity = make([][4][]int, len(cities))
	nSales, nSvc := 0, 0
	perSite := [4]float64{3000, 6000, 4000, 5000}
	for ci, c := range cities {
		custCity := float64(g.opt.Customers) * weights[ci] / sumW
		var parents []int64
		for k := range kinds {
			if k == 3 && !c.swap {
				continue
			}
			n := max(1, int(math.Round(custCity/perSite[k])))
			for j := 0; j < n; j++ {
				s := site{id: t.sites.next(), kind: kinds[k], city: ci, created: start}
				s.code = fmt.Sprintf("%s-%s-%03d", [4]string{"ST", "SC", "CS", "SW"}[k], c.plate[len(c.plate)-1:]+fmt.Sprint(ci+1), j+1)
				district := c.districts[g.r.IntN(len(c.districts))]
				name := c.name + district + [4]string{"启程直营店", "启程服务中心", "启程超充站", "启程换电站"}[k]
				if n > 1 {
					name = fmt.Sprintf("%s%d号", name, j+1)
				}
				var bays, chargers, total int
				switch k {
				case 0:
					s.open, s.close, s.slot, s.places = 600, 1260, 60, 2+g.r.IntN(2)
				case 1:
					s.open, s.close, s.slot = 480, 1080, 60
					bays = 4 + g.r.IntN(7)
					s.places = bays
				case 2:
					s.open, s.close, s.slot = 0, 1440, 30
					chargers = 6 + 2*g.r.IntN(10)
					s.places = chargers / 3
				case 3:
					s.open, s.close, s.slot, s.places = 360, 1380, 15, 2
					total = [2]int{13, 21}[g.r.IntN(2)]
					s.charged = total - g.r.IntN(4)
				}
				if k >= 2 && len(parents) > 0 {
					s.parent = parents[g.r.IntN(len(parents))]
				}
				if k == 1 {
					parents = append(parents, s.id)
				}
				opened := g.date(0).AddDate(0, -g.r.IntN(24)-1, -g.r.IntN(28))
				phone := fmt.Sprintf("%s-%d", c.areaCode, 60000000+g.r.IntN(30000000))
				addr := fmt.Sprintf("%s%s%d号", district, g.pick([]string{"科技路", "世纪大道", "人民路", "新能源产业园", "滨江大道", "中山路"}), 1+g.r.IntN(999))
				lat := c.lat + (g.r.Float64()-0.5)*0.2
				lon := c.lon + (g.r.Float64()-0.5)*0.2
				l.add(t.sites, s.id, s.code, s.kind, name, c.province, c.name, district, addr, math.Round(lat*1e5)/1e5, math.Round(lon*1e5)/1e5,
					phone, s.open, s.close, s.slot, bays, chargers, total, s.charged, nullID(s.parent), "open", opened, start)
				if k == 3 {
					g.batteryPacks(&s, total, start)
				}
				l.add(t.capacity, s.id, [4]string{"test_drive", "repair", "charging", "swap"}[k], s.places)
				// Staff: sales at stores, technicians at service centers.
				staff := 0
				if k == 0 {
					staff = min(12, 3+int(custCity/float64(n)/1000))
				} else if k == 1 {
					staff = 2 + bays/2
				}
				for u := 0; u < staff; u++ {
					id := t.users.next()
					var uname, role string
					if k == 0 {
						nSales++
						uname, role = fmt.Sprintf("sales%04d", nSales), "sales"
					} else {
						nSvc++
						uname, role = fmt.Sprintf("svc%04d", nSvc), "service"
					}
					l.add(t.users, id, uname, chineseName(g.r, g.chance(0.6)), role, account.DemoHash, s.id, true, start, start)
					s.staff = append(s.staff, id)
				}
				g.byCity[ci][k] = append(g.byCity[ci][k], len(g.sites))
				g.sites = append(g.sites, s)
			}
		}
	}
}

// makeCampaigns creates about one campaign per store per quarter plus
// national online campaigns, indexed by month for the lead pass.
func (g *gen) makeCampaigns() {
	l, t := g.l, &g.t
	months := g.days/30 + 2
	g.campByMo = make([][]int, months)
	add := func(storeID int64, city string, startDay int) {
		ck := campaignKinds[g.r.IntN(len(campaignKinds))]
		if storeID == 0 {
			ck = campaignKinds[3]
		}
		dur := 2 + g.r.IntN(28)
		endDay := startDay + dur
		c := campaign{id: t.campaigns.next(), city: city, startDay: startDay, endDay: endDay}
		if ck.channel == "offline" {
			c.capacity = 50 + 10*g.r.IntN(26)
		}
		budget := int64(20000+g.r.IntN(180000)) * 100
		status, cost := "ended", budget*int64(60+g.r.IntN(46))/100
		switch {
		case startDay > g.today():
			status, cost = "draft", 0
		case endDay >= g.today():
			status, cost = "running", budget*int64(g.r.IntN(60))/100
		case g.chance(0.03):
			status, cost = "cancelled", budget*int64(g.r.IntN(10))/100
		}
		title := ck.name
		if city != "" {
			title = city + title
		}
		starts, ends := g.at(startDay, 600), g.at(endDay, 1260)
		created := starts.Add(-time.Duration(7+g.r.IntN(20)) * 24 * time.Hour)
		desc := fmt.Sprintf("%s：到店或线上报名即可参加，名额有限。", title)
		l.add(t.campaigns, c.id, title, ck.kind, ck.channel, nullID(storeID), city, desc, starts, ends, budget, cost, c.capacity, status,
			g.admins[g.r.IntN(len(g.admins))], created)
		if status == "draft" || status == "cancelled" {
			return
		}
		idx := len(g.camps)
		g.camps = append(g.camps, c)
		for m := startDay / 30; m <= endDay/30 && m < months; m++ {
			g.campByMo[m] = append(g.campByMo[m], idx)
		}
	}
	for _, s := range g.sites {
		if s.kind != "store" {
			continue
		}
		for q := 0; q < (g.opt.Months+2)/3; q++ {
			add(s.id, cities[s.city].name, min(g.days+10, q*91+g.r.IntN(91)))
		}
	}
	for m := 0; m < g.opt.Months; m += 2 {
		add(0, "", m*30+g.r.IntN(30))
	}
}

// findCampaign returns a running campaign with free places in the city on
// day d, or -1.
func (g *gen) findCampaign(city string, d int) int {
	m := d / 30
	if m >= len(g.campByMo) {
		return -1
	}
	list := g.campByMo[m]
	if len(list) == 0 {
		return -1
	}
	off := g.r.IntN(len(list))
	for i := range list {
		ci := list[(i+off)%len(list)]
		c := &g.camps[ci]
		if (c.city == city || c.city == "") && c.startDay <= d && d <= c.endDay && (c.capacity == 0 || c.joined < c.capacity) {
			return ci
		}
	}
	return -1
}

// content writes the knowledge base, news and announcements.
func (g *gen) content() {
	l, t := g.l, &g.t
	g.communitySetup()
	for i, a := range kbArticles {
		// Only the first kbDrawn articles draw their time from the random
		// stream, as many as the knowledge base had before it grew, so that
		// the rest of the generated data stays the same for a seed.
		at := g.at(0, 0)
		if i < kbDrawn {
			at = g.randTime(g.at(0, 0), g.now)
		}
		l.add(t.kb, t.kb.next(), a.Category, a.Question, a.Similar, a.Answer, a.Keywords, true, at)
	}
	type item struct{ title, summary, body, category string }
	var items []item
	for _, m := range models {
		items = append(items, item{m.name + " 正式上市", fmt.Sprintf("%s 售价 %.2f 万元起，CLTC 纯电续航 %d 公里。", m.name, float64(m.priceYuan)/10000, m.rangeKM),
			fmt.Sprintf("%s 今日上市，电池容量 %.1f kWh，CLTC 纯电续航 %d 公里，%d 座。", m.name, m.kwh, m.rangeKM, m.seats), "product"})
	}
	for _, c := range cities {
		if c.swap {
			items = append(items, item{c.name + "新增换电站投入运营", c.name + "换电网络再扩容。", c.name + "新建换电站已投入运营，车主可在 App 中预约换电。", "network"})
		}
	}
	items = append(items, item{"OTA 3.2 推送：城市领航辅助上线", "本次升级覆盖全系车型。", "OTA 3.2 带来城市领航辅助、冬季续航优化和新的车机主题。", "software"})
	for _, it := range items {
		pub := g.randTime(g.at(0, 0), g.now)
		l.add(t.news, t.news.next(), it.title, it.summary, it.body, it.category, g.admins[0], "published", pub)
	}
	anns := []struct{ title, body, level string }{
		{"春节期间服务安排", "春节假期服务中心营业时间调整，换电站正常运营。", "important"},
		{"系统维护通知", "本周六凌晨 2:00-4:00 系统维护，期间 App 预约功能暂停。", "info"},
		{"冬季用车提醒", "气温下降，请留意轮胎气压，充电前可预约电池预热。", "info"},
		{"召回公告", "部分车辆高压线束固定卡扣需检查，请车主预约服务中心免费处理。", "important"},
		{"车主权益更新", "首任车主换电权益说明已更新，详见权益中心。", "info"},
	}
	for _, a := range anns {
		pub := g.randTime(g.now.AddDate(0, -6, 0), g.now)
		l.add(t.announcements, t.announcements.next(), a.title, a.body, a.level, g.admins[0], pub, pub.AddDate(0, 3, 0))
	}
}

// openKey is a vehicle and a kind of service.
type openKey struct {
	vehicle int64
	kind    string
}
