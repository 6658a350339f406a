package datagen

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress reports rows written: a redrawn bar with rate and ETA on a
// terminal, a plain line every few seconds otherwise. A nil *progress is silent.
type progress struct {
	w           io.Writer
	tty         bool
	total, done int64
	start, last time.Time
}

func newProgress(w io.Writer, total int64) *progress {
	if w == nil {
		return nil
	}
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	now := time.Now()
	return &progress{w: w, tty: tty, total: max(total, 1), start: now, last: now}
}

func (p *progress) add(n int64) {
	if p == nil {
		return
	}
	p.done += n
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if now := time.Now(); now.Sub(p.last) >= every {
		p.last = now
		p.print(false)
	}
}

// note prints a phase message on its own line.
func (p *progress) note(format string, args ...any) {
	if p == nil {
		return
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// finish prints the final line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.print(true)
}

func (p *progress) print(final bool) {
	elapsed := time.Since(p.start)
	rate := float64(p.done) / max(elapsed.Seconds(), 1e-9)
	frac := min(float64(p.done)/float64(p.total), 0.99)
	if final {
		frac = 1
	}
	eta := "--"
	if rate > 0 && !final {
		eta = time.Duration(float64(max(p.total-p.done, 0)) / rate * float64(time.Second)).Round(time.Second).String()
	}
	if p.tty {
		const width = 30
		n := int(frac * width)
		fmt.Fprintf(p.w, "\r\033[K[%s%s] %3.0f%% %d 行 %.0f 行/秒 剩余 %s", strings.Repeat("#", n), strings.Repeat("-", width-n), frac*100, p.done, rate, eta)
		if final {
			fmt.Fprintf(p.w, " 用时 %s\n", elapsed.Round(time.Millisecond))
		}
		return
	}
	if final {
		fmt.Fprintf(p.w, "datagen: done %d rows in %s (%.0f rows/s)\n", p.done, elapsed.Round(time.Millisecond), rate)
		return
	}
	fmt.Fprintf(p.w, "datagen: %3.0f%% %d rows %.0f rows/s eta %s\n", frac*100, p.done, rate, eta)
}
