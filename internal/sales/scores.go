package sales

import (
	"context"
	"database/sql"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// ScoreBands are the bands of a lead's purchase score (leads.score, the
// chance of buying in percent, written by the lead scorer): 高意向 from 50,
// 中意向 from 25, 低意向 below; "none" selects leads not scored yet.
var ScoreBands = []Code{{"hot", "高意向"}, {"warm", "中意向"}, {"cold", "低意向"}, {"none", "未评分"}}

// BandOf is the band code of a score 0..100 (hot, warm, cold).
func BandOf(score int) string {
	switch {
	case score >= 50:
		return "hot"
	case score >= 25:
		return "warm"
	}
	return "cold"
}

// BandLabel is the Chinese name of a score band.
func BandLabel(c string) string { return label(ScoreBands, c) }

// Band is the lead's score band ("none" when not scored).
func (l *Lead) Band() string {
	if l.Score < 0 {
		return "none"
	}
	return BandOf(l.Score)
}

// bandWhere is the SQL condition of a band on leads l.
func bandWhere(band string) string {
	switch band {
	case "hot":
		return "l.score >= 50"
	case "warm":
		return "l.score >= 25 AND l.score < 50"
	case "cold":
		return "l.score < 25"
	case "none":
		return "l.score IS NULL"
	}
	return ""
}

// LeadScore is a lead's score as the scorer computed it: 0..100 and the
// reasons in one line ("已试驾 ↑；首次响应超过 24 小时 ↓").
type LeadScore struct {
	LeadID int64
	Score  int
	Reason string
}

// SetLeadScores stores scores on the leads (leads.score, score_reason)
// through q, without touching updated_at; a nil score (Score < 0) clears
// it. Leads that no longer exist are skipped.
//
// Only the system actor (the scoring job) may call it: others get
// Forbidden.
func (s *Service) SetLeadScores(ctx context.Context, q interface {
	PrepareContext(context.Context, string) (*sql.Stmt, error)
}, actor *identity.User, scores []LeadScore) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleSystem) {
		return apperr.New(apperr.Forbidden, "只有评分任务可以写入线索评分")
	}
	st, err := q.PrepareContext(ctx, `UPDATE leads SET score = $1, score_reason = $2 WHERE id = $3`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, sc := range scores {
		var v any
		if sc.Score >= 0 {
			v = min(sc.Score, 100)
		}
		if _, err := st.ExecContext(ctx, v, sc.Reason, sc.LeadID); err != nil {
			return err
		}
	}
	return nil
}

// OnLeadChange registers f to be told, after the change is committed,
// that a lead's facts changed (created, followed up, test drive, visit,
// assignment, closed): the lead scorer rescores it. f runs in the caller's
// request and must be quick; its errors are its own to log.
func (s *Service) OnLeadChange(f func(ctx context.Context, leadID int64)) { s.leadChanged = f }

// changed tells the registered listener that lead id changed.
func (s *Service) changed(ctx context.Context, id int64) {
	if s.leadChanged != nil && id != 0 {
		s.leadChanged(context.WithoutCancel(ctx), id)
	}
}
