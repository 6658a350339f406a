package inventory

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Battery pack states.
const (
	PackCharged     = "charged"
	PackCharging    = "charging"
	PackMaintenance = "maintenance"
)

// PackStates lists the states in the order pages show them.
var PackStates = []string{PackCharged, PackCharging, PackMaintenance}

// PackStateLabel is a pack state's Chinese name.
func PackStateLabel(state string) string {
	switch state {
	case PackCharged:
		return "满电"
	case PackCharging:
		return "充电中"
	case PackMaintenance:
		return "维修中"
	}
	return state
}

// Pack is one battery pack of a swap station.
type Pack struct {
	ID        int64     `json:"id"`
	Serial    string    `json:"serial"`
	SiteID    int64     `json:"site_id"`
	State     string    `json:"state"`
	HealthPct int       `json:"health_pct"`
	UpdatedAt time.Time `json:"updated_at"`
}

// StateLabel is the pack's state in Chinese.
func (p *Pack) StateLabel() string { return PackStateLabel(p.State) }

// Targets are the states staff may move the pack to, each with its
// button: a charging pack is marked charged when full, any pack in service
// goes to maintenance (a reason is required), a repaired one back to
// charging. A charged pack becomes charging only by a swap (ConsumeForSwap).
func (p *Pack) Targets() []PackTarget {
	switch p.State {
	case PackCharging:
		return []PackTarget{{PackCharged, "充电完成"}, {PackMaintenance, "送修"}}
	case PackCharged:
		return []PackTarget{{PackMaintenance, "送修"}}
	case PackMaintenance:
		return []PackTarget{{PackCharging, "修复，开始充电"}}
	}
	return nil
}

// PackTarget is a state a pack may be moved to, with its button.
type PackTarget struct {
	State string
	Label string
}

// PackMovement is one line of a pack's append-only history.
type PackMovement struct {
	ID            int64     `json:"id"`
	PackID        int64     `json:"pack_id"`
	Serial        string    `json:"serial"`
	SiteID        int64     `json:"site_id"`
	Kind          string    `json:"kind"`
	FromState     string    `json:"from_state"`
	ToState       string    `json:"to_state"`
	Reason        string    `json:"reason"`
	UserName      string    `json:"user_name"`
	AppointmentID int64     `json:"appointment_id,omitempty"`
	At            time.Time `json:"created_at"`
}

// KindLabel is the movement's kind in Chinese.
func (m *PackMovement) KindLabel() string {
	switch {
	case m.AppointmentID != 0:
		return "换电"
	case m.Kind == "receive":
		return "入站"
	case m.Kind == "transfer_out":
		return "调出"
	case m.Kind == "transfer_in":
		return "调入"
	}
	return "状态变更"
}

// Station is a swap station with its packs counted by state.
type Station struct {
	Location
	Total       int `json:"total"`
	Charged     int `json:"charged"`
	Charging    int `json:"charging"`
	Maintenance int `json:"maintenance"`
}

var errNoStation = apperr.New(apperr.NotFound, "换电站不存在")

// station loads swap station id if actor may reach it (as location), or
// NotFound.
func station(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Location, error) {
	l, err := location(ctx, q, actor, id)
	if apperr.Is(err, apperr.NotFound) || (err == nil && l.Kind != "swap_station") {
		return nil, errNoStation
	}
	return l, err
}

// Stations returns the swap stations actor may reach with their packs
// counted by state, by city and name. Owners and sales get Forbidden.
func (s *Service) Stations(ctx context.Context, actor *identity.User) ([]*Station, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	where, args := "", []any{}
	if !allSites(actor) {
		where, args = " AND (s.id = $1 OR s.parent_id = $1)", []any{actor.SiteID}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.code, s.kind, s.name, s.city, COALESCE(s.parent_id, 0),
		COUNT(b.id), COALESCE(SUM(CASE WHEN b.state = 'charged' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN b.state = 'charging' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN b.state = 'maintenance' THEN 1 ELSE 0 END), 0)
		FROM sites s LEFT JOIN battery_packs b ON b.site_id = s.id
		WHERE s.kind = 'swap_station'`+where+`
		GROUP BY s.id, s.code, s.kind, s.name, s.city, s.parent_id ORDER BY s.city, s.name, s.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Station
	for rows.Next() {
		var st Station
		if err := rows.Scan(&st.ID, &st.Code, &st.Kind, &st.Name, &st.City, &st.ParentID, &st.Total, &st.Charged, &st.Charging, &st.Maintenance); err != nil {
			return nil, err
		}
		out = append(out, &st)
	}
	return out, rows.Err()
}

// Station returns swap station id with its counts and its packs (charged
// first, then charging and maintenance, by serial). Staff of another
// center get NotFound, owners and sales Forbidden.
func (s *Service) Station(ctx context.Context, actor *identity.User, id int64) (*Station, []*Pack, error) {
	l, err := station(ctx, s.db, actor, id)
	if err != nil {
		return nil, nil, err
	}
	packs, err := s.packs(ctx, s.db, `WHERE site_id = $1 ORDER BY CASE state WHEN 'charged' THEN 0 WHEN 'charging' THEN 1 ELSE 2 END, serial`, id)
	if err != nil {
		return nil, nil, err
	}
	st := &Station{Location: *l, Total: len(packs)}
	for _, p := range packs {
		switch p.State {
		case PackCharged:
			st.Charged++
		case PackCharging:
			st.Charging++
		case PackMaintenance:
			st.Maintenance++
		}
	}
	return st, packs, nil
}

func (s *Service) packs(ctx context.Context, q db.Querier, where string, args ...any) ([]*Pack, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, serial, site_id, state, health_pct, updated_at FROM battery_packs `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Pack
	for rows.Next() {
		var p Pack
		if err := rows.Scan(&p.ID, &p.Serial, &p.SiteID, &p.State, &p.HealthPct, &p.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

// PackMovements returns the newest movements of swap station id's packs,
// newest first, at most limit, older than the movement id before (0: the
// newest); pack, when not 0, keeps one pack's. Access as Station.
func (s *Service) PackMovements(ctx context.Context, actor *identity.User, id, pack, before int64, limit int) ([]*PackMovement, error) {
	if _, err := station(ctx, s.db, actor, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	where, args := `m.site_id = $1`, []any{id}
	if before > 0 {
		args = append(args, before)
		where += fmt.Sprintf(` AND m.id < $%d`, len(args))
	}
	if pack > 0 {
		args = append(args, pack)
		where += fmt.Sprintf(` AND m.pack_id = $%d`, len(args))
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.pack_id, b.serial, m.site_id, m.kind, m.from_state, m.to_state, m.reason,
		COALESCE(u.display_name, ''), COALESCE(m.appointment_id, 0), m.created_at
		FROM battery_pack_movements m JOIN battery_packs b ON b.id = m.pack_id LEFT JOIN users u ON u.id = m.user_id
		WHERE `+where+fmt.Sprintf(` ORDER BY m.id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*PackMovement{}
	for rows.Next() {
		var m PackMovement
		if err := rows.Scan(&m.ID, &m.PackID, &m.Serial, &m.SiteID, &m.Kind, &m.FromState, &m.ToState, &m.Reason, &m.UserName, &m.AppointmentID, &m.At); err != nil {
			return nil, err
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}

const maxPackReason = 200

// SetPackState moves pack id to state with a reason, as one of the pack's
// Targets: a charging pack is charged when full, any pack goes to
// maintenance (reason required), a repaired one back to charging. The
// station's charged and total counts (sites) follow in the same
// transaction, and a movement line records who, when and why. Staff of
// another center get NotFound; a state the pack cannot move to, or a pack
// changed since it was read (from, when not empty, is the state the caller
// saw), is Conflict; a missing reason Invalid (field "reason").
func (s *Service) SetPackState(ctx context.Context, actor *identity.User, id int64, from, to, reason string) (*Pack, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxPackReason {
		return nil, apperr.Field("reason", fmt.Sprintf("原因不能超过 %d 个字", maxPackReason))
	}
	now := s.now()
	var out *Pack
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		ps, err := s.packs(ctx, tx, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return apperr.New(apperr.NotFound, "电池包不存在")
		}
		p := ps[0]
		if _, err := station(ctx, tx, actor, p.SiteID); err != nil {
			return apperr.New(apperr.NotFound, "电池包不存在")
		}
		if from != "" && from != p.State {
			return apperr.New(apperr.Conflict, "电池包状态已变为「"+p.StateLabel()+"」，请刷新后再操作")
		}
		ok := false
		for _, t := range p.Targets() {
			ok = ok || t.State == to
		}
		if !ok {
			if to == PackCharging && p.State == PackCharged {
				return apperr.New(apperr.Conflict, "满电电池包只在换电时转为充电中")
			}
			return apperr.New(apperr.Conflict, "「"+p.StateLabel()+"」的电池包不能改为「"+PackStateLabel(to)+"」")
		}
		if to == PackMaintenance && reason == "" {
			return apperr.Field("reason", "请填写送修原因")
		}
		if err := movePack(ctx, tx, p, to, reason, actor.ID, 0, now); err != nil {
			return err
		}
		p.State, p.UpdatedAt = to, now
		out = p
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "pack-state", Entity: "battery_packs", EntityID: id,
			Detail: map[string]any{"from": ps[0].State, "to": to, "reason": reason}})
	})
	return out, err
}

// errPackChanged is returned when a pack moved on since it was read.
var errPackChanged = apperr.New(apperr.Conflict, "电池包状态已变化，请刷新后重试")

// movePack changes p's state to to with a conditional UPDATE (p's state as
// read), appends the movement and brings the station's counts in line.
func movePack(ctx context.Context, q db.Querier, p *Pack, to, reason string, userID, appointmentID int64, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE battery_packs SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4`, to, now, p.ID, p.State)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errPackChanged
	}
	var user, appt any
	if userID != 0 {
		user = userID
	}
	if appointmentID != 0 {
		appt = appointmentID
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO battery_pack_movements (pack_id, site_id, kind, from_state, to_state, reason, user_id, appointment_id, created_at)
		VALUES ($1, $2, 'state', $3, $4, $5, $6, $7, $8)`, p.ID, p.SiteID, p.State, to, reason, user, appt, now); err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "该预约已使用过一块电池包")
		}
		return err
	}
	return syncStation(ctx, q, p.SiteID)
}

// syncStation sets the station's pack counts in sites (owned by site).
func syncStation(ctx context.Context, q db.Querier, siteID int64) error {
	var total, charged int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'charged' THEN 1 ELSE 0 END), 0)
		FROM battery_packs WHERE site_id = $1`, siteID).Scan(&total, &charged); err != nil {
		return err
	}
	return site.SetBatteries(ctx, q, siteID, total, charged)
}

// ConsumeForSwap takes one charged pack of swap station siteID for the
// swap of appointment appointmentID, in the caller's transaction q: the
// pack goes into the car and the car's pack takes its place, charging, so
// the station's charged count drops by one (and with it the swaps it can
// still take bookings for, see docs) until a pack is marked charged. A
// station without pack records is not tracked: nothing happens. A station
// whose packs are none charged refuses with Conflict; two swaps racing for
// the last charged pack get it once (conditional update, retried on the
// next charged pack), and one appointment never takes two (unique index).
// userID is the staff member completing the swap (0: the system).
func ConsumeForSwap(ctx context.Context, q db.Querier, siteID, appointmentID, userID int64, reason string, now time.Time) (*Pack, error) {
	var tracked int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM battery_packs WHERE site_id = $1`, siteID).Scan(&tracked); err != nil {
		return nil, err
	}
	if tracked == 0 {
		return nil, nil
	}
	for range 5 {
		var p Pack
		err := q.QueryRowContext(ctx, `SELECT id, serial, site_id, state, health_pct, updated_at FROM battery_packs
			WHERE site_id = $1 AND state = 'charged' ORDER BY updated_at, id LIMIT 1`, siteID).
			Scan(&p.ID, &p.Serial, &p.SiteID, &p.State, &p.HealthPct, &p.UpdatedAt)
		if db.NoRows(err) {
			return nil, apperr.New(apperr.Conflict, "本站暂无满电电池包，不能完成换电；请先在电池包页把充好的电池包标记为满电")
		}
		if err != nil {
			return nil, err
		}
		err = movePack(ctx, q, &p, PackCharging, reason, userID, appointmentID, now)
		if err == errPackChanged {
			continue // taken by a concurrent swap: try the next charged pack
		}
		if err != nil {
			return nil, err
		}
		p.State, p.UpdatedAt = PackCharging, now
		return &p, nil
	}
	return nil, errPackChanged
}
