package campaign

import (
	"context"
	"database/sql"
)

// MergeTables are the tables MergeCustomer moves (customer.Service.OnMerge).
var MergeTables = []string{"campaign_participations", "campaign_audience", "campaign_referral_codes", "campaign_referrals", "campaign_coupons", "campaign_points"}

// MergeCustomer moves customer from's campaign records to into in the
// merge's transaction: where both took part in one campaign the record of
// into is kept (the other sign-up or audience row is dropped and the places
// taken recounted); a referral code of from for a campaign where into has
// one hands its referrals to into's code. Points move with their ledger
// rows (the ledger allows no other change), so the balances add up.
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	for _, q := range []string{
		`UPDATE campaign_referrals SET code_id = (SELECT k2.id FROM campaign_referral_codes k1 JOIN campaign_referral_codes k2
			ON k2.campaign_id = k1.campaign_id AND k2.customer_id = $1 WHERE k1.id = campaign_referrals.code_id)
		 WHERE code_id IN (SELECT k1.id FROM campaign_referral_codes k1 JOIN campaign_referral_codes k2
			ON k2.campaign_id = k1.campaign_id AND k2.customer_id = $1 WHERE k1.customer_id = $2)`,
		`DELETE FROM campaign_referral_codes WHERE customer_id = $2 AND campaign_id IN (SELECT campaign_id FROM campaign_referral_codes WHERE customer_id = $1)`,
		`UPDATE campaign_referral_codes SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE campaign_referrals SET referrer_id = $1 WHERE referrer_id = $2`,
		`UPDATE campaign_referrals SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE campaign_coupons SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE campaign_points SET customer_id = $1 WHERE customer_id = $2`,
		`DELETE FROM campaign_audience WHERE customer_id = $2 AND campaign_id IN (SELECT campaign_id FROM campaign_audience WHERE customer_id = $1)`,
		`UPDATE campaign_audience SET customer_id = $1 WHERE customer_id = $2`,
		`DELETE FROM campaign_participations WHERE customer_id = $2 AND campaign_id IN (SELECT campaign_id FROM campaign_participations WHERE customer_id = $1)`,
		`UPDATE campaign_participations SET customer_id = $1 WHERE customer_id = $2`,
		`UPDATE campaigns SET seats_taken = (SELECT COUNT(*) FROM campaign_participations p WHERE p.campaign_id = campaigns.id
			AND p.status IN ('registered', 'attended'))
		 WHERE id IN (SELECT campaign_id FROM campaign_participations WHERE customer_id IN ($1, $2))`,
	} {
		if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
			return err
		}
	}
	return nil
}
