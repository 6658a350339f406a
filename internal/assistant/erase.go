package assistant

import (
	"context"
	"database/sql"
	"time"
)

// Erase deletes the conversations of customer customerID with the
// assistant (the owner's own words), in the privacy erasure's transaction
// tx: a privacy.EraseHook registered in internal/app. The hand-off tickets
// stay with support (see support.Erase).
func Erase(ctx context.Context, tx *sql.Tx, customerID, _ int64, _ time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM assistant_messages WHERE conversation_id IN
		(SELECT id FROM assistant_conversations WHERE customer_id = $1)`, customerID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM assistant_conversations WHERE customer_id = $1`, customerID)
	return err
}
