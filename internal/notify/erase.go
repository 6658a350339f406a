package notify

import (
	"context"
	"database/sql"
	"time"
)

// EraseUser deletes the notifications of user userID (0: none) in tx for a
// personal-data deletion. It has the shape of privacy.EraseHook (the app
// registers it); callers check who may erase.
func EraseUser(ctx context.Context, tx *sql.Tx, _, userID int64, _ time.Time) error {
	if userID == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE user_id = $1`, userID)
	return err
}
