package community

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// Notification kinds of the community.
const (
	KindComment   notify.Kind = "community.comment"
	KindReply     notify.Kind = "community.reply"
	KindLike      notify.Kind = "community.like"
	KindModerated notify.Kind = "community.moderated"
)

// PostInput is what an owner writes.
type PostInput struct {
	Topic  string
	Title  string
	Body   string   // Markdown
	Photos []Upload // new photos, appended after those kept
	// Edit only: ids of the post's photos to remove.
	RemovePhotos []int64
}

func (in *PostInput) validate() error {
	in.Topic, in.Title, in.Body = strings.TrimSpace(in.Topic), strings.TrimSpace(in.Title), clean(in.Body)
	var v apperr.Validator
	v.Check(ValidTopic(in.Topic), "topic", "请选择话题")
	v.Check(in.Title != "", "title", "请填写标题")
	v.Check(runes(in.Title) <= MaxTitle, "title", "标题最多 60 个字")
	v.Check(in.Body != "", "body", "请填写正文")
	v.Check(runes(in.Body) <= MaxBody, "body", "正文最多 10000 个字")
	return v.Err()
}

// badge is the car model the owner shows: their most recent car, or "".
func (s *Service) badge(ctx context.Context, actor *identity.User) string {
	if s.vehicles == nil {
		return ""
	}
	vs, err := s.vehicles.ListMine(ctx, actor)
	if err != nil || len(vs) == 0 {
		return ""
	}
	return vs[0].Title()
}

// ensureProfile creates the owner's profile (default nickname) or refreshes its badge.
func ensureProfile(ctx context.Context, q db.Querier, cid int64, badge string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO community_profiles (customer_id, nickname, badge, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) ON CONFLICT (customer_id) DO UPDATE SET badge = excluded.badge`,
		cid, defaultNickname(cid), badge, now)
	return err
}

// CreatePost publishes an owner's post, or holds it for review when it
// contains a word the moderators hold. Returns apperr.Unauthenticated or
// Forbidden for anyone but an owner, Forbidden while the owner is muted,
// RateLimited past Limits.Posts, Invalid for bad fields (a blocked word
// names the field it is in, bad photos the field "photos").
func (s *Service) CreatePost(ctx context.Context, actor *identity.User, in PostInput) (*Post, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	photos, err := processPhotos(in.Photos, MaxPhotos)
	if err != nil {
		return nil, err
	}
	badge := s.badge(ctx, actor)
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := s.checkWriter(ctx, tx, cid, "posts", now); err != nil {
			return err
		}
		mod, err := s.screenFields(ctx, tx, map[string]string{"title": in.Title, "body": in.Body})
		if err != nil {
			return err
		}
		status := "published"
		if mod == ModHeld {
			status = "hidden"
		}
		if err := ensureProfile(ctx, tx, cid, badge, now); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO posts (customer_id, topic, title, body, status, moderation, photo_count, hot_score, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			cid, in.Topic, in.Title, in.Body, status, mod, len(photos), HotScore(0, 0, now), now).Scan(&id); err != nil {
			return err
		}
		if err := insertPhotos(ctx, tx, id, 0, photos, now); err != nil {
			return err
		}
		return reindex(ctx, tx, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, Visitor{actor}, id)
}

// mine loads the actor's post id for a change, or NotFound / Forbidden.
func mine(ctx context.Context, q db.Querier, cid, id int64) (moderation string, photos int, err error) {
	var author int64
	err = q.QueryRowContext(ctx, `SELECT customer_id, moderation, photo_count FROM posts WHERE id = $1`, id).Scan(&author, &moderation, &photos)
	if db.NoRows(err) {
		return "", 0, errNoPost
	}
	if err != nil {
		return "", 0, err
	}
	if author != cid {
		return "", 0, apperr.New(apperr.Forbidden, "只能修改自己的帖子")
	}
	return moderation, photos, nil
}

// EditPost changes the actor's own post: text, topic, photos removed and
// added (at most MaxPhotos in all). The text is screened again: a held word
// sends the post back for review. A post a moderator hid or deleted cannot
// be edited (apperr.Conflict). Other errors as CreatePost; NotFound for a
// missing post, Forbidden for another owner's.
func (s *Service) EditPost(ctx context.Context, actor *identity.User, id int64, in PostInput) (*Post, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	photos, err := processPhotos(in.Photos, MaxPhotos)
	if err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		moderation, _, err := mine(ctx, tx, cid, id)
		if err != nil {
			return err
		}
		if moderation == ModHidden || moderation == ModDeleted {
			return apperr.New(apperr.Conflict, "帖子已被管理员处理，不能再编辑")
		}
		if err := s.checkMuted(ctx, tx, cid, now); err != nil {
			return err
		}
		mod, err := s.screenFields(ctx, tx, map[string]string{"title": in.Title, "body": in.Body})
		if err != nil {
			return err
		}
		for _, pid := range in.RemovePhotos {
			if _, err := tx.ExecContext(ctx, `DELETE FROM post_photos WHERE id = $1 AND post_id = $2`, pid, id); err != nil {
				return err
			}
		}
		kept, err := renumberPhotos(ctx, tx, id)
		if err != nil {
			return err
		}
		if kept+len(photos) > MaxPhotos {
			return errPhoto(fmt.Sprintf("每个帖子最多 9 张图片，已有 %d 张", kept))
		}
		if err := insertPhotos(ctx, tx, id, kept, photos, now); err != nil {
			return err
		}
		status := "published"
		if mod == ModHeld || moderation == ModHeld {
			status, mod = "hidden", ModHeld
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET topic = $2, title = $3, body = $4, status = $5, moderation = $6,
			photo_count = $7, edited_at = $8, updated_at = $8 WHERE id = $1`,
			id, in.Topic, in.Title, in.Body, status, mod, kept+len(photos), now); err != nil {
			return err
		}
		return reindex(ctx, tx, id)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, Visitor{actor}, id)
}

// DeletePost deletes the actor's own post with its comments, likes,
// favourites, photos and reports. Returns NotFound for a missing post,
// Forbidden for another owner's.
func (s *Service) DeletePost(ctx context.Context, actor *identity.User, id int64) error {
	cid, err := owner(actor)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := mine(ctx, tx, cid, id); err != nil {
			return err
		}
		// Replies first: comments reference their parent without cascade.
		if _, err := tx.ExecContext(ctx, `DELETE FROM comments WHERE post_id = $1 AND parent_id IS NOT NULL`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM posts WHERE id = $1`, id)
		return err
	})
}

// refreshScore recomputes the hot score of post id from its counts.
func refreshScore(ctx context.Context, q db.Querier, id int64) error {
	var likes, comments int
	var created time.Time
	if err := q.QueryRowContext(ctx, `SELECT like_count, comment_count, created_at FROM posts WHERE id = $1`, id).Scan(&likes, &comments, &created); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE posts SET hot_score = $2 WHERE id = $1`, id, HotScore(likes, comments, created))
	return err
}

// CommentInput is a comment, or a reply to comment ParentID.
type CommentInput struct {
	Body     string
	ParentID int64
}

// AddComment comments on a published post, or replies to one of its
// comments (a reply to a reply joins the same thread: one level only). The
// post's author is notified of a comment, a comment's author of a reply.
// Errors as CreatePost (the text field is "body"); NotFound for a post or
// parent comment that is missing or not published.
func (s *Service) AddComment(ctx context.Context, actor *identity.User, postID int64, in CommentInput) (*Comment, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	in.Body = clean(in.Body)
	var v apperr.Validator
	v.Check(in.Body != "", "body", "请填写评论内容")
	v.Check(runes(in.Body) <= MaxComment, "body", "评论最多 1000 个字")
	if err := v.Err(); err != nil {
		return nil, err
	}
	badge := s.badge(ctx, actor)
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		title, author, _, err := s.postTitle(ctx, tx, postID)
		if err != nil {
			return err
		}
		var parentAuthor int64
		if in.ParentID != 0 {
			var parentOf sql.NullInt64
			var status string
			err := tx.QueryRowContext(ctx, `SELECT COALESCE(parent_id, 0), customer_id, status FROM comments WHERE id = $1 AND post_id = $2`,
				in.ParentID, postID).Scan(&parentOf, &parentAuthor, &status)
			if db.NoRows(err) || err == nil && status != "published" {
				return apperr.New(apperr.NotFound, "要回复的评论不存在或已被删除")
			}
			if err != nil {
				return err
			}
			if parentOf.Int64 != 0 {
				in.ParentID = parentOf.Int64
			}
		}
		if err := s.checkWriter(ctx, tx, cid, "comments", now); err != nil {
			return err
		}
		mod, err := s.screenFields(ctx, tx, map[string]string{"body": in.Body})
		if err != nil {
			return err
		}
		status := "published"
		if mod == ModHeld {
			status = "hidden"
		}
		if err := ensureProfile(ctx, tx, cid, badge, now); err != nil {
			return err
		}
		var parent any
		if in.ParentID != 0 {
			parent = in.ParentID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO comments (post_id, customer_id, body, status, parent_id, moderation, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, postID, cid, in.Body, status, parent, mod, now).Scan(&id); err != nil {
			return err
		}
		if status != "published" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1`, postID); err != nil {
			return err
		}
		if err := refreshScore(ctx, tx, postID); err != nil {
			return err
		}
		terms := map[string]float64{}
		addTerms(terms, in.Body, weightComment)
		if err := writeTerms(ctx, tx, postID, terms); err != nil {
			return err
		}
		nick, err := nickname(ctx, tx, cid)
		if err != nil {
			return err
		}
		link := fmt.Sprintf("/community/posts/%d#c%d", postID, id)
		if parentAuthor != 0 && parentAuthor != cid {
			if _, err := notify.NotifyCustomer(ctx, tx, parentAuthor, notify.Notification{Kind: KindReply,
				Title: nick + " 回复了你的评论", Body: Excerpt(in.Body, 80), Link: link, CreatedAt: now}); err != nil {
				return err
			}
		}
		if author != cid && author != parentAuthor {
			if _, err := notify.NotifyCustomer(ctx, tx, author, notify.Notification{Kind: KindComment,
				Title: nick + " 评论了你的帖子《" + title + "》", Body: Excerpt(in.Body, 80), Link: link, CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c, err := scanComment(s.db.QueryRowContext(ctx, "SELECT "+commentColumns+commentFrom+" WHERE c.id = $1", id))
	if err != nil {
		return nil, err
	}
	c.Mine = true
	return c, nil
}

// nickname is the community name of customer cid.
func nickname(ctx context.Context, q db.Querier, cid int64) (string, error) {
	var n string
	err := q.QueryRowContext(ctx, `SELECT nickname FROM community_profiles WHERE customer_id = $1`, cid).Scan(&n)
	if db.NoRows(err) {
		return defaultNickname(cid), nil
	}
	return n, err
}

// DeleteComment removes the actor's own comment: its text disappears, and
// a placeholder stays while it has replies. Returns NotFound for a missing
// comment, Forbidden for another owner's.
func (s *Service) DeleteComment(ctx context.Context, actor *identity.User, id int64) error {
	cid, err := owner(actor)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var author, postID int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT customer_id, post_id, status FROM comments WHERE id = $1 AND moderation <> 'removed'`, id).Scan(&author, &postID, &status)
		if db.NoRows(err) {
			return apperr.New(apperr.NotFound, "评论不存在或已被删除")
		}
		if err != nil {
			return err
		}
		if author != cid {
			return apperr.New(apperr.Forbidden, "只能删除自己的评论")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET status = 'hidden', moderation = 'removed', moderation_reason = '' WHERE id = $1`, id); err != nil {
			return err
		}
		return commentGone(ctx, tx, postID, status == "published")
	})
}

// commentGone updates post postID after one of its comments left the
// public view (wasPublished: it was counted and indexed).
func commentGone(ctx context.Context, q db.Querier, postID int64, wasPublished bool) error {
	if !wasPublished {
		return nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE posts SET comment_count = comment_count - 1 WHERE id = $1`, postID); err != nil {
		return err
	}
	if err := refreshScore(ctx, q, postID); err != nil {
		return err
	}
	return reindex(ctx, q, postID)
}

// LikeState is a post's like or favourite state for the actor.
type LikeState struct {
	On    bool `json:"on"`
	Count int  `json:"count"`
}

// Like sets (on) or clears the actor's like of a published post; liking
// twice counts once. The author is notified of a new like (not their own).
// Returns the post's state; NotFound for a post that is missing or not
// published; Unauthenticated/Forbidden for anyone but an owner.
func (s *Service) Like(ctx context.Context, actor *identity.User, postID int64, on bool) (*LikeState, error) {
	return s.toggle(ctx, actor, postID, on, "post_likes", "like_count")
}

// Favorite sets (on) or clears the actor's favourite of a published post.
// Errors as Like.
func (s *Service) Favorite(ctx context.Context, actor *identity.User, postID int64, on bool) (*LikeState, error) {
	return s.toggle(ctx, actor, postID, on, "post_favorites", "favorite_count")
}

func (s *Service) toggle(ctx context.Context, actor *identity.User, postID int64, on bool, table, counter string) (*LikeState, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	st := &LikeState{On: on}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		title, author, _, err := s.postTitle(ctx, tx, postID)
		if err != nil {
			return err
		}
		var res sql.Result
		if on {
			res, err = tx.ExecContext(ctx, `INSERT INTO `+table+` (post_id, customer_id, created_at) VALUES ($1, $2, $3)
				ON CONFLICT (post_id, customer_id) DO NOTHING`, postID, cid, now)
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE post_id = $1 AND customer_id = $2`, postID, cid)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			delta := "+ 1"
			if !on {
				delta = "- 1"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE posts SET `+counter+` = `+counter+` `+delta+` WHERE id = $1`, postID); err != nil {
				return err
			}
			if counter == "like_count" {
				if err := refreshScore(ctx, tx, postID); err != nil {
					return err
				}
				if on && author != cid {
					nick, err := nickname(ctx, tx, cid)
					if err != nil {
						return err
					}
					if _, err := notify.NotifyCustomer(ctx, tx, author, notify.Notification{Kind: KindLike,
						Title: nick + " 赞了你的帖子《" + title + "》", Link: fmt.Sprintf("/community/posts/%d", postID), CreatedAt: now}); err != nil {
						return err
					}
				}
			}
		}
		return tx.QueryRowContext(ctx, `SELECT `+counter+` FROM posts WHERE id = $1`, postID).Scan(&st.Count)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// renumberPhotos numbers the photos of post id 0.. in their order and
// returns how many there are.
func renumberPhotos(ctx context.Context, q db.Querier, id int64) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM post_photos WHERE post_id = $1 ORDER BY position, id`, id)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var pid int64
		if err := rows.Scan(&pid); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, pid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i, pid := range ids {
		if _, err := q.ExecContext(ctx, `UPDATE post_photos SET position = $2 WHERE id = $1`, pid, i); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// errNoComment answers for a comment that is missing, removed, or not the
// actor's: another owner cannot tell whether it exists.
var errNoComment = apperr.New(apperr.NotFound, "评论不存在或已被删除")

// MyComment returns the actor's own comment id for editing. Returns
// Unauthenticated/Forbidden for anyone but an owner; NotFound for a
// comment that is missing, that its author deleted, or another owner's.
func (s *Service) MyComment(ctx context.Context, actor *identity.User, id int64) (*Comment, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	c, err := scanComment(s.db.QueryRowContext(ctx, "SELECT "+commentColumns+commentFrom+" WHERE c.id = $1", id))
	if db.NoRows(err) || err == nil && (c.CustomerID != cid || c.Moderation == ModRemoved) {
		return nil, errNoComment
	}
	if err != nil {
		return nil, err
	}
	c.Mine = true
	if c.PostTitle, _, _, err = s.postTitle(ctx, s.db, c.PostID); err != nil {
		return nil, err
	}
	return c, nil
}

// EditComment changes the text of the actor's own comment or reply on a
// published post and marks it edited (edited_at, shown as 已编辑). The
// text is checked as a new comment's: a blocked word is Invalid on
// "body", a held word takes the comment out of public view for review (a
// comment already held stays held). Muted owners cannot edit (Forbidden);
// a comment a moderator hid or deleted cannot be edited (Conflict).
// Returns NotFound for a comment that is missing, removed by its author,
// another owner's, or on a post that is not published. The edit is
// audited (community_edit_comment, with the lengths, not the text).
func (s *Service) EditComment(ctx context.Context, actor *identity.User, id int64, body string) (*Comment, error) {
	cid, err := owner(actor)
	if err != nil {
		return nil, err
	}
	body = clean(body)
	var v apperr.Validator
	v.Check(body != "", "body", "请填写评论内容")
	v.Check(runes(body) <= MaxComment, "body", "评论最多 1000 个字")
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var author, postID int64
		var old, status, moderation string
		err := tx.QueryRowContext(ctx, `SELECT customer_id, post_id, body, status, moderation FROM comments WHERE id = $1`, id).
			Scan(&author, &postID, &old, &status, &moderation)
		if db.NoRows(err) || err == nil && (author != cid || moderation == ModRemoved) {
			return errNoComment
		}
		if err != nil {
			return err
		}
		if _, _, _, err := s.postTitle(ctx, tx, postID); err != nil {
			return err
		}
		if moderation == ModHidden || moderation == ModDeleted {
			return apperr.New(apperr.Conflict, "评论已被管理员处理，不能再编辑")
		}
		if err := s.checkMuted(ctx, tx, cid, now); err != nil {
			return err
		}
		mod, err := s.screenFields(ctx, tx, map[string]string{"body": body})
		if err != nil {
			return err
		}
		newStatus := "published"
		if mod == ModHeld || moderation == ModHeld {
			newStatus, mod = "hidden", ModHeld
		}
		if _, err := tx.ExecContext(ctx, `UPDATE comments SET body = $2, status = $3, moderation = $4, edited_at = $5 WHERE id = $1`,
			id, body, newStatus, mod, now); err != nil {
			return err
		}
		switch {
		case status == "published" && newStatus != "published":
			if err := commentGone(ctx, tx, postID, true); err != nil {
				return err
			}
		case newStatus == "published":
			if err := reindex(ctx, tx, postID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "community_edit_comment", Entity: "comment", EntityID: id,
			Detail: map[string]any{"post_id": postID, "chars_before": runes(old), "chars_after": runes(body), "held": newStatus != "published"}})
	})
	if err != nil {
		return nil, err
	}
	return s.MyComment(ctx, actor, id)
}
