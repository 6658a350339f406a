package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Computing a campaign's effect reads every touch, lead, opportunity and
// order of its audience (about 0.3 s of CPU for a 41,000-person audience),
// too much for each view of the campaign page or of the comparison list.
// The figures are therefore kept per campaign in campaign_effect_cache:
//
//   - a view reads the cached figures and computes them only when there
//     are none (and stores them);
//   - a change of the campaign's own inputs (sign-up, cancellation,
//     check-in, cost line, referral, audience, details, status) deletes its
//     row in the same transaction, as does an order or a lead change of a
//     customer the campaign touched (OrderPlacedTx, LeadChanged);
//   - the campaign sweep recomputes the rows of current campaigns older
//     than EffectMaxAge (events the hooks do not see: opportunities created
//     directly, order cancellations, the passing of the window).
const EffectMaxAge = 5 * time.Minute

// Effect returns the effect figures of campaign id (see AttributionRule)
// with the uplift against the hold-out group, as last computed
// (Effect.ComputedAt); when none are cached it computes and caches them.
// Permissions as for Get.
func (s *Service) Effect(ctx context.Context, actor *identity.User, id int64) (*Effect, error) {
	c, err := s.visible(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	return s.cachedEffect(ctx, c)
}

// RefreshEffect recomputes and caches the effect figures of campaign id
// now (the page's "重新计算"). Permissions as for Get.
func (s *Service) RefreshEffect(ctx context.Context, actor *identity.User, id int64) (*Effect, error) {
	c, err := s.visible(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	return s.computeAndCache(ctx, c)
}

func (s *Service) cachedEffect(ctx context.Context, c *Campaign) (*Effect, error) {
	var data string
	var at time.Time
	err := s.db.QueryRowContext(ctx, `SELECT effect, computed_at FROM campaign_effect_cache WHERE campaign_id = $1`, c.ID).Scan(&data, &at)
	if err == nil {
		var e Effect
		if json.Unmarshal([]byte(data), &e) == nil && e.CampaignID == c.ID {
			// Costs and sizes are the campaign row's own: always current.
			e.CostFen, e.BudgetFen, e.Audience, e.Holdout, e.NoConsent, e.Reached = c.CostFen, c.BudgetFen, c.AudienceSize, c.HoldoutSize, c.NoConsentSize, c.ReachedCount
			e.ComputedAt = at.UTC()
			return &e, nil
		}
	} else if !db.NoRows(err) {
		return nil, err
	}
	return s.computeAndCache(ctx, c)
}

func (s *Service) computeAndCache(ctx context.Context, c *Campaign) (*Effect, error) {
	now := s.now()
	e, err := s.effect(ctx, c)
	if err != nil {
		return nil, err
	}
	e.ComputedAt = now
	data, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO campaign_effect_cache (campaign_id, effect, computed_at) VALUES ($1, $2, $3)
		ON CONFLICT (campaign_id) DO UPDATE SET effect = excluded.effect, computed_at = excluded.computed_at`, c.ID, string(data), now); err != nil {
		return nil, err
	}
	return e, nil
}

// RefreshEffects recomputes the cached figures of current campaigns
// (published, running, or ended within their attribution window) that are
// missing or older than EffectMaxAge, at most limit of them, oldest first;
// it returns how many. The system (the campaign sweep) and admins.
func (s *Service) RefreshEffects(ctx context.Context, actor *identity.User, limit int) (int, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleSystem, identity.RoleAdmin) {
		return 0, apperr.New(apperr.Forbidden, "只有系统可以刷新活动效果")
	}
	now := s.now()
	type cand struct {
		id     int64
		status string
		ends   time.Time
		days   int
	}
	var list []cand
	err := s.each(ctx, `SELECT c.id, c.status, c.ends_at, c.attribution_days FROM campaigns c LEFT JOIN campaign_effect_cache e ON e.campaign_id = c.id
		WHERE c.status IN ('published', 'running', 'ended') AND c.published_at IS NOT NULL AND c.ends_at >= $1
			AND (e.computed_at IS NULL OR e.computed_at < $2)
		ORDER BY e.computed_at IS NOT NULL, e.computed_at, c.id`,
		[]any{now.AddDate(0, 0, -180), now.Add(-EffectMaxAge)}, func(r *sql.Rows) error {
			var x cand
			if err := r.Scan(&x.id, &x.status, &x.ends, &x.days); err != nil {
				return err
			}
			// An ended campaign past its attribution window changes no more.
			if x.status != "ended" || !now.After(x.ends.AddDate(0, 0, x.days)) {
				list = append(list, x)
			}
			return nil
		})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range list[:min(len(list), limit)] {
		c, err := get(ctx, s.db, x.id)
		if err != nil {
			return n, err
		}
		if _, err := s.computeAndCache(ctx, c); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// dropEffect deletes the cached figures of campaign id (in the caller's
// transaction, with the change that makes them stale).
func dropEffect(ctx context.Context, q db.Querier, id int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM campaign_effect_cache WHERE campaign_id = $1`, id)
	return err
}

// dropCustomerEffects deletes the cached figures of every campaign that
// touched customer (audience, sign-up, referral) or has a lead of theirs.
func dropCustomerEffects(ctx context.Context, q db.Querier, customerID int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM campaign_effect_cache WHERE campaign_id IN (
		SELECT campaign_id FROM campaign_audience WHERE customer_id = $1
		UNION SELECT campaign_id FROM campaign_participations WHERE customer_id = $1
		UNION SELECT campaign_id FROM campaign_referrals WHERE customer_id = $1
		UNION SELECT campaign_id FROM leads WHERE customer_id = $1 AND campaign_id IS NOT NULL)`, customerID)
	return err
}

// LeadChanged drops the cached figures of the campaigns that touched the
// customer of lead id (a lead created, converted or closed changes their
// leads and opportunities). It is the sales area's lead listener, run after
// the change is committed (registered by internal/app); errors are logged
// by the caller.
func (s *Service) LeadChanged(ctx context.Context, leadID int64) error {
	var cust int64
	err := s.db.QueryRowContext(ctx, `SELECT customer_id FROM leads WHERE id = $1`, leadID).Scan(&cust)
	if db.NoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return dropCustomerEffects(ctx, s.db, cust)
}
