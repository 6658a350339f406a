package assistant

import (
	"context"
	"database/sql"
)

// MergeCustomer moves the assistant conversations of customer from to
// customer into, inside a customer merge's transaction tx
// (customer.Service.OnMerge).
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE assistant_conversations SET customer_id = $1 WHERE customer_id = $2`, into, from)
	return err
}
