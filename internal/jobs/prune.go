package jobs

import (
	"context"
	"fmt"
)

// pruneArgs is the daily job that deletes the job_runs rows of jobs River
// has deleted (finished jobs older than the retention periods).
type pruneArgs struct{}

// Kind names the prune job.
func (pruneArgs) Kind() string { return "job_runs_prune" }

func (s *Service) prune(ctx context.Context, j *Job[pruneArgs]) error {
	n, err := s.Prune(ctx)
	if err != nil {
		return err
	}
	j.Progress.Set(ctx, n, fmt.Sprintf("删除 %d 条任务记录", n))
	return nil
}

// Prune deletes the job_runs rows whose River job no longer exists and
// returns how many it deleted. It runs daily as a scheduled job; callers:
// that job and tests (system work, no actor).
func (s *Service) Prune(ctx context.Context) (int64, error) {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM job_file_chunks
		WHERE NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = job_file_chunks.job_id)`); err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM job_runs
		WHERE NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = job_runs.job_id)`)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
