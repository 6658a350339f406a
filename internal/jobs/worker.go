package jobs

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/riverqueue/river"
)

// worker adapts a Handler to River.
type worker[T Args] struct {
	river.WorkerDefaults[T]
	s    *Service
	h    Handler[T]
	opts KindOptions
}

// Timeout is the kind's longest attempt (0: the client's JobTimeout).
func (w *worker[T]) Timeout(*river.Job[T]) time.Duration { return w.opts.Timeout }

// Work runs one attempt: it resets the job's progress row for the attempt,
// calls the handler and writes the final progress whatever the outcome.
func (w *worker[T]) Work(ctx context.Context, rj *river.Job[T]) error {
	var meta struct {
		StartedBy int64 `json:"started_by"`
	}
	_ = json.Unmarshal(rj.Metadata, &meta)
	p := &Progress{s: w.s, jobID: rj.ID, kind: rj.Kind, startedBy: meta.StartedBy}
	if err := p.begin(ctx); err != nil {
		return err
	}
	err := w.h(ctx, &Job[T]{
		ID: rj.ID, Attempt: rj.Attempt, MaxAttempts: rj.MaxAttempts,
		Args: rj.Args, StartedBy: meta.StartedBy, Progress: p,
	})
	permanent := false
	if e := apperr.As(err); e != nil {
		switch e.Code {
		case apperr.Invalid, apperr.NotFound, apperr.Forbidden, apperr.Unauthenticated:
			// Another attempt would be refused the same way: stop, and
			// say why on the job's page.
			permanent = true
			p.Message(ctx, e.Message)
		}
	}
	if ferr := p.Flush(context.WithoutCancel(ctx)); ferr != nil {
		w.s.logger.WarnContext(ctx, "job progress not saved", "job_id", rj.ID, "kind", rj.Kind, "err", ferr)
	}
	if err != nil {
		w.s.logger.WarnContext(ctx, "job attempt failed", "job_id", rj.ID, "kind", rj.Kind,
			"attempt", rj.Attempt, "max_attempts", rj.MaxAttempts, "err", err)
	}
	if permanent {
		return river.JobCancel(err)
	}
	return err
}

// levelShift lowers River's info records to debug: River reports routine
// events (client started, leader elected) at info.
type levelShift struct{ slog.Handler }

func (h levelShift) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo {
		r.Level = slog.LevelDebug
		if !h.Handler.Enabled(ctx, r.Level) {
			return nil
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h levelShift) Enabled(ctx context.Context, l slog.Level) bool {
	if l == slog.LevelInfo {
		l = slog.LevelDebug
	}
	return h.Handler.Enabled(ctx, l)
}

func (h levelShift) WithAttrs(as []slog.Attr) slog.Handler {
	return levelShift{h.Handler.WithAttrs(as)}
}

func (h levelShift) WithGroup(name string) slog.Handler { return levelShift{h.Handler.WithGroup(name)} }
