// Package inventory owns the spare-part catalogue (parts, part_models), the
// stock on hand per location (part_stock, at moving-average cost), its
// append-only ledger (stock_movements), transfers in transit
// (stock_transfers) and the battery packs of the swap stations
// (battery_packs, battery_pack_movements).
//
// Stock never lies: every change of part_stock is one ledger line written
// in the same transaction, quantities can never go negative (a decrement is
// one conditional UPDATE, so concurrent issues of the last units give
// exactly the available quantity and an InsufficientStock error to the
// rest), and the ledger of a location and part always sums to its quantity
// on hand. Work orders take parts through IssueTx and give them back
// through ReturnTx / ReturnWorkOrderTx in their own transaction.
//
// Locations are sites of kind service_center, swap_station and warehouse.
// Staff of a service center reach the stock of their center and of the swap
// stations it looks after (sites.parent_id); staff whose site is the
// warehouse reach the warehouse; admins and the system reach every location.
// Any other location answers apperr.NotFound, as if it did not exist.
package inventory

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Service is the inventory area's service.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now)}
}

// Now returns the service's clock reading (UTC).
func (s *Service) Now() time.Time { return s.now() }

// Location is a site that holds stock.
type Location struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	City     string `json:"city"`
	ParentID int64  `json:"parent_id,omitempty"`
}

// KindLabel is the location kind's Chinese name.
func (l *Location) KindLabel() string { return LocationKindLabel(l.Kind) }

// LocationKindLabel is the Chinese name of a location kind.
func LocationKindLabel(kind string) string {
	switch kind {
	case "service_center":
		return "服务中心"
	case "swap_station":
		return "换电站"
	case "warehouse":
		return "中心仓库"
	}
	return kind
}

// locationKinds is the SQL list of the site kinds that hold stock.
const locationKinds = `('service_center', 'swap_station', 'warehouse')`

var errNoLocation = apperr.New(apperr.NotFound, "库存地点不存在")

// staffOnly refuses owners and sales: inventory is the service workspace's.
func staffOnly(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if actor.IsSystem() || actor.Is(identity.RoleAdmin, identity.RoleService) {
		return nil
	}
	return apperr.New(apperr.Forbidden, "只有服务中心员工和管理员可以使用库存管理")
}

// allSites reports whether actor reaches every location.
func allSites(actor *identity.User) bool {
	return actor.IsSystem() || actor.Is(identity.RoleAdmin)
}

// location loads the location id if actor may reach it, apperr.NotFound
// otherwise (also for a site that holds no stock).
func location(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Location, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	var l Location
	err := q.QueryRowContext(ctx, `SELECT id, code, kind, name, city, COALESCE(parent_id, 0) FROM sites
		WHERE id = $1 AND kind IN `+locationKinds, id).Scan(&l.ID, &l.Code, &l.Kind, &l.Name, &l.City, &l.ParentID)
	if db.NoRows(err) {
		return nil, errNoLocation
	}
	if err != nil {
		return nil, err
	}
	if !allSites(actor) && (actor.SiteID == 0 || (l.ID != actor.SiteID && l.ParentID != actor.SiteID)) {
		return nil, errNoLocation
	}
	return &l, nil
}

// Location returns location id. Admins reach every location, service staff
// their own; anything else is apperr.NotFound (Forbidden for owners and
// sales).
func (s *Service) Location(ctx context.Context, actor *identity.User, id int64) (*Location, error) {
	return location(ctx, s.db, actor, id)
}

// Locations returns the locations actor may reach, warehouse first, then
// by kind and name. Owners and sales get apperr.Forbidden.
func (s *Service) Locations(ctx context.Context, actor *identity.User) ([]*Location, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	where, args := "", []any{}
	if !allSites(actor) {
		where, args = " AND (id = $1 OR parent_id = $1)", []any{actor.SiteID}
	}
	return s.locations(ctx, where, args...)
}

// Destinations returns every location a transfer may go to (all locations
// but none of their stock): anyone who may use inventory may send parts to
// any center, station or the warehouse.
func (s *Service) Destinations(ctx context.Context, actor *identity.User) ([]*Location, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	return s.locations(ctx, " AND status = 'open'")
}

func (s *Service) locations(ctx context.Context, where string, args ...any) ([]*Location, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, code, kind, name, city, COALESCE(parent_id, 0) FROM sites
		WHERE kind IN `+locationKinds+where+`
		ORDER BY CASE kind WHEN 'warehouse' THEN 0 WHEN 'service_center' THEN 1 ELSE 2 END, city, name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Location
	for rows.Next() {
		var l Location
		if err := rows.Scan(&l.ID, &l.Code, &l.Kind, &l.Name, &l.City, &l.ParentID); err != nil {
			return nil, err
		}
		out = append(out, &l)
	}
	return out, rows.Err()
}

// scopeSQL restricts a site id column to actor's locations, adding its
// argument to w's args through arg.
func scopeSQL(actor *identity.User, col string, arg func(any) string) string {
	if allSites(actor) {
		return ""
	}
	a := arg(actor.SiteID)
	return col + " IN (SELECT id FROM sites WHERE id = " + a + " OR parent_id = " + a + ")"
}

// nullID is NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// clean trims s and reports whether it has at most max runes.
func clean(s string, max int) (string, bool) {
	s = strings.TrimSpace(s)
	return s, len([]rune(s)) <= max
}

// scanner is a row or rows.
type scanner interface{ Scan(...any) error }

// nullTime converts a scanned nullable time.
func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
