package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
)

// SessionSweepArgs is the hourly job that deletes expired sessions and
// ended login counters (account.Service.Sweep).
type SessionSweepArgs struct{}

// Kind names the session sweep job.
func (SessionSweepArgs) Kind() string { return "session_sweep" }

// newJobs returns the job service with every kind of job registered and
// the scheduled ones planned. It does not start workers.
func newJobs(cfg *config.Config, logger *slog.Logger, d *db.DB, s *Services) (*jobs.Service, error) {
	js, err := jobs.New(d, jobs.Options{Logger: logger, Now: cfg.Now, Workers: cfg.JobWorkers})
	if err != nil {
		return nil, err
	}
	now := db.UTC(cfg.Now)
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[SessionSweepArgs]) error {
		sessions, failures, err := s.Accounts.Sweep(ctx, identity.System(), now())
		if err != nil {
			return err
		}
		j.Progress.Set(ctx, sessions+failures, fmt.Sprintf("删除过期会话 %d 个、过期登录失败计数 %d 条", sessions, failures))
		return nil
	}, jobs.KindOptions{Title: "清理过期会话与登录失败计数", Timeout: 5 * time.Minute, MaxAttempts: 5})
	js.Schedule(time.Hour, SessionSweepArgs{})
	return js, nil
}

// stopJobs lets running jobs finish for up to 10 s, then cancels them (they
// run again in the next process that works jobs).
func (a *App) stopJobs() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return a.Jobs.Stop(ctx)
}
