package app

import (
	"context"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/leadscore"
)

// demoScores trains the first lead model of a demo database (when none is
// active yet), scores the open leads and the owners, so that the score
// columns, the call list and owner mining show data at once. It returns
// the number of leads scored.
func demoScores(ctx context.Context, s *Services) (int, error) {
	sys := identity.System()
	vs, err := s.LeadScores.Versions(ctx, sys, "lead")
	if err != nil {
		return 0, err
	}
	if len(vs) == 0 {
		if _, err := s.LeadScores.Train(ctx, sys, leadscore.TrainInput{Activate: true, Seed: 1}); err != nil {
			if apperr.Is(err, apperr.Invalid) {
				return 0, nil // too few closed leads: scores come with the first training
			}
			return 0, err
		}
	}
	n, err := s.LeadScores.ScoreOpen(ctx, sys, true, nil)
	if err != nil {
		return n, err
	}
	_, err = s.LeadScores.ScoreOwners(ctx, sys, nil)
	return n, err
}
