package account

import (
	"sync"
	"time"
)

// ArgonRuns returns how many argon2id computations s has started.
func (s *Service) ArgonRuns() int64 { return s.argonRuns.Load() }

// HoldArgonSlots takes every argon2id slot and shortens the wait for one to
// wait; the returned function (safe to call twice) gives both back.
func HoldArgonSlots(wait time.Duration) (release func()) {
	old := argonWait
	argonWait = wait
	for range cap(argonSlots) {
		argonSlots <- struct{}{}
	}
	return sync.OnceFunc(func() {
		for range cap(argonSlots) {
			<-argonSlots
		}
		argonWait = old
	})
}

// ArgonSlots is the capacity of the argon2id limit.
func ArgonSlots() int { return cap(argonSlots) }
