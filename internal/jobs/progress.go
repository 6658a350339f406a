package jobs

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Progress reports how far a job's current attempt has come: units done out
// of a total, a short message, and a result for the reader (an export's
// file name). Handlers may call its methods as often as they like, from
// several goroutines: a change is written at once when the last write is
// at least Options.ProgressInterval old, else with a later call or at the end
// of the attempt. A failed write is logged, not returned: progress is
// advisory and never fails a job.
type Progress struct {
	s         *Service
	jobID     int64
	kind      string
	startedBy int64

	mu              sync.Mutex
	done, total     int64
	message, result string
	dirty           bool
	written         time.Time // wall time of the last write
}

// maxMessage is the longest message or result kept, in bytes.
const maxMessage = 500

// SetTotal sets the number of units of work (0: unknown).
func (p *Progress) SetTotal(ctx context.Context, total int64) {
	p.update(ctx, func() { p.total = max(total, 0) })
}

// Add counts n more units done.
func (p *Progress) Add(ctx context.Context, n int64) {
	p.update(ctx, func() { p.done = max(p.done+n, 0) })
}

// Set sets the units done and the message.
func (p *Progress) Set(ctx context.Context, done int64, message string) {
	p.update(ctx, func() { p.done, p.message = max(done, 0), clean(message) })
}

// Message sets the message shown under the progress bar, e.g. "正在导出第 3 批".
func (p *Progress) Message(ctx context.Context, message string) {
	p.update(ctx, func() { p.message = clean(message) })
}

// Result records what the job leaves for its reader (shown once it has
// completed), e.g. an export's file name. It is written at once.
func (p *Progress) Result(ctx context.Context, result string) {
	p.mu.Lock()
	p.result, p.dirty = clean(result), true
	p.mu.Unlock()
	p.flushLogged(ctx)
}

// Flush writes a pending change now.
func (p *Progress) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writeLocked(ctx)
}

func (p *Progress) update(ctx context.Context, change func()) {
	p.mu.Lock()
	change()
	p.dirty = true
	due := time.Since(p.written) >= p.s.opts.ProgressInterval
	p.mu.Unlock()
	if due {
		p.flushLogged(ctx)
	}
}

func (p *Progress) flushLogged(ctx context.Context) {
	if err := p.Flush(ctx); err != nil && ctx.Err() == nil {
		p.s.logger.WarnContext(ctx, "job progress not saved", "job_id", p.jobID, "kind", p.kind, "err", err)
	}
}

func (p *Progress) writeLocked(ctx context.Context) error {
	if !p.dirty {
		return nil
	}
	_, err := p.s.db.ExecContext(ctx, `UPDATE job_runs SET done = $1, total = $2, message = $3, result = $4, updated_at = $5
		WHERE job_id = $6`, p.done, p.total, p.message, p.result, p.s.now(), p.jobID)
	if err != nil {
		return err
	}
	p.dirty = false
	p.written = time.Now()
	return nil
}

// begin starts the attempt's progress afresh; it creates the job_runs row
// for a job River enqueued itself (a scheduled one).
func (p *Progress) begin(ctx context.Context) error {
	now := p.s.now()
	_, err := p.s.db.ExecContext(ctx, `INSERT INTO job_runs (job_id, kind, started_by, created_at, attempt_started_at, updated_at)
		VALUES ($1, $2, $3, $4, $4, $4)
		ON CONFLICT (job_id) DO UPDATE SET done = 0, total = 0, message = '', result = '', attempt_started_at = $4, updated_at = $4`,
		p.jobID, p.kind, nullID(p.startedBy), now)
	if err == nil {
		p.written = time.Now()
	}
	return err
}

// clean makes s storable on both databases: valid UTF-8 without NUL or
// surrounding space, at most maxMessage bytes.
func clean(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, "?"), "\x00", ""))
	for len(s) > maxMessage {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
