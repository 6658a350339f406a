package account

import (
	"context"
	"database/sql"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Sweep deletes the sessions that have expired at now (expires_at <= now:
// SessionUser already refuses them) and the login and registration
// counters whose window and lock have both ended at now, and returns how
// many rows of each it deleted. The caller is the scheduled sweep job
// (every hour, see internal/app), as the system actor (an admin may too);
// others are Forbidden, a nil actor Unauthenticated.
func (s *Service) Sweep(ctx context.Context, actor *identity.User, now time.Time) (sessions, failures int64, err error) {
	if err := identity.Require(actor); err != nil {
		return 0, 0, err
	}
	if !actor.Is(identity.RoleSystem, identity.RoleAdmin) {
		return 0, 0, apperr.New(apperr.Forbidden, "只有系统可以清理会话")
	}
	now = now.UTC()
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, 0, err
	}
	if sessions, err = res.RowsAffected(); err != nil {
		return 0, 0, err
	}
	failures, err = deleteStaleFailures(ctx, s.db, now)
	return sessions, failures, err
}

// deleteStaleFailures deletes the login_failures rows whose window
// (throttleWindow from the first attempt) and lock have both ended at now.
func deleteStaleFailures(ctx context.Context, ex interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, now time.Time) (int64, error) {
	res, err := ex.ExecContext(ctx, `DELETE FROM login_failures WHERE first_failed_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)`,
		now.Add(-throttleWindow), now)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
