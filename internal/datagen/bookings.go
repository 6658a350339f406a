package datagen

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// Booking rates: appointments per owner per day, shared by the sites of
// that kind in the owner's city (docs: 预约量模型).
const (
	rateCharging = 0.004
	rateSwap     = 0.012
	rateRepair   = 0.0035
	futureDays   = 14 // bookings are made up to two weeks ahead
)

// bookingPass books charging, swap and repair appointments site by site and
// day by day within capacity, with the swaps, charging sessions, work
// orders, stock movements and feedback they produce; then it writes the
// test-drive slot usage collected in the customer pass.
func (g *gen) bookingPass() {
	swapPools := make([][]owner, len(cities))
	for ci := range g.owners {
		slices.SortStableFunc(g.owners[ci], func(a, b owner) int { return int(a.day - b.day) })
		for _, o := range g.owners[ci] {
			if models[o.model].swap {
				swapPools[ci] = append(swapPools[ci], o)
			}
		}
	}
	for si := range g.sites {
		if g.l.err != nil {
			return
		}
		s := &g.sites[si]
		n := float64(len(g.byCity[s.city][kindIndex(s.kind)]))
		switch s.kind {
		case "charging_station":
			g.bookSite(s, "charging", g.owners[s.city], rateCharging/n)
		case "swap_station":
			g.bookSite(s, "swap", swapPools[s.city], rateSwap/n)
		case "service_center":
			g.bookSite(s, "repair", g.owners[s.city], rateRepair/n)
		}
	}
	keys := make([][3]int, 0, len(g.tdUsage))
	for k := range g.tdUsage {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a[0] < b[0] || a[0] == b[0] && (a[1] < b[1] || a[1] == b[1] && a[2] < b[2])
	})
	for _, k := range keys {
		g.l.add(g.t.slotUsage, g.sites[k[0]].id, "test_drive", g.date(k[1]), k[2], g.tdUsage[k])
	}
	g.warehouseLedger()
	g.packRows()
}

func kindIndex(kind string) int { return slices.Index(kinds[:], kind) }

// booking is one appointment of a site's day before it is written.
type booking struct {
	minute int
	owner  owner
	status string
}

// stock tracks the part balances of a service center.
type stock struct {
	balance []int
	last    []time.Time
	orders  int
}

// bookSite books the appointments of one site over the history and the
// next two weeks. pool is sorted by delivery day; rate is per owner-day.
func (g *gen) bookSite(s *site, kind string, pool []owner, rate float64) {
	r := g.r
	var st *stock
	if kind == "repair" {
		st = g.initStock(s)
	}
	slots := (s.close - s.open) / s.slot
	usage := make([]int, slots)
	delivered := 0
	for d := 0; d < g.days+futureDays; d++ {
		for delivered < len(pool) && int(pool[delivered].day) < d {
			delivered++
		}
		if delivered == 0 {
			continue
		}
		lambda := float64(delivered) * rate
		if wd := g.local(d).Weekday(); wd == time.Saturday || wd == time.Sunday {
			lambda *= map[string]float64{"charging": 1.2, "swap": 1.3, "repair": 0.8}[kind]
		}
		if d > g.today() {
			lambda *= math.Pow(0.7, float64(d-g.today()))
		}
		n := g.poisson(lambda)
		clear(usage)
		booked := 0
		var day []booking
		for i := 0; i < n; i++ {
			b := booking{owner: pool[r.IntN(delivered)], minute: -1}
			b.status = g.appointmentStatus(d)
			if b.status == "cancelled" {
				b.minute = s.open + s.slot*r.IntN(slots)
			} else if kind != "swap" || booked < s.charged {
				for try := 0; try < 8; try++ {
					k := r.IntN(slots)
					if usage[k] < s.places {
						usage[k]++
						booked++
						b.minute = s.open + s.slot*k
						break
					}
				}
			}
			if b.minute < 0 {
				continue // no free place: the owner booked elsewhere
			}
			at := g.at(d, b.minute)
			switch {
			case b.status == "cancelled":
			case at.Add(time.Duration(s.slot)*time.Minute).After(g.now) && !at.After(g.now):
				b.status = "in_progress"
			case at.After(g.now) && (b.status == "completed" || b.status == "no_show"):
				b.status = []string{"booked", "confirmed"}[r.IntN(2)]
			}
			if b.status == "booked" || b.status == "confirmed" || b.status == "in_progress" {
				// A vehicle holds at most one open appointment per kind
				// and one per slot (unique indexes
				// appointments_vehicle_kind_open, _slot_open).
				key := openKey{b.owner.vehicle, kind}
				slot := [3]int64{b.owner.vehicle, int64(d), int64(b.minute)}
				if g.openKinds[key] || g.openSlots[slot] {
					usage[(b.minute-s.open)/s.slot]--
					booked--
					continue
				}
				g.openKinds[key] = true
				g.openSlots[slot] = true
			}
			day = append(day, b)
		}
		slices.SortStableFunc(day, func(a, b booking) int { return a.minute - b.minute })
		for _, b := range day {
			g.appointment(s, kind, d, b, st)
		}
		for k, u := range usage {
			if u > 0 {
				g.l.add(g.t.slotUsage, s.id, kind, g.date(d), s.open+s.slot*k, u)
			}
		}
		// Batteries promised that day: a no-show's battery is given back.
		batteries := 0
		for _, b := range day {
			if b.status != "cancelled" && b.status != "no_show" {
				batteries++
			}
		}
		if kind == "swap" && batteries > 0 {
			g.l.add(g.t.swapUsage, s.id, g.date(d), batteries)
		}
		g.l.mark(g.ctx)
	}
	if st != nil {
		g.centerTransfers(s, st)
		for i, q := range st.balance {
			g.l.add(g.t.partStock, s.id, int64(i+1), q, partList[i].reorder, st.last[i], partCost(i))
		}
	}
}

// appointmentStatus draws a status for a booking on day d: past bookings
// are mostly completed, future ones booked or confirmed.
func (g *gen) appointmentStatus(d int) string {
	x := g.r.Float64()
	if d > g.today() {
		switch {
		case x < 0.05:
			return "cancelled"
		case x < 0.6:
			return "booked"
		}
		return "confirmed"
	}
	switch {
	case x < 0.07:
		return "cancelled"
	case x < 0.14:
		return "no_show"
	}
	return "completed"
}

var cancelReasons = []string{"行程有变", "车辆已在别处处理", "时间冲突", "改约其他网点"}

// appointment writes one appointment and what it produced.
func (g *gen) appointment(s *site, kind string, d int, b booking, st *stock) {
	l, t, r := g.l, &g.t, g.r
	at := g.at(d, b.minute)
	created := at.Add(-time.Duration(1+r.IntN(72)) * time.Hour)
	if created.After(g.now) {
		created = g.now.Add(-time.Duration(r.IntN(180)) * time.Minute)
	}
	id := t.appointments.next()
	var confirmed, started, completed, cancelled any
	updated := created
	reason, result, bay := "", "", ""
	var tech any
	if kind == "repair" {
		tech = s.staff[r.IntN(len(s.staff))]
		bay = fmt.Sprintf("%d号工位", 1+r.IntN(max(1, s.places)))
	}
	switch b.status {
	case "confirmed":
		confirmed = g.randTime(created, g.clampNow(at))
		updated = confirmed.(time.Time)
	case "cancelled":
		ct := g.randTime(created, g.clampNow(at))
		cancelled, reason, updated = ct, g.pick(cancelReasons), ct
	case "no_show":
		updated = at.Add(time.Duration(s.slot) * time.Minute)
	case "in_progress", "completed":
		confirmed = created
		st0 := at.Add(time.Duration(r.IntN(6)) * time.Minute)
		started, updated = st0, st0
	}
	m := models[b.owner.model]
	var swapRow []any
	var woID int64
	switch {
	case b.status == "completed" && kind == "charging":
		startSoC, endSoC := 10+r.IntN(40), 80+r.IntN(16)
		energy := math.Round(m.kwh*float64(endSoC-startSoC)/100/0.92*10) / 10
		dur := time.Duration(float64(s.slot-6) * float64(time.Minute) * (0.5 + 0.5*r.Float64())).Truncate(time.Second)
		st0 := started.(time.Time)
		completed = st0.Add(dur)
		result = fmt.Sprintf("充电 %.1f kWh", energy)
		l.add(t.charging, t.charging.next(), b.owner.vehicle, b.owner.customer, s.id, "station", true, st0, completed, energy,
			startSoC, endSoC, int64(math.Round(energy*120)))
	case b.status == "completed" && kind == "swap":
		dur := 180 + r.IntN(121)
		st0 := started.(time.Time)
		completed = st0.Add(time.Duration(dur) * time.Second)
		socOut, socIn := 10+r.IntN(31), 90+r.IntN(11)
		result = "换电完成"
		swapRow = []any{t.swaps.next(), b.owner.vehicle, b.owner.customer, s.id, id, st0,
			fmt.Sprintf("BP%05d%07d", b.owner.model, r.IntN(10000000)), fmt.Sprintf("BP%05d%07d", b.owner.model, r.IntN(10000000)),
			socOut, socIn, dur, int64(math.Round(m.kwh * float64(socIn-socOut) / 100 * 150))}
	case (b.status == "completed" || b.status == "in_progress") && kind == "repair":
		var done time.Time
		woID, done = g.workOrder(s, d, b, at, started.(time.Time), tech.(int64), st, id)
		if b.status == "completed" {
			completed, result = done, "维修完成"
		}
	}
	if completed != nil {
		updated = completed.(time.Time)
	}
	l.add(t.appointments, id, b.owner.customer, b.owner.vehicle, s.id, kind, g.date(d), b.minute, at, b.status,
		"", tech, bay, result, reason, created, updated, confirmed, started, completed, cancelled)
	if swapRow != nil {
		l.add(t.swaps, swapRow...)
		g.swapPack(s, id, started.(time.Time), fmt.Sprintf("换电 YY%s-%06d", created.In(shanghai).Format("20060102"), id))
	}
	if completed != nil && g.chance(0.25) {
		g.feedback(b.owner.customer, id, nullID(woID), s.id, 0, updated.Add(time.Duration(1+r.IntN(48))*time.Hour), kind, "app")
	}
	if completed != nil {
		g.feedbackOn(b.owner.customer, id, nullID(woID), s.id, kind, updated)
	}
}

// Shares of completed appointments about which the owner also files a
// complaint or a suggestion in the app (drawn from g.fb).
const (
	complaintShare  = 0.04
	suggestionShare = 0.03
)

// feedbackTopics are the categories a complaint or suggestion about an
// appointment of a kind of service falls in, the first the most likely.
var feedbackTopics = map[string][]string{
	"charging": {"charging", "charging", "billing", "software"},
	"swap":     {"swap", "swap", "battery", "service"},
	"repair":   {"repair", "repair", "service", "billing", "battery"},
}

// feedbackOn writes, for some completed appointments, a complaint or a
// suggestion about it (no rating) a day or two after it was completed,
// with a comment of its category; all draws come from g.fb.
func (g *gen) feedbackOn(customer, appointment int64, workOrder, site any, kind string, completed time.Time) {
	r := g.fb
	x := r.Float64()
	fk := "complaint"
	switch {
	case x < complaintShare:
	case x < complaintShare+suggestionShare:
		fk = "suggestion"
	default:
		return
	}
	topics := feedbackTopics[kind]
	cat := topics[r.IntN(len(topics))]
	pool := complaintsByCategory[cat]
	if fk == "suggestion" {
		pool = suggestionsByCategory[cat]
	}
	at := g.clampNow(completed.Add(time.Duration(2+r.IntN(46)) * time.Hour))
	g.l.add(g.t.feedback, g.t.feedback.next(), customer, appointment, workOrder, nil, nil, pool[r.IntN(len(pool))], at, site, fk, cat, "app")
}

var woKinds = []string{"maintenance", "maintenance", "maintenance", "maintenance", "maintenance", "maintenance", "maintenance", "maintenance", "maintenance",
	"repair", "repair", "repair", "repair", "repair", "repair", "warranty", "warranty", "battery", "battery", "recall"}

// initStock stocks every part at a new service center.
func (g *gen) initStock(s *site) *stock {
	st := &stock{balance: make([]int, len(partList)), last: make([]time.Time, len(partList))}
	at := g.at(0, 0)
	for i, p := range partList {
		q := 3*p.reorder + g.r.IntN(p.reorder+1)
		st.balance[i], st.last[i] = q, at
		g.l.add(g.t.movements, g.t.movements.next(), s.id, int64(i+1), "in", q, q, nil, "期初入库", nil, at, partCost(i), "", nil)
	}
	return st
}

// consume issues qty of part pi to a work order at time at, restocking
// first when the balance would fall below the reorder level: stock never
// goes negative and every change is a movement.
func (g *gen) consume(s *site, st *stock, pi, qty int, at time.Time, wo int64, code string, tech int64) {
	l, t := g.l, &g.t
	p := partList[pi]
	if st.balance[pi]-qty < p.reorder {
		in := 3*p.reorder + qty
		st.balance[pi] += in
		st.orders++
		l.add(t.movements, t.movements.next(), s.id, int64(pi+1), "in", in, st.balance[pi], nil, fmt.Sprintf("PO-%s-%05d", s.code, st.orders), nil, at, partCost(pi), "", nil)
	}
	st.balance[pi] -= qty
	st.last[pi] = at
	l.add(t.movements, t.movements.next(), s.id, int64(pi+1), "out", -qty, st.balance[pi], wo, code, tech, at, partCost(pi), "", nil)
}
