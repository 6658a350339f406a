package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/riverqueue/river"
)

// noopArgs is a trivial job.
type noopArgs struct {
	N int `json:"n"`
}

func (noopArgs) Kind() string { return "bench_noop" }

// BenchmarkEnqueueAndWork enqueues 1000 trivial jobs through Service.Enqueue
// (a River insert and a job_runs row in one transaction each), from one
// goroutine or from four at once, while this process's workers run them
// (each attempt also writes its job_runs row once),
// and measures until River has recorded all 1000 as completed. It runs on
// SQLite (the project's DSN: WAL, busy_timeout, _txlock=immediate, 4
// connections) and, with NEVCRM_TEST_POSTGRES_URL, on PostgreSQL. Numbers
// in docs/系统设计.md. It fails when an attempt failed (SQLITE_BUSY, say) or
// anything was logged at warning level. Run:
//
//	go test ./internal/jobs -run '^$' -bench 'EnqueueAndWork|RiverBaseline' -benchtime 2x
func BenchmarkEnqueueAndWork(b *testing.B) {
	const n = 1000
	configs := []struct {
		name    string
		opts    jobs.Options
		senders int
	}{
		// serve's settings: 4 workers, River's 100 ms fetch cooldown, which
		// bounds trivial jobs to about 4 per 100 ms.
		{"defaults", jobs.Options{}, 1},
		// more workers and a 10 ms cooldown (PollInterval 10 ms).
		{"fast", jobs.Options{Workers: 10, PollInterval: 10 * time.Millisecond}, 1},
		// the same, enqueuing from four goroutines at once.
		{"fast-4-senders", jobs.Options{Workers: 10, PollInterval: 10 * time.Millisecond}, 4},
	}
	for _, dialect := range dbtest.Dialects() {
		for _, cfg := range configs {
			senders := cfg.senders
			b.Run(fmt.Sprintf("%s/%s", dialect, cfg.name), func(b *testing.B) {
				d := dbtest.Open(b, dialect)
				ctx := context.Background()
				var worked atomic.Int64
				warnings := &countingHandler{}
				opts := cfg.opts
				opts.Logger = slog.New(warnings)
				s, err := jobs.New(d, opts)
				if err != nil {
					b.Fatal(err)
				}
				jobs.Register(s, func(ctx context.Context, j *jobs.Job[noopArgs]) error {
					worked.Add(1)
					return nil
				}, jobs.KindOptions{})
				if err := s.Start(ctx); err != nil {
					b.Fatal(err)
				}
				defer s.Stop(ctx)
				var enqueue, total time.Duration
				for b.Loop() {
					worked.Store(0)
					base := completed(b, d)
					start := time.Now()
					var wg sync.WaitGroup
					errs := make(chan error, senders)
					for g := 0; g < senders; g++ {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for i := 0; i < n/senders; i++ {
								if _, err := s.Enqueue(ctx, identity.System(), noopArgs{N: i}); err != nil {
									errs <- err
									return
								}
							}
						}()
					}
					wg.Wait()
					close(errs)
					for err := range errs {
						b.Fatalf("enqueue: %v", err)
					}
					enqueue += time.Since(start)
					for completed(b, d)-base < n {
						if time.Since(start) > 2*time.Minute {
							b.Fatalf("only %d of %d jobs completed", completed(b, d)-base, n)
						}
						time.Sleep(5 * time.Millisecond)
					}
					total += time.Since(start)
				}
				runs := float64(b.N)
				b.ReportMetric(enqueue.Seconds()*1000/runs, "enqueue-ms")
				b.ReportMetric(total.Seconds()*1000/runs, "total-ms")
				b.ReportMetric(n*runs/total.Seconds(), "jobs/s")
				// No attempt failed (e.g. with SQLITE_BUSY) and nothing was
				// logged at warning level or above.
				var retried int
				if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE attempt > 1`).Scan(&retried); err != nil {
					b.Fatal(err)
				}
				if retried > 0 || warnings.n.Load() > 0 {
					b.Fatalf("%d jobs retried, %d warnings logged", retried, warnings.n.Load())
				}
			})
		}
	}
}

// countingHandler counts log records at warning level or above.
type countingHandler struct{ n atomic.Int64 }

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *countingHandler) Handle(context.Context, slog.Record) error {
	h.n.Add(1)
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// rawWorker is the baseline's worker: River alone, no job_runs row.
type rawWorker struct {
	river.WorkerDefaults[noopArgs]
}

func (rawWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// BenchmarkRiverBaseline is the same 1000 trivial jobs on River alone (its
// Insert, no transaction of ours, no job_runs writes), with the settings of
// the "fast" case above: the baseline for the overhead of this package.
func BenchmarkRiverBaseline(b *testing.B) {
	const n = 1000
	for _, dialect := range dbtest.Dialects() {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.Open(b, dialect)
			ctx := context.Background()
			workers := river.NewWorkers()
			river.AddWorker(workers, rawWorker{})
			c, err := river.NewClient(d.RiverDriver(), &river.Config{
				Logger:            slog.New(slog.DiscardHandler),
				Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
				Workers:           workers,
				FetchPollInterval: 10 * time.Millisecond,
				FetchCooldown:     10 * time.Millisecond,
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Start(ctx); err != nil {
				b.Fatal(err)
			}
			defer c.Stop(ctx)
			var enqueue, total time.Duration
			for b.Loop() {
				base := completed(b, d)
				start := time.Now()
				for i := 0; i < n; i++ {
					if _, err := c.Insert(ctx, noopArgs{N: i}, nil); err != nil {
						b.Fatal(err)
					}
				}
				enqueue += time.Since(start)
				for completed(b, d)-base < n {
					if time.Since(start) > 2*time.Minute {
						b.Fatal("jobs not completed")
					}
					time.Sleep(5 * time.Millisecond)
				}
				total += time.Since(start)
			}
			runs := float64(b.N)
			b.ReportMetric(enqueue.Seconds()*1000/runs, "enqueue-ms")
			b.ReportMetric(total.Seconds()*1000/runs, "total-ms")
			b.ReportMetric(n*runs/total.Seconds(), "jobs/s")
		})
	}
}

// completed counts River's completed jobs (a benchmark may read River's
// table: it only counts).
func completed(b *testing.B, d *db.DB) int {
	b.Helper()
	var c int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job WHERE state = 'completed'`).Scan(&c); err != nil {
		b.Fatal(err)
	}
	return c
}
