package community

import (
	"context"
	"database/sql"

	"github.com/nevcrm/nevcrm/internal/db"
)

// BackfillResult says what Backfill did.
type BackfillResult struct {
	Indexed int // published posts given their search entries
	Scored  int // posts given their hot score
}

// backfillBatch is how many posts one Backfill transaction handles.
const backfillBatch = 500

// Backfill completes posts that exist without what the service keeps for
// them on every write: the search entries of a published post (post_terms)
// and the hot score of any post (a score of exactly 0, the column's
// default: posts written before the community had scores, or loaded by an
// older generator or an import). It is idempotent (a second run finds
// nothing), works in transactions of 500 posts, so a large backlog neither
// holds a long lock nor is lost when interrupted, and is safe to run from
// several processes at once (reindex replaces a post's entries). The
// server runs it at start and `nevcrm migrate` after the migrations. It is
// maintenance run by the system: no actor.
func Backfill(ctx context.Context, d *db.DB) (BackfillResult, error) {
	var res BackfillResult
	// Hot scores first: the index does not depend on them.
	for after := int64(0); ; {
		ids, err := postIDs(ctx, d, `SELECT id FROM posts WHERE status IN ('published', 'hidden') AND hot_score = 0 AND id > $1
			ORDER BY id LIMIT $2`, after)
		if err != nil || len(ids) == 0 {
			if err != nil {
				return res, err
			}
			break
		}
		err = d.InTx(ctx, func(tx *sql.Tx) error {
			for _, id := range ids {
				if err := refreshScore(ctx, tx, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Scored += len(ids)
		after = ids[len(ids)-1]
	}
	for after := int64(0); ; {
		ids, err := postIDs(ctx, d, `SELECT p.id FROM posts p WHERE p.status = 'published' AND p.id > $1
			AND NOT EXISTS (SELECT 1 FROM post_terms t WHERE t.post_id = p.id) ORDER BY p.id LIMIT $2`, after)
		if err != nil || len(ids) == 0 {
			if err != nil {
				return res, err
			}
			break
		}
		err = d.InTx(ctx, func(tx *sql.Tx) error {
			for _, id := range ids {
				if err := reindex(ctx, tx, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Indexed += len(ids)
		after = ids[len(ids)-1]
	}
	return res, nil
}

// postIDs runs a query of post ids after $1, at most backfillBatch ($2).
func postIDs(ctx context.Context, q db.Querier, query string, after int64) ([]int64, error) {
	return postIDList(ctx, q, query, after, backfillBatch)
}
