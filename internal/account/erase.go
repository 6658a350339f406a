package account

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// EraseOwner anonymises owner account userID (0: none) in tx for a
// personal-data deletion: the account is disabled, its login names are
// replaced by a placeholder, its display name cleared and its password
// unusable, and every session ended. It has the shape of
// privacy.EraseHook (the app registers it); callers check who may erase.
func EraseOwner(ctx context.Context, tx *sql.Tx, _, userID int64, now time.Time) error {
	if userID == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET username = $1, mobile = NULL, display_name = $2, password_hash = '!erased',
		active = $3, updated_at = $4 WHERE id = $5 AND role = 'owner'`,
		"erased-"+strconv.FormatInt(userID, 10), "已注销用户", false, now, userID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return err
}
