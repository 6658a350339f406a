package leadscore

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/sales"
)

func sortWeights(ws []Weight) {
	sort.SliceStable(ws, func(i, j int) bool { return math.Abs(ws[i].Weight) > math.Abs(ws[j].Weight) })
}

// Scored is one lead's score with its reasons.
type Scored struct {
	LeadID  int64
	ModelID int64
	Score   int    // 0..100: the chance of buying, in percent
	Band    string // hot, warm, cold (sales.BandOf)
	Reasons []Reason
}

// BandLabel is the band's Chinese name.
func (s *Scored) BandLabel() string { return sales.BandLabel(s.Band) }

// Up and Down are the reasons raising and lowering the score.
func (s *Scored) Up() []Reason { return pick(s.Reasons, true) }

// Down are the reasons lowering the score.
func (s *Scored) Down() []Reason { return pick(s.Reasons, false) }

func pick(rs []Reason, up bool) []Reason {
	var out []Reason
	for _, r := range rs {
		if (r.Effect > 0) == up {
			out = append(out, r)
		}
	}
	return out
}

// Line is the reasons in one line: up to three ↑ then two ↓.
func (s *Scored) Line() string { return reasonLine(s.Reasons) }

func reasonLine(rs []Reason) string {
	var parts []string
	for i, r := range pick(rs, true) {
		if i == 3 {
			break
		}
		parts = append(parts, r.Text+" ↑")
	}
	for i, r := range pick(rs, false) {
		if i == 2 {
			break
		}
		parts = append(parts, r.Text+" ↓")
	}
	return strings.Join(parts, "；")
}

// score applies m to rows.
func score(m *Model, modelID int64, rows []*leadRow) []Scored {
	f := leadFrame(rows)
	cols := m.Enc.colIndex(f)
	x := make([]float64, len(m.Enc.Feats))
	out := make([]Scored, len(rows))
	for i, r := range rows {
		m.Enc.encodeRow(f, cols, i, x)
		p := sigmoid(m.logit(x))
		sc := int(math.Round(p * 100))
		rs := m.explain(x)
		if len(rs) > 6 {
			rs = rs[:6]
		}
		for k := range rs {
			rs[k].Text = phrase(rs[k].Col, r)
			rs[k].Effect = math.Round(rs[k].Effect*1000) / 1000
		}
		out[i] = Scored{LeadID: r.ID, ModelID: modelID, Score: sc, Band: sales.BandOf(sc), Reasons: rs}
	}
	return out
}

// save writes scores (lead_scores and, through sales, the leads' score
// columns) in one transaction.
func (s *Service) save(ctx context.Context, scored []Scored) error {
	if len(scored) == 0 {
		return nil
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO lead_scores (lead_id, model_id, score, band, reasons, scored_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (lead_id) DO UPDATE SET model_id = excluded.model_id, score = excluded.score, band = excluded.band,
			reasons = excluded.reasons, scored_at = excluded.scored_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		ls := make([]sales.LeadScore, len(scored))
		for i, sc := range scored {
			rj, _ := json.Marshal(sc.Reasons)
			if _, err := st.ExecContext(ctx, sc.LeadID, sc.ModelID, sc.Score, sc.Band, string(rj), now); err != nil {
				return err
			}
			ls[i] = sales.LeadScore{LeadID: sc.LeadID, Score: sc.Score, Reason: reasonLine(sc.Reasons)}
		}
		return s.sales.SetLeadScores(ctx, tx, identity.System(), ls)
	})
}

// openCond selects the leads still being worked.
const openCond = "l.status IN ('new', 'contacted', 'qualified')"

// ScoreBatch is how many leads one scoring transaction writes.
const ScoreBatch = 2000

// ScoreOpen scores every open lead with the active model, in id batches,
// calling progress after each (done, total). With stale true only leads
// changed since their last score (or never scored) are scored. It returns
// how many were scored; 0 without an active model. Admins and the system
// may call it (Forbidden otherwise).
func (s *Service) ScoreOpen(ctx context.Context, actor *identity.User, stale bool, progress func(done, total int64)) (int, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	id, m, err := s.activeModel(ctx)
	if err != nil || m == nil {
		return 0, err
	}
	cond := openCond
	if stale {
		cond += " AND (s.scored_at IS NULL OR s.scored_at < l.updated_at OR s.model_id IS NULL OR s.model_id <> " + itoa(id) + ")"
	}
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM leads l LEFT JOIN lead_scores s ON s.lead_id = l.id WHERE `+cond).Scan(&total); err != nil {
		return 0, err
	}
	if progress != nil {
		progress(0, total)
	}
	var after int64
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		rows, err := readLeads(ctx, s.db, cond+" AND l.id > $1", ScoreBatch, after)
		if err != nil {
			return n, err
		}
		if len(rows) == 0 {
			return n, nil
		}
		if err := s.save(ctx, score(m, id, rows)); err != nil {
			return n, err
		}
		n += len(rows)
		after = rows[len(rows)-1].ID
		if progress != nil {
			progress(int64(n), total)
		}
	}
}

// ScoreLead scores one lead (an open one; a closed lead keeps its last
// score) with the active model, and returns its score (nil without a
// model). The system may call it for any lead; it is what the sales
// service's change notice runs.
func (s *Service) ScoreLead(ctx context.Context, actor *identity.User, leadID int64) (*Scored, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	id, m, err := s.activeModel(ctx)
	if err != nil || m == nil {
		return nil, err
	}
	rows, err := readLeads(ctx, s.db, openCond+" AND l.id = $1", 0, leadID)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	sc := score(m, id, rows)
	return &sc[0], s.save(ctx, sc)
}

// LeadScores returns the stored scores of leads ids (missing ones are not
// scored). Callers check that the actor may see the leads: it is meant
// for pages that already loaded them through the sales service.
func (s *Service) LeadScores(ctx context.Context, ids []int64) (map[int64]*Scored, error) {
	out := map[int64]*Scored{}
	if len(ids) == 0 {
		return out, nil
	}
	var ph []string
	args := make([]any, len(ids))
	for i, id := range ids {
		ph = append(ph, "$"+itoa(int64(i+1)))
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT lead_id, COALESCE(model_id, 0), score, band, reasons FROM lead_scores WHERE lead_id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var sc Scored
		var rj string
		if err := rows.Scan(&sc.LeadID, &sc.ModelID, &sc.Score, &sc.Band, &rj); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(rj), &sc.Reasons)
		out[sc.LeadID] = &sc
	}
	return out, rows.Err()
}

// LeadScore returns the score of lead id as actor may see it: the lead is
// read through the sales service (NotFound for another store's lead);
// nil when not scored yet.
func (s *Service) LeadScore(ctx context.Context, actor *identity.User, id int64) (*Scored, error) {
	if _, err := s.sales.GetLead(ctx, actor, id); err != nil {
		return nil, err
	}
	m, err := s.LeadScores(ctx, []int64{id})
	return m[id], err
}

// Call is one row of the call list: a lead with its score and reasons.
type Call struct {
	Lead  *sales.Lead
	Score *Scored // nil: not scored yet
}

// Priority is the "今日优先跟进" list of a consultant: their open leads,
// highest score first (unscored last), at most limit (default 30). A
// store manager may ask for a colleague (ownerID); 0 means the actor. Sales
// consultants and admins may call it (as sales.ListLeads); Invalid for a
// bad owner.
func (s *Service) Priority(ctx context.Context, actor *identity.User, ownerID int64, limit int) ([]Call, listing.Total, error) {
	if err := identity.Require(actor); err != nil {
		return nil, listing.Total{}, err
	}
	if ownerID == 0 {
		ownerID = actor.ID
	}
	if limit <= 0 {
		limit = 30
	}
	if ownerID != actor.ID && !actor.Can(identity.PermStoreManager) {
		return nil, listing.Total{}, apperr.New(apperr.Forbidden, "只有门店经理可以查看其他销售顾问的跟进列表")
	}
	pg, total, err := s.sales.ListLeads(ctx, actor, sales.LeadFilter{OwnerID: ownerID, Open: true, Sort: "score_desc", Limit: limit})
	if err != nil {
		return nil, total, err
	}
	ids := make([]int64, len(pg.Items))
	for i, l := range pg.Items {
		ids[i] = l.ID
	}
	scores, err := s.LeadScores(ctx, ids)
	if err != nil {
		return nil, total, err
	}
	out := make([]Call, len(pg.Items))
	for i, l := range pg.Items {
		out[i] = Call{Lead: l, Score: scores[l.ID]}
	}
	return out, total, nil
}

// ChangeListener is what the sales service's change notice runs: it
// rescores the lead as the system, logging failures through logf (the
// sweep job catches up later).
func (s *Service) ChangeListener(logf func(msg string, args ...any)) func(ctx context.Context, leadID int64) {
	return func(ctx context.Context, leadID int64) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := s.ScoreLead(ctx, identity.System(), leadID); err != nil && logf != nil {
			logf("lead rescoring failed", "lead_id", leadID, "err", err)
		}
	}
}

func itoa(n int64) string {
	return strconvFormat(n)
}
