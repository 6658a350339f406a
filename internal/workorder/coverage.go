package workorder

import (
	"context"
	"database/sql"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Cover is what remains of one warranty of a vehicle, by the rule the
// work order's payer decision applies (Decide): years from delivery and
// kilometres on the odometer, whichever comes first.
type Cover struct {
	Name      string // 整车质保, 电池质保
	Years     int    // the term in years
	KM        int    // the term in kilometres
	Ends      time.Time
	DaysLeft  int // 0 when ended
	KMLeft    int // 0 when used up
	Active    bool
	UsedShare float64 // 0..1: the larger of the time and the distance used
}

// YearsLeft is the time left in years, to one decimal.
func (c Cover) YearsLeft() float64 { return float64(int(float64(c.DaysLeft)/365.25*10)) / 10 }

// Coverage returns the whole-vehicle and battery warranty of vehicle
// vehicleID at now: for its owner (another's car is NotFound), service
// staff and admins (others Forbidden).
func (s *Service) Coverage(ctx context.Context, actor *identity.User, vehicleID int64) ([]Cover, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleOwner, identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	var owner int64
	var delivered sql.NullTime
	var purchased time.Time
	var km int
	var vy, vk, by, bk sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT v.customer_id, v.delivered_at, v.purchased_on, v.mileage_km,
		t.vehicle_years, t.vehicle_km, t.battery_years, t.battery_km
		FROM vehicles v LEFT JOIN warranty_terms t ON t.model_id = v.model_id WHERE v.id = $1`, vehicleID).
		Scan(&owner, &delivered, &purchased, &km, &vy, &vk, &by, &bk)
	if db.NoRows(err) || err == nil && actor.Is(identity.RoleOwner) && owner != actor.CustomerID {
		return nil, apperr.New(apperr.NotFound, "车辆不存在")
	}
	if err != nil {
		return nil, err
	}
	start := delivered.Time
	if !delivered.Valid {
		start = purchased
	}
	terms := vehicle.DefaultTerms
	if vy.Valid {
		terms = vehicle.Terms{VehicleYears: int(vy.Int64), VehicleKM: int(vk.Int64), BatteryYears: int(by.Int64), BatteryKM: int(bk.Int64)}
	}
	now := s.now()
	cover := func(name string, years, limit int) Cover {
		c := Cover{Name: name, Years: years, KM: limit, Ends: start.AddDate(years, 0, 0)}
		if d := c.Ends.Sub(now); d > 0 {
			c.DaysLeft = int(d.Hours() / 24)
		}
		c.KMLeft = max(0, limit-km)
		c.Active = c.DaysLeft > 0 && c.KMLeft > 0
		total := c.Ends.Sub(start).Hours()
		if total > 0 {
			c.UsedShare = min(1, max(now.Sub(start).Hours()/total, float64(km)/float64(max(limit, 1))))
		}
		return c
	}
	return []Cover{cover("整车质保", terms.VehicleYears, terms.VehicleKM), cover("电池质保", terms.BatteryYears, terms.BatteryKM)}, nil
}
