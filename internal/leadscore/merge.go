package leadscore

import (
	"context"
	"database/sql"
)

// MergeCustomer drops the owner-mining scores of customer from, inside a
// customer merge's transaction tx (customer.Service.OnMerge): they
// described a record that no longer stands alone, and the next scoring
// run scores the survivor with everything it now has.
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM owner_scores WHERE customer_id = $1`, from)
	return err
}
