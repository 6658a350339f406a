package datagen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// The inventory tables of migration 00009: compatible models, the central
// warehouse and its transfers to the service centers, swap-station battery
// packs. They draw from a random stream of their own (invRand), so adding
// them left every other generated row as it was.

// invState is the generator's inventory state.
type invState struct {
	r         *rand.Rand
	warehouse int64 // the central warehouse's site id
	transfers []whTransfer
	packs     []packRow     // swap stations' packs, written at the end (packRows)
	packAt    map[int64]int // pack id -> index in packs
}

// packRow is a battery pack before it is written: its updated_at is its
// last movement's time, known only once the swap history is generated.
type packRow struct {
	id, site      int64
	serial, state string
	health        int
	updated       time.Time
}

// whTransfer is a shipment from the warehouse, written to the warehouse's
// ledger at the end (in time order).
type whTransfer struct {
	id     int64
	part   int
	qty    int
	sentAt time.Time
	code   string
}

// partCost is the standard (and generated moving-average) cost of part i in fen.
func partCost(i int) int64 { return int64(partList[i].priceYuan) * 62 }

// partModels lists the models the wheel-size parts fit; every other part
// fits every model (no rows).
func (g *gen) partModels() {
	for i, p := range partList {
		var fit func(m vehicleModel) bool
		switch {
		case strings.HasPrefix(p.sku, "P-TYRE-19"):
			fit = func(m vehicleModel) bool { return m.body == "sedan" || m.body == "hatchback" }
		case strings.HasPrefix(p.sku, "P-TYRE-20"):
			fit = func(m vehicleModel) bool { return m.body == "suv" || m.body == "mpv" }
		default:
			continue
		}
		for mi, m := range models {
			if fit(m) {
				g.l.add(g.t.partModels, int64(i+1), int64(mi+1))
			}
		}
	}
}

// makeWarehouse adds the central parts warehouse (a site that holds stock
// and takes no bookings).
func (g *gen) makeWarehouse(start time.Time) {
	id := g.t.sites.next()
	g.inv.warehouse = id
	l := g.l
	l.add(g.t.sites, id, "WH-01", "warehouse", "启程华东中心仓库", "上海市", "上海", "嘉定区", "嘉定区物流园路 88 号", 31.35, 121.25,
		"021-69990000", 480, 1080, 60, 0, 0, 0, 0, nil, "open", g.date(0).AddDate(-1, 0, 0), start)
}

// batteryPacks gives a new swap station its packs: charged of them charged,
// the rest charging, one in maintenance when at least two are not charged.
func (g *gen) batteryPacks(s *site, total int, at time.Time) {
	r := g.inv.r
	for i := 0; i < total; i++ {
		state := "charged"
		switch {
		case i >= s.charged && i == total-1 && total-s.charged >= 2:
			state = "maintenance"
		case i >= s.charged:
			state = "charging"
		}
		id := g.t.packs.next()
		if g.inv.packAt == nil {
			g.inv.packAt = map[int64]int{}
		}
		g.inv.packAt[id] = len(g.inv.packs)
		g.inv.packs = append(g.inv.packs, packRow{id: id, site: s.id, serial: fmt.Sprintf("BP%s%03d", strings.ReplaceAll(s.code, "-", ""), i+1),
			state: state, health: 82 + r.IntN(19), updated: at})
		g.l.add(g.t.packMoves, g.t.packMoves.next(), id, s.id, "receive", "", state, "新站投运", nil, nil, at)
		if state == "charged" {
			s.packs = append(s.packs, id)
		}
	}
}

// centerTransfers books, before a service center's stock rows are written,
// a few shipments from the warehouse: received ones (a transfer_in line
// after the part's last movement) and one still in transit.
func (g *gen) centerTransfers(s *site, st *stock) {
	r, l, t := g.inv.r, g.l, &g.t
	if g.inv.warehouse == 0 {
		return
	}
	for k := 0; k < 3; k++ {
		pi := r.IntN(len(partList))
		qty := 2 * partList[pi].reorder
		id := t.transfers.next()
		in := k < 2
		var recvAt, sentAt time.Time
		if in {
			recvAt = g.now.Add(-time.Duration(24+r.IntN(24*20)) * time.Hour)
			if recvAt.Before(st.last[pi]) {
				recvAt = st.last[pi].Add(time.Duration(1+r.IntN(48)) * time.Hour)
			}
			if recvAt.After(g.now) {
				in = false
			}
			sentAt = recvAt.Add(-time.Duration(6+r.IntN(30)) * time.Hour)
		}
		if !in {
			sentAt = g.now.Add(-time.Duration(1+r.IntN(40)) * time.Hour)
		}
		code := fmt.Sprintf("DB%s%05d", sentAt.In(shanghai).Format("060102"), id)
		g.inv.transfers = append(g.inv.transfers, whTransfer{id: id, part: pi, qty: qty, sentAt: sentAt, code: code})
		if in {
			st.balance[pi] += qty
			st.last[pi] = recvAt
			var tech any
			if len(s.staff) > 0 {
				tech = s.staff[r.IntN(len(s.staff))]
			}
			l.add(t.transfers, id, code, int64(pi+1), qty, partCost(pi), g.inv.warehouse, s.id, "received", "月度补货",
				nil, sentAt, tech, recvAt)
			l.add(t.movements, t.movements.next(), s.id, int64(pi+1), "transfer_in", qty, st.balance[pi], nil, code, tech, recvAt,
				partCost(pi), "月度补货", id)
		} else {
			l.add(t.transfers, id, code, int64(pi+1), qty, partCost(pi), g.inv.warehouse, s.id, "in_transit", "紧急补货",
				nil, sentAt, nil, nil)
		}
	}
}

// warehouseLedger writes the warehouse's opening receipts, its shipments in
// time order and its stock rows.
func (g *gen) warehouseLedger() {
	if g.inv.warehouse == 0 {
		return
	}
	l, t := g.l, &g.t
	at := g.at(0, 0)
	bal := make([]int, len(partList))
	last := make([]time.Time, len(partList))
	need := make([]int, len(partList))
	for _, tr := range g.inv.transfers {
		need[tr.part] += tr.qty
	}
	for i, p := range partList {
		q := 20*p.reorder + need[i]
		bal[i], last[i] = q, at
		l.add(t.movements, t.movements.next(), g.inv.warehouse, int64(i+1), "in", q, q, nil, fmt.Sprintf("PO-WH-%05d", i+1), nil, at,
			partCost(i), "期初入库", nil)
	}
	slices.SortStableFunc(g.inv.transfers, func(a, b whTransfer) int { return a.sentAt.Compare(b.sentAt) })
	for _, tr := range g.inv.transfers {
		bal[tr.part] -= tr.qty
		last[tr.part] = tr.sentAt
		l.add(t.movements, t.movements.next(), g.inv.warehouse, int64(tr.part+1), "transfer_out", -tr.qty, bal[tr.part], nil, tr.code, nil,
			tr.sentAt, partCost(tr.part), "", tr.id)
	}
	for i, q := range bal {
		l.add(t.partStock, g.inv.warehouse, int64(i+1), q, partList[i].reorder*4, last[i], partCost(i))
	}
}

// swapPack records the pack history of a completed swap at s: one of the
// station's charged packs (in turn) goes into the car at the swap and the
// car's pack takes its place, charging, until it is full some 40 minutes
// later (no later than now). The packs that end charged are the ones used,
// so every pack's state is its last movement's.
func (g *gen) swapPack(s *site, appointment int64, at time.Time, reason string) {
	if len(s.packs) == 0 {
		return
	}
	pack := s.packs[s.packTurn%len(s.packs)]
	s.packTurn++
	full := g.clampNow(at.Add(40 * time.Minute))
	g.l.add(g.t.packMoves, g.t.packMoves.next(), pack, s.id, "state", "charged", "charging", reason, nil, appointment, at)
	g.l.add(g.t.packMoves, g.t.packMoves.next(), pack, s.id, "state", "charging", "charged", "充电完成", nil, nil, full)
	if p := &g.inv.packs[g.inv.packAt[pack]]; full.After(p.updated) {
		p.updated = full
	}
}

// packRows writes the swap stations' packs, each updated at its last
// movement (the station's opening, or its last swap's recharge).
func (g *gen) packRows() {
	for _, p := range g.inv.packs {
		g.l.add(g.t.packs, p.id, p.serial, p.site, p.state, p.health, p.updated)
	}
}
