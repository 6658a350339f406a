package community

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/site"
)

// checkMuted refuses a muted owner.
func (s *Service) checkMuted(ctx context.Context, q db.Querier, cid int64, now time.Time) error {
	until, err := mutedUntil(ctx, q, cid, now)
	if err != nil {
		return err
	}
	if until.Valid {
		return apperr.New(apperr.Forbidden, "您已被禁言至 "+until.Time.In(site.Shanghai).Format("2006-01-02 15:04")+"，期间不能发帖或评论")
	}
	return nil
}

// checkWriter refuses a muted owner and one past the rate limit of table
// ("posts" or "comments").
func (s *Service) checkWriter(ctx context.Context, q db.Querier, cid int64, table string, now time.Time) error {
	if err := s.checkMuted(ctx, q, cid, now); err != nil {
		return err
	}
	limit, window, what := s.Limits.Posts, s.Limits.PostWindow, "发帖"
	if table == "comments" {
		limit, window, what = s.Limits.Comments, s.Limits.CommentWindow, "评论"
	}
	if limit <= 0 {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE customer_id = $1 AND created_at > $2`,
		cid, now.Add(-window)).Scan(&n); err != nil {
		return err
	}
	if n >= limit {
		wait := window
		var oldest time.Time
		if err := q.QueryRowContext(ctx, `SELECT created_at FROM `+table+` WHERE customer_id = $1 AND created_at > $2 ORDER BY created_at LIMIT 1`,
			cid, now.Add(-window)).Scan(&oldest); err == nil {
			wait = oldest.Add(window).Sub(now)
		}
		return apperr.RateLimitedFor(fmt.Sprintf("%s太频繁了：每 %s 最多 %d 次，请 %s后再试", what, span(window), limit, span(wait)), wait)
	}
	return nil
}

// span says a duration in Chinese ("10 分钟", "1 小时").
func span(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d 小时", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%d 分钟", (d+time.Minute-1)/time.Minute)
	}
	return fmt.Sprintf("%d 秒", max(1, (d+time.Second-1)/time.Second))
}

// BannedWord is a word the community does not accept.
type BannedWord struct {
	ID        int64     `json:"id"`
	Word      string    `json:"word"`
	Action    string    `json:"action"` // "block": refused; "hold": published after review
	CreatedAt time.Time `json:"created_at"`
}

// ActionLabel names the word's action.
func (b BannedWord) ActionLabel() string {
	if b.Action == "block" {
		return "禁止发布"
	}
	return "先审后发"
}

func bannedWords(ctx context.Context, q db.Querier) ([]BannedWord, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, word, action, created_at FROM community_banned_words ORDER BY word`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BannedWord
	for rows.Next() {
		var b BannedWord
		if err := rows.Scan(&b.ID, &b.Word, &b.Action, &b.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// screenFields checks text fields against the banned words: a blocked word
// is an Invalid error on its field; a held word returns ModHeld.
func (s *Service) screenFields(ctx context.Context, q db.Querier, fields map[string]string) (string, error) {
	words, err := bannedWords(ctx, q)
	if err != nil || len(words) == 0 {
		return ModNone, err
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	mod := ModNone
	for _, f := range names {
		text := strings.ToLower(fields[f])
		for _, w := range words {
			if !strings.Contains(text, strings.ToLower(w.Word)) {
				continue
			}
			if w.Action == "block" {
				return "", apperr.Field(f, "内容包含不允许发布的词语「"+w.Word+"」，请修改后再提交")
			}
			mod = ModHeld
		}
	}
	return mod, nil
}

// BannedWords lists the banned words. Moderators only (Forbidden).
func (s *Service) BannedWords(ctx context.Context, actor *identity.User) ([]BannedWord, error) {
	if err := moderator(actor); err != nil {
		return nil, err
	}
	return bannedWords(ctx, s.db)
}

// AddBannedWord adds word with action "block" or "hold", audited.
// Moderators only (Forbidden); Invalid for an empty or long word or an
// unknown action; Conflict when the word is listed already.
func (s *Service) AddBannedWord(ctx context.Context, actor *identity.User, word, action string) (*BannedWord, error) {
	if err := moderator(actor); err != nil {
		return nil, err
	}
	word = strings.TrimSpace(word)
	var v apperr.Validator
	v.Check(word != "", "word", "请填写词语")
	v.Check(runes(word) <= 20, "word", "词语最多 20 个字")
	v.Check(action == "block" || action == "hold", "action", "请选择处理方式")
	if err := v.Err(); err != nil {
		return nil, err
	}
	b := &BannedWord{Word: word, Action: action}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		b.CreatedAt = s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO community_banned_words (word, action, created_by, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (word) DO NOTHING RETURNING id`, word, action, actorID(actor), b.CreatedAt).Scan(&b.ID)
		if db.NoRows(err) {
			return apperr.Field("word", "这个词已在列表中")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, b.CreatedAt, audit.Entry{UserID: identity.ID(actor), Action: "community_add_word",
			Entity: "community_banned_word", EntityID: b.ID, Detail: map[string]any{"word": word, "action": action}})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// DeleteBannedWord removes word id, audited. Moderators only; NotFound.
func (s *Service) DeleteBannedWord(ctx context.Context, actor *identity.User, id int64) error {
	if err := moderator(actor); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var word string
		err := tx.QueryRowContext(ctx, `DELETE FROM community_banned_words WHERE id = $1 RETURNING word`, id).Scan(&word)
		if db.NoRows(err) {
			return apperr.New(apperr.NotFound, "词语不存在")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "community_remove_word",
			Entity: "community_banned_word", EntityID: id, Detail: map[string]any{"word": word}})
	})
}

func actorID(u *identity.User) any {
	if id := identity.ID(u); id != 0 {
		return id
	}
	return nil
}

// Report reasons.
var Reasons = []struct{ Code, Label string }{
	{"spam", "广告或刷屏"}, {"abuse", "辱骂或人身攻击"}, {"illegal", "违法违规"}, {"privacy", "泄露他人隐私"}, {"other", "其他"},
}

// ReasonLabel names report reason c.
func ReasonLabel(c string) string {
	for _, r := range Reasons {
		if r.Code == c {
			return r.Label
		}
	}
	return c
}

// AutoHoldReports is the number of open reports by different owners that
// holds a post or comment for review before a moderator has looked.
const AutoHoldReports = 5

// ReportInput is an owner's report of a post (CommentID 0) or a comment.
type ReportInput struct {
	PostID    int64
	CommentID int64
	Reason    string
	Detail    string
}

// Report files the actor's report; it reaches the moderation queue, and
// AutoHoldReports open reports hold the content for review. Owners only;
// Invalid for an unknown reason or a long detail; NotFound for content that
// is missing or not published; Conflict when the actor reported it already;
// Invalid for one's own content; RateLimited past Limits.Reports a day.
func (s *Service) Report(ctx context.Context, actor *identity.User, in ReportInput) (int64, error) {
	cid, err := owner(actor)
	if err != nil {
		return 0, err
	}
	in.Detail = clean(in.Detail)
	var v apperr.Validator
	v.Check(ReasonLabel(in.Reason) != in.Reason, "reason", "请选择举报原因")
	v.Check(runes(in.Detail) <= MaxReason, "detail", "补充说明最多 200 个字")
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if _, _, _, err := s.postTitle(ctx, tx, in.PostID); err != nil {
			return err
		}
		var author int64
		table, target := "posts", fmt.Sprintf("p%d", in.PostID)
		var comment any
		if in.CommentID != 0 {
			table, target, comment = "comments", fmt.Sprintf("c%d", in.CommentID), in.CommentID
			err := tx.QueryRowContext(ctx, `SELECT customer_id FROM comments WHERE id = $1 AND post_id = $2 AND status = 'published'`,
				in.CommentID, in.PostID).Scan(&author)
			if db.NoRows(err) {
				return apperr.New(apperr.NotFound, "评论不存在或已被删除")
			}
			if err != nil {
				return err
			}
		} else if err := tx.QueryRowContext(ctx, `SELECT customer_id FROM posts WHERE id = $1`, in.PostID).Scan(&author); err != nil {
			return err
		}
		if author == cid {
			return apperr.New(apperr.Invalid, "不能举报自己的内容")
		}
		if s.Limits.Reports > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM community_reports WHERE reporter_customer_id = $1 AND created_at > $2`,
				cid, now.Add(-24*time.Hour)).Scan(&n); err != nil {
				return err
			}
			if n >= s.Limits.Reports {
				return apperr.RateLimitedFor("今天的举报次数已达上限，请明天再试", time.Hour)
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO community_reports (post_id, comment_id, target, reporter_customer_id, reason, detail, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (target, reporter_customer_id) DO NOTHING RETURNING id`,
			in.PostID, comment, target, cid, in.Reason, in.Detail, now).Scan(&id)
		if db.NoRows(err) {
			return apperr.New(apperr.Conflict, "您已经举报过这条内容，我们会尽快处理")
		}
		if err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM community_reports WHERE target = $1 AND status = 'open'`, target).Scan(&open); err != nil {
			return err
		}
		if open < AutoHoldReports {
			return nil
		}
		tid := in.PostID
		if in.CommentID != 0 {
			tid = in.CommentID
		}
		res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET status = 'hidden', moderation = 'held', moderation_reason = $2
			WHERE id = $1 AND status = 'published'`, tid, "多位车友举报，待管理员审核")
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if in.CommentID != 0 {
			return commentGone(ctx, tx, in.PostID, true)
		}
		return reindex(ctx, tx, in.PostID)
	})
	return id, err
}

// QueueItem is a post or comment awaiting a moderator: held by a banned
// word or by reports, or reported while still published.
type QueueItem struct {
	Kind             string    `json:"kind"` // "post" or "comment"
	ID               int64     `json:"id"`
	PostID           int64     `json:"post_id"`
	PostTitle        string    `json:"post_title"`
	Text             string    `json:"text"`
	CustomerID       int64     `json:"customer_id"`
	Author           Author    `json:"author"`
	Status           string    `json:"status"`
	Moderation       string    `json:"moderation"`
	ModerationReason string    `json:"moderation_reason"`
	Reports          int       `json:"reports"`
	Reasons          []string  `json:"reasons"` // labels of the open reports' reasons and details
	Since            time.Time `json:"since"`
	MutedUntil       time.Time `json:"muted_until"` // zero when not muted
	Offences         int       `json:"offences"`    // the author's contents hidden or deleted before
}

// ModerationLabel names the item's state.
func (q *QueueItem) ModerationLabel() string {
	if q.Status == "published" {
		return "已发布"
	}
	return moderationLabel(q.Moderation)
}

// Queue returns what awaits moderation, oldest first, at most 200 items:
// held posts and comments, and those with open reports. Moderators only.
func (s *Service) Queue(ctx context.Context, actor *identity.User) ([]*QueueItem, error) {
	if err := moderator(actor); err != nil {
		return nil, err
	}
	items := map[string]*QueueItem{}
	var order []string
	add := func(key string, it *QueueItem) *QueueItem {
		if x, ok := items[key]; ok {
			return x
		}
		items[key] = it
		order = append(order, key)
		return it
	}
	scan := func(query string, kind string, args ...any) error {
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it := &QueueItem{Kind: kind}
			var reason, detail sql.NullString
			var reportAt sql.NullTime
			var created time.Time
			if err := rows.Scan(&it.ID, &it.PostID, &it.PostTitle, &it.Text, &it.CustomerID, &it.Author.Nickname, &it.Author.Badge,
				&it.Status, &it.Moderation, &it.ModerationReason, &created, &reason, &detail, &reportAt); err != nil {
				return err
			}
			it.Text = Excerpt(it.Text, 200)
			x := add(fmt.Sprintf("%s%d", kind, it.ID), it)
			x.Since = created.UTC()
			if reason.Valid {
				x.Reports++
				r := ReasonLabel(reason.String)
				if detail.String != "" {
					r += "：" + detail.String
				}
				x.Reasons = append(x.Reasons, r)
				if reportAt.Valid && (x.Reports == 1 || reportAt.Time.Before(x.Since)) {
					x.Since = reportAt.Time.UTC()
				}
			}
			if x.Author.Nickname == "" {
				x.Author.Nickname = defaultNickname(x.CustomerID)
			}
		}
		return rows.Err()
	}
	const postQ = `SELECT p.id, p.id, p.title, p.body, p.customer_id, COALESCE(pr.nickname, ''), COALESCE(pr.badge, ''),
		p.status, p.moderation, p.moderation_reason, p.created_at, r.reason, r.detail, r.created_at
		FROM posts p LEFT JOIN community_profiles pr ON pr.customer_id = p.customer_id
		LEFT JOIN community_reports r ON r.post_id = p.id AND r.comment_id IS NULL AND r.status = 'open'
		WHERE (p.moderation = 'held' OR r.id IS NOT NULL) AND p.moderation <> 'deleted'
		ORDER BY p.id LIMIT 2000`
	const commentQ = `SELECT c.id, c.post_id, p.title, c.body, c.customer_id, COALESCE(pr.nickname, ''), COALESCE(pr.badge, ''),
		c.status, c.moderation, c.moderation_reason, c.created_at, r.reason, r.detail, r.created_at
		FROM comments c JOIN posts p ON p.id = c.post_id LEFT JOIN community_profiles pr ON pr.customer_id = c.customer_id
		LEFT JOIN community_reports r ON r.comment_id = c.id AND r.status = 'open'
		WHERE (c.moderation = 'held' OR r.id IS NOT NULL) AND c.moderation NOT IN ('deleted', 'removed')
		ORDER BY c.id LIMIT 2000`
	if err := scan(postQ, "post"); err != nil {
		return nil, err
	}
	if err := scan(commentQ, "comment"); err != nil {
		return nil, err
	}
	out := make([]*QueueItem, 0, len(order))
	for _, k := range order {
		out = append(out, items[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	if len(out) > 200 {
		out = out[:200]
	}
	now := s.now()
	for _, it := range out {
		until, err := mutedUntil(ctx, s.db, it.CustomerID, now)
		if err != nil {
			return nil, err
		}
		if until.Valid {
			it.MutedUntil = until.Time.UTC()
		}
		if err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM posts WHERE customer_id = $1 AND moderation IN ('hidden', 'deleted'))
			+ (SELECT COUNT(*) FROM comments WHERE customer_id = $1 AND moderation IN ('hidden', 'deleted'))`, it.CustomerID).Scan(&it.Offences); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// QueueCount is the number of items awaiting moderation (for the menu badge).
func (s *Service) QueueCount(ctx context.Context, actor *identity.User) (int, error) {
	if err := moderator(actor); err != nil {
		return 0, err
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM posts WHERE moderation = 'held')
		+ (SELECT COUNT(*) FROM comments WHERE moderation = 'held')
		+ (SELECT COUNT(DISTINCT target) FROM community_reports WHERE status = 'open')`).Scan(&n)
	return n, err
}

// Moderation actions.
const (
	ActHide    = "hide"    // hide from everyone but the author (restorable)
	ActRestore = "restore" // publish again (also approves held content)
	ActDelete  = "delete"  // delete for good (the author still sees the reason)
	ActDismiss = "dismiss" // close the open reports, leave the content as it is
)

// ModAction is a moderator's decision on a post (Kind "post") or comment.
type ModAction struct {
	Kind   string
	ID     int64
	Action string
	Reason string // required for hide and delete; shown to the author
}

var actionLabels = map[string]string{ActHide: "隐藏", ActRestore: "恢复", ActDelete: "删除", ActDismiss: "驳回举报"}

// Moderate applies a moderator's decision, closes the target's open
// reports (actioned, or dismissed for ActDismiss), notifies the author of a
// hide, delete or restore with the reason, and audits it. Moderators only
// (Forbidden); Invalid for an unknown kind or action or a missing reason;
// NotFound; Conflict for deleted content (final) or a restore of content
// that is published.
func (s *Service) Moderate(ctx context.Context, actor *identity.User, a ModAction) error {
	if err := moderator(actor); err != nil {
		return err
	}
	a.Reason = clean(a.Reason)
	var v apperr.Validator
	v.Check(a.Kind == "post" || a.Kind == "comment", "kind", "未知的内容类型")
	v.Check(actionLabels[a.Action] != "", "action", "未知的处理方式")
	v.Check(a.Reason != "" || a.Action == ActRestore || a.Action == ActDismiss, "reason", "请填写处理原因，作者会看到")
	v.Check(runes(a.Reason) <= MaxReason, "reason", "原因最多 200 个字")
	if err := v.Err(); err != nil {
		return err
	}
	table, target := "posts", fmt.Sprintf("p%d", a.ID)
	if a.Kind == "comment" {
		table, target = "comments", fmt.Sprintf("c%d", a.ID)
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		var postID, author int64
		var status, moderation, title string
		q := `SELECT id, customer_id, status, moderation, title FROM posts WHERE id = $1`
		if a.Kind == "comment" {
			q = `SELECT c.post_id, c.customer_id, c.status, c.moderation, p.title FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id = $1`
		}
		err := tx.QueryRowContext(ctx, q, a.ID).Scan(&postID, &author, &status, &moderation, &title)
		if db.NoRows(err) {
			return apperr.New(apperr.NotFound, "内容不存在")
		}
		if err != nil {
			return err
		}
		if moderation == ModDeleted || moderation == ModRemoved {
			return apperr.New(apperr.Conflict, "内容已被删除，不能再处理")
		}
		reportStatus := "actioned"
		switch a.Action {
		case ActHide, ActDelete:
			mod := ModHidden
			if a.Action == ActDelete {
				mod = ModDeleted
			}
			if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET status = 'hidden', moderation = $2, moderation_reason = $3,
				moderated_by = $4, moderated_at = $5 WHERE id = $1`, a.ID, mod, a.Reason, actorID(actor), now); err != nil {
				return err
			}
			if err := s.afterVisibility(ctx, tx, a.Kind, postID, status == "published", false); err != nil {
				return err
			}
		case ActRestore:
			if status == "published" {
				return apperr.New(apperr.Conflict, "内容已是发布状态")
			}
			if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET status = 'published', moderation = '', moderation_reason = '',
				moderated_by = $2, moderated_at = $3 WHERE id = $1`, a.ID, actorID(actor), now); err != nil {
				return err
			}
			if err := s.afterVisibility(ctx, tx, a.Kind, postID, false, true); err != nil {
				return err
			}
		case ActDismiss:
			reportStatus = "dismissed"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE community_reports SET status = $2, handled_by = $3, handled_at = $4
			WHERE target = $1 AND status = 'open'`, target, reportStatus, actorID(actor), now); err != nil {
			return err
		}
		if a.Action != ActDismiss {
			what := "帖子《" + title + "》"
			link := fmt.Sprintf("/community/posts/%d", postID)
			if a.Kind == "comment" {
				what = "在《" + title + "》下的评论"
				link = "/community/me?tab=comments"
			}
			if a.Action == ActDelete && a.Kind == "post" {
				link = "/community/me"
			}
			body := "原因：" + a.Reason
			if a.Action == ActRestore {
				body = "感谢您的耐心，内容已重新公开。"
			}
			if _, err := notify.NotifyCustomer(ctx, tx, author, notify.Notification{Kind: KindModerated,
				Title: "你的" + what + "已被" + actionLabels[a.Action], Body: body, Link: link, CreatedAt: now}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "community_" + a.Action,
			Entity: a.Kind, EntityID: a.ID, Detail: map[string]any{"reason": a.Reason, "post_id": postID, "author_customer_id": author}})
	})
}

// afterVisibility keeps counts, hot score and index right after content of
// post postID left (wasPublished) or entered (nowPublished) the public view.
func (s *Service) afterVisibility(ctx context.Context, q db.Querier, kind string, postID int64, wasPublished, nowPublished bool) error {
	if kind == "post" {
		return reindex(ctx, q, postID)
	}
	if wasPublished {
		return commentGone(ctx, q, postID, true)
	}
	if nowPublished {
		if _, err := q.ExecContext(ctx, `UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1`, postID); err != nil {
			return err
		}
		if err := refreshScore(ctx, q, postID); err != nil {
			return err
		}
		return reindex(ctx, q, postID)
	}
	return nil
}

// Mute stops customer cid from posting and commenting for days days (1 to
// 365), with a reason the owner is told; audited. Moderators only
// (Forbidden); Invalid for a bad period or missing reason; NotFound for an
// unknown customer.
func (s *Service) Mute(ctx context.Context, actor *identity.User, cid int64, days int, reason string) (time.Time, error) {
	if err := moderator(actor); err != nil {
		return time.Time{}, err
	}
	reason = clean(reason)
	var v apperr.Validator
	v.Check(days >= 1 && days <= 365, "days", "禁言天数须为 1 到 365")
	v.Check(reason != "", "reason", "请填写禁言原因")
	v.Check(runes(reason) <= MaxReason, "reason", "原因最多 200 个字")
	if err := v.Err(); err != nil {
		return time.Time{}, err
	}
	var until time.Time
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		until = now.Add(time.Duration(days) * 24 * time.Hour)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO community_mutes (customer_id, until, reason, created_by, created_at)
			SELECT id, $2, $3, $4, $5 FROM customers WHERE id = $1 RETURNING id`, cid, until, reason, actorID(actor), now).Scan(&id)
		if db.NoRows(err) {
			return apperr.New(apperr.NotFound, "车主不存在")
		}
		if err != nil {
			return err
		}
		if _, err := notify.NotifyCustomer(ctx, tx, cid, notify.Notification{Kind: KindModerated,
			Title: fmt.Sprintf("你已被车友圈禁言 %d 天", days), Body: "原因：" + reason + "。禁言期间可以浏览，但不能发帖或评论。",
			Link: "/community/me", CreatedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "community_mute", Entity: "customer", EntityID: cid,
			Detail: map[string]any{"days": days, "reason": reason, "until": until.Format(time.RFC3339)}})
	})
	return until, err
}

// Unmute ends customer cid's mutes now; audited. Moderators only.
func (s *Service) Unmute(ctx context.Context, actor *identity.User, cid int64) error {
	if err := moderator(actor); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE community_mutes SET until = $2 WHERE customer_id = $1 AND until > $2`, cid, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "community_unmute", Entity: "customer", EntityID: cid})
	})
}

// MutedUntil returns when the actor's mute ends (zero when not muted, and
// for anyone but an owner). Unauthenticated for a nil actor.
func (s *Service) MutedUntil(ctx context.Context, actor *identity.User) (time.Time, error) {
	if err := identity.Require(actor); err != nil {
		return time.Time{}, err
	}
	cid := viewer(actor)
	if cid == 0 {
		return time.Time{}, nil
	}
	until, err := mutedUntil(ctx, s.db, cid, s.now())
	if until.Valid {
		return until.Time.UTC(), err
	}
	return time.Time{}, err
}

// mutedUntil is the end of customer cid's longest running mute, if any.
func mutedUntil(ctx context.Context, q db.Querier, cid int64, now time.Time) (sql.NullTime, error) {
	var until sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT until FROM community_mutes WHERE customer_id = $1 AND until > $2 ORDER BY until DESC LIMIT 1`, cid, now).Scan(&until)
	if db.NoRows(err) {
		return sql.NullTime{}, nil
	}
	return until, err
}
