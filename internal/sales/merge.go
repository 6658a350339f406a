package sales

import (
	"context"
	"database/sql"
)

// MergeCustomer moves the leads, opportunities, test drives, orders and
// follow-ups of customer from to customer into, inside a customer merge's
// transaction tx (customer.Service.OnMerge).
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	for _, q := range []string{
		`UPDATE leads SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE opportunities SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE test_drives SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE vehicle_orders SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE follow_ups SET customer_id = $1 WHERE customer_id = $2`,
	} {
		if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
			return err
		}
	}
	return nil
}
