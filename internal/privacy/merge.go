package privacy

import (
	"context"
	"database/sql"

	"github.com/nevcrm/nevcrm/internal/apperr"
)

// MergeCustomer moves the privacy requests of customer from to customer
// into, inside a customer merge's transaction tx (customer.Service.OnMerge).
// A pending deletion request must be decided first when both records have
// one (each customer has at most one open request): Conflict.
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM privacy_requests WHERE customer_id IN ($1, $2) AND status = 'pending'`,
		from, into).Scan(&open); err != nil {
		return err
	}
	if open == 2 {
		return apperr.New(apperr.Conflict, "两份档案都有待处理的注销申请，请先在隐私请求队列中处理")
	}
	_, err := tx.ExecContext(ctx, `UPDATE privacy_requests SET customer_id = $1 WHERE customer_id = $2`, into, from)
	return err
}
