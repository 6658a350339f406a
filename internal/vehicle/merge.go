package vehicle

import (
	"context"
	"database/sql"
)

// MergeCustomer moves the vehicles, charging sessions, ownership history
// and used bind codes of customer from to customer into, inside a customer
// merge's transaction tx (customer.Service.OnMerge).
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	for _, q := range []string{
		`UPDATE vehicles SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE charging_sessions SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE vehicle_ownerships SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE vehicle_bind_codes SET used_by_customer_id = $1 WHERE used_by_customer_id = $2`,
	} {
		if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
			return err
		}
	}
	return nil
}
