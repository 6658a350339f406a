package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
)

// countArgs counts to N, reporting progress, and leaves a result.
type countArgs struct {
	N int64 `json:"n"`
}

func (countArgs) Kind() string { return "test_count" }

// flakyArgs fails its first Fail attempts.
type flakyArgs struct {
	Fail int `json:"fail"`
}

func (flakyArgs) Kind() string { return "test_flaky" }

// blockArgs runs until its context is cancelled.
type blockArgs struct{}

func (blockArgs) Kind() string { return "test_block" }

// env is a database with two users and an admin, and a way to build
// services on it.
type env struct {
	t                 *testing.T
	d                 *db.DB
	ctx               context.Context
	alice, bob, admin *identity.User
	started           chan int64 // ids of blockArgs jobs that have started
	attempts          atomic.Int64
}

func newEnv(t *testing.T, d *db.DB) *env {
	e := &env{t: t, d: d, ctx: context.Background(), started: make(chan int64, 10)}
	e.alice = &identity.User{ID: e.user("alice", "owner"), Role: identity.RoleOwner}
	e.bob = &identity.User{ID: e.user("bob", "sales"), Role: identity.RoleSales}
	e.admin = &identity.User{ID: e.user("root", "admin"), Role: identity.RoleAdmin}
	return e
}

// user inserts a user row (the jobs tests need only its id for the
// started_by reference).
func (e *env) user(name, role string) int64 {
	e.t.Helper()
	var id int64
	now := time.Now().UTC()
	err := e.d.QueryRowContext(e.ctx, `INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at)
		VALUES ($1, $1, $2, 'x', $3, $3) RETURNING id`, name, role, now).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// service builds a Service with the test kinds registered; start runs its
// workers (stopped when the test ends).
func (e *env) service(start bool, opts jobs.Options) *jobs.Service {
	e.t.Helper()
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	jobs.SkipStagger(&opts)
	s, err := jobs.New(e.d, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	jobs.Register(s, func(ctx context.Context, j *jobs.Job[countArgs]) error {
		j.Progress.SetTotal(ctx, j.Args.N)
		for i := int64(0); i < j.Args.N; i++ {
			j.Progress.Add(ctx, 1)
		}
		j.Progress.Message(ctx, "计数完成")
		j.Progress.Result(ctx, "count.csv")
		return nil
	}, jobs.KindOptions{Title: "计数"})
	jobs.Register(s, func(ctx context.Context, j *jobs.Job[flakyArgs]) error {
		e.attempts.Add(1)
		if j.Attempt <= j.Args.Fail {
			return fmt.Errorf("attempt %d fails on purpose", j.Attempt)
		}
		return nil
	}, jobs.KindOptions{MaxAttempts: 3})
	jobs.Register(s, func(ctx context.Context, j *jobs.Job[blockArgs]) error {
		j.Progress.Set(ctx, 1, "等待取消")
		if err := j.Progress.Flush(ctx); err != nil {
			return err
		}
		e.started <- j.ID
		<-ctx.Done()
		return ctx.Err()
	}, jobs.KindOptions{})
	if start {
		if err := s.Start(e.ctx); err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Stop(ctx); err != nil {
				e.t.Errorf("stop: %v", err)
			}
		})
	}
	return s
}

// wait polls the job until cond holds (10 s at most).
func (e *env) wait(s *jobs.Service, id int64, what string, cond func(*jobs.Info) bool) *jobs.Info {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := s.Get(e.ctx, identity.System(), id)
		if err != nil {
			e.t.Fatalf("get job %d: %v", id, err)
		}
		if cond(info) {
			return info
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %d: waited 10 s for %s; now %+v", id, what, info)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStarted waits (10 s at most) for blockArgs job id to start.
func (e *env) waitStarted(id int64) {
	e.t.Helper()
	select {
	case got := <-e.started:
		if got != id {
			e.t.Fatalf("started job %d, want %d", got, id)
		}
	case <-time.After(10 * time.Second):
		e.t.Fatalf("job %d did not start", id)
	}
}

func (e *env) waitState(s *jobs.Service, id int64, want jobs.State) *jobs.Info {
	e.t.Helper()
	return e.wait(s, id, string(want), func(i *jobs.Info) bool { return i.State == want })
}

func TestEnqueueRunComplete(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.service(true, jobs.Options{})
		id, err := s.Enqueue(e.ctx, e.alice, countArgs{N: 250})
		if err != nil {
			t.Fatal(err)
		}
		info := e.waitState(s, id, jobs.Completed)
		if info.Done != 250 || info.Total != 250 || info.Percent() != 100 {
			t.Errorf("progress = %d/%d (%d%%), want 250/250 (100%%)", info.Done, info.Total, info.Percent())
		}
		if info.Message != "计数完成" || info.Result != "count.csv" {
			t.Errorf("message, result = %q, %q", info.Message, info.Result)
		}
		if info.Kind != "test_count" || info.Title != "计数" || info.StartedBy != e.alice.ID || info.Attempt != 1 {
			t.Errorf("info = %+v", info)
		}
		if info.StartedAt == nil || info.FinishedAt == nil || len(info.Errors) != 0 || info.CancelRequested {
			t.Errorf("times/errors = %v %v %v %v", info.StartedAt, info.FinishedAt, info.Errors, info.CancelRequested)
		}
	})
}

func TestFailedJobIsRetried(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.service(true, jobs.Options{})
		id, err := s.Enqueue(e.ctx, e.bob, flakyArgs{Fail: 1})
		if err != nil {
			t.Fatal(err)
		}
		// The first attempt fails; River runs it again about a second later.
		e.wait(s, id, "first failure", func(i *jobs.Info) bool { return len(i.Errors) > 0 })
		info := e.waitState(s, id, jobs.Completed)
		if info.Attempt != 2 || len(info.Errors) != 1 || info.Errors[0].Attempt != 1 {
			t.Fatalf("attempt %d, errors %+v; want completed on attempt 2 after one error", info.Attempt, info.Errors)
		}
		if n := e.attempts.Load(); n != 2 {
			t.Errorf("handler ran %d times, want 2", n)
		}

		// A job that fails every attempt is discarded after MaxAttempts.
		// (Its retries wait 1 s and 16 s under River's default policy, so the
		// test checks only that the second attempt is scheduled.)
		id2, err := s.Enqueue(e.ctx, e.bob, flakyArgs{Fail: 99})
		if err != nil {
			t.Fatal(err)
		}
		info = e.wait(s, id2, "second failure", func(i *jobs.Info) bool { return len(i.Errors) >= 2 })
		if info.State != jobs.Retryable || info.MaxAttempts != 3 {
			t.Fatalf("after two failures: state %s, max attempts %d; want retryable, 3", info.State, info.MaxAttempts)
		}
	})
}

func TestCancelRunningJob(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// A waiting job that is cancelled never runs.
		idle := e.service(false, jobs.Options{})
		waiting, err := idle.Enqueue(e.ctx, e.bob, flakyArgs{})
		if err != nil {
			t.Fatal(err)
		}
		if err := idle.Cancel(e.ctx, e.admin, waiting); err != nil {
			t.Fatal(err)
		}

		s := e.service(true, jobs.Options{})
		id, err := s.Enqueue(e.ctx, e.alice, blockArgs{})
		if err != nil {
			t.Fatal(err)
		}
		e.waitStarted(id)
		info, err := s.Get(e.ctx, e.alice, id)
		if err != nil {
			t.Fatal(err)
		}
		if info.State != jobs.Running || info.Done != 1 || info.Message != "等待取消" {
			t.Fatalf("running job = %+v", info)
		}
		// Someone else may not cancel it, and is not told it exists.
		apperrtest.WantCode(t, s.Cancel(e.ctx, e.bob, id), apperr.NotFound)
		if err := s.Cancel(e.ctx, e.alice, id); err != nil {
			t.Fatal(err)
		}
		info = e.waitState(s, id, jobs.Cancelled)
		if info.FinishedAt == nil || info.Attempt != 1 {
			t.Errorf("cancelled job = %+v", info)
		}
		// Cancelling a finished job is a conflict.
		apperrtest.WantCode(t, s.Cancel(e.ctx, e.admin, id), apperr.Conflict)

		// Cancelled from another process (serve --no-worker), the request
		// reaches the worker through the database.
		id3, err := idle.Enqueue(e.ctx, e.alice, blockArgs{})
		if err != nil {
			t.Fatal(err)
		}
		e.waitStarted(id3)
		if err := idle.Cancel(e.ctx, e.admin, id3); err != nil {
			t.Fatal(err)
		}
		if info, err := idle.Get(e.ctx, e.alice, id3); err != nil || (info.State == jobs.Running && !info.CancelRequested) {
			t.Fatalf("after a cancel request: %+v, %v; want cancel requested", info, err)
		}
		e.waitState(idle, id3, jobs.Cancelled)

		// The waiting job cancelled before the worker started never ran.
		info, err = s.Get(e.ctx, e.bob, waiting)
		if err != nil {
			t.Fatal(err)
		}
		if info.State != jobs.Cancelled || info.Attempt != 0 || e.attempts.Load() != 0 {
			t.Errorf("cancelled waiting job: state %s, attempt %d, handler runs %d", info.State, info.Attempt, e.attempts.Load())
		}
	})
}

func TestQueuedJobRunsAfterRestart(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// A process without workers (serve --no-worker) enqueues.
		web := e.service(false, jobs.Options{})
		id, err := web.Enqueue(e.ctx, e.alice, countArgs{N: 3})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if info, err := web.Get(e.ctx, e.alice, id); err != nil || info.State != jobs.Available {
			t.Fatalf("with no worker: %+v, %v; want available", info, err)
		}
		// A worker started later (a new process) does it.
		w := e.service(true, jobs.Options{})
		info := e.waitState(w, id, jobs.Completed)
		if info.Done != 3 {
			t.Errorf("done = %d, want 3", info.Done)
		}
		if info, err := web.Get(e.ctx, e.alice, id); err != nil || info.State != jobs.Completed {
			t.Fatalf("read from the other process: %+v, %v", info, err)
		}
	})
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.service(false, jobs.Options{})
		mine, err := s.Enqueue(e.ctx, e.alice, countArgs{N: 1})
		if err != nil {
			t.Fatal(err)
		}
		sys, err := s.Enqueue(e.ctx, identity.System(), countArgs{N: 1})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			actor *identity.User
			id    int64
			want  apperr.Code // "" for success
		}{
			{"starter reads own job", e.alice, mine, ""},
			{"admin reads any job", e.admin, mine, ""},
			{"system reads any job", identity.System(), mine, ""},
			{"other user", e.bob, mine, apperr.NotFound},
			{"admin flag off for the same id", &identity.User{ID: e.admin.ID, Role: identity.RoleSales}, mine, apperr.NotFound},
			{"user reads a system job", e.alice, sys, apperr.NotFound},
			{"admin reads a system job", e.admin, sys, ""},
			{"unknown id", e.admin, 999999, apperr.NotFound},
			{"zero id", e.admin, 0, apperr.NotFound},
			{"no actor", nil, mine, apperr.Unauthenticated},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				info, err := s.Get(e.ctx, tc.actor, tc.id)
				if tc.want != "" {
					apperrtest.WantCode(t, err, tc.want)
					return
				}
				if err != nil || info.ID != tc.id {
					t.Fatalf("get = %+v, %v", info, err)
				}
			})
		}
		if info, _ := s.Get(e.ctx, e.admin, sys); info.StartedBy != 0 {
			t.Errorf("system job started by %d, want 0", info.StartedBy)
		}

		_, err = s.Enqueue(e.ctx, nil, countArgs{N: 1})
		apperrtest.WantCode(t, err, apperr.Unauthenticated)
		_, err = s.List(e.ctx, e.alice, jobs.ListFilter{})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		apperrtest.WantCode(t, s.Cancel(e.ctx, e.bob, mine), apperr.NotFound)
		apperrtest.WantCode(t, s.Cancel(e.ctx, nil, mine), apperr.Unauthenticated)
		if err := s.Cancel(e.ctx, e.alice, mine); err != nil {
			t.Fatalf("starter cancels: %v", err)
		}
		if err := s.Cancel(e.ctx, e.admin, sys); err != nil {
			t.Fatalf("admin cancels: %v", err)
		}
		if _, err := s.Enqueue(e.ctx, e.alice, unregisteredArgs{}); err == nil || apperr.As(err) != nil {
			t.Fatalf("unregistered kind: %v, want a plain error", err)
		}
	})
}

type unregisteredArgs struct{}

func (unregisteredArgs) Kind() string { return "test_unregistered" }

func TestList(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.service(false, jobs.Options{})
		var ids []int64
		for i := 0; i < 5; i++ {
			var args jobs.Args = countArgs{N: int64(i)}
			if i%2 == 1 {
				args = flakyArgs{}
			}
			id, err := s.Enqueue(e.ctx, e.alice, args)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := s.Cancel(e.ctx, e.admin, ids[4]); err != nil {
			t.Fatal(err)
		}

		// Pages of two, newest first, until the end.
		var got []int64
		f := jobs.ListFilter{Limit: 2}
		for pages := 0; ; pages++ {
			p, err := s.List(e.ctx, e.admin, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				got = append(got, it.ID)
			}
			if p.NextCursor == "" {
				break
			}
			if pages > 5 {
				t.Fatal("list does not end")
			}
			f.Cursor = p.NextCursor
		}
		want := []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pages = %v, want %v", got, want)
		}

		p, err := s.List(e.ctx, e.admin, jobs.ListFilter{Kind: "test_count"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 3 || p.Items[0].ID != ids[4] || p.Items[0].StartedBy != e.alice.ID || p.Items[0].Title != "计数" {
			t.Fatalf("kind filter: %d items, first %+v", len(p.Items), p.Items[0])
		}
		p, err = s.List(e.ctx, identity.System(), jobs.ListFilter{State: jobs.Cancelled})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || p.Items[0].ID != ids[4] {
			t.Fatalf("state filter: %+v", p.Items)
		}
		p, err = s.List(e.ctx, e.admin, jobs.ListFilter{State: jobs.Available, Kind: "test_flaky"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 2 || p.NextCursor != "" {
			t.Fatalf("state and kind: %d items, next %q", len(p.Items), p.NextCursor)
		}
		_, err = s.List(e.ctx, e.admin, jobs.ListFilter{State: "done"})
		apperrtest.WantField(t, err, "state")
	})
}

func TestProgressThrottleAndRate(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		clock := dbtest.NewClock(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC))
		s := e.service(false, jobs.Options{Now: clock.Now, PollInterval: 20 * time.Millisecond, ProgressInterval: time.Hour})
		step := make(chan string)
		ack := make(chan struct{})
		jobs.Register(s, func(ctx context.Context, j *jobs.Job[rateArgs]) error {
			j.Progress.SetTotal(ctx, 100)
			j.Progress.Set(ctx, 50, "一半")
			ack <- struct{}{} // throttled: nothing written yet
			<-step
			clock.Advance(10 * time.Second)
			if err := j.Progress.Flush(ctx); err != nil {
				return err
			}
			ack <- struct{}{}
			<-step
			return nil
		}, jobs.KindOptions{})
		if err := s.Start(e.ctx); err != nil {
			t.Fatal(err)
		}
		defer s.Stop(context.Background())
		id, err := s.Enqueue(e.ctx, e.bob, rateArgs{})
		if err != nil {
			t.Fatal(err)
		}
		<-ack
		info, err := s.Get(e.ctx, e.bob, id)
		if err != nil {
			t.Fatal(err)
		}
		if info.State != jobs.Running || info.Done != 0 || info.Total != 0 || info.Percent() != -1 {
			t.Fatalf("before the throttle allows a write: %+v", info)
		}
		step <- "flush"
		<-ack
		info, err = s.Get(e.ctx, e.bob, id)
		if err != nil {
			t.Fatal(err)
		}
		if info.Done != 50 || info.Total != 100 || info.Message != "一半" || info.Percent() != 50 {
			t.Fatalf("after flush: %+v", info)
		}
		if info.Rate != 5 || info.Left != 10*time.Second {
			t.Errorf("rate %v/s, left %v; want 5/s, 10s", info.Rate, info.Left)
		}
		step <- "finish"
		info = e.waitState(s, id, jobs.Completed)
		if info.Rate != 0 || info.Left != 0 {
			t.Errorf("finished job: rate %v, left %v; want 0", info.Rate, info.Left)
		}
	})
}

type rateArgs struct{}

func (rateArgs) Kind() string { return "test_rate" }

func TestScheduledJobRunsAtStart(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		opts := jobs.Options{PollInterval: 20 * time.Millisecond}
		jobs.SkipStagger(&opts)
		s, err := jobs.New(d, opts)
		if err != nil {
			t.Fatal(err)
		}
		ran := make(chan int64, 1)
		jobs.Register(s, func(ctx context.Context, j *jobs.Job[rateArgs]) error {
			j.Progress.Message(ctx, "定时任务")
			ran <- j.StartedBy
			return nil
		}, jobs.KindOptions{})
		s.Schedule(time.Hour, rateArgs{})
		if err := s.Start(e.ctx); err != nil {
			t.Fatal(err)
		}
		defer s.Stop(context.Background())
		select {
		case by := <-ran:
			if by != 0 {
				t.Errorf("scheduled job started by %d, want the system (0)", by)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("scheduled job did not run at start")
		}
		p, err := s.List(e.ctx, e.admin, jobs.ListFilter{Kind: "test_rate"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 {
			t.Fatalf("scheduled jobs = %d, want 1", len(p.Items))
		}
		// Only admins see it: it was started by nobody.
		_, err = s.Get(e.ctx, e.alice, p.Items[0].ID)
		apperrtest.WantCode(t, err, apperr.NotFound)
	})
}

func TestPrune(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.service(false, jobs.Options{})
		id, err := s.Enqueue(e.ctx, e.alice, countArgs{N: 1})
		if err != nil {
			t.Fatal(err)
		}
		// A row whose River job is gone (River deleted it after retention).
		if _, err := d.ExecContext(e.ctx, `INSERT INTO job_runs (job_id, kind, created_at, updated_at) VALUES ($1, 'test_count', $2, $2)`,
			id+1000, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		n, err := s.Prune(e.ctx)
		if err != nil || n != 1 {
			t.Fatalf("prune = %d, %v; want 1", n, err)
		}
		var left int
		if err := d.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM job_runs WHERE job_id = $1`, id).Scan(&left); err != nil || left != 1 {
			t.Fatalf("live job's row: %d, %v", left, err)
		}
	})
}

func TestStopWaitsThenCancels(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.service(false, jobs.Options{})
		if err := s.Start(e.ctx); err != nil {
			t.Fatal(err)
		}
		id, err := s.Enqueue(e.ctx, e.alice, blockArgs{})
		if err != nil {
			t.Fatal(err)
		}
		e.waitStarted(id)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := s.Stop(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("stop: %v", err)
		}
		// The interrupted attempt failed and the job waits for the next worker.
		info, err := s.Get(e.ctx, e.alice, id)
		if err != nil {
			t.Fatal(err)
		}
		if info.State != jobs.Retryable && info.State != jobs.Available {
			t.Fatalf("after shutdown: state %s, want retryable or available", info.State)
		}
	})
}

// TestReusedIDReplacesStaleRows: a job that gets the id of one River has
// deleted (SQLite hands out the highest deleted id again) starts with clean
// progress and no file, even before the daily prune.
func TestReusedIDReplacesStaleRows(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.service(false, jobs.Options{})
		first, err := s.Enqueue(e.ctx, e.alice, countArgs{N: 1})
		if err != nil {
			t.Fatal(err)
		}
		// Left over from a deleted job that had the next id.
		next := first + 1
		if _, err := d.ExecContext(e.ctx, `INSERT INTO job_runs (job_id, kind, started_by, done, total, result, created_at, updated_at)
			VALUES ($1, 'export_users', $2, 7, 7, 'old.csv', $3, $3)`, next, e.bob.ID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(e.ctx, `INSERT INTO job_file_chunks (job_id, seq, data) VALUES ($1, 0, $2)`, next, []byte("stale")); err != nil {
			t.Fatal(err)
		}
		id, err := s.Enqueue(e.ctx, e.alice, countArgs{N: 1})
		if err != nil {
			t.Fatal(err)
		}
		if id != next {
			t.Fatalf("River gave id %d, want the next one %d", id, next)
		}
		info, err := s.Get(e.ctx, e.alice, id)
		if err != nil || info.Kind != "test_count" || info.Result != "" || info.Done != 0 || info.StartedBy != e.alice.ID {
			t.Errorf("reused id: %+v, %v", info, err)
		}
		var chunks int
		if err := d.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM job_file_chunks WHERE job_id = $1`, id).Scan(&chunks); err != nil || chunks != 0 {
			t.Errorf("stale chunks left: %d, %v", chunks, err)
		}
	})
}
