package account

import (
	"context"
	"errors"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// DemoHash is the password_hash of demo accounts: every account the data
// generator makes (staff and owners) and the named accounts of serve --demo.
// It is no argon2id hash, so outside demo mode no password matches it: the
// login check treats it like a disabled password ("!"), checking the dummy
// hash and answering ErrBadCredentials, exactly as for a wrong password. Only
// a service in demo mode (SetDemoPassword) lets the demo password in. A
// published password therefore never works on a server started without
// --demo, whatever database it serves.
const DemoHash = "!demo"

// SetDemoPassword turns demo mode on: accounts whose password_hash is
// DemoHash then log in with password (8 to 72 bytes). It hashes the password
// once with argon2id, so a demo login costs the same check as any other.
// Call it once, before the service handles requests (app does so only for
// serve --demo); a service without it refuses every demo account.
func (s *Service) SetDemoPassword(password string) error {
	if !ValidPassword(password) {
		return errors.New("account: demo password must have 8 to 72 bytes")
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	s.demoHash = h
	return nil
}

// DemoMode reports whether SetDemoPassword turned demo mode on.
func (s *Service) DemoMode() bool { return s.demoHash != "" }

// OpenDemoOwnerAccount is OpenOwnerAccount for demo set-up: the account gets
// DemoHash instead of a password (it logs in with the demo password only in
// demo mode). Only the system actor may call it (Forbidden otherwise, nil
// actor Unauthenticated); an unknown customer is NotFound; a customer with an
// account, or a taken username or mobile, is Conflict.
func (s *Service) OpenDemoOwnerAccount(ctx context.Context, actor *identity.User, customerID int64, username string) (*identity.User, error) {
	if err := requireSystem(actor); err != nil {
		return nil, err
	}
	return s.openOwner(ctx, actor, customerID, username, func() (string, error) { return DemoHash, nil })
}

// requireSystem refuses every actor but the system actor.
func requireSystem(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.IsSystem() {
		return apperr.New(apperr.Forbidden, "只有系统可以创建演示账号")
	}
	return nil
}
