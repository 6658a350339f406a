package workorder

import (
	"context"
	"database/sql"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Stock moves parts between a center's stock and its work orders, inside
// the work order's transaction q, so that a parts line and its stock
// movement commit together. internal/inventory provides it; internal/app
// plugs it in with UseStock.
type Stock interface {
	// Issue takes qty of part partID from the stock of siteID for the
	// work order and returns the unit price to charge (fen). Not enough
	// stock is a Conflict; the stock never goes negative.
	Issue(ctx context.Context, q db.Querier, actor *identity.User, siteID, partID int64, qty int, workOrderID int64, ref string) (unitPriceFen int64, err error)
	// Return puts qty of part partID back into the stock of siteID from
	// the work order.
	Return(ctx context.Context, q db.Querier, actor *identity.User, siteID, partID int64, qty int, workOrderID int64, ref string) error
}

// UseStock plugs in the stock the parts lines are issued from.
func (s *Service) UseStock(st Stock) { s.stock = st }

// errNoStock refuses parts while no stock is plugged in.
var errNoStock = apperr.New(apperr.Conflict, "库存服务未接入，暂不能领用或退回备件")

// returnParts returns every part still issued to w to the center's stock
// and marks its lines returned (a cancelled work order keeps its lines as a
// record, without charge).
func (s *Service) returnParts(ctx context.Context, tx *sql.Tx, actor *identity.User, w *WorkOrder, now time.Time) error {
	for _, p := range w.Parts {
		if p.Returned {
			continue
		}
		if s.stock == nil {
			return errNoStock
		}
		if err := s.stock.Return(ctx, tx, actor, w.SiteID, p.PartID, p.Quantity, w.ID, w.Code); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE work_order_parts SET returned = TRUE WHERE id = $1`, p.ID); err != nil {
			return err
		}
	}
	return nil
}
