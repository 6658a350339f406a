package community

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nevcrm/nevcrm/internal/notify"
)

// Erase removes customer customerID from the community when their personal
// information is deleted (privacy.Service.OnErase), in the deletion's
// transaction: their posts with everything under them, the text of their
// comments (a placeholder stays where others replied), their likes and
// favourites (the counts follow), the reports they filed, their mutes and
// their profile (nickname and car badge). The notifications their comments
// and replies sent to others lose the quoted text and the nickname.
func Erase(ctx context.Context, tx *sql.Tx, customerID, _ int64, _ time.Time) error {
	for _, q := range []string{
		`DELETE FROM comments WHERE parent_id IS NOT NULL AND post_id IN (SELECT id FROM posts WHERE customer_id = $1)`,
		`DELETE FROM posts WHERE customer_id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, customerID); err != nil {
			return err
		}
	}
	// Posts whose counts or index change.
	rows, err := tx.QueryContext(ctx, `SELECT post_id FROM comments WHERE customer_id = $1 AND status = 'published'
		UNION SELECT post_id FROM post_likes WHERE customer_id = $1
		UNION SELECT post_id FROM post_favorites WHERE customer_id = $1`, customerID)
	if err != nil {
		return err
	}
	var touched []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		touched = append(touched, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := redactCommentNotices(ctx, tx, customerID); err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE comments SET body = '', status = 'hidden', moderation = 'removed', moderation_reason = '' WHERE customer_id = $1`,
		`DELETE FROM post_likes WHERE customer_id = $1`,
		`DELETE FROM post_favorites WHERE customer_id = $1`,
		`DELETE FROM community_reports WHERE reporter_customer_id = $1`,
		`DELETE FROM community_mutes WHERE customer_id = $1`,
		`DELETE FROM community_profiles WHERE customer_id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, customerID); err != nil {
			return err
		}
	}
	for _, id := range touched {
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET
			like_count = (SELECT COUNT(*) FROM post_likes WHERE post_id = $1),
			favorite_count = (SELECT COUNT(*) FROM post_favorites WHERE post_id = $1),
			comment_count = (SELECT COUNT(*) FROM comments WHERE post_id = $1 AND status = 'published')
			WHERE id = $1`, id); err != nil {
			return err
		}
		if err := refreshScore(ctx, tx, id); err != nil {
			return err
		}
		if err := reindex(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// MergeCustomer moves customer from's community records to customer into
// (customer.Service.OnMerge), in the merge's transaction: posts, comments,
// reports and mutes move; a like or favourite both records hold counts once
// (the counts follow); into keeps its own profile when it has one.
func MergeCustomer(ctx context.Context, tx *sql.Tx, from, into int64) error {
	var touched []int64
	rows, err := tx.QueryContext(ctx, `SELECT post_id FROM post_likes WHERE customer_id = $1
		UNION SELECT post_id FROM post_favorites WHERE customer_id = $1`, from)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		touched = append(touched, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE posts SET customer_id = $2 WHERE customer_id = $1`,
		`UPDATE comments SET customer_id = $2 WHERE customer_id = $1`,
		`DELETE FROM post_likes WHERE customer_id = $1 AND post_id IN (SELECT post_id FROM post_likes WHERE customer_id = $2)`,
		`UPDATE post_likes SET customer_id = $2 WHERE customer_id = $1`,
		`DELETE FROM post_favorites WHERE customer_id = $1 AND post_id IN (SELECT post_id FROM post_favorites WHERE customer_id = $2)`,
		`UPDATE post_favorites SET customer_id = $2 WHERE customer_id = $1`,
		`DELETE FROM community_reports WHERE reporter_customer_id = $1 AND target IN (SELECT target FROM community_reports WHERE reporter_customer_id = $2)`,
		`UPDATE community_reports SET reporter_customer_id = $2 WHERE reporter_customer_id = $1`,
		`UPDATE community_mutes SET customer_id = $2 WHERE customer_id = $1`,
		`DELETE FROM community_profiles WHERE customer_id = $1 AND EXISTS (SELECT 1 FROM community_profiles WHERE customer_id = $2)`,
		`UPDATE community_profiles SET customer_id = $2 WHERE customer_id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, from, into); err != nil {
			return err
		}
	}
	for _, id := range touched {
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET like_count = (SELECT COUNT(*) FROM post_likes WHERE post_id = $1),
			favorite_count = (SELECT COUNT(*) FROM post_favorites WHERE post_id = $1) WHERE id = $1`, id); err != nil {
			return err
		}
		if err := refreshScore(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// redactCommentNotices blanks the notifications that quote customer
// customerID's comments and replies (AddComment notified the post's author
// and the parent comment's author, linking to the comment).
func redactCommentNotices(ctx context.Context, tx *sql.Tx, customerID int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.post_id, p.customer_id, COALESCE(pc.customer_id, 0) FROM comments c
		JOIN posts p ON p.id = c.post_id LEFT JOIN comments pc ON pc.id = c.parent_id WHERE c.customer_id = $1`, customerID)
	if err != nil {
		return err
	}
	type notice struct {
		link string
		to   []int64
	}
	var notices []notice
	for rows.Next() {
		var id, post, author, parent int64
		if err := rows.Scan(&id, &post, &author, &parent); err != nil {
			rows.Close()
			return err
		}
		n := notice{link: fmt.Sprintf("/community/posts/%d#c%d", post, id), to: []int64{author}}
		if parent != 0 && parent != author {
			n.to = append(n.to, parent)
		}
		notices = append(notices, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range notices {
		if err := notify.Redact(ctx, tx, n.to, n.link, "一位已注销的车友发表过评论（内容已删除）"); err != nil {
			return err
		}
	}
	return nil
}
