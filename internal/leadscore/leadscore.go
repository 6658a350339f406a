// Package leadscore is lead and owner mining: it trains purchase-score
// models on the company's own closed leads (and on lead history imported
// from another system), compares a regularised logistic regression with
// gradient-boosted trees on data the models never saw, keeps every model
// as a version with its validation report (the model card) so an admin can
// roll back, scores every open lead 0–100 with the factors behind the
// score, and scores owners for referral, a second car and service churn.
//
// It owns lead_score_models, lead_scores, lead_history_imports,
// lead_history_rows and owner_scores. The score shown on the lead list is
// stored on the lead by the sales service (sales.SetLeadScores). Features
// are read with one read-only query over leads, customers, models and
// follow-ups, like a report.
//
// Who may call: training, rollback and imports are for admins and the
// system actor; the scores and the call list are read by sales consultants
// (their store's) and admins.
package leadscore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// Service trains, keeps and applies the scoring models.
type Service struct {
	db    *db.DB
	sales *sales.Service
	jobs  *jobs.Service
	now   func() time.Time

	mu    sync.Mutex
	cache map[int64]*Model // parsed models by version id
}

// NewService returns a Service on d; js (may be nil) runs training and
// scoring in the background; now may be nil for time.Now.
func NewService(d *db.DB, s *sales.Service, js *jobs.Service, now func() time.Time) *Service {
	return &Service{db: d, sales: s, jobs: js, now: db.UTC(now), cache: map[int64]*Model{}}
}

var errAdmin = apperr.New(apperr.Forbidden, "只有管理员可以训练、切换评分模型或导入历史线索")

func requireAdmin(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleAdmin, identity.RoleSystem) {
		return errAdmin
	}
	return nil
}

// Version is one trained model: what it was trained on and how well it did
// on data it never saw.
type Version struct {
	ID          int64
	Target      string // lead (the CRM's leads) or history (an import)
	HistoryID   int64
	Family      string
	Active      bool
	Features    []ColumnSpec
	TrainFrom   time.Time
	TrainTo     time.Time
	NTrain      int
	NValid      int
	NPos        int
	AUC         float64
	Report      *Report
	CreatedBy   string
	CreatedAt   time.Time
	ActivatedAt time.Time
}

// FamilyLabel is the chosen family's Chinese name.
func (v *Version) FamilyLabel() string { return FamilyLabel(v.Family) }

const versionCols = `v.id, v.target, COALESCE(v.history_id, 0), v.family, v.active, v.features, v.train_from, v.train_to, v.n_train, v.n_valid,
	v.n_pos, v.auc, v.report, COALESCE(u.display_name, '系统'), v.created_at, v.activated_at`

func scanVersion(row interface{ Scan(...any) error }) (*Version, error) {
	var v Version
	var feats, rep string
	var from, to, act sql.NullTime
	if err := row.Scan(&v.ID, &v.Target, &v.HistoryID, &v.Family, &v.Active, &feats, &from, &to, &v.NTrain, &v.NValid, &v.NPos, &v.AUC, &rep,
		&v.CreatedBy, &v.CreatedAt, &act); err != nil {
		return nil, err
	}
	v.TrainFrom, v.TrainTo, v.ActivatedAt = from.Time.UTC(), to.Time.UTC(), act.Time.UTC()
	v.CreatedAt = v.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(feats), &v.Features); err != nil {
		return nil, err
	}
	v.Report = &Report{}
	if err := json.Unmarshal([]byte(rep), v.Report); err != nil {
		return nil, err
	}
	return &v, nil
}

// Versions lists the model versions of target (lead or history), newest
// first. Admins and the system may call it (Forbidden otherwise).
func (s *Service) Versions(ctx context.Context, actor *identity.User, target string) ([]*Version, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+versionCols+` FROM lead_score_models v LEFT JOIN users u ON u.id = v.created_by
		WHERE v.target = $1 ORDER BY v.created_at DESC, v.id DESC LIMIT 100`, target)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

var errNoVersion = apperr.New(apperr.NotFound, "模型版本不存在")

// GetVersion returns version id (its model card). Admins and the system
// may call it; NotFound for an unknown id.
func (s *Service) GetVersion(ctx context.Context, actor *identity.User, id int64) (*Version, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	v, err := scanVersion(s.db.QueryRowContext(ctx, `SELECT `+versionCols+` FROM lead_score_models v LEFT JOIN users u ON u.id = v.created_by WHERE v.id = $1`, id))
	if db.NoRows(err) {
		return nil, errNoVersion
	}
	return v, err
}

// TopWeights are the features with the largest weights of a logistic
// version (empty for trees), for the model card.
func (s *Service) TopWeights(ctx context.Context, actor *identity.User, id int64, n int) ([]Weight, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	m, err := s.model(ctx, id)
	if err != nil {
		return nil, err
	}
	return m.weights(n), nil
}

// Weight is one encoded feature's weight (log-odds per unit) or, for
// trees, its share of the splits' gain proxy (count of splits).
type Weight struct {
	Label  string
	Weight float64
}

func (m *Model) weights(n int) []Weight {
	var ws []Weight
	if m.LR != nil {
		for k, w := range m.LR.W {
			ws = append(ws, Weight{m.Enc.FeatureLabel(k), w})
		}
	} else {
		count := make([]float64, len(m.Enc.Feats))
		var total float64
		for _, t := range m.GB.Trees {
			for _, nd := range t.Nodes {
				if nd.Left >= 0 {
					count[nd.F]++
					total++
				}
			}
		}
		for k, c := range count {
			if c > 0 {
				ws = append(ws, Weight{m.Enc.FeatureLabel(k), c / total})
			}
		}
	}
	sortWeights(ws)
	if len(ws) > n {
		ws = ws[:n]
	}
	return ws
}

// model returns the parsed model of version id (cached).
func (s *Service) model(ctx context.Context, id int64) (*Model, error) {
	s.mu.Lock()
	m := s.cache[id]
	s.mu.Unlock()
	if m != nil {
		return m, nil
	}
	var raw string
	err := s.db.QueryRowContext(ctx, `SELECT model FROM lead_score_models WHERE id = $1`, id).Scan(&raw)
	if db.NoRows(err) {
		return nil, errNoVersion
	}
	if err != nil {
		return nil, err
	}
	m = &Model{}
	if err := json.Unmarshal([]byte(raw), m); err != nil {
		return nil, fmt.Errorf("model %d: %w", id, err)
	}
	s.mu.Lock()
	s.cache[id] = m
	s.mu.Unlock()
	return m, nil
}

// activeModel returns the active lead model and its id (0, nil, nil when
// none has been trained).
func (s *Service) activeModel(ctx context.Context) (int64, *Model, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM lead_score_models WHERE target = 'lead' AND active = $1`, true).Scan(&id)
	if db.NoRows(err) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	m, err := s.model(ctx, id)
	return id, m, err
}

// TrainInput chooses what to train on.
type TrainInput struct {
	// Source is "crm" (closed leads of this system, later leads held out)
	// or "history" (an imported history, k-fold cross-validation).
	Source    string
	HistoryID int64 // for history: the import (0: the latest)
	Folds     int   // for history: k of the cross-validation (default 5)
	// Since limits CRM leads to those created on or after it (zero: all).
	Since    time.Time
	Activate bool // make the new version the active one
	Seed     uint64
	Progress func(step string)
}

// Train trains and stores a new model version and returns it. Admins and
// the system may call it (Forbidden otherwise). Returns Invalid when there
// are too few closed leads (at least 200 with 20 of each outcome), NotFound
// for an unknown history import.
func (s *Service) Train(ctx context.Context, actor *identity.User, in TrainInput) (*Version, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	say := func(m string) {
		if in.Progress != nil {
			in.Progress(m)
		}
	}
	var f *Frame
	var target string
	var from, to time.Time
	opt := TrainOptions{Seed: in.Seed}
	switch in.Source {
	case "", "crm":
		target = "lead"
		say("读取已结案线索")
		cond, args := "l.status IN ('converted', 'lost')", []any{}
		if !in.Since.IsZero() {
			cond += " AND l.created_at >= $1"
			args = append(args, in.Since)
		}
		rows, err := readLeads(ctx, s.db, cond, 0, args...)
		if err != nil {
			return nil, err
		}
		f = leadFrame(rows)
		for _, r := range rows {
			if from.IsZero() || r.Created.Before(from) {
				from = r.Created
			}
			if r.Created.After(to) {
				to = r.Created
			}
		}
	case "history":
		target = "history"
		say("读取导入的历史线索")
		var err error
		f, in.HistoryID, err = s.historyFrame(ctx, in.HistoryID)
		if err != nil {
			return nil, err
		}
		opt.Folds = in.Folds
		if opt.Folds < 2 {
			opt.Folds = 5
		}
	default:
		return nil, apperr.Field("source", "训练数据须为 crm 或 history")
	}
	say(fmt.Sprintf("比较 %d 个模型族（%d 条样本）", len(Families), f.Len()))
	m, rep, err := Train(f, opt, nil)
	if err != nil {
		if strings.Contains(err.Error(), ErrTooFew.Error()) {
			return nil, apperr.New(apperr.Invalid, "已结案的线索太少，无法训练（至少 200 条，成交和未成交各至少 20 条）")
		}
		return nil, err
	}
	say("保存模型版本")
	feats, _ := json.Marshal(m.Enc.Cols)
	repJSON, _ := json.Marshal(rep)
	modelJSON, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var hist, fromV, toV any
		if in.HistoryID != 0 && target == "history" {
			hist = in.HistoryID
		}
		if !from.IsZero() {
			fromV, toV = from, to
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO lead_score_models (target, history_id, family, active, features, train_from, train_to,
				n_train, n_valid, n_pos, auc, report, model, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
			target, hist, m.Family, false, string(feats), fromV, toV, rep.NTrain, rep.NValid, rep.NPos, rep.Valid.AUC, string(repJSON),
			string(modelJSON), nullUser(actor), now).Scan(&id); err != nil {
			return err
		}
		if in.Activate {
			if err := activate(ctx, tx, target, id, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "train_lead_model", Entity: "lead_score_models", EntityID: id,
			Detail: map[string]any{"family": m.Family, "auc": math.Round(rep.Valid.AUC*10000) / 10000, "rows": rep.NTrain, "source": target}})
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache[id] = m
	s.mu.Unlock()
	return s.GetVersion(ctx, actor, id)
}

func nullUser(actor *identity.User) any {
	if id := identity.ID(actor); id != 0 {
		return id
	}
	return nil
}

func activate(ctx context.Context, tx *sql.Tx, target string, id int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE lead_score_models SET active = $1 WHERE target = $2 AND active = $3`, false, target, true); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE lead_score_models SET active = $1, activated_at = $2 WHERE id = $3`, true, now, id)
	return err
}

// Activate makes version id the active model of its target (a rollback
// when it is an older one), audited (activate_lead_model). The open leads
// are rescored by the caller's scoring job. Admins and the system may call
// it; NotFound for an unknown id.
func (s *Service) Activate(ctx context.Context, actor *identity.User, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var target string
		var prev sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT target FROM lead_score_models WHERE id = $1`, id).Scan(&target)
		if db.NoRows(err) {
			return errNoVersion
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT MAX(id) FROM lead_score_models WHERE target = $1 AND active = $2`, target, true).Scan(&prev); err != nil {
			return err
		}
		if err := activate(ctx, tx, target, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "activate_lead_model", Entity: "lead_score_models", EntityID: id,
			Detail: map[string]any{"previous": prev.Int64}})
	})
}
