package account

import (
	"context"
	"database/sql"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// OpenOwnerAccount opens a login for an existing customer record ("开通车主
// 账号"): an owner account with the customer's name and mobile and the given
// password (8 to 72 characters), audited. username may be empty (login by
// mobile). Only the system actor or an admin may call it (Forbidden); an
// unknown customer is NotFound; a customer that already has an account, or
// a taken username or mobile, is Conflict.
func (s *Service) OpenOwnerAccount(ctx context.Context, actor *identity.User, customerID int64, username, password string) (*identity.User, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !actor.Is(identity.RoleAdmin, identity.RoleSystem) {
		return nil, apperr.New(apperr.Forbidden, "只有管理员可以开通车主账号")
	}
	if !ValidPassword(password) {
		return nil, apperr.Field("password", "密码长度须为 8 到 72 个字符")
	}
	return s.openOwner(ctx, actor, customerID, username, func() (string, error) { return s.hashPassword(ctx, password) })
}

// openOwner opens the owner account of customerID with the password hash
// that hash returns (called once the input is valid).
func (s *Service) openOwner(ctx context.Context, actor *identity.User, customerID int64, username string, hash func() (string, error)) (*identity.User, error) {
	if username != "" && !ValidUsername(username) {
		return nil, apperr.Field("username", "用户名须为 3 到 32 位小写字母、数字或 _ . -，以字母开头")
	}
	c, err := customer.Get(ctx, s.db, customerID)
	if err != nil {
		return nil, err
	}
	h, err := hash()
	if err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
			VALUES ($1, $2, $3, 'owner', $4, $5, $6, $7, $7) RETURNING id`,
			nullString(username), c.Mobile, c.Name, h, c.ID, true, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "该客户已有账号，或用户名、手机号已被使用")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "open_owner_account", Entity: "users", EntityID: id,
			Detail: map[string]any{"customer_id": c.ID}})
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// MergeCustomer moves the owner account of customer from to customer into,
// inside a customer merge's transaction tx (customer.Service.OnMerge). Each
// customer has at most one account, so two records that both have one are
// not merged: Conflict.
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE customer_id IN ($1, $2)`, from, into).Scan(&n); err != nil {
		return err
	}
	if n == 2 {
		return apperr.New(apperr.Conflict, "两份档案都有车主账号，不能合并；请先停用其中一个账号并联系管理员")
	}
	_, err := tx.ExecContext(ctx, `UPDATE users SET customer_id = $1 WHERE customer_id = $2`, into, from)
	return err
}
