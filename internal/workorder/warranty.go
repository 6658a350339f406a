package workorder

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Decision is who pays a line, and why, in words a customer understands.
type Decision struct {
	Payer  Payer
	Reason string
}

// Facts are what the warranty decision of a work order's lines rests on.
type Facts struct {
	Kind      Kind
	Cause     Cause
	Delivered time.Time // zero when the vehicle has no delivery date
	At        time.Time // when the work order was opened
	MileageKM int
	Terms     vehicle.Terms
}

// Decide decides who pays a line whose operation or part category is
// covered by scope:
//
//   - a recall is always borne by the maker;
//   - maintenance and wear items (scope none) are always paid by the owner;
//   - only a fault of product quality is warranty; wear, an accident or
//     misuse, and scheduled maintenance are paid by the owner;
//   - the vehicle (or, for the battery and electric drive, the battery)
//     warranty must still run at the opening of the work order, both in
//     years from delivery and in kilometres at intake.
func Decide(f Facts, scope Scope) Decision {
	if f.Kind == Recall {
		return Decision{WarrantyP, "召回项目，费用由厂家承担"}
	}
	if scope == ScopeNone || scope == "" {
		return Decision{Owner, "保养件、易损件及常规保养不在质保范围"}
	}
	if f.Cause != Quality {
		return Decision{Owner, "故障原因为「" + f.Cause.Label() + "」，不属于质保"}
	}
	if f.Delivered.IsZero() {
		return Decision{Owner, "车辆没有交付日期，质保无法起算"}
	}
	years, km, name := f.Terms.VehicleYears, f.Terms.VehicleKM, "整车质保"
	if scope == ScopeBattery {
		years, km, name = f.Terms.BatteryYears, f.Terms.BatteryKM, "电池质保"
	}
	terms := fmt.Sprintf("%d 年或 %s 公里", years, listing.Thousands(int64(km)))
	end := f.Delivered.AddDate(years, 0, 0)
	delivered := f.Delivered.In(site.Shanghai).Format("2006-01-02")
	if !f.At.Before(end) {
		return Decision{Owner, fmt.Sprintf("%s（%s）已于 %s 到期（交付于 %s）", name, terms, end.In(site.Shanghai).Format("2006-01-02"), delivered)}
	}
	if f.MileageKM > km {
		return Decision{Owner, fmt.Sprintf("进厂里程 %s 公里超过%s的 %s 公里", listing.Thousands(int64(f.MileageKM)), name, listing.Thousands(int64(km)))}
	}
	return Decision{WarrantyP, fmt.Sprintf("%s内：交付于 %s，%s内，进厂里程 %s 公里", name, delivered, terms, listing.Thousands(int64(f.MileageKM)))}
}

// wctx is a work order's warranty facts as read in a transaction.
type wctx struct{ Facts }

func (c wctx) decide(scope Scope) Decision { return Decide(c.Facts, scope) }

// warrantyContext reads the facts of work order id.
func (s *Service) warrantyContext(ctx context.Context, q db.Querier, id int64) (wctx, error) {
	var c wctx
	var delivered sql.NullTime
	var purchased time.Time
	var vy, vk, by, bk sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT w.kind, w.fault_cause, v.delivered_at, v.purchased_on, w.opened_at, w.mileage_km,
		t.vehicle_years, t.vehicle_km, t.battery_years, t.battery_km
		FROM work_orders w JOIN vehicles v ON v.id = w.vehicle_id LEFT JOIN warranty_terms t ON t.model_id = v.model_id
		WHERE w.id = $1`, id).Scan(&c.Kind, &c.Cause, &delivered, &purchased, &c.At, &c.MileageKM, &vy, &vk, &by, &bk)
	if err != nil {
		return c, err
	}
	c.Delivered = delivered.Time
	if !delivered.Valid {
		// A car sold before delivery times were kept: its purchase date.
		c.Delivered = purchased
	}
	c.Terms = vehicle.DefaultTerms
	if vy.Valid {
		c.Terms = vehicle.Terms{VehicleYears: int(vy.Int64), VehicleKM: int(vk.Int64), BatteryYears: int(by.Int64), BatteryKM: int(bk.Int64)}
	}
	return c, nil
}

// lineScope is the warranty scope of a labour line's operation or a parts
// line's part category.
func lineScope(ctx context.Context, q db.Querier, line string, id int64) (Scope, error) {
	var sc sql.NullString
	var err error
	if line == "labour" {
		err = q.QueryRowContext(ctx, `SELECT o.warranty_scope FROM work_order_labour l LEFT JOIN service_operations o ON o.id = l.operation_id
			WHERE l.id = $1`, id).Scan(&sc)
	} else {
		err = q.QueryRowContext(ctx, `SELECT c.scope FROM work_order_parts p JOIN parts pt ON pt.id = p.part_id
			LEFT JOIN warranty_part_categories c ON c.category = pt.category WHERE p.id = $1`, id).Scan(&sc)
	}
	return Scope(sc.String), err
}

// PartScope is the warranty scope of a part category (ScopeNone when the
// category is not listed).
func PartScope(ctx context.Context, q db.Querier, category string) (Scope, error) {
	var sc Scope
	err := q.QueryRowContext(ctx, `SELECT scope FROM warranty_part_categories WHERE category = $1`, category).Scan(&sc)
	if db.NoRows(err) {
		return ScopeNone, nil
	}
	return sc, err
}

// redecide decides again who pays every line of work order id that staff
// did not override, after the facts changed, and recomputes the totals.
func (s *Service) redecide(ctx context.Context, tx *sql.Tx, id int64) error {
	c, err := s.warrantyContext(ctx, tx, id)
	if err != nil {
		return err
	}
	for _, line := range []string{"labour", "part"} {
		table := map[string]string{"labour": "work_order_labour", "part": "work_order_parts"}[line]
		rows, err := tx.QueryContext(ctx, `SELECT id FROM `+table+` WHERE work_order_id = $1 AND payer_override = FALSE ORDER BY id`, id)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var lid int64
			if err := rows.Scan(&lid); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, lid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, lid := range ids {
			sc, err := lineScope(ctx, tx, line, lid)
			if err != nil {
				return err
			}
			d := c.decide(sc)
			if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET payer = $1, payer_reason = $2 WHERE id = $3`, string(d.Payer), d.Reason, lid); err != nil {
				return err
			}
		}
	}
	var st Status
	if err := tx.QueryRowContext(ctx, `SELECT status FROM work_orders WHERE id = $1`, id).Scan(&st); err != nil {
		return err
	}
	return s.touch(ctx, tx, id, st, s.now())
}
