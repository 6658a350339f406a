// Package jobs runs background work (imports, exports, sweeps, rollups) on
// River, a maintained job queue that keeps its jobs in the project's own
// database: SQLite through River's SQLite driver, PostgreSQL through its
// database/sql driver on pgx. Jobs are retried on failure, survive a restart
// (they wait in the database until some worker process takes them) and can be
// cancelled; a worker reports progress (done/total, a message) that pages
// read back through Get.
//
// Tables: River owns the river_* tables (created by River's migrator from
// db.Migrate); this package owns job_runs (who started a job, its progress and
// result). Nothing else writes either.
//
// Use: domain packages define an argument type with a Kind method (no River
// import needed), the wiring registers a handler for it with Register, and
// services enqueue jobs with Enqueue. Start runs the handlers in this process
// (serve by default, or the separate `nevcrm worker`); without Start the
// service only enqueues and reads, and another process does the work.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Args are a job's arguments: a JSON-encodable struct whose Kind names the
// job's handler (lower-case words joined by underscores, e.g.
// "session_sweep"). Kinds are stored with the jobs: never rename one that
// may still be queued.
type Args interface {
	Kind() string
}

// mayReadAll reports whether actor sees and cancels every job: admins and
// the system actor (scheduled jobs and command-line work, recorded as
// started by nobody).
func mayReadAll(actor *identity.User) bool { return actor.Is(identity.RoleAdmin, identity.RoleSystem) }

// errNotFound is the answer for a job that does not exist or is not the
// actor's to see (the two are not told apart).
var errNotFound = apperr.New(apperr.NotFound, "任务不存在")

// State is a job's state, as River keeps it.
type State string

// The job states.
const (
	Available State = "available" // waiting for a worker
	Scheduled State = "scheduled" // waiting for its time
	Pending   State = "pending"   // held back (not used by this project yet)
	Running   State = "running"   // a worker is on it
	Retryable State = "retryable" // failed, will run again
	Completed State = "completed" // done
	Cancelled State = "cancelled" // cancelled by a person (or by the job itself)
	Discarded State = "discarded" // failed on every attempt; given up
)

// States lists every state, in the order a job usually passes through them.
var States = []State{Available, Scheduled, Pending, Running, Retryable, Completed, Cancelled, Discarded}

// Label is the state's Chinese name for pages.
func (s State) Label() string {
	switch s {
	case Available:
		return "排队中"
	case Scheduled:
		return "计划中"
	case Pending:
		return "待定"
	case Running:
		return "运行中"
	case Retryable:
		return "等待重试"
	case Completed:
		return "已完成"
	case Cancelled:
		return "已取消"
	case Discarded:
		return "失败"
	}
	return string(s)
}

// Finished reports whether a job in state s will not run again.
func (s State) Finished() bool { return s == Completed || s == Cancelled || s == Discarded }

// Valid reports whether s is one of States.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}

// AttemptError is the error of one failed attempt. Message is the worker's
// error text, meant for administrators: it may be technical and English.
type AttemptError struct {
	Attempt int
	At      time.Time
	Message string
}

// Info is what Get and List tell about a job.
type Info struct {
	ID    int64
	Kind  string
	Title string // the kind's Chinese title (KindOptions.Title), or the kind
	State State
	// CancelRequested is true once Cancel was asked for a job that was
	// running at the time; the state turns to Cancelled when the worker stops.
	CancelRequested bool
	Attempt         int // attempts started so far (1 while the first runs)
	MaxAttempts     int
	StartedBy       int64 // user id; 0 for the system
	Done            int64 // units of work done in the current attempt
	Total           int64 // units of work in all; 0 while unknown
	Message         string
	// Result is what the job left for its reader, e.g. an export's file name.
	Result string
	// Rate is units per second over the current attempt, 0 while unknown.
	Rate float64
	// Left estimates the time to finish from Rate; 0 while unknown or done.
	Left       time.Duration
	Errors     []AttemptError // oldest first
	CreatedAt  time.Time
	StartedAt  *time.Time // start of the current attempt
	FinishedAt *time.Time
	UpdatedAt  time.Time // last progress write (CreatedAt before the first)
}

// Percent is Done/Total in whole percent (0..100), or -1 while Total is
// unknown. A completed job is 100.
func (i *Info) Percent() int {
	if i.State == Completed {
		return 100
	}
	if i.Total <= 0 {
		return -1
	}
	p := int(i.Done * 100 / i.Total)
	return min(max(p, 0), 100)
}

// KindOptions tune one kind of job.
type KindOptions struct {
	// Title is the kind's Chinese name for pages, e.g. "清理过期会话".
	Title string
	// Timeout ends an attempt that runs longer (its context is cancelled and
	// the attempt counts as failed); 0 means Options.JobTimeout. Keep it
	// below Options.JobTimeout + 1 h: River takes a job running longer than
	// that for one whose process died, and runs it again.
	Timeout time.Duration
	// MaxAttempts is how often a failing job runs before it is discarded;
	// 0 means River's default (25, with growing pauses between attempts).
	// A handler error that is an apperr Invalid, NotFound, Forbidden or
	// Unauthenticated error is not retried: the job ends cancelled with the
	// error's message.
	MaxAttempts int
	// Readers, when set, are the only roles that may read or cancel jobs of
	// this kind besides the system, their starter included: the rule is
	// checked again on every read, so a starter who lost the role (an admin
	// made sales) no longer sees the job or its file.
	Readers []identity.Role
}

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock of the progress timestamps; nil means time.Now.
	Now func() time.Time
	// Workers is how many jobs this process runs at once once started
	// (default 4).
	Workers int
	// PollInterval is how often an idle worker looks for new jobs when no
	// notification arrives (default 1 s; tests use less).
	PollInterval time.Duration
	// ProgressInterval is the least time between two progress writes of one
	// job (default 500 ms).
	ProgressInterval time.Duration
	// JobTimeout is the default longest attempt (default 30 min).
	JobTimeout time.Duration

	testOnly bool // see export_test.go
}

// Retention of finished jobs: River deletes them after these periods; the
// prune job then deletes their job_runs rows.
const (
	CompletedRetention = 7 * 24 * time.Hour
	CancelledRetention = 7 * 24 * time.Hour
	DiscardedRetention = 30 * 24 * time.Hour
)

// kind is a registered kind of job.
type kind struct {
	opts     KindOptions
	register func(*river.Workers)
}

// periodic is a job enqueued on a schedule.
type periodic struct {
	every time.Duration
	args  Args
}

// Service enqueues jobs, reads and cancels them and, once started, runs them.
type Service struct {
	db     *db.DB
	opts   Options
	now    func() time.Time
	logger *slog.Logger

	// inserter enqueues, reads and cancels; it never works jobs.
	inserter *river.Client[*sql.Tx]

	mu       sync.Mutex
	kinds    map[string]kind
	periodic []periodic
	runner   *river.Client[*sql.Tx] // set by Start
}

// New returns a Service on d (migrated: see db.Migrate). Register the kinds
// of job before enqueuing them, and before Start.
func New(d *db.DB, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.ProgressInterval <= 0 {
		opts.ProgressInterval = 500 * time.Millisecond
	}
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = 30 * time.Minute
	}
	s := &Service{db: d, opts: opts, now: db.UTC(opts.Now), logger: opts.Logger, kinds: map[string]kind{}}
	c, err := river.NewClient(d.RiverDriver(), &river.Config{Logger: s.riverLogger()})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	s.inserter = c
	Register(s, s.prune, KindOptions{Title: "清理任务记录", MaxAttempts: 3})
	s.Schedule(24*time.Hour, pruneArgs{})
	return s, nil
}

// riverLogger is the service's logger for River, which reports routine
// events at info level: those are kept at debug.
func (s *Service) riverLogger() *slog.Logger {
	return slog.New(levelShift{s.logger.Handler()})
}

// Job is one attempt of a job, as its handler sees it.
type Job[T Args] struct {
	ID          int64
	Attempt     int // 1 on the first attempt
	MaxAttempts int
	Args        T
	StartedBy   int64 // user id; 0 for the system
	// Progress reports how far the attempt has come; the handler calls it
	// as often as it likes (writes are throttled).
	Progress *Progress
}

// Handler does a job's work. It must return soon after ctx is done
// (cancellation, timeout, shutdown). A returned error fails the attempt:
// the job runs again later until KindOptions.MaxAttempts is used up.
type Handler[T Args] func(ctx context.Context, job *Job[T]) error

// Register makes s able to enqueue jobs of T's kind and to run them with h.
// Call it before Start; registering a kind twice panics (a wiring mistake).
func Register[T Args](s *Service, h Handler[T], opts KindOptions) {
	var zero T
	k := zero.Kind()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runner != nil {
		panic("jobs: Register after Start")
	}
	if _, dup := s.kinds[k]; dup {
		panic("jobs: kind registered twice: " + k)
	}
	w := &worker[T]{s: s, h: h, opts: opts}
	s.kinds[k] = kind{opts: opts, register: func(ws *river.Workers) { river.AddWorker(ws, w) }}
}

// Schedule enqueues a job with args every period, and once when workers
// start. Only one process (River's elected leader) enqueues it, and at most
// one such job is waiting at a time. Call it before Start, after Register.
func (s *Service) Schedule(every time.Duration, args Args) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.kinds[args.Kind()]; !ok {
		panic("jobs: Schedule of an unregistered kind: " + args.Kind())
	}
	s.periodic = append(s.periodic, periodic{every: every, args: args})
}

// Start runs jobs in this process until Stop: Options.Workers at a time,
// plus River's maintenance (retries, rescue of jobs whose process died,
// deletion of old finished jobs, the scheduled jobs) when this process is
// the elected leader. The jobs run on a context detached from ctx.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runner != nil {
		return errors.New("jobs: already started")
	}
	workers := river.NewWorkers()
	names := make([]string, 0, len(s.kinds))
	for name := range s.kinds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s.kinds[name].register(workers)
	}
	var periodicJobs []*river.PeriodicJob
	for _, p := range s.periodic {
		ko := s.kinds[p.args.Kind()].opts
		args := p.args
		every := p.every
		periodicJobs = append(periodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) {
				return args, &river.InsertOpts{
					MaxAttempts: ko.MaxAttempts,
					Metadata:    metadataFor(identity.System()),
					UniqueOpts:  river.UniqueOpts{ByPeriod: every},
				}
			}, &river.PeriodicJobOpts{ID: args.Kind(), RunOnStart: true}))
	}
	c, err := river.NewClient(s.db.RiverDriver(), &river.Config{
		Logger:                      s.riverLogger(),
		Queues:                      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: s.opts.Workers}},
		Workers:                     workers,
		PeriodicJobs:                periodicJobs,
		FetchPollInterval:           s.opts.PollInterval,
		FetchCooldown:               min(100*time.Millisecond, s.opts.PollInterval),
		JobTimeout:                  s.opts.JobTimeout,
		RescueStuckJobsAfter:        s.opts.JobTimeout + time.Hour,
		CompletedJobRetentionPeriod: CompletedRetention,
		CancelledJobRetentionPeriod: CancelledRetention,
		DiscardedJobRetentionPeriod: DiscardedRetention,
		TestOnly:                    s.opts.testOnly,
	})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	if err := c.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job workers: %w", err)
	}
	s.runner = c
	return nil
}

// Stop stops taking jobs and waits for the running ones until ctx is done;
// then it cancels those still running (they fail this attempt and run again
// later, in whichever process works jobs next). Stop without Start does
// nothing.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	c := s.runner
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	err := c.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = c.StopAndCancel(hard)
	}
	return err
}

// client is the running client when there is one (it hears of its own
// inserts and cancellations at once), else the inserter.
func (s *Service) client() *river.Client[*sql.Tx] {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runner != nil {
		return s.runner
	}
	return s.inserter
}

// metadataFor is the River metadata of a job started by a.
func metadataFor(a *identity.User) []byte {
	b, _ := json.Marshal(map[string]int64{"started_by": identity.ID(a)})
	return b
}

// Enqueue queues a job with args on behalf of actor and returns its id.
// Domain services call it after their own permission checks; the actor is
// recorded as the job's starter (who may then read and cancel it). Returns
// apperr.Unauthenticated without an actor; an unregistered kind is a wiring
// mistake (a plain error).
func (s *Service) Enqueue(ctx context.Context, actor *identity.User, args Args) (int64, error) {
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.EnqueueTx(ctx, tx, actor, args)
		return err
	})
	return id, err
}

// EnqueueTx is Enqueue inside the caller's transaction: the job exists (and
// runs) only if tx commits. Same rules and errors as Enqueue.
func (s *Service) EnqueueTx(ctx context.Context, tx *sql.Tx, actor *identity.User, args Args) (int64, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	s.mu.Lock()
	k, ok := s.kinds[args.Kind()]
	s.mu.Unlock()
	if !ok {
		return 0, fmt.Errorf("jobs: kind %q is not registered", args.Kind())
	}
	res, err := s.client().InsertTx(ctx, tx, args, &river.InsertOpts{
		MaxAttempts: k.opts.MaxAttempts,
		Metadata:    metadataFor(actor),
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	now := s.now()
	// On SQLite River may hand out again the id of a job it deleted (the
	// highest one) before the daily prune removed that job's rows: the new
	// job replaces them.
	if _, err := tx.ExecContext(ctx, `DELETE FROM job_file_chunks WHERE job_id = $1`, res.Job.ID); err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO job_runs (job_id, kind, started_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (job_id) DO UPDATE SET kind = excluded.kind, started_by = excluded.started_by, done = 0, total = 0,
			message = '', result = '', created_at = excluded.created_at, attempt_started_at = NULL, updated_at = excluded.updated_at`,
		res.Job.ID, args.Kind(), nullID(identity.ID(actor)), now)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}

// run is a job_runs row.
type run struct {
	kind             string
	startedBy        int64
	done, total      int64
	message, result  string
	createdAt        time.Time
	attemptStartedAt sql.NullTime
	updatedAt        time.Time
}

const runColumns = `job_id, kind, started_by, done, total, message, result, created_at, attempt_started_at, updated_at`

func scanRun(sc interface{ Scan(...any) error }) (int64, *run, error) {
	var (
		id int64
		r  run
		by sql.NullInt64
	)
	err := sc.Scan(&id, &r.kind, &by, &r.done, &r.total, &r.message, &r.result, &r.createdAt, &r.attemptStartedAt, &r.updatedAt)
	r.startedBy = by.Int64
	return id, &r, err
}

// Get returns a job's state and progress. The job's starter, admins and the
// system may read it; for anyone else, and for an unknown id (including a
// finished job River has since deleted, see the retention constants), it
// returns apperr.NotFound. Without an actor: apperr.Unauthenticated.
func (s *Service) Get(ctx context.Context, actor *identity.User, id int64) (*Info, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, errNotFound
	}
	row, err := s.client().JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	_, r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM job_runs WHERE job_id = $1`, id))
	if db.NoRows(err) {
		r, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	info := s.info(row, r)
	if !mayReadAll(actor) && info.StartedBy != identity.ID(actor) {
		return nil, errNotFound
	}
	if k, ok := s.kinds[info.Kind]; ok && len(k.opts.Readers) > 0 && !actor.Is(identity.RoleSystem) && !actor.Is(k.opts.Readers...) {
		return nil, errNotFound
	}
	return info, nil
}

// info merges River's row and ours (nil for a job enqueued by River itself,
// such as a scheduled one that has not started yet).
func (s *Service) info(row *rivertype.JobRow, r *run) *Info {
	i := &Info{
		ID: row.ID, Kind: row.Kind, Title: row.Kind, State: State(row.State),
		Attempt: row.Attempt, MaxAttempts: row.MaxAttempts,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.CreatedAt.UTC(),
	}
	s.mu.Lock()
	if k, ok := s.kinds[row.Kind]; ok && k.opts.Title != "" {
		i.Title = k.opts.Title
	}
	s.mu.Unlock()
	if row.AttemptedAt != nil {
		t := row.AttemptedAt.UTC()
		i.StartedAt = &t
	}
	if row.FinalizedAt != nil {
		t := row.FinalizedAt.UTC()
		i.FinishedAt = &t
	}
	for _, e := range row.Errors {
		i.Errors = append(i.Errors, AttemptError{Attempt: e.Attempt, At: e.At.UTC(), Message: e.Error})
	}
	var meta struct {
		StartedBy         int64  `json:"started_by"`
		CancelAttemptedAt string `json:"cancel_attempted_at"`
	}
	_ = json.Unmarshal(row.Metadata, &meta)
	i.StartedBy = meta.StartedBy
	i.CancelRequested = meta.CancelAttemptedAt != "" && !i.State.Finished()
	if r == nil {
		return i
	}
	i.StartedBy = r.startedBy
	i.Done, i.Total, i.Message, i.Result = r.done, r.total, r.message, r.result
	i.UpdatedAt = r.updatedAt.UTC()
	if r.attemptStartedAt.Valid && i.State == Running && i.Done > 0 {
		if secs := r.updatedAt.Sub(r.attemptStartedAt.Time).Seconds(); secs > 0 {
			i.Rate = float64(i.Done) / secs
			if i.Total > i.Done {
				i.Left = time.Duration(float64(i.Total-i.Done) / i.Rate * float64(time.Second)).Round(time.Second)
			}
		}
	}
	return i
}

// ListFilter selects jobs for List. The zero filter lists the newest jobs.
type ListFilter struct {
	State  State  // empty for every state
	Kind   string // empty for every kind
	Cursor string // NextCursor of the previous page; "" for the newest
	Limit  int    // page size, 1..200 (default 50)
}

// newest is the job list's one order; its cursors are the list toolkit's.
var newest = listing.Order{Name: "newest", Key: "id", ID: "id", Kind: listing.KeyInt, Desc: true}

// Page is one page of List, newest job first, in the list toolkit's JSON
// shape; NextCursor is "" on the last page.
type Page = listing.Page[*Info]

// List returns jobs newest first, a page at a time (keyset by id, no
// OFFSET). Admins and the system may call it; others get apperr.Forbidden.
// An unknown state is apperr.Invalid (field "state"), a bad cursor on
// "cursor"; without an actor: apperr.Unauthenticated.
func (s *Service) List(ctx context.Context, actor *identity.User, f ListFilter) (*Page, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if !mayReadAll(actor) {
		return nil, apperr.New(apperr.Forbidden, "只有管理员可以查看全部任务")
	}
	if f.State != "" && !f.State.Valid() {
		return nil, apperr.Field("state", "任务状态无效")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	p := river.NewJobListParams().OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(f.Limit + 1)
	if f.State != "" {
		p = p.States(rivertype.JobState(f.State))
	}
	if f.Kind = strings.TrimSpace(f.Kind); f.Kind != "" {
		p = p.Kinds(f.Kind)
	}
	if f.Cursor != "" {
		cur, err := newest.Decode(f.Cursor)
		if err != nil {
			return nil, err
		}
		p = p.Where("id < @before_id", river.NamedArgs{"before_id": cur.ID})
	}
	res, err := s.client().JobList(ctx, p)
	if err != nil {
		return nil, err
	}
	rows := res.Jobs
	page := &Page{Items: []*Info{}}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1].ID
		page.NextCursor = newest.Encode(last, last)
	}
	runs, err := s.runs(ctx, rows)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		page.Items = append(page.Items, s.info(row, runs[row.ID]))
	}
	return page, nil
}

// runs reads the job_runs rows of rows' jobs.
func (s *Service) runs(ctx context.Context, rows []*rivertype.JobRow) (map[int64]*run, error) {
	out := map[int64]*run{}
	if len(rows) == 0 {
		return out, nil
	}
	ph := make([]string, len(rows))
	args := make([]any, len(rows))
	for i, row := range rows {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = row.ID
	}
	q, err := s.db.QueryContext(ctx, `SELECT `+runColumns+` FROM job_runs WHERE job_id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	for q.Next() {
		id, r, err := scanRun(q)
		if err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, q.Err()
}

// Cancel cancels a job: one still waiting never runs; a running one has its
// context cancelled (at once when it runs in this process, within about two
// seconds in another) and ends as Cancelled, without further attempts. The
// starter, admins and the system may cancel; others get apperr.NotFound, as
// for an unknown id. A finished job gives apperr.Conflict. Without an actor:
// apperr.Unauthenticated.
func (s *Service) Cancel(ctx context.Context, actor *identity.User, id int64) error {
	info, err := s.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	if info.State.Finished() {
		return apperr.New(apperr.Conflict, "任务已结束（"+info.State.Label()+"），无法取消")
	}
	row, err := s.client().JobCancel(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if st := State(row.State); st == Completed || st == Discarded {
		return apperr.New(apperr.Conflict, "任务已结束（"+st.Label()+"），无法取消")
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Kinds returns the registered kinds of job with their Chinese titles (the
// kind itself when it has none), for filters.
func (s *Service) Kinds() map[string]string {
	out := make(map[string]string, len(s.kinds))
	for name, k := range s.kinds {
		out[name] = cmp.Or(k.opts.Title, name)
	}
	return out
}

// QueueDepth returns, per queue, how many jobs wait to run (available,
// scheduled or waiting for a retry), for the job-queue depth metric. It
// reads River's job table; it acts for no user.
func (s *Service) QueueDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT queue, COUNT(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable') GROUP BY queue`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{river.QueueDefault: 0} // an empty queue reads 0, not absent
	for rows.Next() {
		var q string
		var n int
		if err := rows.Scan(&q, &n); err != nil {
			return nil, err
		}
		out[q] = n
	}
	return out, rows.Err()
}
