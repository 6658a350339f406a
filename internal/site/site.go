// Package site holds the maker's places: direct-sales stores, service
// centers, charging stations and battery-swap stations, with their opening
// hours and bookable capacity.
package site

import (
	"context"
	"fmt"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Kind is the type of a site.
type Kind string

// Site kinds.
const (
	Store           Kind = "store"
	ServiceCenter   Kind = "service_center"
	ChargingStation Kind = "charging_station"
	SwapStation     Kind = "swap_station"
	// Warehouse is the central parts warehouse: it holds stock (internal/
	// inventory) and takes no bookings.
	Warehouse Kind = "warehouse"
)

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case Store:
		return "直营店"
	case ServiceCenter:
		return "服务中心"
	case ChargingStation:
		return "充电站"
	case SwapStation:
		return "换电站"
	case Warehouse:
		return "中心仓库"
	}
	return string(k)
}

// Site is one place.
type Site struct {
	ID               int64
	Code             string
	Kind             Kind
	Name             string
	Province         string
	City             string
	District         string
	Address          string
	Phone            string
	OpenMinute       int
	CloseMinute      int
	SlotMinutes      int
	Bays             int
	ChargerCount     int
	BatteryTotal     int
	ChargedBatteries int
	ParentID         int64
	Open             bool
}

// Hours returns the opening hours as "08:00-20:00".
func (s *Site) Hours() string { return Clock(s.OpenMinute) + "-" + Clock(s.CloseMinute) }

// Clock formats minutes after midnight as "HH:MM".
func Clock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// Service reads sites.
type Service struct{ db *db.DB }

// NewService returns a Service on d.
func NewService(d *db.DB) *Service { return &Service{db: d} }

const columns = `id, code, kind, name, province, city, district, address, phone, open_minute, close_minute, slot_minutes,
	bays, charger_count, battery_total, charged_batteries, COALESCE(parent_id, 0), status = 'open'`

func scan(row interface{ Scan(...any) error }) (*Site, error) {
	var s Site
	err := row.Scan(&s.ID, &s.Code, &s.Kind, &s.Name, &s.Province, &s.City, &s.District, &s.Address, &s.Phone,
		&s.OpenMinute, &s.CloseMinute, &s.SlotMinutes, &s.Bays, &s.ChargerCount, &s.BatteryTotal, &s.ChargedBatteries,
		&s.ParentID, &s.Open)
	return &s, err
}

// Get returns the site with id, or NotFound.
func (s *Service) Get(ctx context.Context, id int64) (*Site, error) {
	return Get(ctx, s.db, id)
}

// Get returns the site with id read through q (a transaction or a database),
// or a NotFound error.
func Get(ctx context.Context, q db.Querier, id int64) (*Site, error) {
	st, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM sites WHERE id = $1`, id))
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "网点不存在")
	}
	return st, err
}

// GetByCode returns the site with code, or NotFound.
func (s *Service) GetByCode(ctx context.Context, code string) (*Site, error) {
	st, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM sites WHERE code = $1`, code))
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "网点不存在")
	}
	return st, err
}

// List returns open sites of kind (all kinds when empty) in city (all cities
// when empty), ordered by city and name, at most limit.
func (s *Service) List(ctx context.Context, kind Kind, city string, limit int) ([]*Site, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+` FROM sites
		WHERE status = 'open' AND ($1 = '' OR kind = $1) AND ($2 = '' OR city = $2)
		ORDER BY city, name LIMIT `+fmt.Sprint(limit), string(kind), city)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Site
	for rows.Next() {
		st, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Cities returns the cities that have an open site of kind, alphabetically.
func (s *Service) Cities(ctx context.Context, kind Kind) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT city FROM sites WHERE status = 'open' AND ($1 = '' OR kind = $1) ORDER BY city`, string(kind))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Shanghai is the business time zone (UTC+8, no daylight saving), fixed so
// that the binary needs no time-zone database.
var Shanghai = time.FixedZone("CST", 8*3600)

// AssignStations makes the service center centerID responsible for every
// charging and swap station in city (their queue appears in that center's
// workspace). Only the system actor or an admin may call it (Forbidden);
// an unknown center or one of another kind is Invalid.
func (s *Service) AssignStations(ctx context.Context, actor *identity.User, city string, centerID int64) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleAdmin, identity.RoleSystem) {
		return apperr.New(apperr.Forbidden, "只有管理员可以调整网点归属")
	}
	center, err := s.Get(ctx, centerID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	if err != nil || center.Kind != ServiceCenter {
		return apperr.Field("center_id", "请选择一个服务中心")
	}
	_, err = s.db.ExecContext(ctx, `UPDATE sites SET parent_id = $1 WHERE city = $2 AND kind IN ('charging_station', 'swap_station')`, centerID, city)
	return err
}

// SetBatteries sets swap station id's battery counts in q (a transaction):
// total packs and charged ones. Inventory, which owns the packs, calls it
// after every change of a pack, so that the booking rule (a day's swap
// bookings never exceed the charged packs) reads them from the site.
func SetBatteries(ctx context.Context, q db.Querier, id int64, total, charged int) error {
	_, err := q.ExecContext(ctx, `UPDATE sites SET battery_total = $1, charged_batteries = $2 WHERE id = $3`, total, charged, id)
	return err
}
