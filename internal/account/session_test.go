package account_test

import (
	"sync"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// The policies are ordered by what a role can see: an admin's sessions are
// the shortest, an owner's the longest; every idle timeout is shorter than
// its lifetime and much longer than the touch interval.
func TestSessionPolicies(t *testing.T) {
	t.Parallel()
	owner, sales, service, admin := account.SessionPolicyFor(identity.RoleOwner), account.SessionPolicyFor(identity.RoleSales),
		account.SessionPolicyFor(identity.RoleService), account.SessionPolicyFor(identity.RoleAdmin)
	for _, r := range identity.Roles {
		p := account.SessionPolicyFor(r)
		if p.Idle <= 10*account.TouchInterval || p.Idle >= p.Absolute {
			t.Errorf("%s: %+v", r, p)
		}
	}
	if !(admin.Idle < sales.Idle && sales.Idle < owner.Idle && admin.Absolute < sales.Absolute && sales.Absolute < owner.Absolute) {
		t.Errorf("policies not ordered: admin %+v, sales %+v, owner %+v", admin, sales, owner)
	}
	if sales != service {
		t.Errorf("sales %+v and service %+v differ", sales, service)
	}
	if account.SessionPolicyFor(identity.RoleSystem) != admin || account.SessionPolicyFor("") != admin {
		t.Error("a role without a policy does not get the strictest")
	}
}

// Each role's session ends after its idle timeout without requests, and at
// its absolute lifetime however active it is; last_seen_at and expires_at
// are written at most once per TouchInterval.
func TestSessionLifetimes(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		users := map[identity.Role]*identity.User{
			identity.RoleOwner:   e.owner("13700000031"),
			identity.RoleSales:   e.staff("s.one", identity.RoleSales, e.store),
			identity.RoleService: e.staff("v.one", identity.RoleService, e.sc),
			identity.RoleAdmin:   e.staff("a.one", identity.RoleAdmin, 0),
		}
		for _, role := range identity.Roles {
			t.Run(string(role), func(t *testing.T) {
				u, p := users[role], account.SessionPolicyFor(role)
				stored := func(token string) (seen, expires time.Time) {
					t.Helper()
					err := d.QueryRowContext(e.ctx, `SELECT last_seen_at, expires_at FROM sessions WHERE token_hash = $1`, account.HashToken(token)).
						Scan(&seen, &expires)
					if err != nil {
						t.Fatal(err)
					}
					return seen, expires
				}
				open := func() *account.Session {
					t.Helper()
					s, err := e.svc.StartSession(e.ctx, u.ID, "", "10.0.0.1", "test")
					if err != nil {
						t.Fatal(err)
					}
					return s
				}
				use := func(s *account.Session) *account.Session {
					t.Helper()
					got, sess, err := e.svc.SessionUser(e.ctx, s.Token)
					if err != nil {
						t.Fatalf("at %s: %v", e.clock.Now(), err)
					}
					if got.ID != u.ID || got.Role != role || sess.Token != s.Token {
						t.Fatalf("SessionUser = %+v, %+v", got, sess)
					}
					return sess
				}
				expired := func(s *account.Session) {
					t.Helper()
					_, _, err := e.svc.SessionUser(e.ctx, s.Token)
					apperrtest.WantCode(t, err, apperr.Unauthenticated)
					if m := apperr.As(err).Message; m != "登录已过期，请重新登录" {
						t.Errorf("message %q", m)
					}
				}

				// Idle timeout: a session used within it lives on; one left
				// alone for it ends.
				t0 := e.clock.Now()
				s := open()
				if !s.ExpiresAt.Equal(t0.Add(p.Idle)) || s.Renewed {
					t.Fatalf("new session %+v, want expiry %s", s, t0.Add(p.Idle))
				}
				e.clock.Advance(p.Idle - time.Second)
				if got := use(s); !got.Renewed || !got.ExpiresAt.Equal(e.clock.Now().Add(p.Idle)) {
					t.Fatalf("used before idle timeout: %+v", got)
				}
				e.clock.Advance(p.Idle - time.Second)
				use(s)
				e.clock.Advance(p.Idle)
				expired(s)

				// Touch: at most one write per TouchInterval.
				s = open()
				t1 := e.clock.Now()
				e.clock.Advance(account.TouchInterval / 2)
				if got := use(s); got.Renewed || !got.ExpiresAt.Equal(t1.Add(p.Idle)) {
					t.Errorf("renewed within the touch interval: %+v", got)
				}
				if seen, exp := stored(s.Token); !seen.Equal(t1) || !exp.Equal(t1.Add(p.Idle)) {
					t.Errorf("written within the touch interval: last_seen_at %s, expires_at %s", seen, exp)
				}
				e.clock.Advance(account.TouchInterval / 2)
				t2 := e.clock.Now()
				if got := use(s); !got.Renewed || !got.ExpiresAt.Equal(t2.Add(p.Idle)) {
					t.Errorf("not renewed after the touch interval: %+v", got)
				}
				if seen, exp := stored(s.Token); !seen.Equal(t2) || !exp.Equal(t2.Add(p.Idle)) {
					t.Errorf("after the touch interval: last_seen_at %s, expires_at %s, want %s", seen, exp, t2)
				}
				// Several requests at once after the interval: one writes.
				e.clock.Advance(2 * account.TouchInterval)
				var wg sync.WaitGroup
				var mu sync.Mutex
				renewed := 0
				for range 6 {
					wg.Go(func() {
						_, sess, err := e.svc.SessionUser(e.ctx, s.Token)
						if err != nil {
							t.Error(err)
							return
						}
						if sess.Renewed {
							mu.Lock()
							renewed++
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if renewed != 1 {
					t.Errorf("%d concurrent requests renewed the session, want 1", renewed)
				}

				// Absolute lifetime: constant use does not extend it, and the
				// expiry (the cookie's) never passes it.
				s = open()
				t3 := e.clock.Now()
				step := p.Idle - time.Minute
				for e.clock.Now().Add(step).Before(t3.Add(p.Absolute)) {
					e.clock.Advance(step)
					got := use(s)
					want := e.clock.Now().Add(p.Idle)
					if end := t3.Add(p.Absolute); end.Before(want) {
						want = end
					}
					if !got.ExpiresAt.Equal(want) {
						t.Fatalf("expiry %s, want %s", got.ExpiresAt, want)
					}
				}
				e.clock.Set(t3.Add(p.Absolute - time.Second))
				use(s)
				e.clock.Set(t3.Add(p.Absolute))
				expired(s)

				// The stored end is honoured too (what a sweep deletes by).
				s = open()
				if _, err := d.ExecContext(e.ctx, `UPDATE sessions SET expires_at = $1 WHERE token_hash = $2`, e.clock.Now(), account.HashToken(s.Token)); err != nil {
					t.Fatal(err)
				}
				expired(s)
			})
		}
	})
}
