package workorder

import (
	"context"
	"database/sql"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// EditableTx loads work order id in the caller's transaction for a change
// by actor: service staff of its center or an admin (NotFound otherwise,
// Unauthenticated without an actor), and still editable (Conflict). The
// campaign area uses it before redeeming a coupon.
func (s *Service) EditableTx(ctx context.Context, tx *sql.Tx, actor *identity.User, id int64) (*WorkOrder, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	return s.editable(ctx, tx, actor, id)
}

// ApplyDiscountTx sets the campaign-coupon discount of work order id to
// fen in the caller's transaction and recomputes its totals: what the owner
// pays falls by the discount, never below zero (docs/系统设计.md §2.7).
// Rules and errors as for EditableTx; a negative amount is Invalid.
func (s *Service) ApplyDiscountTx(ctx context.Context, tx *sql.Tx, actor *identity.User, id, fen int64, now time.Time) error {
	if fen < 0 {
		return apperr.Field("discount", "抵扣金额不能为负")
	}
	w, err := s.EditableTx(ctx, tx, actor, id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE work_orders SET discount_fen = $1 WHERE id = $2`, fen, id); err != nil {
		return err
	}
	return s.touch(ctx, tx, id, w.Status, now)
}

// CancelHook runs in the transaction that cancels work order w (its state
// before the cancellation; the status update has already happened, so a
// hook runs once per cancellation however many try at the same time).
// An error rolls the cancellation back.
type CancelHook func(ctx context.Context, tx *sql.Tx, actor *identity.User, w *WorkOrder, now time.Time) error

// OnCancel registers h to run in every cancellation's transaction. The
// areas above the work order use it (the campaign area returns a redeemed
// coupon), since the work order may not import them; internal/app
// registers the hooks at start.
func (s *Service) OnCancel(h CancelHook) { s.onCancel = append(s.onCancel, h) }
