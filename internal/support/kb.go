// Package support owns the knowledge base that staff edit (kb_articles), the
// support tickets that the assistant hands off to people and staff work
// through (support_tickets, support_ticket_messages), and the owners'
// feedback: ratings, complaints and suggestions (feedback).
package support

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Categories are the knowledge-base categories, in the order pages show them.
var Categories = []string{"充电", "换电", "电池", "续航", "保养", "质保", "软件", "救援", "购车", "费用", "账户", "社区", "活动", "预约"}

// Article is one knowledge-base entry: a question, its other phrasings
// (Similar, one per line), the answer and search keywords.
type Article struct {
	ID        int64
	Category  string
	Question  string
	Similar   string
	Answer    string
	Keywords  string
	Active    bool
	Hits      int
	UpdatedAt time.Time
}

// SimilarList returns the other phrasings, one per entry.
func (a *Article) SimilarList() []string {
	var out []string
	for _, l := range strings.Split(a.Similar, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Service reads and writes the knowledge base, tickets and feedback.
type Service struct {
	db  *db.DB
	now func() time.Time
	// kbVersion changes whenever this process changes the knowledge base,
	// so that an index built on it knows to rebuild.
	kbVersion atomic.Int64
}

// NewService returns a Service on d; now may be nil for time.Now.
func NewService(d *db.DB, now func() time.Time) *Service {
	return &Service{db: d, now: db.UTC(now)}
}

// Now returns the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now() }

const articleColumns = `id, category, question, alt_questions, answer, keywords, active, hits, updated_at`

func scanArticle(row interface{ Scan(...any) error }) (*Article, error) {
	var a Article
	err := row.Scan(&a.ID, &a.Category, &a.Question, &a.Similar, &a.Answer, &a.Keywords, &a.Active, &a.Hits, &a.UpdatedAt)
	return &a, err
}

// KBVersion identifies the state of the knowledge base as far as a cheap
// query can tell (article count and highest id) together with this process's
// own edits; the assistant rebuilds its index when it changes, and at least
// once a minute for edits made by another process.
func (s *Service) KBVersion(ctx context.Context) (string, error) {
	var n, last int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(id), 0) FROM kb_articles`).Scan(&n, &last); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d/%d/%d", n, last, s.kbVersion.Load()), nil
}

// LocalKBVersion counts the knowledge-base changes made by this process:
// a cheap check, without a query, that an index is stale.
func (s *Service) LocalKBVersion() int64 { return s.kbVersion.Load() }

// ActiveArticles returns every active article, for the assistant's index.
// It is not a page: it checks no actor (the articles are public answers).
func (s *Service) ActiveArticles(ctx context.Context) ([]*Article, error) {
	return s.articles(ctx, `WHERE active = $1 ORDER BY id`, true)
}

func (s *Service) articles(ctx context.Context, where string, args ...any) ([]*Article, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+articleColumns+` FROM kb_articles `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// canEditKB: admins edit the knowledge base, and service staff (who answer
// the tickets the articles should prevent).
func canEditKB(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleAdmin, identity.RoleService) {
		return apperr.New(apperr.Forbidden, "只有管理员和客服人员可以维护知识库")
	}
	return nil
}

// KBFilter selects articles on the knowledge-base page.
type KBFilter struct {
	Category string
	Query    string // words in the question, similar questions or keywords
	Inactive bool   // include disabled articles
}

// Articles lists the knowledge base for staff (admin, service), by category
// then id. Others get Forbidden.
func (s *Service) Articles(ctx context.Context, actor *identity.User, f KBFilter) ([]*Article, error) {
	if err := canEditKB(actor); err != nil {
		return nil, err
	}
	where := `WHERE ($1 = '' OR category = $1) AND ($2 = 1 OR active = $3)`
	args := []any{f.Category, 0, true}
	if f.Inactive {
		args[1] = 1
	}
	all, err := s.articles(ctx, where+` ORDER BY category, id`, args...)
	if err != nil {
		return nil, err
	}
	q := strings.ToLower(strings.TrimSpace(f.Query))
	if q == "" {
		return all, nil
	}
	var out []*Article
	for _, a := range all {
		if strings.Contains(strings.ToLower(a.Question+"\n"+a.Similar+"\n"+a.Keywords+"\n"+a.Answer), q) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Article returns one article for staff (admin, service); NotFound when there is none.
func (s *Service) Article(ctx context.Context, actor *identity.User, id int64) (*Article, error) {
	if err := canEditKB(actor); err != nil {
		return nil, err
	}
	a, err := scanArticle(s.db.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM kb_articles WHERE id = $1`, id))
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "知识条目不存在")
	}
	return a, err
}

// ArticleInput is an article as staff write it.
type ArticleInput struct {
	Category string
	Question string
	Similar  string
	Answer   string
	Keywords string
	Active   bool
}

func (in *ArticleInput) check() error {
	in.Category = strings.TrimSpace(in.Category)
	in.Question = strings.TrimSpace(in.Question)
	in.Answer = strings.TrimSpace(in.Answer)
	in.Keywords = strings.Join(strings.Fields(strings.ReplaceAll(in.Keywords, "，", " ")), " ")
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(in.Similar, "\r", ""), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	in.Similar = strings.Join(lines, "\n")
	var v apperr.Validator
	known := false
	for _, c := range Categories {
		known = known || c == in.Category
	}
	v.Check(known, "category", "请选择分类")
	v.Check(in.Question != "", "question", "请填写标准问题")
	v.Check(utf8.RuneCountInString(in.Question) <= 100, "question", "标准问题不能超过 100 个字")
	v.Check(len(lines) <= 30, "similar", "相似问法最多 30 条")
	v.Check(utf8.RuneCountInString(in.Similar) <= 2000, "similar", "相似问法合计不能超过 2000 个字")
	v.Check(in.Answer != "", "answer", "请填写答案")
	v.Check(utf8.RuneCountInString(in.Answer) <= 2000, "answer", "答案不能超过 2000 个字")
	v.Check(utf8.RuneCountInString(in.Keywords) <= 200, "keywords", "关键词不能超过 200 个字")
	return v.Err()
}

// CreateArticle adds an article (admin, service; Forbidden otherwise).
// Bad input is Invalid naming category, question, similar, answer or keywords.
func (s *Service) CreateArticle(ctx context.Context, actor *identity.User, in ArticleInput) (*Article, error) {
	if err := canEditKB(actor); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO kb_articles (category, question, alt_questions, answer, keywords, active, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, in.Category, in.Question, in.Similar, in.Answer, in.Keywords, in.Active, now).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "create", Entity: "kb_articles", EntityID: id,
			Detail: map[string]any{"question": in.Question}})
	})
	if err != nil {
		return nil, err
	}
	s.kbVersion.Add(1)
	return s.Article(ctx, actor, id)
}

// UpdateArticle rewrites article id (admin, service). NotFound for an
// unknown id; Invalid as CreateArticle.
func (s *Service) UpdateArticle(ctx context.Context, actor *identity.User, id int64, in ArticleInput) (*Article, error) {
	if err := canEditKB(actor); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE kb_articles SET category = $1, question = $2, alt_questions = $3, answer = $4, keywords = $5,
			active = $6, updated_at = $7 WHERE id = $8`, in.Category, in.Question, in.Similar, in.Answer, in.Keywords, in.Active, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "知识条目不存在")
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: actor.ID, Action: "update", Entity: "kb_articles", EntityID: id,
			Detail: map[string]any{"question": in.Question, "active": in.Active}})
	})
	if err != nil {
		return nil, err
	}
	s.kbVersion.Add(1)
	return s.Article(ctx, actor, id)
}

// CountHit adds one to the article's answer count (the assistant answered
// with it). Any caller; an unknown id is ignored.
func (s *Service) CountHit(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE kb_articles SET hits = hits + 1 WHERE id = $1`, id)
	return err
}

// EnsureDefaults writes DefaultArticles into an empty knowledge base (a new
// installation); a knowledge base with any article is left alone.
func EnsureDefaults(ctx context.Context, d *db.DB, now time.Time) error {
	return d.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM kb_articles`).Scan(&n); err != nil || n > 0 {
			return err
		}
		for _, a := range DefaultArticles {
			if _, err := tx.ExecContext(ctx, `INSERT INTO kb_articles (category, question, alt_questions, answer, keywords, active, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.Category, a.Question, a.Similar, a.Answer, a.Keywords, true, now.UTC()); err != nil {
				return err
			}
		}
		return nil
	})
}
