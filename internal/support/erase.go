package support

import (
	"context"
	"database/sql"
	"time"
)

// Erased replaces text an owner wrote once they had it erased.
const Erased = "（已按车主申请删除）"

// Erase anonymises what customer customerID wrote to support, in the
// privacy erasure's transaction tx (a privacy.EraseHook registered in
// internal/app): ticket subjects, descriptions (the chat transcripts) and
// the owner's messages, and feedback comments. The tickets and ratings stay
// as service records of the now anonymous customer; staff replies stay.
func Erase(ctx context.Context, tx *sql.Tx, customerID, _ int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE support_ticket_messages SET body = $1 WHERE sender = 'customer'
		AND ticket_id IN (SELECT id FROM support_tickets WHERE customer_id = $2)`, Erased, customerID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE support_tickets SET subject = $1, description = $1, vehicle_id = NULL, updated_at = $2
		WHERE customer_id = $3`, Erased, now, customerID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE feedback SET comment = '' WHERE customer_id = $1`, customerID)
	return err
}
