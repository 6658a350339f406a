package customer

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// ErasedName is the name of an anonymised customer.
const ErasedName = "已注销用户"

// Erase anonymises customer id in tx (a personal-data deletion, PIPL
// article 47): name, nickname, mobile (replaced by a unique placeholder
// that is no phone number), gender, birth year, places, interests, notes,
// preferences and consent are cleared, the staff's notes and tags about
// them deleted, and erased_at set. The record itself stays, so that the
// orders, work orders and warranty records the law requires keep their
// customer. It has the shape of privacy.EraseHook (the app registers it);
// callers check who may erase.
func Erase(ctx context.Context, tx *sql.Tx, id, _ int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE customers SET name = $1, nickname = '', mobile = $2, gender = 'U', birth_year = NULL,
		province = '', city = '', interests = '', notes = '', usage_purpose = '', home_charging = 'unknown', family_size = NULL,
		preferred_contact = 'phone', consent_marketing = $3, consent_at = $4, erased_at = $4, updated_at = $4 WHERE id = $5`,
		ErasedName, "erased-"+strconv.FormatInt(id, 10), false, now, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM customer_notes WHERE customer_id = $1`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM customer_tags WHERE customer_id = $1`, id)
	return err
}
