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

// Redact replaces the title and empties the body of the notifications
// linking to link in the inboxes of the owner accounts of customers, in tx:
// for when the person such a notification quotes (a comment's excerpt,
// their nickname) has their personal data erased. The calling area names
// the link it made and whom it notified; callers check who may erase.
func Redact(ctx context.Context, tx *sql.Tx, customers []int64, link, title string) error {
	title = clip(title, MaxTitle)
	for _, c := range customers {
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET title = $3, body = ''
			WHERE link = $2 AND user_id IN (SELECT id FROM users WHERE customer_id = $1)`, c, link, title); err != nil {
			return err
		}
	}
	return nil
}
