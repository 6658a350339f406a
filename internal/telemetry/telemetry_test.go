package telemetry_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/telemetry"
)

// scrape returns the text the metrics handler serves (no token).
func scrape(t *testing.T, m *telemetry.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler("").ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("scrape: Cache-Control %q", rec.Header().Get("Cache-Control"))
	}
	return rec.Body.String()
}

// value returns the sample line's value of series (name{labels} exactly as
// exposed), or "" when absent.
func value(text, series string) string {
	for line := range strings.Lines(text) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), series+" "); ok {
			return rest
		}
	}
	return ""
}

// server is a ServeMux with two routes and a catch-all, each reporting its
// pattern, inside Instrument, as app wires them.
func server(m *telemetry.Metrics) http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, m.Route(pattern, h)) }
	handle("GET /items/{id}", func(rw http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "0" {
			http.Error(rw, "no", http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(rw, "item")
	})
	handle("POST /items", func(rw http.ResponseWriter, r *http.Request) { rw.WriteHeader(http.StatusSeeOther) })
	handle("GET /quiet", func(rw http.ResponseWriter, r *http.Request) {}) // writes nothing: 200
	mux.Handle("/", http.NotFoundHandler())                                // not a route: counted as unmatched
	return m.Instrument(mux)
}

func TestRequestsByRoutePattern(t *testing.T) {
	m := telemetry.New(telemetry.Options{})
	h := server(m)
	for _, rq := range []struct{ method, path string }{
		{"GET", "/items/1"}, {"GET", "/items/2"}, {"GET", "/items/3"}, {"HEAD", "/items/4"},
		{"GET", "/items/0"}, {"POST", "/items"}, {"GET", "/quiet"},
		{"GET", "/nope/1"}, {"GET", "/nope/2"}, {"BREW", "/nope/3"},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(rq.method, rq.path, nil))
	}
	text := scrape(t, m)
	for series, want := range map[string]string{
		`nevcrm_http_requests_total{method="GET",route="GET /items/{id}",status="2xx"}`:            "3",
		`nevcrm_http_requests_total{method="HEAD",route="GET /items/{id}",status="2xx"}`:           "1",
		`nevcrm_http_requests_total{method="GET",route="GET /items/{id}",status="4xx"}`:            "1",
		`nevcrm_http_requests_total{method="POST",route="POST /items",status="3xx"}`:               "1",
		`nevcrm_http_requests_total{method="GET",route="GET /quiet",status="2xx"}`:                 "1",
		`nevcrm_http_requests_total{method="GET",route="unmatched",status="4xx"}`:                  "2",
		`nevcrm_http_requests_total{method="other",route="unmatched",status="4xx"}`:                "1",
		`nevcrm_http_request_duration_seconds_count{method="GET",route="GET /items/{id}"}`:         "4",
		`nevcrm_http_request_duration_seconds_bucket{method="POST",route="POST /items",le="+Inf"}`: "1",
		`nevcrm_http_requests_in_flight`:                                                           "0",
	} {
		if got := value(text, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	// Raw paths never become labels.
	for _, raw := range []string{"/items/1", "/nope", "BREW"} {
		if strings.Contains(text, raw) {
			t.Errorf("the exposition contains the raw value %q", raw)
		}
	}
	// Only label combinations that occurred are exported.
	if strings.Contains(text, `route="POST /items",status="2xx"`) {
		t.Error("a combination that never occurred is exported")
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total"} {
		if !strings.Contains(text, "\n"+name+" ") {
			t.Errorf("runtime/process metric %s missing", name)
		}
	}
	if strings.Contains(text, "nevcrm_job_queue_depth{") {
		t.Error("queue depth exported before a queue reports it")
	}
}

func TestConcurrentRequests(t *testing.T) {
	m := telemetry.New(telemetry.Options{})
	h := server(m)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items/7", nil))
			}
		})
	}
	wg.Wait()
	if got := value(scrape(t, m), `nevcrm_http_requests_total{method="GET",route="GET /items/{id}",status="2xx"}`); got != "400" {
		t.Errorf("400 concurrent requests counted as %s", got)
	}
}

func TestToken(t *testing.T) {
	m := telemetry.New(telemetry.Options{})
	h := m.Handler("s3cret-token-0123456789")
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", 401},
		{"Bearer wrong", 401},
		{"Bearer s3cret-token-012345678", 401}, // a prefix
		{"Basic s3cret-token-0123456789", 401},
		{"Bearer s3cret-token-0123456789", 200},
	} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != tc.want {
			t.Errorf("Authorization %q: %d, want %d", tc.auth, rec.Code, tc.want)
		}
		if tc.want == 401 && (rec.Header().Get("WWW-Authenticate") == "" || strings.Contains(rec.Body.String(), "go_goroutines")) {
			t.Errorf("Authorization %q: refused without a challenge or with the metrics", tc.auth)
		}
		if tc.want == 200 && !strings.Contains(rec.Body.String(), "go_goroutines") {
			t.Errorf("Authorization %q: no metrics", tc.auth)
		}
	}
}

func TestQueueDepth(t *testing.T) {
	m := telemetry.New(telemetry.Options{})
	var fail error
	m.SetQueueDepth(func(ctx context.Context) (map[string]int, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("queue depth called without a deadline")
		}
		return map[string]int{"default": 7, "exports": 0}, fail
	})
	text := scrape(t, m)
	if value(text, `nevcrm_job_queue_depth{queue="default"}`) != "7" || value(text, `nevcrm_job_queue_depth{queue="exports"}`) != "0" {
		t.Errorf("queue depth not exported:\n%s", text)
	}
	// A failing queue does not fail the scrape: the other metrics still come.
	fail = errors.New("queue table missing")
	text = scrape(t, m)
	if strings.Contains(text, "nevcrm_job_queue_depth{") || !strings.Contains(text, "go_goroutines") {
		t.Errorf("failing queue depth: %s", text)
	}
	m.SetQueueDepth(nil)
	text = scrape(t, m)
	if strings.Contains(text, "nevcrm_job_queue_depth{") {
		t.Error("queue depth after removal")
	}
	// The failed scrape is counted (visible from the next scrape on).
	if got := value(text, `promhttp_metric_handler_errors_total{cause="gathering"}`); got != "1" {
		t.Errorf("gathering errors = %q, want 1", got)
	}
}

// The pool statistics are read at scrape time from a real database.
func TestDBStats(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		m := telemetry.New(telemetry.Options{DB: d.DB})
		conn, err := d.Conn(context.Background()) // one connection held: in use
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		text := scrape(t, m)
		for series, want := range map[string]string{
			`go_sql_in_use_connections{db_name="nevcrm"}`: "1",
			`go_sql_wait_count_total{db_name="nevcrm"}`:   "0",
		} {
			if got := value(text, series); got != want {
				t.Errorf("%s = %q, want %q", series, got, want)
			}
		}
		for _, name := range []string{"go_sql_open_connections", "go_sql_idle_connections", "go_sql_wait_duration_seconds_total", "go_sql_max_open_connections"} {
			if !strings.Contains(text, name+`{db_name="nevcrm"} `) {
				t.Errorf("%s missing", name)
			}
		}
	})
}

// Many servers in one process: each has its own registry.
func TestRegistriesAreSeparate(t *testing.T) {
	a, b := telemetry.New(telemetry.Options{}), telemetry.New(telemetry.Options{})
	server(a).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items/1", nil))
	if strings.Contains(scrape(t, b), "nevcrm_http_requests_total{") {
		t.Error("a request to one server counted in another's registry")
	}
}

// BenchmarkInstrument measures what the instrumentation adds to a request:
// the same mux and handler with and without Instrument and Route.
func BenchmarkInstrument(b *testing.B) {
	ok := func(rw http.ResponseWriter, r *http.Request) { rw.WriteHeader(http.StatusNoContent) }
	bare := http.NewServeMux()
	bare.HandleFunc("GET /items/{id}", ok)
	m := telemetry.New(telemetry.Options{})
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", m.Route("GET /items/{id}", http.HandlerFunc(ok)))
	instrumented := m.Instrument(mux)
	r := httptest.NewRequest("GET", "/items/42", nil)
	rw := discard{h: http.Header{}}
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"instrumented", instrumented}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(rw, r)
			}
		})
	}
}

// discard is a ResponseWriter that keeps nothing (httptest.ResponseRecorder
// would dominate the measurement).
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
