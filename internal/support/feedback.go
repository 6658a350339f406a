package support

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Feedback kinds.
const (
	KindRating     = "rating"
	KindComplaint  = "complaint"
	KindSuggestion = "suggestion"
)

// FeedbackCategories are the feedback topics.
var FeedbackCategories = []string{"charging", "swap", "repair", "battery", "software", "billing", "service", "other"}

// FeedbackInput is a complaint or suggestion an owner gives (in the chat).
type FeedbackInput struct {
	Kind     string // complaint or suggestion
	Category string // one of FeedbackCategories ("" = other)
	Comment  string
	TicketID int64 // the ticket a complaint opened, or 0
}

// RecordFeedbackTx writes the acting owner's complaint or suggestion in the
// caller's transaction, from the assistant. Invalid for an unknown kind or
// category or an empty or long comment; Forbidden for non-owners.
func (s *Service) RecordFeedbackTx(ctx context.Context, q db.Querier, actor *identity.User, in FeedbackInput) (int64, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	if !actor.Is(identity.RoleOwner) || actor.CustomerID == 0 {
		return 0, apperr.New(apperr.Forbidden, "只有车主可以提交反馈")
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if in.Category == "" {
		in.Category = "other"
	}
	var v apperr.Validator
	v.Check(in.Kind == KindComplaint || in.Kind == KindSuggestion, "kind", "反馈类型无效")
	known := false
	for _, c := range FeedbackCategories {
		known = known || c == in.Category
	}
	v.Check(known, "category", "反馈分类无效")
	v.Check(in.Comment != "", "comment", "请填写反馈内容")
	v.Check(utf8.RuneCountInString(in.Comment) <= 1000, "comment", "反馈不能超过 1000 个字")
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO feedback (customer_id, ticket_id, rating, comment, created_at, kind, category, source)
		VALUES ($1, $2, NULL, $3, $4, $5, $6, 'assistant') RETURNING id`, actor.CustomerID, nullID(in.TicketID), in.Comment, s.now(), in.Kind, in.Category).Scan(&id)
	return id, err
}

// FeedbackCount is how many feedback records of a kind and category there are.
type FeedbackCount struct {
	Kind, Category string
	N              int
}

// KindLabel is the feedback kind in Chinese.
func (f FeedbackCount) KindLabel() string {
	return map[string]string{KindRating: "评价", KindComplaint: "投诉", KindSuggestion: "建议"}[f.Kind]
}

// CategoryLabel is the category in Chinese.
func (f FeedbackCount) CategoryLabel() string { return CategoryLabel(f.Category) }

// FeedbackSummary counts the feedback of the last days days by kind and
// category, most first, for the reports (service staff, admins).
func (s *Service) FeedbackSummary(ctx context.Context, actor *identity.User, days int) ([]FeedbackCount, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !isStaff(actor) {
		return nil, apperr.New(apperr.Forbidden, "只有客服人员和管理员可以查看反馈统计")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT kind, category, COUNT(*) FROM feedback WHERE created_at >= $1
		GROUP BY kind, category ORDER BY COUNT(*) DESC, kind, category`, s.now().Add(-time.Duration(days)*24*time.Hour))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FeedbackCount
	for rows.Next() {
		var f FeedbackCount
		if err := rows.Scan(&f.Kind, &f.Category, &f.N); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Feedback is one feedback record as staff read it.
type Feedback struct {
	ID           int64
	CustomerName string
	Kind         string
	Category     string
	Rating       int
	Comment      string
	TicketID     int64
	Source       string
	CreatedAt    time.Time
}

// KindLabel is the feedback kind in Chinese.
func (f *Feedback) KindLabel() string { return FeedbackCount{Kind: f.Kind}.KindLabel() }

// CategoryLabel is the category in Chinese.
func (f *Feedback) CategoryLabel() string { return CategoryLabel(f.Category) }

// RecentFeedback lists the newest complaints and suggestions (kind "" for
// both), at most limit, for service staff and admins.
func (s *Service) RecentFeedback(ctx context.Context, actor *identity.User, kind string, limit int) ([]*Feedback, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !isStaff(actor) {
		return nil, apperr.New(apperr.Forbidden, "只有客服人员和管理员可以查看反馈")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.id, c.name, f.kind, f.category, COALESCE(f.rating, 0), f.comment, COALESCE(f.ticket_id, 0), f.source, f.created_at
		FROM feedback f JOIN customers c ON c.id = f.customer_id
		WHERE f.kind IN ('complaint', 'suggestion') AND ($1 = '' OR f.kind = $1) ORDER BY f.created_at DESC, f.id DESC LIMIT $2`, kind, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Feedback
	for rows.Next() {
		var f Feedback
		if err := rows.Scan(&f.ID, &f.CustomerName, &f.Kind, &f.Category, &f.Rating, &f.Comment, &f.TicketID, &f.Source, &f.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, &f)
	}
	return out, rows.Err()
}
