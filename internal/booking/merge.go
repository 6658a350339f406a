package booking

import (
	"context"
	"database/sql"
)

// MergeCustomer moves the appointments and battery swaps of customer from
// to customer into, inside a customer merge's transaction tx
// (customer.Service.OnMerge).
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	for _, q := range []string{
		`UPDATE appointments SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE battery_swaps SET customer_id = $1 WHERE customer_id = $2`,
	} {
		if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
			return err
		}
	}
	return nil
}
