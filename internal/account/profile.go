package account

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// This file is the owner's own profile (车主个人中心 › 个人资料): name,
// nickname, city, contact preference, marketing consent and password.

// maxPasswordAttempts is how many password changes an account may try
// within the throttle window before it is locked for a while.
const maxPasswordAttempts = 5

// errOwnerOnly refuses the profile to accounts without a customer record.
var errOwnerOnly = apperr.New(apperr.Forbidden, "只有车主可以使用个人中心")

func requireOwner(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return errOwnerOnly
	}
	return nil
}

// MyProfile returns the acting owner's profile. Owners only (Forbidden
// otherwise, Unauthenticated for nil).
func (s *Service) MyProfile(ctx context.Context, actor *identity.User) (*customer.Profile, error) {
	if err := requireOwner(actor); err != nil {
		return nil, err
	}
	return customer.GetProfile(ctx, s.db, actor.CustomerID)
}

// UpdateProfile changes the acting owner's name, nickname, city and contact
// preference; the account's display name follows the name. Audited
// (update_profile, the changed field names only). Owners only (Forbidden);
// bad input is Invalid naming the field.
func (s *Service) UpdateProfile(ctx context.Context, actor *identity.User, in customer.ProfileInput) (*customer.Profile, error) {
	if err := requireOwner(actor); err != nil {
		return nil, err
	}
	if err := customer.CheckProfile(&in); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		before, err := customer.GetProfile(ctx, tx, actor.CustomerID)
		if err != nil {
			return err
		}
		if err := customer.UpdateProfile(ctx, tx, actor.CustomerID, in, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET display_name = $1, updated_at = $2 WHERE id = $3`, in.Name, now, actor.ID); err != nil {
			return err
		}
		var changed []string
		for _, c := range []struct {
			f    string
			a, b string
		}{{"name", before.Name, in.Name}, {"nickname", before.Nickname, in.Nickname}, {"city", before.City, in.City},
			{"preferred_contact", before.PreferredContact, in.PreferredContact}} {
			if c.a != c.b {
				changed = append(changed, c.f)
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "update_profile", Entity: "customers", EntityID: actor.CustomerID,
			Detail: map[string]any{"fields": changed}})
	})
	if err != nil {
		return nil, err
	}
	return customer.GetProfile(ctx, s.db, actor.CustomerID)
}

// SetConsent gives or withdraws the acting owner's marketing consent
// (PIPL: a separate consent that can be withdrawn as easily as given),
// recording the time and an audit entry (consent) when it changes. Owners
// only (Forbidden).
func (s *Service) SetConsent(ctx context.Context, actor *identity.User, consent bool) (*customer.Profile, error) {
	if err := requireOwner(actor); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		changed, err := customer.SetConsent(ctx, tx, actor.CustomerID, consent, now)
		if err != nil || !changed {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "consent", Entity: "customers", EntityID: actor.CustomerID,
			Detail: map[string]any{"consent_marketing": consent}})
	})
	if err != nil {
		return nil, err
	}
	return customer.GetProfile(ctx, s.db, actor.CustomerID)
}

// ChangePassword sets a new password on the actor's own account after
// checking the current one, and ends every other session of the account
// (keepToken is the session the change was made in, which stays open).
// Audited (change_password, no password recorded). Any logged-in user may
// call it for themselves. A wrong current password is Invalid on
// "old_password" (and counts against the account's password-change limit:
// after 5 within 15 minutes it is RateLimited for 15 minutes); a new password of
// other than 8 to 72 characters is Invalid on "password"; a confirmation
// that differs is Invalid on "password2"; a new password equal to the old
// one is Invalid on "password".
func (s *Service) ChangePassword(ctx context.Context, actor *identity.User, keepToken, oldPassword, newPassword, confirm string) (ended int64, err error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if actor.ID <= 0 {
		return 0, apperr.New(apperr.Forbidden, "系统账号没有密码")
	}
	var v apperr.Validator
	v.Check(oldPassword != "", "old_password", "请输入当前密码")
	v.Check(ValidPassword(newPassword), "password", "新密码长度须为 8 到 72 个字符")
	v.Check(newPassword == confirm, "password2", "两次输入的新密码不一致")
	if err := v.Err(); err != nil {
		return 0, err
	}
	if oldPassword == newPassword {
		return 0, apperr.Field("password", "新密码不能与当前密码相同")
	}
	// Every attempt counts before the hash is checked (a success takes its
	// count back), so concurrent guesses cannot pass the limit.
	limits := []limit{{key: "password:user:" + strconv.FormatInt(actor.ID, 10), max: maxPasswordAttempts}}
	now := s.now()
	if until, err := s.countAttempt(ctx, limits, now); err != nil {
		return 0, err
	} else if !until.IsZero() {
		return 0, apperr.RateLimitedFor(fmt.Sprintf("当前密码输错次数过多，请 %d 分钟后再试", minutesLeft(until, now)), until.Sub(now))
	}
	var hash string
	if err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, actor.ID).Scan(&hash); err != nil {
		if db.NoRows(err) {
			return 0, apperr.New(apperr.NotFound, "用户不存在")
		}
		return 0, err
	}
	if hash == DemoHash {
		// A demo account (serve --demo) is checked against the demo password.
		hash = s.demoHash
	}
	ok := false
	if hash != "" {
		ok, err = s.checkPassword(ctx, hash, oldPassword)
	}
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, apperr.Field("old_password", "当前密码不正确")
	}
	newHash, err := s.hashPassword(ctx, newPassword)
	if err != nil {
		return 0, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, newHash, now, actor.ID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, actor.ID, hashToken(keepToken))
		if err != nil {
			return err
		}
		if ended, err = res.RowsAffected(); err != nil {
			return err
		}
		if err := uncount(ctx, tx, limits); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "change_password", Entity: "users", EntityID: actor.ID,
			Detail: map[string]any{"sessions_ended": ended}})
	})
	return ended, err
}
