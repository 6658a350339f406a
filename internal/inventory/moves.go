package inventory

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// MoveKind is the kind of a ledger line.
type MoveKind string

// Ledger line kinds. The stored values of receipts and issues keep the
// names the schema started with ("in", "out").
const (
	Receipt     MoveKind = "in"
	Issue       MoveKind = "out"
	Return      MoveKind = "return"
	Adjust      MoveKind = "adjust"
	TransferOut MoveKind = "transfer_out"
	TransferIn  MoveKind = "transfer_in"
)

// MoveKinds lists the kinds in the order filters show them.
var MoveKinds = []MoveKind{Receipt, Issue, Return, TransferOut, TransferIn, Adjust}

// Label is the kind's Chinese name.
func (k MoveKind) Label() string {
	switch k {
	case Receipt:
		return "采购入库"
	case Issue:
		return "工单领料"
	case Return:
		return "工单退料"
	case Adjust:
		return "盘点调整"
	case TransferOut:
		return "调拨出库"
	case TransferIn:
		return "调拨入库"
	}
	return string(k)
}

// Valid reports whether k is a ledger line kind.
func (k MoveKind) Valid() bool {
	for _, x := range MoveKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Movement is one ledger line: a signed change of a location's stock of a
// part, with the balance after it, its unit cost, who, when and why.
type Movement struct {
	ID           int64     `json:"id"`
	SiteID       int64     `json:"site_id"`
	SiteName     string    `json:"site_name"`
	PartID       int64     `json:"part_id"`
	SKU          string    `json:"sku"`
	PartName     string    `json:"part_name"`
	Unit         string    `json:"unit"`
	Kind         MoveKind  `json:"kind"`
	KindLabel    string    `json:"kind_label"`
	Quantity     int       `json:"quantity"`
	BalanceAfter int       `json:"balance_after"`
	UnitCostFen  int64     `json:"unit_cost_fen"`
	WorkOrderID  int64     `json:"work_order_id,omitempty"`
	TransferID   int64     `json:"transfer_id,omitempty"`
	Reference    string    `json:"reference"`
	Reason       string    `json:"reason"`
	UserID       int64     `json:"user_id,omitempty"`
	UserName     string    `json:"user_name"`
	CreatedAt    time.Time `json:"created_at"`
}

// InsufficientStock is the error of a decrement beyond the stock on hand.
// It unwraps to an apperr.Conflict (field "quantity") with a Chinese
// message naming what is available, so transports show it as any conflict
// while a work order can read Available with errors.As.
type InsufficientStock struct {
	SiteID, PartID int64
	Requested      int
	Available      int
	err            *apperr.Error
}

func (e *InsufficientStock) Error() string { return e.err.Error() }

// Unwrap returns the apperr.Conflict behind e.
func (e *InsufficientStock) Unwrap() error { return e.err }

func insufficient(siteID, partID int64, requested, available int, unit string) error {
	msg := fmt.Sprintf("库存不足：需要 %d %s，现有 %d %s", requested, unit, available, unit)
	return &InsufficientStock{SiteID: siteID, PartID: partID, Requested: requested, Available: available,
		err: &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: map[string]string{"quantity": msg}}}
}

// Limits of free text on a ledger line.
const (
	MaxReference = 40
	MaxReason    = 200
	MaxQuantity  = 100000
)

// partInfo is what a movement needs to know of a part.
type partInfo struct {
	unit    string
	costFen int64
	reorder int
	active  bool
}

func loadPart(ctx context.Context, q db.Querier, id int64) (*partInfo, error) {
	var p partInfo
	err := q.QueryRowContext(ctx, `SELECT unit, cost_fen, reorder_level, active FROM parts WHERE id = $1`, id).
		Scan(&p.unit, &p.costFen, &p.reorder, &p.active)
	if db.NoRows(err) {
		return nil, apperr.Field("part_id", "备件不存在")
	}
	return &p, err
}

// line is a ledger line to write.
type line struct {
	siteID, partID int64
	kind           MoveKind
	qty            int // signed
	balance        int
	unitCost       int64
	workOrderID    int64
	transferID     int64
	reference      string
	reason         string
}

// write inserts l as a ledger line by actor at now and returns it.
func write(ctx context.Context, q db.Querier, actor *identity.User, now time.Time, l line) (*Movement, error) {
	m := &Movement{SiteID: l.siteID, PartID: l.partID, Kind: l.kind, KindLabel: l.kind.Label(), Quantity: l.qty,
		BalanceAfter: l.balance, UnitCostFen: l.unitCost, WorkOrderID: l.workOrderID, TransferID: l.transferID,
		Reference: l.reference, Reason: l.reason, UserID: identity.ID(actor), CreatedAt: now}
	if actor != nil {
		m.UserName = actor.DisplayName
	}
	err := q.QueryRowContext(ctx, `INSERT INTO stock_movements (site_id, part_id, kind, quantity, balance_after,
		work_order_id, reference, user_id, created_at, unit_cost_fen, reason, transfer_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		l.siteID, l.partID, string(l.kind), l.qty, l.balance, nullID(l.workOrderID), l.reference,
		nullID(identity.ID(actor)), now, l.unitCost, l.reason, nullID(l.transferID)).Scan(&m.ID)
	return m, err
}

// increment adds qty units costing unitCost each to a location's stock,
// folding them into its moving-average cost, and returns the new quantity
// and average.
func increment(ctx context.Context, q db.Querier, siteID, partID int64, qty int, unitCost int64, now time.Time) (int, int64, error) {
	var bal int
	var avg int64
	err := q.QueryRowContext(ctx, `INSERT INTO part_stock (site_id, part_id, quantity, reorder_level, avg_cost_fen, updated_at)
		VALUES ($1, $2, $3, (SELECT reorder_level FROM parts WHERE id = $2), $4, $5)
		ON CONFLICT (site_id, part_id) DO UPDATE SET
			avg_cost_fen = (part_stock.quantity * part_stock.avg_cost_fen + excluded.quantity * excluded.avg_cost_fen
				+ (part_stock.quantity + excluded.quantity) / 2) / (part_stock.quantity + excluded.quantity),
			quantity = part_stock.quantity + excluded.quantity,
			updated_at = excluded.updated_at
		RETURNING quantity, avg_cost_fen`, siteID, partID, qty, unitCost, now).Scan(&bal, &avg)
	return bal, avg, err
}

// decrement takes qty units from a location's stock if that many are on
// hand: one conditional UPDATE, so that of concurrent decrements exactly
// those that fit succeed (PostgreSQL re-checks the condition on the row
// another transaction just changed; SQLite runs writers one at a time). It
// returns the new quantity, the average cost and the reorder level, or
// InsufficientStock.
func decrement(ctx context.Context, q db.Querier, siteID, partID int64, qty int, unit string, now time.Time) (bal int, avg int64, reorder int, err error) {
	err = q.QueryRowContext(ctx, `UPDATE part_stock SET quantity = quantity - $3, updated_at = $4
		WHERE site_id = $1 AND part_id = $2 AND quantity >= $3
		RETURNING quantity, avg_cost_fen, reorder_level`, siteID, partID, qty, now).Scan(&bal, &avg, &reorder)
	if db.NoRows(err) {
		var have int
		if err := q.QueryRowContext(ctx, `SELECT quantity FROM part_stock WHERE site_id = $1 AND part_id = $2`,
			siteID, partID).Scan(&have); err != nil && !db.NoRows(err) {
			return 0, 0, 0, err
		}
		return 0, 0, 0, insufficient(siteID, partID, qty, have, unit)
	}
	return bal, avg, reorder, err
}

// lowStock notifies the service staff of the location (and of the center a
// swap station belongs to) when a decrement took the stock from above its
// reorder point to at or below it.
func lowStock(ctx context.Context, q db.Querier, loc *Location, partID int64, before, after, reorder int, now time.Time) error {
	if !(before > reorder && after <= reorder) {
		return nil
	}
	var sku, name, unit string
	if err := q.QueryRowContext(ctx, `SELECT sku, name, unit FROM parts WHERE id = $1`, partID).Scan(&sku, &name, &unit); err != nil {
		return err
	}
	_, err := notify.NotifySiteStaff(ctx, q, identity.RoleService, []int64{loc.ID, loc.ParentID}, notify.Notification{
		Kind:      notify.StockLow,
		Title:     fmt.Sprintf("库存低于补货点：%s", name),
		Body:      fmt.Sprintf("%s 的 %s（%s）现有 %d %s，补货点 %d %s，请及时补货或申请调拨。", loc.Name, name, sku, after, unit, reorder, unit),
		Link:      fmt.Sprintf("/service/inventory?site_id=%d&low=1", loc.ID),
		CreatedAt: now,
	})
	return err
}

func checkQty(qty int) error {
	if qty <= 0 || qty > MaxQuantity {
		return apperr.Field("quantity", fmt.Sprintf("数量须为 1 到 %d 之间的整数", MaxQuantity))
	}
	return nil
}

// ReceiptRequest is a goods receipt: parts bought in at a unit cost.
type ReceiptRequest struct {
	SiteID      int64
	PartID      int64
	Quantity    int
	UnitCostFen int64  // purchase price per unit, in fen
	Reference   string // purchase order or delivery note number
	Reason      string // optional note
}

func (r *ReceiptRequest) check() error {
	var v apperr.Validator
	v.Check(r.PartID > 0, "part_id", "请选择备件")
	if err := checkQty(r.Quantity); err != nil {
		v.Check(false, "quantity", apperr.As(err).Message)
	}
	v.Check(r.UnitCostFen >= 0 && r.UnitCostFen <= 100_000_000_00, "unit_cost_fen", "请填写有效的进货单价")
	var ok bool
	r.Reference, ok = clean(r.Reference, MaxReference)
	v.Check(ok, "reference", fmt.Sprintf("单据号不能超过 %d 个字", MaxReference))
	v.Check(r.Reference != "", "reference", "请填写采购单号或送货单号")
	r.Reason, ok = clean(r.Reason, MaxReason)
	v.Check(ok, "reason", fmt.Sprintf("备注不能超过 %d 个字", MaxReason))
	return v.Err()
}

// Receive books a goods receipt into a location's stock at the given unit
// cost (moving average) and returns its ledger line.
//
// Staff who reach the location and admins may call it; another location is
// apperr.NotFound, owners and sales get apperr.Forbidden. Bad input is
// apperr.Invalid naming the field (part_id, quantity, unit_cost_fen,
// reference, reason); an inactive part is Invalid on part_id.
func (s *Service) Receive(ctx context.Context, actor *identity.User, r ReceiptRequest) (*Movement, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	var m *Movement
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := location(ctx, tx, actor, r.SiteID); err != nil {
			return err
		}
		p, err := loadPart(ctx, tx, r.PartID)
		if err != nil {
			return err
		}
		if !p.active {
			return apperr.Field("part_id", "该备件已停用，不能入库")
		}
		now := s.now()
		bal, _, err := increment(ctx, tx, r.SiteID, r.PartID, r.Quantity, r.UnitCostFen, now)
		if err != nil {
			return err
		}
		m, err = write(ctx, tx, actor, now, line{siteID: r.SiteID, partID: r.PartID, kind: Receipt, qty: r.Quantity,
			balance: bal, unitCost: r.UnitCostFen, reference: r.Reference, reason: r.Reason})
		return err
	})
	return m, err
}

// IssueRequest takes parts from a location's stock for a work order.
type IssueRequest struct {
	SiteID      int64
	PartID      int64
	Quantity    int
	WorkOrderID int64  // the work order the parts go to (required)
	Reference   string // the work order's code, shown in the ledger
}

// IssueTx issues parts to a work order inside the caller's transaction q,
// so that the work order's parts line and this ledger line commit together
// (or neither does). The parts leave at the location's moving-average cost,
// which the returned line carries in UnitCostFen. When the issue takes the
// stock to or below its reorder point the location's service staff are
// notified (in q).
//
// Staff who reach the location, admins and the system may call it: another
// location is apperr.NotFound, owners and sales get apperr.Forbidden. A
// quantity beyond the stock on hand returns *InsufficientStock, an
// apperr.Conflict on field "quantity" (nothing is written); bad input is
// apperr.Invalid (part_id, quantity, work_order_id). The caller vouches for
// the work order (inventory knows nothing of work orders).
func (s *Service) IssueTx(ctx context.Context, q db.Querier, actor *identity.User, r IssueRequest) (*Movement, error) {
	loc, err := location(ctx, q, actor, r.SiteID)
	if err != nil {
		return nil, err
	}
	if err := checkQty(r.Quantity); err != nil {
		return nil, err
	}
	if r.WorkOrderID <= 0 {
		return nil, apperr.Field("work_order_id", "领料须指定工单")
	}
	ref, _ := clean(r.Reference, MaxReference)
	p, err := loadPart(ctx, q, r.PartID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	bal, avg, reorder, err := decrement(ctx, q, r.SiteID, r.PartID, r.Quantity, p.unit, now)
	if err != nil {
		return nil, err
	}
	if err := lowStock(ctx, q, loc, r.PartID, bal+r.Quantity, bal, reorder, now); err != nil {
		return nil, err
	}
	return write(ctx, q, actor, now, line{siteID: r.SiteID, partID: r.PartID, kind: Issue, qty: -r.Quantity,
		balance: bal, unitCost: avg, workOrderID: r.WorkOrderID, reference: ref})
}

// Issue is IssueTx in a transaction of its own.
func (s *Service) Issue(ctx context.Context, actor *identity.User, r IssueRequest) (*Movement, error) {
	var m *Movement
	err := s.db.InTx(ctx, func(tx *sql.Tx) (err error) {
		m, err = s.IssueTx(ctx, tx, actor, r)
		return err
	})
	return m, err
}

// ReturnRequest gives parts issued to a work order back to the stock of the
// location they came from.
type ReturnRequest struct {
	SiteID      int64
	PartID      int64
	Quantity    int
	WorkOrderID int64
	Reference   string // the work order's code
	Reason      string // e.g. "工单取消" or "未使用"
}

// Issued returns how many units of part the work order holds from the
// location (issued less returned) and their average unit cost, read in q.
func Issued(ctx context.Context, q db.Querier, workOrderID, siteID, partID int64) (qty int, unitCost int64, err error) {
	var out, outCost, back sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT
			SUM(CASE WHEN kind = 'out' THEN -quantity ELSE 0 END),
			SUM(CASE WHEN kind = 'out' THEN -quantity * unit_cost_fen ELSE 0 END),
			SUM(CASE WHEN kind = 'return' THEN quantity ELSE 0 END)
		FROM stock_movements WHERE work_order_id = $1 AND site_id = $2 AND part_id = $3`,
		workOrderID, siteID, partID).Scan(&out, &outCost, &back)
	if err != nil || out.Int64 == 0 {
		return 0, 0, err
	}
	return int(out.Int64 - back.Int64), (outCost.Int64 + out.Int64/2) / out.Int64, nil
}

// ReturnTx books parts given back from a work order into the location's
// stock, in the caller's transaction q, at the cost they were issued at.
//
// Callers as for IssueTx. Returning more than the work order holds of the
// part from that location (issued less already returned) is apperr.Conflict
// on field "quantity"; bad input is apperr.Invalid (part_id, quantity,
// work_order_id, reason).
func (s *Service) ReturnTx(ctx context.Context, q db.Querier, actor *identity.User, r ReturnRequest) (*Movement, error) {
	if _, err := location(ctx, q, actor, r.SiteID); err != nil {
		return nil, err
	}
	if err := checkQty(r.Quantity); err != nil {
		return nil, err
	}
	if r.WorkOrderID <= 0 {
		return nil, apperr.Field("work_order_id", "退料须指定工单")
	}
	ref, _ := clean(r.Reference, MaxReference)
	reason, ok := clean(r.Reason, MaxReason)
	if !ok {
		return nil, apperr.Field("reason", fmt.Sprintf("原因不能超过 %d 个字", MaxReason))
	}
	p, err := loadPart(ctx, q, r.PartID)
	if err != nil {
		return nil, err
	}
	held, cost, err := Issued(ctx, q, r.WorkOrderID, r.SiteID, r.PartID)
	if err != nil {
		return nil, err
	}
	if r.Quantity > held {
		msg := fmt.Sprintf("退料数量超过该工单已领用的数量（%d %s）", held, p.unit)
		return nil, &apperr.Error{Code: apperr.Conflict, Message: msg, Fields: map[string]string{"quantity": msg}}
	}
	now := s.now()
	bal, _, err := increment(ctx, q, r.SiteID, r.PartID, r.Quantity, cost, now)
	if err != nil {
		return nil, err
	}
	return write(ctx, q, actor, now, line{siteID: r.SiteID, partID: r.PartID, kind: Return, qty: r.Quantity,
		balance: bal, unitCost: cost, workOrderID: r.WorkOrderID, reference: ref, reason: reason})
}

// ReturnWorkOrderTx gives back every part a work order still holds, from
// every location, in the caller's transaction q: what a cancelled work
// order does. It returns the ledger lines written (none when the work order
// holds no parts). Callers as for IssueTx; a location the actor does not
// reach is apperr.NotFound and nothing is returned.
func (s *Service) ReturnWorkOrderTx(ctx context.Context, q db.Querier, actor *identity.User, workOrderID int64, reference, reason string) ([]*Movement, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT site_id, part_id,
			SUM(CASE WHEN kind = 'out' THEN -quantity WHEN kind = 'return' THEN -quantity ELSE 0 END)
		FROM stock_movements WHERE work_order_id = $1 GROUP BY site_id, part_id ORDER BY site_id, part_id`, workOrderID)
	if err != nil {
		return nil, err
	}
	type held struct {
		site, part int64
		qty        int
	}
	var hs []held
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.site, &h.part, &h.qty); err != nil {
			rows.Close()
			return nil, err
		}
		if h.qty > 0 {
			hs = append(hs, h)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []*Movement
	for _, h := range hs {
		m, err := s.ReturnTx(ctx, q, actor, ReturnRequest{SiteID: h.site, PartID: h.part, Quantity: h.qty,
			WorkOrderID: workOrderID, Reference: reference, Reason: reason})
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// AdjustRequest is a stocktake: the quantity counted on the shelf.
type AdjustRequest struct {
	SiteID  int64
	PartID  int64
	Counted int
	// Expected, when not nil, is the book quantity the counter saw; if the
	// stock moved since, the adjustment is refused (apperr.Conflict) so a
	// count is never applied to a different balance.
	Expected *int
	Reason   string // required: why book and shelf differ
}

// Adjust books a stocktake: the difference between the counted and the
// book quantity becomes one "adjust" ledger line at the moving-average
// cost, with the reason. It returns the line.
//
// Callers as for Receive. A count equal to the book quantity, a negative
// count or a missing reason is apperr.Invalid (counted, reason); a book
// quantity that changed since Expected is apperr.Conflict.
func (s *Service) Adjust(ctx context.Context, actor *identity.User, r AdjustRequest) (*Movement, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	var v apperr.Validator
	v.Check(r.PartID > 0, "part_id", "请选择备件")
	v.Check(r.Counted >= 0 && r.Counted <= MaxQuantity, "counted", fmt.Sprintf("盘点数量须为 0 到 %d 之间的整数", MaxQuantity))
	reason, ok := clean(r.Reason, MaxReason)
	v.Check(ok, "reason", fmt.Sprintf("原因不能超过 %d 个字", MaxReason))
	v.Check(reason != "", "reason", "请填写盘点差异的原因")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var m *Movement
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		loc, err := location(ctx, tx, actor, r.SiteID)
		if err != nil {
			return err
		}
		p, err := loadPart(ctx, tx, r.PartID)
		if err != nil {
			return err
		}
		var book, reorder int
		var avg int64
		err = tx.QueryRowContext(ctx, `SELECT quantity, avg_cost_fen, reorder_level FROM part_stock WHERE site_id = $1 AND part_id = $2`,
			r.SiteID, r.PartID).Scan(&book, &avg, &reorder)
		if db.NoRows(err) {
			book, avg, reorder, err = 0, p.costFen, p.reorder, nil
		}
		if err != nil {
			return err
		}
		if r.Expected != nil && *r.Expected != book {
			return apperr.New(apperr.Conflict, fmt.Sprintf("盘点期间账面数量已从 %d 变为 %d，请按最新账面重新核对", *r.Expected, book))
		}
		delta := r.Counted - book
		if delta == 0 {
			return apperr.Field("counted", "盘点数量与账面一致，无需调整")
		}
		if avg == 0 {
			avg = p.costFen
		}
		now := s.now()
		var bal int
		if delta > 0 {
			bal, _, err = increment(ctx, tx, r.SiteID, r.PartID, delta, avg, now)
		} else {
			bal, _, _, err = decrement(ctx, tx, r.SiteID, r.PartID, -delta, p.unit, now)
			if err == nil {
				err = lowStock(ctx, tx, loc, r.PartID, book, bal, reorder, now)
			}
		}
		if err != nil {
			return err
		}
		if bal != r.Counted {
			// The SQLite transaction holds the write lock from BEGIN and a
			// PostgreSQL row lock is held since the UPDATE: a mismatch
			// means a concurrent change slipped in before it.
			return apperr.New(apperr.Conflict, "盘点期间库存发生了变化，请重新盘点")
		}
		m, err = write(ctx, tx, actor, now, line{siteID: r.SiteID, partID: r.PartID, kind: Adjust, qty: delta,
			balance: bal, unitCost: avg, reason: reason})
		return err
	})
	return m, err
}

// SetReorderLevel sets the reorder point of a part at a location (the stock
// at or below which the location's staff are told to restock). A location
// that never held the part gets a stock row with quantity 0.
//
// Callers as for Receive; a level below 0 or above MaxQuantity is
// apperr.Invalid on reorder_level. The change is audited.
func (s *Service) SetReorderLevel(ctx context.Context, actor *identity.User, siteID, partID int64, level int) error {
	if err := staffOnly(actor); err != nil {
		return err
	}
	if level < 0 || level > MaxQuantity {
		return apperr.Field("reorder_level", fmt.Sprintf("补货点须为 0 到 %d 之间的整数", MaxQuantity))
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := location(ctx, tx, actor, siteID); err != nil {
			return err
		}
		p, err := loadPart(ctx, tx, partID)
		if err != nil {
			return err
		}
		now := s.now()
		var old sql.NullInt64
		_ = tx.QueryRowContext(ctx, `SELECT reorder_level FROM part_stock WHERE site_id = $1 AND part_id = $2`, siteID, partID).Scan(&old)
		if _, err := tx.ExecContext(ctx, `INSERT INTO part_stock (site_id, part_id, quantity, reorder_level, avg_cost_fen, updated_at)
			VALUES ($1, $2, 0, $3, $4, $5)
			ON CONFLICT (site_id, part_id) DO UPDATE SET reorder_level = excluded.reorder_level`,
			siteID, partID, level, p.costFen, now); err != nil {
			return err
		}
		return recordAudit(ctx, tx, actor, now, "stock.reorder_level", "part_stock", partID,
			map[string]any{"site_id": siteID, "from": old.Int64, "to": level})
	})
}
