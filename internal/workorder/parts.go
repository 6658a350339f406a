package workorder

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
)

// UseStock plugs in the stock that parts lines are issued from and
// returned to, in the work order's transaction (internal/app does it).
func (s *Service) UseStock(inv *inventory.Service) { s.inv = inv }

// errNoStock refuses parts while no stock is plugged in.
var errNoStock = apperr.New(apperr.Conflict, "库存服务未接入，暂不能领用或退回备件")

// PartInput adds a parts line.
type PartInput struct {
	PartID   int64
	Quantity int
}

// AddPart issues Quantity of a part from the center's stock to work order
// id and adds the parts line at the part's price, paid as the warranty
// rules decide from the part's category; the stock movement and the line
// commit together. Only while editable (Conflict otherwise); staff of its
// center and admins only. An unknown or inactive part or a bad quantity is
// Invalid (part_id, quantity); more than the stock on hand is a Conflict
// naming what is available (nothing is written).
func (s *Service) AddPart(ctx context.Context, actor *identity.User, id int64, in PartInput) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	var v apperr.Validator
	v.Check(in.PartID > 0, "part_id", "请选择备件")
	v.Check(in.Quantity > 0 && in.Quantity <= 1000, "quantity", "数量须为 1 到 1000 的整数")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s.inv == nil {
		return nil, errNoStock
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.editable(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		var name, category string
		var price int64
		var active bool
		err = tx.QueryRowContext(ctx, `SELECT name, category, price_fen, active FROM parts WHERE id = $1`, in.PartID).Scan(&name, &category, &price, &active)
		if db.NoRows(err) || err == nil && !active {
			return apperr.Field("part_id", "请从备件目录中选择在售的备件")
		}
		if err != nil {
			return err
		}
		if err := s.checkLineCount(ctx, tx, id); err != nil {
			return err
		}
		if _, err := s.inv.IssueTx(ctx, tx, actor, inventory.IssueRequest{SiteID: w.SiteID, PartID: in.PartID, Quantity: in.Quantity,
			WorkOrderID: id, Reference: w.Code}); err != nil {
			return err
		}
		scope, err := PartScope(ctx, tx, category)
		if err != nil {
			return err
		}
		wc, err := s.warrantyContext(ctx, tx, id)
		if err != nil {
			return err
		}
		d := wc.decide(scope)
		amount := price * int64(in.Quantity)
		var lineID int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO work_order_parts (work_order_id, part_id, quantity, unit_price_fen, amount_fen, payer, payer_reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, id, in.PartID, in.Quantity, price, amount, string(d.Payer), d.Reason).Scan(&lineID); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, id, w.Status, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order.add_part", Entity: "work_orders", EntityID: id,
			Detail: map[string]any{"line_id": lineID, "part_id": in.PartID, "part": name, "quantity": in.Quantity, "amount_fen": amount, "payer": d.Payer}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// RemovePart returns the parts of line lineID of work order id to the
// center's stock (unused) and keeps the line, marked returned and no longer
// charged. As AddPart for who may and when; an unknown or already returned
// line is NotFound.
func (s *Service) RemovePart(ctx context.Context, actor *identity.User, id, lineID int64) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleService, identity.RoleAdmin) {
		return nil, errNotStaff
	}
	if s.inv == nil {
		return nil, errNoStock
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		w, err := s.editable(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		var partID int64
		var qty int
		err = tx.QueryRowContext(ctx, `SELECT part_id, quantity FROM work_order_parts WHERE id = $1 AND work_order_id = $2 AND returned = FALSE`,
			lineID, id).Scan(&partID, &qty)
		if db.NoRows(err) {
			return apperr.New(apperr.NotFound, "用料明细不存在或已退库")
		}
		if err != nil {
			return err
		}
		if _, err := s.inv.ReturnTx(ctx, tx, actor, inventory.ReturnRequest{SiteID: w.SiteID, PartID: partID, Quantity: qty, WorkOrderID: id,
			Reference: w.Code, Reason: "未使用，退回库存"}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE work_order_parts SET returned = TRUE WHERE id = $1`, lineID); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, id, w.Status, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "work_order.remove_part", Entity: "work_orders", EntityID: id,
			Detail: map[string]any{"line_id": lineID, "part_id": partID, "quantity": qty}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// returnParts returns every part still issued to w to the stock it came
// from and marks its lines returned (a cancelled work order keeps its lines
// as a record, without charge), in tx.
func (s *Service) returnParts(ctx context.Context, tx *sql.Tx, actor *identity.User, w *WorkOrder, now time.Time) error {
	held := false
	for _, p := range w.Parts {
		held = held || !p.Returned
	}
	if !held {
		return nil
	}
	if s.inv == nil {
		return errNoStock
	}
	if _, err := s.inv.ReturnWorkOrderTx(ctx, tx, actor, w.ID, w.Code, "工单取消"); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE work_order_parts SET returned = TRUE WHERE work_order_id = $1 AND returned = FALSE`, w.ID)
	return err
}

// StockedPart is a part the center can issue, with its stock on hand.
type StockedPart struct {
	ID       int64
	SKU      string
	Name     string
	Category string
	Unit     string
	PriceFen int64
	OnHand   int
}

// Label is how the parts select names the part.
func (p *StockedPart) Label() string {
	return fmt.Sprintf("%s %s（%s，库存 %d %s）", p.SKU, p.Name, Yuan(p.PriceFen), p.OnHand, p.Unit)
}

// StockedParts returns the active parts with stock on hand at the center
// of work order id, for its parts form; the caller must be allowed to see
// the work order.
func (s *Service) StockedParts(ctx context.Context, siteID int64) ([]*StockedPart, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.sku, p.name, p.category, p.unit, p.price_fen, st.quantity
		FROM part_stock st JOIN parts p ON p.id = st.part_id
		WHERE st.site_id = $1 AND st.quantity > 0 AND p.active = $2 ORDER BY p.category, p.sku`, siteID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*StockedPart
	for rows.Next() {
		var p StockedPart
		if err := rows.Scan(&p.ID, &p.SKU, &p.Name, &p.Category, &p.Unit, &p.PriceFen, &p.OnHand); err != nil {
			return nil, err
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}
