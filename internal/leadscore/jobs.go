package leadscore

import (
	"context"
	"fmt"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
)

// TrainJob trains a new lead model in the background and, when Activate,
// makes it active and rescores the open leads.
type TrainJob struct {
	Source    string `json:"source"` // crm or history
	HistoryID int64  `json:"history_id,omitempty"`
	Folds     int    `json:"folds,omitempty"`
	Activate  bool   `json:"activate"`
}

// Kind names the training job.
func (TrainJob) Kind() string { return "lead_model_train" }

// ScoreJob scores the open leads with the active model (Stale: only those
// changed since their score — the periodic sweep).
type ScoreJob struct {
	Stale bool `json:"stale"`
}

// Kind names the scoring job.
func (ScoreJob) Kind() string { return "lead_score" }

var errNoJobs = apperr.New(apperr.Invalid, "后台任务未启用")

// StartTrain enqueues a TrainJob and returns its id. Admins only.
func (s *Service) StartTrain(ctx context.Context, actor *identity.User, j TrainJob) (int64, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	if s.jobs == nil {
		return 0, errNoJobs
	}
	return s.jobs.Enqueue(ctx, actor, j)
}

// StartScore enqueues a full ScoreJob and returns its id. Admins only.
func (s *Service) StartScore(ctx context.Context, actor *identity.User) (int64, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	if s.jobs == nil {
		return 0, errNoJobs
	}
	return s.jobs.Enqueue(ctx, actor, ScoreJob{})
}

// RunTrain is the TrainJob handler.
func (s *Service) RunTrain(ctx context.Context, j *jobs.Job[TrainJob]) error {
	sys := identity.System()
	j.Progress.SetTotal(ctx, 3)
	v, err := s.Train(ctx, sys, TrainInput{Source: j.Args.Source, HistoryID: j.Args.HistoryID, Folds: j.Args.Folds, Activate: j.Args.Activate,
		Progress: func(step string) { j.Progress.Message(ctx, step) }})
	if err != nil {
		return err
	}
	j.Progress.Set(ctx, 2, fmt.Sprintf("模型 #%d（%s）验证 AUC %.4f", v.ID, v.FamilyLabel(), v.AUC))
	if j.Args.Activate && v.Target == "lead" {
		n, err := s.ScoreOpen(ctx, sys, false, nil)
		if err != nil {
			return err
		}
		j.Progress.Set(ctx, 3, fmt.Sprintf("模型 #%d（%s）验证 AUC %.4f，已重新评分 %d 条线索", v.ID, v.FamilyLabel(), v.AUC, n))
	}
	return nil
}

// RunScore is the ScoreJob handler.
func (s *Service) RunScore(ctx context.Context, j *jobs.Job[ScoreJob]) error {
	n, err := s.ScoreOpen(ctx, identity.System(), j.Args.Stale, func(done, total int64) {
		j.Progress.SetTotal(ctx, total)
		j.Progress.Set(ctx, done, fmt.Sprintf("已评分 %d / %d 条线索", done, total))
	})
	if err != nil {
		return err
	}
	j.Progress.Message(ctx, fmt.Sprintf("已评分 %d 条线索", n))
	return nil
}

// OwnerScoreJob evaluates churn on history (keeping the scorecard unless a
// trained model is clearly better) and scores every owner for referral,
// second car and churn. It runs nightly and on an admin's request.
type OwnerScoreJob struct{}

// Kind names the owner scoring job.
func (OwnerScoreJob) Kind() string { return "owner_score" }

// StartOwnerScore enqueues an OwnerScoreJob. Admins only.
func (s *Service) StartOwnerScore(ctx context.Context, actor *identity.User) (int64, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	if s.jobs == nil {
		return 0, errNoJobs
	}
	return s.jobs.Enqueue(ctx, actor, OwnerScoreJob{})
}

// ChurnHorizon is how far back the churn evaluation reads owners.
const ChurnHorizon = 180 * 24 * time.Hour

// RunOwnerScore is the OwnerScoreJob handler.
func (s *Service) RunOwnerScore(ctx context.Context, j *jobs.Job[OwnerScoreJob]) error {
	sys := identity.System()
	j.Progress.Message(ctx, "用历史数据评估流失模型")
	note := ""
	if v, ev, err := s.TrainChurn(ctx, sys, ChurnHorizon); err == nil {
		note = fmt.Sprintf("流失：评分卡 AUC %.3f，训练模型 AUC %.3f，%s；", ev.Scorecard, v.AUC, map[bool]string{true: "改用训练模型", false: "保留评分卡"}[v.Active])
	} else if !apperr.Is(err, apperr.Invalid) {
		return err
	}
	n, err := s.ScoreOwners(ctx, sys, func(done, total int64) {
		j.Progress.SetTotal(ctx, total)
		j.Progress.Set(ctx, done, fmt.Sprintf("%s已评分 %d / %d 位车主", note, done, total))
	})
	if err != nil {
		return err
	}
	j.Progress.Message(ctx, fmt.Sprintf("%s已评分 %d 位车主", note, n))
	return nil
}
