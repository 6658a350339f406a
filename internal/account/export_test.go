package account

import (
	"sync"
	"time"
)

// ArgonRuns returns how many argon2id computations s has started.
func (s *Service) ArgonRuns() int64 { return s.argonRuns.Load() }

// HoldArgonSlots takes every argon2id slot of s and shortens the wait for
// one to wait; the returned function (safe to call twice) gives both back.
// Call it before s serves any concurrent caller.
func (s *Service) HoldArgonSlots(wait time.Duration) (release func()) {
	old := s.argon.wait
	s.argon.wait = wait
	for range cap(s.argon.slots) {
		s.argon.slots <- struct{}{}
	}
	return sync.OnceFunc(func() {
		for range cap(s.argon.slots) {
			<-s.argon.slots
		}
		s.argon.wait = old
	})
}

// ArgonSlots is the capacity of s's argon2id limit.
func (s *Service) ArgonSlots() int { return cap(s.argon.slots) }

// HashToken is the stored form of a session token.
func HashToken(token string) string { return hashToken(token) }
