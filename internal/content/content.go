// Package content holds what the public pages show: announcements and news.
package content

import (
	"context"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
)

// Announcement is a notice on the home page.
type Announcement struct {
	ID          int64
	Title       string
	Body        string
	Important   bool
	PublishedAt time.Time
}

// News is a published article.
type News struct {
	ID          int64
	Title       string
	Summary     string
	Body        string
	Category    string
	PublishedAt time.Time
	Pinned      bool // first in the community feed and on the home page
}

// Service reads public content.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now)}
}

// Announcements returns current announcements (published, not expired),
// important first, newest first, at most limit.
func (s *Service) Announcements(ctx context.Context, limit int) ([]Announcement, error) {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, body, level = 'important', published_at FROM announcements
		WHERE status = 'published' AND published_at <= $1 AND (expires_at IS NULL OR expires_at > $1)
		ORDER BY CASE level WHEN 'important' THEN 0 ELSE 1 END, published_at DESC LIMIT $2`, now, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Announcement
	for rows.Next() {
		var a Announcement
		if err := rows.Scan(&a.ID, &a.Title, &a.Body, &a.Important, &a.PublishedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LatestNews returns published news, pinned first, then newest first, at most limit.
func (s *Service) LatestNews(ctx context.Context, limit int) ([]News, error) {
	return s.news(ctx, `WHERE status = 'published' AND published_at <= $1 ORDER BY pinned DESC, published_at DESC, id DESC LIMIT $2`, s.now(), limit)
}

// GetNews returns published news id, or NotFound.
func (s *Service) GetNews(ctx context.Context, id int64) (*News, error) {
	var n News
	err := s.db.QueryRowContext(ctx, `SELECT id, title, summary, body, category, published_at, pinned FROM news
		WHERE id = $1 AND status = 'published' AND published_at <= $2`, id, s.now()).
		Scan(&n.ID, &n.Title, &n.Summary, &n.Body, &n.Category, &n.PublishedAt, &n.Pinned)
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "资讯不存在")
	}
	return &n, err
}

// categoryLabels name the news categories.
var categoryLabels = map[string]string{"company": "公司动态", "network": "补能网络", "product": "产品", "software": "软件升级",
	"service": "服务", "community": "车友圈"}

// CategoryLabel is the category's Chinese name.
func (n *News) CategoryLabel() string {
	if l, ok := categoryLabels[n.Category]; ok {
		return l
	}
	return n.Category
}

// Paragraphs splits the body into its non-empty lines, for display as paragraphs.
func (n *News) Paragraphs() []string {
	var out []string
	for _, l := range strings.Split(n.Body, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
