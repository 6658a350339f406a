// Package vehicle holds vehicle models and the vehicles owners drive, with
// their mileage, battery health, software version and warranty.
package vehicle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Vehicle is one car with its model.
type Vehicle struct {
	ID                 int64
	VIN                string
	Plate              string
	CustomerID         int64
	ModelID            int64
	ModelName          string
	Brand              string
	Powertrain         string
	BatteryKWh         float64
	RangeKM            int
	SwapCapable        bool
	Color              string
	PurchasedOn        time.Time
	DeliveredAt        time.Time // zero when not yet delivered
	FastChargeShare    float64   // share of charging energy from DC fast charging, 0..1
	MileageKM          int
	BatterySOH         float64
	SoftwareVersion    string
	WarrantyEnd        time.Time
	BatteryWarrantyEnd time.Time
}

// Title is the brand and model name, without repeating a brand the model
// name already starts with.
func (v *Vehicle) Title() string {
	if strings.HasPrefix(v.ModelName, v.Brand) {
		return v.ModelName
	}
	return v.Brand + " " + v.ModelName
}

// SOHWarn reports whether battery health is below 90%, the level at which the
// owner is told to have the pack checked.
func (v *Vehicle) SOHWarn() bool { return v.BatterySOH < 90 }

// Service reads vehicles with object-level permission checks.
type Service struct {
	db         *db.DB
	now        func() time.Time
	onTransfer []TransferHook
}

// NewService returns a Service on d.
func NewService(d *db.DB) *Service { return &Service{db: d, now: db.UTC(nil)} }

// SetClock makes now the service's clock (tests, apptest's fixed clock).
func (s *Service) SetClock(now func() time.Time) { s.now = db.UTC(now) }

const columns = `v.id, v.vin, COALESCE(v.plate, ''), v.customer_id, v.model_id, m.name, m.brand, m.powertrain, m.battery_kwh,
	m.range_km, m.swap_capable, v.color, v.purchased_on, v.delivered_at, v.fast_charge_share, v.mileage_km, v.battery_soh, v.software_version, v.warranty_end,
	v.battery_warranty_end`

const from = ` FROM vehicles v JOIN vehicle_models m ON m.id = v.model_id `

func scan(row interface{ Scan(...any) error }) (*Vehicle, error) {
	var v Vehicle
	var delivered sql.NullTime
	err := row.Scan(&v.ID, &v.VIN, &v.Plate, &v.CustomerID, &v.ModelID, &v.ModelName, &v.Brand, &v.Powertrain, &v.BatteryKWh,
		&v.RangeKM, &v.SwapCapable, &v.Color, &v.PurchasedOn, &delivered, &v.FastChargeShare, &v.MileageKM, &v.BatterySOH, &v.SoftwareVersion, &v.WarrantyEnd,
		&v.BatteryWarrantyEnd)
	v.DeliveredAt = delivered.Time
	return &v, err
}

// ListMine returns the acting owner's vehicles.
func (s *Service) ListMine(ctx context.Context, actor *identity.User) ([]*Vehicle, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return nil, apperr.New(apperr.Forbidden, "只有车主可以查看自己的车辆")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+from+`WHERE v.customer_id = $1 `+mineOrder, actor.CustomerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Vehicle
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// mineOrder is the order of an owner's vehicles: the newest purchase first.
const mineOrder = `ORDER BY v.purchased_on DESC, v.id`

// ListMineBrief is ListMine for a summary, such as the owner's home: the
// same vehicles in the same order, but each carries only its ID, plate,
// customer, model (ID, name, brand, powertrain, swap capability), mileage,
// battery health and software version; the other fields are zero (it reads
// no dates, on the page every owner opens first). Only an owner may call
// it (Forbidden otherwise).
func (s *Service) ListMineBrief(ctx context.Context, actor *identity.User) ([]*Vehicle, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return nil, apperr.New(apperr.Forbidden, "只有车主可以查看自己的车辆")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, COALESCE(v.plate, ''), v.model_id, m.name, m.brand, m.powertrain, m.swap_capable,
		v.mileage_km, v.battery_soh, v.software_version`+from+`WHERE v.customer_id = $1 `+mineOrder, actor.CustomerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Vehicle
	for rows.Next() {
		v := &Vehicle{CustomerID: actor.CustomerID}
		if err := rows.Scan(&v.ID, &v.Plate, &v.ModelID, &v.ModelName, &v.Brand, &v.Powertrain, &v.SwapCapable,
			&v.MileageKM, &v.BatterySOH, &v.SoftwareVersion); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Get returns vehicle id if actor may see it: its owner, or staff. Another
// owner's vehicle is reported as not found, so ids cannot be probed.
func (s *Service) Get(ctx context.Context, actor *identity.User, id int64) (*Vehicle, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	v, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+from+`WHERE v.id = $1`, id))
	if db.NoRows(err) || (err == nil && actor.Is(identity.RoleOwner) && v.CustomerID != actor.CustomerID) {
		return nil, apperr.New(apperr.NotFound, "车辆不存在")
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Activity is a charging session or battery swap of a vehicle.
type Activity struct {
	Kind     string // "charging" or "swap"
	At       time.Time
	SiteName string
	Detail   string
	CostFen  int64
}

// ownerScope is the customer whose records of a car an owner sees (their
// own: a previous owner's history is kept but not shown), or 0 for staff.
func ownerScope(actor *identity.User) int64 {
	if actor.Is(identity.RoleOwner) {
		return actor.CustomerID
	}
	return 0
}

// RecentActivity returns the newest charging sessions and swaps of a vehicle
// the actor may see, newest first, at most limit (an owner: their own).
func (s *Service) RecentActivity(ctx context.Context, actor *identity.User, vehicleID int64, limit int) ([]Activity, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, actor, vehicleID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT kind, at, site_name, soc_from, soc_to, energy_kwh, cost_fen FROM (
		SELECT 'charging' AS kind, c.started_at AS at, COALESCE(st.name, CASE c.location_kind WHEN 'home' THEN '家用充电桩' ELSE '公共充电桩' END) AS site_name,
			c.start_soc AS soc_from, c.end_soc AS soc_to, c.energy_kwh AS energy_kwh, c.cost_fen AS cost_fen
		FROM charging_sessions c LEFT JOIN sites st ON st.id = c.site_id WHERE c.vehicle_id = $1 AND (c.customer_id = $3 OR $3 = 0)
		UNION ALL
		SELECT 'swap', b.swapped_at, st.name, b.soc_out, b.soc_in, 0, b.cost_fen
		FROM battery_swaps b JOIN sites st ON st.id = b.site_id WHERE b.vehicle_id = $1 AND (b.customer_id = $3 OR $3 = 0)
	) a ORDER BY at DESC LIMIT $2`, vehicleID, limit, ownerScope(actor))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var a Activity
		var from, to int
		var kwh float64
		if err := rows.Scan(&a.Kind, &a.At, &a.SiteName, &from, &to, &kwh, &a.CostFen); err != nil {
			return nil, err
		}
		a.Detail = fmt.Sprintf("%d%% → %d%%", from, to)
		if a.Kind == "charging" {
			a.Detail += fmt.Sprintf("，%.1f kWh", kwh)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
