package content_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/content"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

func TestContent(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		ann := `INSERT INTO announcements (title, body, level, published_at, expires_at) VALUES ($1, $2, $3, $4, $5)`
		exec(ann, "普通通知", "正文", "info", now.Add(-time.Hour), nil)
		exec(ann, "重要通知", "正文", "important", now.Add(-48*time.Hour), nil)
		exec(ann, "已过期", "正文", "important", now.Add(-72*time.Hour), now.Add(-time.Minute))
		exec(ann, "尚未发布", "正文", "info", now.Add(time.Hour), nil)
		news := `INSERT INTO news (title, summary, body, category, status, published_at) VALUES ($1, $2, $3, $4, $5, $6)`
		exec(news, "新站开业", "摘要", "第一段\n\n第二段\n", "network", "published", now.Add(-time.Hour))
		exec(news, "草稿", "摘要", "正文", "company", "draft", now.Add(-time.Hour))
		exec(news, "更早的资讯", "摘要", "正文", "company", "published", now.Add(-50*time.Hour))

		s := content.NewService(d, func() time.Time { return now })
		as, err := s.Announcements(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 2 || as[0].Title != "重要通知" || !as[0].Important || as[1].Title != "普通通知" {
			t.Fatalf("announcements: %+v", as)
		}
		ns, err := s.LatestNews(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 2 || ns[0].Title != "新站开业" || ns[0].CategoryLabel() != "补能网络" {
			t.Fatalf("news: %+v", ns)
		}
		n, err := s.GetNews(ctx, ns[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if p := n.Paragraphs(); len(p) != 2 || p[1] != "第二段" {
			t.Fatalf("paragraphs: %q", p)
		}
		var draft int64
		if err := d.QueryRow(`SELECT id FROM news WHERE status = 'draft'`).Scan(&draft); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetNews(ctx, draft); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("draft news: %v, want not found", err)
		}
	})
}
