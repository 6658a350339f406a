package account

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
)

// Throttling policy. Every limit counts attempts in the table login_failures
// (one row per key) within a window of throttleWindow from the key's first
// attempt; an attempt beyond the limit locks the key for lockDuration.
const (
	throttleWindow = 15 * time.Minute
	lockDuration   = 15 * time.Minute

	maxPairAttempts     = 5   // login: per (account, client address)
	maxAddressAttempts  = 20  // login: per client address, any account
	maxAccountAttempts  = 100 // login: per account, any address
	maxRegisterAttempts = 10  // registration: per client address
)

// limit is one counter: a login_failures key and the most attempts it allows
// within the window.
type limit struct {
	key string
	max int
}

// activeLock returns the latest lock among keys still in force at now, or
// the zero time. It only reads, so refused requests write nothing.
func (s *Service) activeLock(ctx context.Context, limits []limit, now time.Time) (time.Time, error) {
	var until time.Time
	for _, l := range limits {
		var t sql.NullTime
		err := s.db.QueryRowContext(ctx, `SELECT locked_until FROM login_failures WHERE login_key = $1`, l.key).Scan(&t)
		if err != nil && !db.NoRows(err) {
			return time.Time{}, err
		}
		if t.Valid && t.Time.After(now) && t.Time.After(until) {
			until = t.Time
		}
	}
	return until, nil
}

// countAttempt counts one attempt on every limit, in order, in one
// transaction, before the attempt's expensive work is done. Each count is an
// atomic upsert, so concurrent attempts cannot all see the old count. When a
// key is locked, or its count goes beyond its maximum (which locks it for
// lockDuration), the attempt is refused: the counts it already added to the
// earlier keys are taken back (a refused attempt uses up no other budget) and
// the end of the lock is returned. A zero time means the attempt may go on.
func (s *Service) countAttempt(ctx context.Context, limits []limit, now time.Time) (time.Time, error) {
	var until time.Time
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		until = time.Time{}
		if err := sweep(ctx, tx, now); err != nil {
			return err
		}
		for i, l := range limits {
			// Start a new window when the old one (and any lock) has passed.
			if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE login_key = $1 AND first_failed_at <= $2
				AND (locked_until IS NULL OR locked_until <= $3)`, l.key, now.Add(-throttleWindow), now); err != nil {
				return err
			}
			var n int
			var locked sql.NullTime
			err := tx.QueryRowContext(ctx, `INSERT INTO login_failures (login_key, failures, first_failed_at) VALUES ($1, 1, $2)
				ON CONFLICT (login_key) DO UPDATE SET failures = login_failures.failures + 1
				RETURNING failures, locked_until`, l.key, now).Scan(&n, &locked)
			if err != nil {
				return err
			}
			switch {
			case locked.Valid && locked.Time.After(now):
				until = locked.Time
			case n > l.max:
				until = now.Add(lockDuration)
				if _, err := tx.ExecContext(ctx, `UPDATE login_failures SET locked_until = $1 WHERE login_key = $2`, until, l.key); err != nil {
					return err
				}
			default:
				continue
			}
			return uncount(ctx, tx, limits[:i])
		}
		return nil
	})
	return until, err
}

// uncount takes back one attempt from each limit.
func uncount(ctx context.Context, tx *sql.Tx, limits []limit) error {
	for _, l := range limits {
		if _, err := tx.ExecContext(ctx, `UPDATE login_failures SET failures = failures - 1 WHERE login_key = $1 AND failures > 0`, l.key); err != nil {
			return err
		}
	}
	return nil
}

// throttleAddr is the form of a client address the throttle counts by: an
// IPv4 address as it is, an IPv6 address by its /64 network (one host
// usually holds a whole /64), anything unparsable as cleaned text.
func throttleAddr(ip string) string {
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	parsed := net.ParseIP(ip)
	switch {
	case parsed == nil:
		return cleanText(ip, 64)
	case parsed.To4() != nil:
		return parsed.To4().String()
	}
	return parsed.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// cleanText makes s storable on both databases: valid UTF-8 without NUL,
// cut to at most max bytes on a character boundary.
func cleanText(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "?"), "\x00", "")
	for len(s) > max {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// sweep deletes counters whose window and lock have both ended. It runs on
// about one attempt in 64, so that names tried once do not pile up.
func sweep(ctx context.Context, tx *sql.Tx, now time.Time) error {
	if rand.IntN(64) != 0 {
		return nil
	}
	_, err := deleteStaleFailures(ctx, tx, now)
	return err
}

// minutesLeft is the lock's remaining time in whole minutes, rounded up.
func minutesLeft(until, now time.Time) int {
	return max(1, int(math.Ceil(until.Sub(now).Minutes())))
}

// loginLocked is the error of a refused login: its message names the
// minutes left and its RetryAfter the exact time left of the lock.
func loginLocked(until, now time.Time) error {
	return apperr.RateLimitedFor(fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试", minutesLeft(until, now)), until.Sub(now))
}

// registerLocked is the error of a refused registration (see loginLocked).
func registerLocked(until, now time.Time) error {
	return apperr.RateLimitedFor(fmt.Sprintf("注册过于频繁，请 %d 分钟后再试", minutesLeft(until, now)), until.Sub(now))
}
