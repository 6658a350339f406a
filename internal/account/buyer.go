package account

import (
	"context"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// This file is the owner account a buyer gets at the delivery of their car
// (internal/sales): the delivery links the account the customer already
// has, or opens one with an initial password the buyer chose at the
// handover, in the delivery's own transaction.

// OwnerAccountOf returns the id of customer customerID's owner account read
// through q, or 0 when the customer has none.
func OwnerAccountOf(ctx context.Context, q db.Querier, customerID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE customer_id = $1 AND role = 'owner'`, customerID).Scan(&id)
	if db.NoRows(err) {
		return 0, nil
	}
	return id, err
}

// HashBuyerPassword checks and hashes the initial password of a buyer's new
// owner account, outside any transaction (argon2id is slow): Invalid on
// "password" unless 8 to 72 characters; ErrBusy when no argon2id slot frees
// up in time. Sales staff (for a delivery), admins and the system may call
// it (Forbidden otherwise).
func (s *Service) HashBuyerPassword(ctx context.Context, actor *identity.User, password string) (string, error) {
	if err := identity.Require(actor); err != nil {
		return "", err
	}
	if !actor.Is(identity.RoleSales, identity.RoleAdmin, identity.RoleSystem) {
		return "", apperr.New(apperr.Forbidden, "只有销售顾问可以为车主开通账号")
	}
	if !ValidPassword(password) {
		return "", apperr.Field("password", "初始密码长度须为 8 到 72 个字符")
	}
	return s.hashPassword(ctx, password)
}

// EnsureBuyerAccount returns customer customerID's owner account, opening
// one through q (the delivery's transaction) when there is none: login by
// the customer's mobile, with passwordHash from HashBuyerPassword. It
// reports whether it opened the account; opening is audited
// (open_owner_account, by actorID). A customer without an account and an
// empty passwordHash is Invalid on "password"; a mobile already used by
// another account is Conflict. The caller has checked who acts.
func EnsureBuyerAccount(ctx context.Context, q db.Querier, actorID, customerID int64, passwordHash string, now time.Time) (int64, bool, error) {
	id, err := OwnerAccountOf(ctx, q, customerID)
	if err != nil || id != 0 {
		return id, false, err
	}
	if passwordHash == "" {
		return 0, false, apperr.Field("password", "该客户还没有车主账号，请设置初始登录密码")
	}
	c, err := customer.Get(ctx, q, customerID)
	if err != nil {
		return 0, false, err
	}
	var taken int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE mobile = $1`, c.Mobile).Scan(&taken); err != nil {
		return 0, false, err
	}
	if taken > 0 {
		return 0, false, apperr.New(apperr.Conflict, "该客户的手机号已被其他账号使用，无法开通车主账号，请联系管理员")
	}
	err = q.QueryRowContext(ctx, `INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
		VALUES ($1, $2, 'owner', $3, $4, $5, $6, $6) RETURNING id`, c.Mobile, c.Name, passwordHash, c.ID, true, now.UTC()).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, false, apperr.New(apperr.Conflict, "该客户已有账号，或手机号已被使用")
	}
	if err != nil {
		return 0, false, err
	}
	err = audit.Record(ctx, q, now, audit.Entry{UserID: actorID, Action: "open_owner_account", Entity: "users", EntityID: id,
		Detail: map[string]any{"customer_id": c.ID, "via": "delivery"}})
	return id, true, err
}
