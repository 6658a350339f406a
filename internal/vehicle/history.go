package vehicle

import (
	"context"
	"time"

	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// This file is the vehicle page's history: the monthly battery health and
// odometer, the charging sessions and battery swaps page by page, and the
// monthly energy and cost. An owner sees their own charging and swap
// records of the car (a previous owner's stay theirs); staff see all.

// shanghai is the zone of the months an owner sees.
var shanghai = time.FixedZone("CST", 8*3600)

// HealthPoint is the state of a vehicle at the end of a month.
type HealthPoint struct {
	Month     time.Time // first day of the month
	SOH       float64
	MileageKM int
	FastShare float64
}

// Label is the month as the charts show it: "2026-11".
func (p HealthPoint) Label() string { return p.Month.Format("2006-01") }

// Health returns vehicle id's monthly battery health and odometer, oldest
// first; a car without history yet (just delivered) gets one point, now.
// Whoever may see the car may call it (Get: NotFound otherwise).
func (s *Service) Health(ctx context.Context, actor *identity.User, id int64) ([]HealthPoint, error) {
	v, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT month, battery_soh, mileage_km, fast_charge_share FROM vehicle_health_history
		WHERE vehicle_id = $1 ORDER BY month`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HealthPoint
	for rows.Next() {
		var p HealthPoint
		if err := rows.Scan(&p.Month, &p.SOH, &p.MileageKM, &p.FastShare); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		now := s.now().In(shanghai)
		out = append(out, HealthPoint{Month: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), SOH: v.BatterySOH,
			MileageKM: v.MileageKM, FastShare: v.FastChargeShare})
	}
	return out, nil
}

// Charge is one charging session.
type Charge struct {
	ID        int64     `json:"id"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`
	Place     string    `json:"place"` // the station, or 家用充电桩 / 公共充电桩
	Fast      bool      `json:"fast"`
	EnergyKWh float64   `json:"energy_kwh"`
	StartSOC  int       `json:"start_soc"`
	EndSOC    int       `json:"end_soc"`
	CostFen   int64     `json:"cost_fen"`
}

// Minutes is the session's length in whole minutes.
func (c Charge) Minutes() int { return int(c.EndedAt.Sub(c.StartedAt).Minutes()) }

// Swap is one battery swap.
type Swap struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"swapped_at"`
	Station     string    `json:"station"`
	SOCOut      int       `json:"soc_out"`
	SOCIn       int       `json:"soc_in"`
	DurationSec int       `json:"duration_sec"`
	CostFen     int64     `json:"cost_fen"`
}

var (
	chargeOrder = listing.Order{Name: "newest", Label: "最新", Key: "c.started_at", ID: "c.id", Kind: listing.KeyTime, Desc: true}
	swapOrder   = listing.Order{Name: "newest", Label: "最新", Key: "b.swapped_at", ID: "b.id", Kind: listing.KeyTime, Desc: true}
)

// Charges returns a page of vehicle id's charging sessions, newest first,
// after cursor (from the previous page; "" for the first), at most limit
// (1..listing.MaxLimit). Whoever may see the car may call it (NotFound
// otherwise); an owner gets their own sessions. A bad cursor is Invalid on
// "cursor".
func (s *Service) Charges(ctx context.Context, actor *identity.User, id int64, cursor string, limit int) (listing.Page[Charge], error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return listing.Page[Charge]{}, err
	}
	cur, err := chargeOrder.Decode(cursor)
	if err != nil {
		return listing.Page[Charge]{}, err
	}
	limit = min(max(limit, 1), listing.MaxLimit)
	w := &listing.Where{}
	w.And("c.vehicle_id = " + w.Arg(id))
	if c := ownerScope(actor); c != 0 {
		w.And("c.customer_id = " + w.Arg(c))
	}
	chargeOrder.After(w, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.started_at, c.ended_at,
		COALESCE(st.name, CASE c.location_kind WHEN 'home' THEN '家用充电桩' ELSE '公共充电桩' END), c.fast, c.energy_kwh, c.start_soc, c.end_soc, c.cost_fen
		FROM charging_sessions c LEFT JOIN sites st ON st.id = c.site_id`+w.SQL()+` ORDER BY `+chargeOrder.OrderBy()+` LIMIT `+w.Arg(limit+1), w.Args...)
	if err != nil {
		return listing.Page[Charge]{}, err
	}
	defer rows.Close()
	var list []Charge
	for rows.Next() {
		var c Charge
		if err := rows.Scan(&c.ID, &c.StartedAt, &c.EndedAt, &c.Place, &c.Fast, &c.EnergyKWh, &c.StartSOC, &c.EndSOC, &c.CostFen); err != nil {
			return listing.Page[Charge]{}, err
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return listing.Page[Charge]{}, err
	}
	return listing.NewPage(list, limit, func(c Charge) string { return chargeOrder.Encode(c.StartedAt, c.ID) }), nil
}

// Swaps returns a page of vehicle id's battery swaps, newest first (see
// Charges for the paging, access and errors).
func (s *Service) Swaps(ctx context.Context, actor *identity.User, id int64, cursor string, limit int) (listing.Page[Swap], error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return listing.Page[Swap]{}, err
	}
	cur, err := swapOrder.Decode(cursor)
	if err != nil {
		return listing.Page[Swap]{}, err
	}
	limit = min(max(limit, 1), listing.MaxLimit)
	w := &listing.Where{}
	w.And("b.vehicle_id = " + w.Arg(id))
	if c := ownerScope(actor); c != 0 {
		w.And("b.customer_id = " + w.Arg(c))
	}
	swapOrder.After(w, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT b.id, b.swapped_at, st.name, b.soc_out, b.soc_in, b.duration_sec, b.cost_fen
		FROM battery_swaps b JOIN sites st ON st.id = b.site_id`+w.SQL()+` ORDER BY `+swapOrder.OrderBy()+` LIMIT `+w.Arg(limit+1), w.Args...)
	if err != nil {
		return listing.Page[Swap]{}, err
	}
	defer rows.Close()
	var list []Swap
	for rows.Next() {
		var x Swap
		if err := rows.Scan(&x.ID, &x.At, &x.Station, &x.SOCOut, &x.SOCIn, &x.DurationSec, &x.CostFen); err != nil {
			return listing.Page[Swap]{}, err
		}
		list = append(list, x)
	}
	if err := rows.Err(); err != nil {
		return listing.Page[Swap]{}, err
	}
	return listing.NewPage(list, limit, func(x Swap) string { return swapOrder.Encode(x.At, x.ID) }), nil
}

// MonthUsage is a month's charging and swapping of a vehicle.
type MonthUsage struct {
	Month     string  `json:"month"` // "2026-11" (Asia/Shanghai)
	EnergyKWh float64 `json:"energy_kwh"`
	ChargeFen int64   `json:"charge_fen"`
	Charges   int     `json:"charges"`
	Swaps     int     `json:"swaps"`
	SwapFen   int64   `json:"swap_fen"`
}

// Usage returns vehicle id's charging energy and cost and its swaps per
// month over the last months months (this month included), oldest first,
// with every month present. Access as Charges.
func (s *Service) Usage(ctx context.Context, actor *identity.User, id int64, months int) ([]MonthUsage, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	months = min(max(months, 1), 60)
	now := s.now().In(shanghai)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, shanghai).AddDate(0, -(months - 1), 0)
	out := make([]MonthUsage, months)
	index := map[string]int{}
	for i := range out {
		out[i].Month = first.AddDate(0, i, 0).Format("2006-01")
		index[out[i].Month] = i
	}
	scope := ownerScope(actor)
	add := func(q string, fn func(m *MonthUsage, kwh float64, fen int64)) error {
		rows, err := s.db.QueryContext(ctx, q, id, first.UTC(), scope)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var at time.Time
			var kwh float64
			var fen int64
			if err := rows.Scan(&at, &kwh, &fen); err != nil {
				return err
			}
			if i, ok := index[at.In(shanghai).Format("2006-01")]; ok {
				fn(&out[i], kwh, fen)
			}
		}
		return rows.Err()
	}
	err := add(`SELECT started_at, energy_kwh, cost_fen FROM charging_sessions WHERE vehicle_id = $1 AND started_at >= $2
		AND (customer_id = $3 OR $3 = 0)`, func(m *MonthUsage, kwh float64, fen int64) {
		m.EnergyKWh += kwh
		m.ChargeFen += fen
		m.Charges++
	})
	if err == nil {
		err = add(`SELECT swapped_at, CAST(0 AS REAL), cost_fen FROM battery_swaps WHERE vehicle_id = $1 AND swapped_at >= $2
			AND (customer_id = $3 OR $3 = 0)`, func(m *MonthUsage, _ float64, fen int64) {
			m.Swaps++
			m.SwapFen += fen
		})
	}
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].EnergyKWh = float64(int(out[i].EnergyKWh*10+0.5)) / 10
	}
	return out, nil
}
