package inventory

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func recordAudit(ctx context.Context, q db.Querier, actor *identity.User, now time.Time, action, entity string, id int64, detail map[string]any) error {
	return audit.Record(ctx, q, now, audit.Entry{UserID: identity.ID(actor), Action: action, Entity: entity, EntityID: id, Detail: detail})
}

// Transfer is a shipment of one part from one location to another. Its
// units leave the origin's stock when it is sent (a transfer_out line) and
// are in transit, on neither location's stock, until the destination
// receives them (a transfer_in line).
type Transfer struct {
	ID           int64      `json:"id"`
	Code         string     `json:"code"`
	PartID       int64      `json:"part_id"`
	SKU          string     `json:"sku"`
	PartName     string     `json:"part_name"`
	Unit         string     `json:"unit"`
	Quantity     int        `json:"quantity"`
	UnitCostFen  int64      `json:"unit_cost_fen"`
	FromSiteID   int64      `json:"from_site_id"`
	FromSiteName string     `json:"from_site_name"`
	ToSiteID     int64      `json:"to_site_id"`
	ToSiteName   string     `json:"to_site_name"`
	Status       string     `json:"status"`
	Note         string     `json:"note"`
	SentBy       string     `json:"sent_by"`
	SentAt       time.Time  `json:"sent_at"`
	ReceivedBy   string     `json:"received_by,omitempty"`
	ReceivedAt   *time.Time `json:"received_at,omitempty"`
}

// StatusLabel is the transfer status in Chinese.
func (t *Transfer) StatusLabel() string {
	if t.Status == "received" {
		return "已收货"
	}
	return "在途"
}

// InTransit reports whether the transfer waits for its destination.
func (t *Transfer) InTransit() bool { return t.Status == "in_transit" }

// TransferRequest sends parts from one location to another.
type TransferRequest struct {
	FromSiteID int64
	ToSiteID   int64
	PartID     int64
	Quantity   int
	Note       string
}

// Send ships parts from a location the actor reaches to any other open
// location: the units leave the origin at its moving-average cost and stay
// in transit until Receive. It returns the transfer.
//
// Callers as for Receive (the origin must be the actor's; the destination
// may be any location). Bad input is apperr.Invalid (to_site_id, part_id,
// quantity, note); more than the origin holds is *InsufficientStock.
func (s *Service) Send(ctx context.Context, actor *identity.User, r TransferRequest) (*Transfer, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	var v apperr.Validator
	v.Check(r.PartID > 0, "part_id", "请选择备件")
	if err := checkQty(r.Quantity); err != nil {
		v.Check(false, "quantity", apperr.As(err).Message)
	}
	v.Check(r.ToSiteID > 0, "to_site_id", "请选择调入地点")
	v.Check(r.ToSiteID != r.FromSiteID, "to_site_id", "调入地点不能与调出地点相同")
	note, ok := clean(r.Note, MaxReason)
	v.Check(ok, "note", fmt.Sprintf("备注不能超过 %d 个字", MaxReason))
	if err := v.Err(); err != nil {
		return nil, err
	}
	var t *Transfer
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		from, err := location(ctx, tx, actor, r.FromSiteID)
		if err != nil {
			return err
		}
		var ok bool
		if err := tx.QueryRowContext(ctx, `SELECT status = 'open' FROM sites WHERE id = $1 AND kind IN `+locationKinds,
			r.ToSiteID).Scan(&ok); db.NoRows(err) || (err == nil && !ok) {
			return apperr.Field("to_site_id", "调入地点不存在或已关闭")
		} else if err != nil {
			return err
		}
		p, err := loadPart(ctx, tx, r.PartID)
		if err != nil {
			return err
		}
		now := s.now()
		bal, avg, reorder, err := decrement(ctx, tx, r.FromSiteID, r.PartID, r.Quantity, p.unit, now)
		if err != nil {
			return err
		}
		if err := lowStock(ctx, tx, from, r.PartID, bal+r.Quantity, bal, reorder, now); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO stock_transfers (code, part_id, quantity, unit_cost_fen, from_site_id,
			to_site_id, status, note, sent_by, sent_at) VALUES ($1, $2, $3, $4, $5, $6, 'in_transit', $7, $8, $9) RETURNING id`,
			fmt.Sprintf("TMP-%d", now.UnixNano()), r.PartID, r.Quantity, avg, r.FromSiteID, r.ToSiteID, note,
			nullID(identity.ID(actor)), now).Scan(&id); err != nil {
			return err
		}
		code := fmt.Sprintf("DB%s%05d", now.In(shanghai).Format("060102"), id)
		if _, err := tx.ExecContext(ctx, `UPDATE stock_transfers SET code = $1 WHERE id = $2`, code, id); err != nil {
			return err
		}
		if _, err := write(ctx, tx, actor, now, line{siteID: r.FromSiteID, partID: r.PartID, kind: TransferOut,
			qty: -r.Quantity, balance: bal, unitCost: avg, transferID: id, reference: code, reason: note}); err != nil {
			return err
		}
		t, err = getTransfer(ctx, tx, id)
		return err
	})
	return t, err
}

// ReceiveTransfer books an in-transit transfer into its destination's
// stock (moving average at the transfer's unit cost) and returns it.
//
// Staff who reach the destination and admins may call it; a transfer
// neither from nor to the actor's locations is apperr.NotFound; staff of
// the origin only get apperr.Forbidden; a transfer already received is
// apperr.Conflict.
func (s *Service) ReceiveTransfer(ctx context.Context, actor *identity.User, id int64) (*Transfer, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	var t *Transfer
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if t, err = s.transfer(ctx, tx, actor, id); err != nil {
			return err
		}
		if _, err := location(ctx, tx, actor, t.ToSiteID); err != nil {
			return apperr.New(apperr.Forbidden, "只有调入地点的员工可以确认收货")
		}
		now := s.now()
		// Claim the transfer first: of two concurrent receipts one updates
		// the row and the other sees it received.
		res, err := tx.ExecContext(ctx, `UPDATE stock_transfers SET status = 'received', received_by = $1, received_at = $2
			WHERE id = $3 AND status = 'in_transit'`, nullID(identity.ID(actor)), now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "该调拨单已收货")
		}
		bal, _, err := increment(ctx, tx, t.ToSiteID, t.PartID, t.Quantity, t.UnitCostFen, now)
		if err != nil {
			return err
		}
		if _, err := write(ctx, tx, actor, now, line{siteID: t.ToSiteID, partID: t.PartID, kind: TransferIn,
			qty: t.Quantity, balance: bal, unitCost: t.UnitCostFen, transferID: id, reference: t.Code, reason: t.Note}); err != nil {
			return err
		}
		t, err = getTransfer(ctx, tx, id)
		return err
	})
	return t, err
}

// Transfer returns transfer id if it leaves from or goes to a location the
// actor reaches (apperr.NotFound otherwise).
func (s *Service) Transfer(ctx context.Context, actor *identity.User, id int64) (*Transfer, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	return s.transfer(ctx, s.db, actor, id)
}

func (s *Service) transfer(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Transfer, error) {
	t, err := getTransfer(ctx, q, id)
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "调拨单不存在")
	}
	if err != nil {
		return nil, err
	}
	if _, err := location(ctx, q, actor, t.FromSiteID); err != nil {
		if _, err := location(ctx, q, actor, t.ToSiteID); err != nil {
			return nil, apperr.New(apperr.NotFound, "调拨单不存在")
		}
	}
	return t, nil
}

const transferSelect = `SELECT t.id, t.code, t.part_id, p.sku, p.name, p.unit, t.quantity, t.unit_cost_fen,
	t.from_site_id, f.name, t.to_site_id, d.name, t.status, t.note, COALESCE(us.display_name, ''), t.sent_at,
	COALESCE(ur.display_name, ''), t.received_at
	FROM stock_transfers t JOIN parts p ON p.id = t.part_id JOIN sites f ON f.id = t.from_site_id
	JOIN sites d ON d.id = t.to_site_id LEFT JOIN users us ON us.id = t.sent_by LEFT JOIN users ur ON ur.id = t.received_by`

func scanTransfer(r scanner) (*Transfer, error) {
	var t Transfer
	var recv sql.NullTime
	if err := r.Scan(&t.ID, &t.Code, &t.PartID, &t.SKU, &t.PartName, &t.Unit, &t.Quantity, &t.UnitCostFen,
		&t.FromSiteID, &t.FromSiteName, &t.ToSiteID, &t.ToSiteName, &t.Status, &t.Note, &t.SentBy, &t.SentAt,
		&t.ReceivedBy, &recv); err != nil {
		return nil, err
	}
	t.SentAt = t.SentAt.UTC()
	t.ReceivedAt = nullTime(recv)
	return &t, nil
}

func getTransfer(ctx context.Context, q db.Querier, id int64) (*Transfer, error) {
	return scanTransfer(q.QueryRowContext(ctx, transferSelect+` WHERE t.id = $1`, id))
}

// TransferFilter selects transfers.
type TransferFilter struct {
	SiteID    int64  // from or to this location; 0 for all the actor reaches
	Status    string // "in_transit", "received" or "" for both
	Direction string // "in" (to SiteID), "out" (from SiteID) or "" for both
	Limit     int    // at most 200; 0 for 50
}

// Transfers returns the newest transfers from or to the actor's locations
// that match f. Callers as for Locations; SiteID of a location the actor
// does not reach is apperr.NotFound, a bad status or direction
// apperr.Invalid.
func (s *Service) Transfers(ctx context.Context, actor *identity.User, f TransferFilter) ([]*Transfer, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	var v apperr.Validator
	v.Check(f.Status == "" || f.Status == "in_transit" || f.Status == "received", "status", "状态参数无效")
	v.Check(f.Direction == "" || f.Direction == "in" || f.Direction == "out", "direction", "方向参数无效")
	v.Check(f.Limit >= 0 && f.Limit <= 200, "limit", "每页条数须为 1 到 200 之间的整数")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	var args []any
	arg := func(x any) string { args = append(args, x); return fmt.Sprintf("$%d", len(args)) }
	var conds []string
	if f.SiteID > 0 {
		if _, err := location(ctx, s.db, actor, f.SiteID); err != nil {
			return nil, err
		}
		a := arg(f.SiteID)
		switch f.Direction {
		case "in":
			conds = append(conds, "t.to_site_id = "+a)
		case "out":
			conds = append(conds, "t.from_site_id = "+a)
		default:
			conds = append(conds, "(t.from_site_id = "+a+" OR t.to_site_id = "+a+")")
		}
	} else if !allSites(actor) {
		a := arg(actor.SiteID)
		in := "IN (SELECT id FROM sites WHERE id = " + a + " OR parent_id = " + a + ")"
		switch f.Direction {
		case "in":
			conds = append(conds, "t.to_site_id "+in)
		case "out":
			conds = append(conds, "t.from_site_id "+in)
		default:
			conds = append(conds, "(t.from_site_id "+in+" OR t.to_site_id "+in+")")
		}
	}
	if f.Status != "" {
		conds = append(conds, "t.status = "+arg(f.Status))
	}
	where := ""
	for i, c := range conds {
		if i == 0 {
			where = " WHERE " + c
		} else {
			where += " AND " + c
		}
	}
	rows, err := s.db.QueryContext(ctx, transferSelect+where+` ORDER BY t.id DESC LIMIT `+arg(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

var shanghai = time.FixedZone("CST", 8*3600)
