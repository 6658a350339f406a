package content

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Editorial states of news and announcements, as the editor shows them.
// News is stored as status draft or published with published_at (a future
// time schedules it) and withdrawn_at (set when a published item is taken
// back to draft); announcements have a status column and a validity period.
const (
	StateDraft     = "draft"
	StateScheduled = "scheduled"
	StatePublished = "published"
	StateWithdrawn = "withdrawn"
	StateExpired   = "expired"
)

var stateLabels = map[string]string{StateDraft: "草稿", StateScheduled: "定时发布", StatePublished: "已发布", StateWithdrawn: "已撤回", StateExpired: "已过期"}

// StateLabel names an editorial state.
func StateLabel(s string) string { return stateLabels[s] }

// Categories lists the news categories in menu order.
func Categories() []struct{ Code, Label string } {
	out := make([]struct{ Code, Label string }, 0, len(categoryOrder))
	for _, c := range categoryOrder {
		out = append(out, struct{ Code, Label string }{c, categoryLabels[c]})
	}
	return out
}

var categoryOrder = []string{"company", "product", "software", "network", "service", "community"}

// Item is a news article or an announcement as the editor sees it.
type Item struct {
	Kind        string // "news" or "announcement"
	ID          int64
	Title       string
	Summary     string // news only
	Body        string
	Category    string // news only
	Important   bool   // announcements only
	Pinned      bool   // news only: first in the community feed and on the home page
	State       string
	PublishedAt time.Time
	ExpiresAt   *time.Time // announcements only
	UpdatedAt   *time.Time
}

// StateLabel names the item's state.
func (it *Item) StateLabel() string { return stateLabels[it.State] }

// CategoryLabel names the item's category.
func (it *Item) CategoryLabel() string { return (&News{Category: it.Category}).CategoryLabel() }

// editor refuses anyone but an admin.
func editor(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleAdmin) {
		return apperr.New(apperr.Forbidden, "只有管理员可以编辑官方内容")
	}
	return nil
}

func newsState(status string, published time.Time, withdrawn sql.NullTime, now time.Time) string {
	switch {
	case status == "draft" && withdrawn.Valid:
		return StateWithdrawn
	case status == "draft":
		return StateDraft
	case published.After(now):
		return StateScheduled
	}
	return StatePublished
}

func announcementState(status string, published time.Time, expires sql.NullTime, now time.Time) string {
	switch {
	case status != "published":
		return status
	case published.After(now):
		return StateScheduled
	case expires.Valid && !expires.Time.After(now):
		return StateExpired
	}
	return StatePublished
}

// Items lists every news article and announcement for the editor, newest
// first, at most 200 of each. Admins only (Forbidden).
func (s *Service) Items(ctx context.Context, actor *identity.User) (news, announcements []*Item, err error) {
	if err := editor(actor); err != nil {
		return nil, nil, err
	}
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, summary, body, category, pinned, status, published_at, withdrawn_at, updated_at
		FROM news ORDER BY published_at DESC, id DESC LIMIT 200`)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		it := &Item{Kind: "news"}
		var status string
		var withdrawn, updated sql.NullTime
		if err := rows.Scan(&it.ID, &it.Title, &it.Summary, &it.Body, &it.Category, &it.Pinned, &status, &it.PublishedAt, &withdrawn, &updated); err != nil {
			rows.Close()
			return nil, nil, err
		}
		it.State = newsState(status, it.PublishedAt, withdrawn, now)
		it.UpdatedAt = nullTime(updated)
		news = append(news, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT id, title, body, level = 'important', status, published_at, expires_at, updated_at
		FROM announcements ORDER BY published_at DESC, id DESC LIMIT 200`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		it := &Item{Kind: "announcement"}
		var status string
		var expires, updated sql.NullTime
		if err := rows.Scan(&it.ID, &it.Title, &it.Body, &it.Important, &status, &it.PublishedAt, &expires, &updated); err != nil {
			return nil, nil, err
		}
		it.State = announcementState(status, it.PublishedAt, expires, now)
		it.ExpiresAt, it.UpdatedAt = nullTime(expires), nullTime(updated)
		announcements = append(announcements, it)
	}
	return news, announcements, rows.Err()
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// Item returns news or announcement id for the editor. Admins only; NotFound.
func (s *Service) Item(ctx context.Context, actor *identity.User, kind string, id int64) (*Item, error) {
	news, anns, err := s.Items(ctx, actor)
	if err != nil {
		return nil, err
	}
	list := news
	if kind == "announcement" {
		list = anns
	}
	for _, it := range list {
		if it.ID == id {
			return it, nil
		}
	}
	return nil, apperr.New(apperr.NotFound, "内容不存在")
}

// ItemInput is what the editor saves.
type ItemInput struct {
	Kind      string // "news" or "announcement"
	Title     string
	Summary   string
	Body      string
	Category  string
	Important bool
	Pinned    bool
	// Publish publishes at PublishAt (now when zero; a future time
	// schedules); false keeps a draft.
	Publish   bool
	PublishAt time.Time
	ExpiresAt *time.Time // announcements: end of validity, nil for none
}

func (in *ItemInput) validate() error {
	in.Title, in.Summary, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Summary), strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	var v apperr.Validator
	v.Check(in.Kind == "news" || in.Kind == "announcement", "kind", "未知的内容类型")
	v.Check(in.Title != "", "title", "请填写标题")
	v.Check(utf8.RuneCountInString(in.Title) <= 80, "title", "标题最多 80 个字")
	v.Check(utf8.RuneCountInString(in.Summary) <= 200, "summary", "摘要最多 200 个字")
	v.Check(in.Body != "", "body", "请填写正文")
	v.Check(utf8.RuneCountInString(in.Body) <= 20000, "body", "正文最多 20000 个字")
	if in.Kind == "news" {
		v.Check(categoryLabels[in.Category] != "", "category", "请选择分类")
	}
	if in.ExpiresAt != nil && !in.PublishAt.IsZero() {
		v.Check(in.ExpiresAt.After(in.PublishAt), "expires_at", "结束时间须晚于发布时间")
	}
	return v.Err()
}

// SaveItem creates (id 0) or changes a news article or announcement:
// a draft, or published now or at a later time (scheduled); audited.
// Admins only (Forbidden); Invalid for bad fields; NotFound for an unknown id.
func (s *Service) SaveItem(ctx context.Context, actor *identity.User, id int64, in ItemInput) (int64, error) {
	if err := editor(actor); err != nil {
		return 0, err
	}
	if err := in.validate(); err != nil {
		return 0, err
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		at := in.PublishAt.UTC()
		if at.IsZero() {
			at = now
		}
		if in.ExpiresAt != nil && !in.ExpiresAt.After(at) {
			return apperr.Field("expires_at", "结束时间须晚于发布时间")
		}
		status := "draft"
		if in.Publish {
			status = "published"
		}
		var res sql.Result
		var err error
		switch {
		case in.Kind == "news" && id == 0:
			err = tx.QueryRowContext(ctx, `INSERT INTO news (title, summary, body, category, author_user_id, status, published_at, pinned, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
				in.Title, in.Summary, in.Body, in.Category, nullID(actor), status, at, in.Pinned, now).Scan(&id)
		case in.Kind == "news":
			res, err = tx.ExecContext(ctx, `UPDATE news SET title = $2, summary = $3, body = $4, category = $5, status = $6, published_at = $7,
				pinned = $8, updated_at = $9, withdrawn_at = CASE WHEN $6 = 'published' THEN NULL ELSE withdrawn_at END WHERE id = $1`,
				id, in.Title, in.Summary, in.Body, in.Category, status, at, in.Pinned, now)
		case id == 0:
			err = tx.QueryRowContext(ctx, `INSERT INTO announcements (title, body, level, author_user_id, status, published_at, expires_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				in.Title, in.Body, level(in.Important), nullID(actor), status, at, in.ExpiresAt, now).Scan(&id)
		default:
			res, err = tx.ExecContext(ctx, `UPDATE announcements SET title = $2, body = $3, level = $4, status = $5, published_at = $6,
				expires_at = $7, updated_at = $8 WHERE id = $1`, id, in.Title, in.Body, level(in.Important), status, at, in.ExpiresAt, now)
		}
		if err != nil {
			return err
		}
		if res != nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return apperr.New(apperr.NotFound, "内容不存在")
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "content_save", Entity: in.Kind, EntityID: id,
			Detail: map[string]any{"title": in.Title, "status": status, "published_at": at.Format(time.RFC3339)}})
	})
	return id, err
}

func level(important bool) string {
	if important {
		return "important"
	}
	return "info"
}

func nullID(u *identity.User) any {
	if id := identity.ID(u); id != 0 {
		return id
	}
	return nil
}

// Withdraw takes a published or scheduled item back (news to a withdrawn
// draft, announcements to withdrawn); audited. Admins only; NotFound.
func (s *Service) Withdraw(ctx context.Context, actor *identity.User, kind string, id int64) error {
	return s.editorial(ctx, actor, kind, id, "content_withdraw",
		`UPDATE news SET status = 'draft', withdrawn_at = $2, pinned = FALSE, updated_at = $2 WHERE id = $1`,
		`UPDATE announcements SET status = 'withdrawn', updated_at = $2 WHERE id = $1`)
}

// SetPinned pins (on) or unpins news id; audited. Admins only; NotFound.
func (s *Service) SetPinned(ctx context.Context, actor *identity.User, id int64, on bool) error {
	q := `UPDATE news SET pinned = FALSE, updated_at = $2 WHERE id = $1`
	action := "content_unpin"
	if on {
		q = `UPDATE news SET pinned = TRUE, updated_at = $2 WHERE id = $1`
		action = "content_pin"
	}
	return s.editorial(ctx, actor, "news", id, action, q, "")
}

func (s *Service) editorial(ctx context.Context, actor *identity.User, kind string, id int64, action, newsQ, annQ string) error {
	if err := editor(actor); err != nil {
		return err
	}
	q := newsQ
	if kind == "announcement" {
		q = annQ
	}
	if q == "" || kind != "news" && kind != "announcement" {
		return apperr.Field("kind", "未知的内容类型")
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, q, id, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "内容不存在")
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: action, Entity: kind, EntityID: id})
	})
}

// PinnedNews returns the pinned published news, newest first, at most limit.
func (s *Service) PinnedNews(ctx context.Context, limit int) ([]News, error) {
	return s.news(ctx, `WHERE status = 'published' AND pinned AND published_at <= $1 ORDER BY published_at DESC, id DESC LIMIT $2`, s.now(), limit)
}

// NewsBetween returns published, unpinned news published in (from, to],
// newest first, at most limit: the official items a feed page shows
// between its posts.
func (s *Service) NewsBetween(ctx context.Context, from, to time.Time, limit int) ([]News, error) {
	if now := s.now(); to.After(now) {
		to = now
	}
	return s.news(ctx, `WHERE status = 'published' AND NOT pinned AND published_at > $1 AND published_at <= $2
		ORDER BY published_at DESC, id DESC LIMIT $3`, from.UTC(), to.UTC(), limit)
}

// NewsBefore returns published news before time before (zero: now),
// newest first, at most limit: the official topic's pages.
func (s *Service) NewsBefore(ctx context.Context, before time.Time, limit int) ([]News, error) {
	now := s.now()
	if before.IsZero() || before.After(now) {
		return s.news(ctx, `WHERE status = 'published' AND published_at <= $1 ORDER BY published_at DESC, id DESC LIMIT $2`, now, limit)
	}
	return s.news(ctx, `WHERE status = 'published' AND published_at < $1 ORDER BY published_at DESC, id DESC LIMIT $2`, before.UTC(), limit)
}

func (s *Service) news(ctx context.Context, where string, args ...any) ([]News, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, summary, '', category, published_at, pinned FROM news `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []News
	for rows.Next() {
		var n News
		if err := rows.Scan(&n.ID, &n.Title, &n.Summary, &n.Body, &n.Category, &n.PublishedAt, &n.Pinned); err != nil {
			return nil, err
		}
		n.PublishedAt = n.PublishedAt.UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}
