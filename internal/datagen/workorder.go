package datagen

import (
	"fmt"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// Work orders (internal/workorder): the centers' labour rates, the models'
// warranty terms, and for each repair appointment in service a work order
// whose labour comes from the catalogue of standard operations and whose
// lines are paid by warranty or by the owner as workorder.Decide says;
// handed-over work orders are rated by some owners, and a rating of 2 or
// lower has its follow-up case.

// operation is a standard operation of workorder.DefaultOperations (whose
// ids are its order: EnsureDefaults writes them into the empty table before
// generation) with the work-order kinds that use it: m(aintenance)
// r(epair) w(arranty) b(attery) c (recall).
type operation struct {
	code, name string
	minutes    int
	scope      workorder.Scope
	kinds      string
}

var operationKinds = map[string]string{"OP-CHECK": "m", "OP-FILTER": "m", "OP-ALIGN": "m", "OP-TYRE": "mr", "OP-BRAKE": "mr",
	"OP-DIAG": "rw", "OP-HV-DIAG": "bc", "OP-ROADTEST": "rw", "OP-SUSP": "r", "OP-ELEC": "rw", "OP-AC": "rw", "OP-SOFTWARE": "cw",
	"OP-INSUL": "bc", "OP-HV-PART": "bc", "OP-MODULE": "b", "OP-PANEL": "r"}

var operations = func() []operation {
	out := make([]operation, len(workorder.DefaultOperations))
	for i, o := range workorder.DefaultOperations {
		out[i] = operation{o.Code, o.Name, o.StandardMinutes, o.Scope, operationKinds[o.Code]}
	}
	return out
}()

// partScopes is warranty_part_categories as EnsureDefaults writes it.
var partScopes = workorder.DefaultPartScopes

var woKindLetter = map[string]string{"maintenance": "m", "repair": "r", "warranty": "w", "battery": "b", "recall": "c"}

// termsOf is a model's warranty terms: the premium sedans and SUVs carry
// longer whole-vehicle terms, every model 8 years for the battery.
func termsOf(i int) vehicle.Terms {
	t := vehicle.DefaultTerms
	if models[i].priceYuan >= 250000 {
		t.VehicleYears, t.VehicleKM = 5, 150_000
	}
	if models[i].powertrain != "BEV" {
		t.BatteryKM = 150_000
	}
	return t
}

// labourRate is a center's hourly rate in fen: ¥260–¥360 by center.
func labourRate(siteID int64) int64 { return 26000 + (siteID%5)*2500 }

// workorderReference writes the labour rates of the service centers and
// the warranty terms of the models.
func (g *gen) workorderReference() {
	l, t := g.l, &g.t
	start := g.at(0, 0)
	for i := range g.sites {
		if s := &g.sites[i]; s.kind == "service_center" {
			l.add(t.woRates, s.id, labourRate(s.id), start)
		}
	}
	for i := range models {
		tm := termsOf(i)
		l.add(t.woTerms, int64(i+1), tm.VehicleYears, tm.VehicleKM, tm.BatteryYears, tm.BatteryKM)
	}
}

// causeFor draws what the diagnosis finds for a work order of kind.
func (g *gen) causeFor(kind string) workorder.Cause {
	switch kind {
	case "maintenance":
		return workorder.MaintenanceDo
	case "repair":
		switch x := g.r.Float64(); {
		case x < 0.45:
			return workorder.Quality
		case x < 0.85:
			return workorder.Wear
		}
		return workorder.Accident
	case "battery":
		if g.chance(0.2) {
			return workorder.Wear
		}
	}
	return workorder.Quality
}

var faultCodes = map[string][]string{
	"repair":   {"", "", "C1234", "B1A00"},
	"warranty": {"B1A00", "U0100", "B2AAA"},
	"battery":  {"P0A80", "P0AA6", "P1A10, P0A80"},
	"recall":   {""},
}

// workOrder writes the work order of a repair appointment with its labour,
// parts and stock movements (and, handed over, maybe the owner's rating),
// and returns its id and completion time.
func (g *gen) workOrder(s *site, d int, b booking, at, opened time.Time, tech int64, st *stock, appointment int64) (int64, time.Time) {
	l, t, r := g.l, &g.t, g.r
	kind := g.pick(woKinds)
	id := t.workOrders.next()
	code := workorder.Code(at, id)
	mileage := int(float64(b.owner.kmPerDay) * float64(d-int(b.owner.day)))
	facts := workorder.Facts{Kind: workorder.Kind(kind), Cause: g.causeFor(kind), Delivered: g.local(int(b.owner.day)), At: opened,
		MileageKM: mileage, Terms: termsOf(int(b.owner.model))}
	var labourFen, partsFen, ownerFen, warrantyFen int64
	add := func(amount int64, d workorder.Decision) {
		if d.Payer == workorder.WarrantyP {
			warrantyFen += amount
		} else {
			ownerFen += amount
		}
	}
	var cand []int
	for i, op := range operations {
		if strings.Contains(op.kinds, woKindLetter[kind]) {
			cand = append(cand, i)
		}
	}
	rate := labourRate(s.id)
	minutes := 0
	usedOp := map[int]bool{}
	for i := 0; i < 1+r.IntN(2); i++ {
		oi := cand[r.IntN(len(cand))]
		if usedOp[oi] {
			continue
		}
		usedOp[oi] = true
		op := operations[oi]
		amount := rate * int64(op.minutes) / 60
		minutes += op.minutes
		labourFen += amount
		dec := workorder.Decide(facts, op.scope)
		add(amount, dec)
		l.add(t.woLabour, t.woLabour.next(), id, op.name, op.minutes, rate, amount, tech, int64(oi+1), string(dec.Payer), dec.Reason)
	}
	want := map[string]string{"maintenance": "m", "repair": "r", "warranty": "r", "battery": "b"}[kind]
	if want != "" {
		var pc []int
		for i, p := range partList {
			if strings.Contains(p.kinds, want) {
				pc = append(pc, i)
			}
		}
		used := map[int]bool{}
		for i := 0; i < 1+r.IntN(2); i++ {
			pi := pc[r.IntN(len(pc))]
			if used[pi] {
				continue
			}
			used[pi] = true
			p := partList[pi]
			qty := 1
			switch {
			case strings.HasPrefix(p.sku, "P-TYRE"):
				qty = 2 * (1 + r.IntN(2))
			case p.sku == "P-WHEEL-BOLT" || p.sku == "P-WASHER":
				qty = 1 + r.IntN(4)
			}
			price := int64(p.priceYuan) * 100
			amount := price * int64(qty)
			partsFen += amount
			dec := workorder.Decide(facts, partScopes[p.category])
			add(amount, dec)
			l.add(t.woParts, t.woParts.next(), id, int64(pi+1), qty, price, amount, string(dec.Payer), dec.Reason)
			g.consume(s, st, pi, qty, at, id, code, tech)
		}
	}
	done := opened.Add(time.Duration(minutes+30*r.IntN(4)) * time.Minute)
	status, completed, closed, updated := "in_progress", any(nil), any(nil), opened
	if b.status == "completed" {
		status, completed, updated = "completed", done, done
		if ct := done.Add(time.Duration(1+r.IntN(47)) * time.Hour); !ct.After(g.now) {
			status, closed, updated = "closed", ct, ct
			l.add(t.audit, t.audit.next(), tech, "work_order.hand_over", "work_orders", id, code, ct)
			if g.chance(0.35) {
				g.rating(s, b, id, ct)
			}
		}
	}
	diagnosis := "已检查确认，按标准作业流程处理。"
	if facts.Cause != workorder.MaintenanceDo {
		diagnosis = "经检查，故障原因为" + facts.Cause.Label() + "，按标准作业流程处理。"
	}
	l.add(t.workOrders, id, code, appointment, s.id, b.owner.vehicle, b.owner.customer, tech, kind, status,
		g.pick(complaints[kind]), diagnosis, mileage, labourFen, partsFen, ownerFen, opened, completed, closed,
		string(facts.Cause), g.pick(append(faultCodes[kind], "")), warrantyFen, fmt.Sprintf("%d 号工位", 1+r.IntN(6)), updated)
	return id, done
}

// ratingShares is the share of each rating, 1 to 5 stars.
var ratingShares = [5]float64{0.05, 0.06, 0.12, 0.27, 0.50}

var ratingTags = [6][]string{{}, {"等待太久", "问题未解决"}, {"沟通不清", "费用偏高"}, {"等待太久", "价格透明"},
	{"维修专业", "交车准时"}, {"服务热情", "维修专业", "环境整洁"}}

// rating writes an owner's rating of handed-over work order id, and for a
// low one its follow-up case, closed by a technician of the center when its
// due time has passed (most are), else still open.
func (g *gen) rating(s *site, b booking, id int64, closed time.Time) {
	l, t, r := g.l, &g.t, g.r
	x, stars := r.Float64(), 5
	for i, p := range ratingShares {
		if x < p {
			stars = i + 1
			break
		}
		x -= p
	}
	at := closed.Add(time.Duration(10+r.IntN(48*60)) * time.Minute)
	if at.After(g.now) {
		at = g.now
	}
	tags := ratingTags[stars]
	tag := tags[r.IntN(len(tags))]
	rid := t.woRatings.next()
	l.add(t.woRatings, rid, id, b.owner.customer, s.id, stars, tag, g.pick(feedbackByRating[stars]), at)
	if stars > workorder.LowRating {
		return
	}
	due := at.Add(workorder.FollowUpDue)
	status, resolution, by, closedAt := "open", "", any(nil), any(nil)
	if cat := at.Add(time.Duration(1+r.IntN(30)) * time.Hour); !cat.After(g.now) && g.chance(0.9) {
		status, resolution, closedAt = "closed", g.pick([]string{"已致电致歉，约定免费复检", "已回访，车主接受解释", "已安排技师上门复查"}), cat
		if len(s.staff) > 0 {
			by = s.staff[r.IntN(len(s.staff))]
		}
	}
	l.add(t.woFollowups, t.woFollowups.next(), id, rid, s.id, status, due, resolution, by, at, closedAt)
}
