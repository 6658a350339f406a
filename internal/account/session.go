package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// SessionPolicy is how long a role's sessions last: a session ends Idle
// after its last request, and Absolute after the login however active it
// stays. docs/系统设计.md §7.1 gives the reasons for the values.
type SessionPolicy struct {
	Idle     time.Duration
	Absolute time.Duration
}

const day = 24 * time.Hour

// sessionPolicies are the lifetimes per role. Owners see only their own
// data, mostly on their own phone (NIST SP 800-63B AAL1: re-authenticate at
// least every 30 days). Sales and service advisors see the personal data of
// every customer of their store or service center, on counter computers
// others pass by (AAL2 timeouts: at most 1 h idle, at most a working day).
// Admins can create accounts and see everything (AAL3-like idle time).
var sessionPolicies = map[identity.Role]SessionPolicy{
	identity.RoleOwner:   {Idle: 14 * day, Absolute: 30 * day},
	identity.RoleSales:   {Idle: time.Hour, Absolute: 12 * time.Hour},
	identity.RoleService: {Idle: time.Hour, Absolute: 12 * time.Hour},
	identity.RoleAdmin:   {Idle: 15 * time.Minute, Absolute: 8 * time.Hour},
}

// SessionPolicyFor returns the session lifetimes of role; a role without
// its own policy gets the strictest (the admin's).
func SessionPolicyFor(role identity.Role) SessionPolicy {
	if p, ok := sessionPolicies[role]; ok {
		return p
	}
	return sessionPolicies[identity.RoleAdmin]
}

// end is when a session created at created and last seen at seen ends.
func (p SessionPolicy) end(created, seen time.Time) time.Time {
	idle, abs := seen.Add(p.Idle), created.Add(p.Absolute)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// TouchInterval is how stale last_seen_at may get before a request writes
// it again: at most one write per session per interval, not one per
// request. The idle timeout is therefore measured with up to this much
// slack (a session may end up to a minute early).
const TouchInterval = time.Minute

// ErrSessionExpired is the answer for a session token that does not (or no
// longer) open a session: unknown, logged out, idle or past its lifetime,
// or of a disabled account.
var ErrSessionExpired = apperr.New(apperr.Unauthenticated, "登录已过期，请重新登录")

// Session is an open login session.
type Session struct {
	Token string // the cookie value; only its hash is stored
	// ExpiresAt is when the session ends unless it is used again: the
	// earlier of the idle timeout and the absolute lifetime. The cookie
	// expires then too.
	ExpiresAt time.Time
	// Renewed is set by SessionUser when this request moved ExpiresAt
	// forward (at most once per TouchInterval): the cookie should be sent
	// again with the new expiry.
	Renewed bool
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession opens a new session for userID, ending previous (the session
// id is rotated at every login). Its lifetime follows the user's role
// (SessionPolicyFor). Trusted callers only (login, registration, tests):
// it checks no password. Returns NotFound for an unknown user.
func (s *Service) StartSession(ctx context.Context, userID int64, previousToken, clientIP, userAgent string) (*Session, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	userAgent = cleanText(userAgent, 300)
	clientIP = cleanText(clientIP, 64)
	// The audit entry records the address the session was opened from (the
	// login throttle reads it back to recognise a known address).
	ctx = audit.WithMeta(ctx, audit.Meta{IP: clientIP, RequestID: audit.MetaFrom(ctx).RequestID})
	var exp time.Time
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var role identity.Role
		err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1`, userID).Scan(&role)
		if db.NoRows(err) {
			return apperr.New(apperr.NotFound, "用户不存在")
		}
		if err != nil {
			return err
		}
		exp = SessionPolicyFor(role).end(now, now)
		if previousToken != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(previousToken)); err != nil {
				return err
			}
		}
		// Housekeeping: drop ended sessions of this user (expires_at is
		// always the session's current end, see SessionUser).
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2`, userID, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
			VALUES ($1, $2, $3, $4, $3, $5, $6)`, hashToken(token), userID, now, exp, clientIP, userAgent)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: userID, Action: "login", Entity: "users", EntityID: userID})
	})
	if err != nil {
		return nil, err
	}
	return &Session{Token: token, ExpiresAt: exp}, nil
}

// sessionQuery reads a session with its user and the user's site: one
// primary-key lookup on sessions joined to users and sites.
const sessionQuery = `SELECT ` + userColumns + `, x.created_at, x.last_seen_at, x.expires_at` + userFrom +
	`JOIN sessions x ON x.user_id = u.id WHERE x.token_hash = $1`

// SessionUser returns the active user of a session token and the session.
// Anyone may call it (it is how a request proves who it is). It returns
// ErrSessionExpired (Unauthenticated) for an unknown or logged-out token, a
// session idle for longer than its role's idle timeout or older than its
// absolute lifetime, and a disabled account.
//
// It reads one row. When the session's last_seen_at is older than
// TouchInterval it also writes one: last_seen_at and the new end of the
// session (expires_at, which a sweep of ended sessions can compare with the
// clock alone), and marks the session Renewed so the cookie can follow.
func (s *Service) SessionUser(ctx context.Context, token string) (*identity.User, *Session, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, ErrSessionExpired
	}
	now := s.now()
	hash := hashToken(token)
	var created, seen, expires time.Time
	u, err := scanUser(s.db.QueryRowContext(ctx, sessionQuery, hash), &created, &seen, &expires)
	if db.NoRows(err) {
		return nil, nil, ErrSessionExpired
	}
	if err != nil {
		return nil, nil, err
	}
	p := SessionPolicyFor(u.Role)
	// Both the stored end and the policy's end are checked, so that a
	// shorter policy applies at once to sessions opened before it.
	if !u.Active || !now.Before(expires) || !now.Before(p.end(created, seen)) {
		return nil, nil, ErrSessionExpired
	}
	sess := &Session{Token: token, ExpiresAt: expires}
	if now.Sub(seen) >= TouchInterval {
		next := p.end(created, now)
		// The condition on last_seen_at lets only one of several
		// concurrent requests of the session write.
		res, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2
			WHERE token_hash = $3 AND last_seen_at <= $4`, now, next, hash, now.Add(-TouchInterval))
		if err != nil {
			return nil, nil, err
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			sess.ExpiresAt, sess.Renewed = next, true
		}
	}
	return u, sess, nil
}

// EndSession deletes the session of token (logout). Anyone may call it;
// an unknown token is no error.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
	return err
}
