package workorder

import (
	"context"
	"database/sql"
)

// MergeCustomer moves the work orders and their ratings of customer from
// to customer into, inside a customer merge's transaction tx
// (customer.Service.OnMerge).
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	for _, q := range []string{
		`UPDATE work_orders SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE work_order_ratings SET customer_id = $1 WHERE customer_id = $2`,
	} {
		if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
			return err
		}
	}
	return nil
}
