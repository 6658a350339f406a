package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
)

func TestCommands(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "cli.db")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"version"}, nil, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "nevcrm ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"frobnicate"}, nil, &out, &errOut); err == nil {
		t.Fatal("unknown command accepted")
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "--db", dsn}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "schema at version") {
		t.Fatalf("migrate: %v %q", err, out.String())
	}
	t.Setenv("NEVCRM_PASSWORD", "")
	out.Reset()
	err := run(ctx, []string{"user", "add", "--db", dsn, "--username", "ops.admin", "--name", "运维管理员", "--role", "admin"},
		strings.NewReader("a-long-password\n"), &out, &errOut)
	if err != nil || !strings.Contains(out.String(), `created admin account "ops.admin"`) {
		t.Fatalf("user add: %v %q", err, out.String())
	}
	// Bad input names the flag at fault and writes nothing.
	err = run(ctx, []string{"user", "add", "--db", dsn, "--username", "X", "--name", "李", "--role", "sales"},
		strings.NewReader("short\n"), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--username") || !strings.Contains(err.Error(), "--site:") {
		t.Fatalf("bad user add: %v", err)
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(`SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("users = %d, %v; want 1", n, err)
	}
}

// lockedBuffer is a bytes.Buffer safe for the server's log goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve with --metrics-addr answers /metrics on the metrics listener only,
// and stops both listeners when cancelled.
func TestServeMetricsListener(t *testing.T) {
	t.Setenv("NEVCRM_METRICS_TOKEN", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", filepath.Join(t.TempDir(), "serve.db"), "--addr", "127.0.0.1:0",
			"--metrics-addr", "127.0.0.1:0"}, nil, &out, &logs)
	}()
	find := func(re *regexp.Regexp) string {
		// Up to a minute: migrating a fresh database took over 5 s on a
		// loaded two-core machine (this was 200 × 25 ms and failed there).
		for range 2400 {
			if m := re.FindStringSubmatch(logs.String()); m != nil {
				return m[1]
			}
			select {
			case err := <-done:
				t.Fatalf("serve stopped: %v\n%s", err, logs.String())
			case <-time.After(25 * time.Millisecond):
			}
		}
		t.Fatalf("no %s in the log:\n%s", re, logs.String())
		return ""
	}
	metricsURL := find(regexp.MustCompile(`msg="metrics listening" url=(\S+)`))
	mainURL := find(regexp.MustCompile(`msg="NEV CRM listening" url=(\S+)`))
	get := func(u string) (int, string) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get(mainURL + "/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	if code, _ := get(mainURL + "/metrics"); code != 404 {
		t.Errorf("/metrics on the main listener: %d, want 404", code)
	}
	code, body := get(metricsURL)
	if code != 200 || !strings.Contains(body, `nevcrm_http_requests_total{method="GET",route="GET /healthz",status="2xx"} 1`) ||
		!strings.Contains(body, "go_sql_open_connections") {
		t.Errorf("metrics listener: %d\n%s", code, body)
	}
	if code, _ := get(strings.TrimSuffix(metricsURL, "/metrics") + "/healthz"); code != 404 {
		t.Errorf("the metrics listener serves other paths: %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}
