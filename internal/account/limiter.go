package account

import (
	"context"
	"runtime"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
)

// Every argon2id computation done for a request (hashing a new password,
// checking a login, the dummy check for an unknown login) takes 19 MiB and
// tens of milliseconds of one core. An argonLimiter bounds how many run at
// once, so that a flood of anonymous requests costs at most NumCPU × 19 MiB
// instead of growing without limit; a request that finds no free slot within
// wait is refused with ErrBusy. Each Service has its own (a process builds
// one Service; tests build many and run in parallel).
type argonLimiter struct {
	slots chan struct{}
	wait  time.Duration
}

func newArgonLimiter() argonLimiter {
	return argonLimiter{slots: make(chan struct{}, runtime.NumCPU()), wait: 3 * time.Second}
}

// ErrBusy is returned when no argon2id slot frees up within argonWait. A
// slot frees up within tens of milliseconds, so the client is told to try
// again after busyRetryAfter.
var ErrBusy = apperr.RateLimitedFor("系统繁忙，请稍后再试", busyRetryAfter)

// busyRetryAfter is the wait ErrBusy asks for (its Retry-After).
const busyRetryAfter = 2 * time.Second

// withArgonSlot runs fn while holding one argon2id slot.
func (s *Service) withArgonSlot(ctx context.Context, fn func()) error {
	slots := s.argon.slots
	select {
	case slots <- struct{}{}:
	default:
		t := time.NewTimer(s.argon.wait)
		defer t.Stop()
		select {
		case slots <- struct{}{}:
		case <-t.C:
			return ErrBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-slots }()
	s.argonRuns.Add(1)
	fn()
	return nil
}

// hashPassword is HashPassword within the service's argon2id limit.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	var hash string
	var err error
	if slotErr := s.withArgonSlot(ctx, func() { hash, err = HashPassword(password) }); slotErr != nil {
		return "", slotErr
	}
	return hash, err
}

// checkPassword is CheckPassword within the service's argon2id limit.
func (s *Service) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	var ok bool
	if err := s.withArgonSlot(ctx, func() { ok = CheckPassword(hash, password) }); err != nil {
		return false, err
	}
	return ok, nil
}
