// Package telemetry keeps the Prometheus metrics of one NEV CRM server: HTTP
// requests counted and timed by route pattern, the database pool, the Go
// runtime and the process, and the depth of the job queues. Each server has
// its own registry (never the global default one), so that tests can start
// many servers in one process.
//
// The package knows net/http and Prometheus only, no domain: app wires it.
// (Not named metrics: the standard library has runtime/metrics.)
package telemetry

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Unmatched is the route label of requests that no route handler answered:
// unknown paths (404), known paths with another method (405), and requests
// refused before routing (cross-site, invalid text).
const Unmatched = "unmatched"

// QueueDepthFunc reports, per job queue, how many jobs wait to run. It is
// called at each scrape with a context that ends after queueDepthTimeout.
type QueueDepthFunc func(ctx context.Context) (map[string]int, error)

// queueDepthTimeout bounds one QueueDepthFunc call.
const queueDepthTimeout = 5 * time.Second

// Options configure New.
type Options struct {
	// DB, when set, is the pool whose statistics (sql.DBStats) are read at
	// each scrape, as the go_sql_* metrics with db_name="nevcrm".
	DB *sql.DB
	// Logger receives scrape errors (nil: discarded).
	Logger *slog.Logger
}

// Metrics is the registry of one server and its HTTP instruments.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	logger   *slog.Logger

	unmatched  *route
	queueDepth atomic.Pointer[QueueDepthFunc]
}

// New returns a registry holding the HTTP, database, Go runtime, process and
// job-queue collectors.
func New(o Options) *Metrics {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		logger: o.Logger,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nevcrm_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status class (2xx, 4xx, ...).",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nevcrm_http_request_duration_seconds",
			Help:    "Time from the request reaching the server's handler to the handler's return, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "nevcrm_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	m.unmatched = m.route(Unmatched)
	m.reg.MustRegister(m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		queueCollector{m})
	if o.DB != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(o.DB, "nevcrm"))
	}
	return m
}

// Registry returns the server's registry, for collectors of other packages.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SetQueueDepth installs the function that reports the job queues' depth as
// nevcrm_job_queue_depth{queue}; nil removes it. Safe to call at any time.
func (m *Metrics) SetQueueDepth(f QueueDepthFunc) {
	if f == nil {
		m.queueDepth.Store(nil)
		return
	}
	m.queueDepth.Store(&f)
}

// Handler serves the metrics in the Prometheus text format. When token is
// not empty a request must carry "Authorization: Bearer <token>" (compared
// in constant time); others get 401.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.logger.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg, // promhttp_metric_handler_errors_total{cause}
	})
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "no-store")
		if token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			// Hashes of equal length: the comparison tells nothing, not even the length.
			sum := sha256.Sum256([]byte(got))
			if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				rw.Header().Set("WWW-Authenticate", `Bearer realm="nevcrm metrics"`)
				http.Error(rw, "401 unauthorized: metrics need a bearer token", http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(rw, r)
	})
}

// The method and status-class label values. Methods outside the list count
// as "other": a client chooses the method, and labels must stay bounded.
var (
	methods = [...]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
	classes = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}
)

func methodIndex(m string) int {
	switch m {
	case http.MethodGet:
		return 0
	case http.MethodHead:
		return 1
	case http.MethodPost:
		return 2
	case http.MethodPut:
		return 3
	case http.MethodPatch:
		return 4
	case http.MethodDelete:
		return 5
	case http.MethodOptions:
		return 6
	}
	return 7
}

func classIndex(status int) int {
	if status == 0 {
		status = http.StatusOK // the handler wrote nothing: net/http sends 200
	}
	return min(max(status/100, 1), 5) - 1
}

// route holds the instruments of one route pattern, each made on first use
// (so that only label combinations that occurred are exported) and then
// reused without a label lookup.
type route struct {
	pattern   string
	counters  [len(methods)][len(classes)]atomic.Pointer[counter]
	observers [len(methods)]atomic.Pointer[observer]
}

type counter struct{ prometheus.Counter }
type observer struct{ prometheus.Observer }

func (m *Metrics) route(pattern string) *route { return &route{pattern: pattern} }

func (m *Metrics) observe(rt *route, method string, status int, d time.Duration) {
	mi, ci := methodIndex(method), classIndex(status)
	c := rt.counters[mi][ci].Load()
	if c == nil {
		// Two first requests may both get here: WithLabelValues returns the
		// same counter to both.
		c = &counter{m.requests.WithLabelValues(rt.pattern, methods[mi], classes[ci])}
		rt.counters[mi][ci].Store(c)
	}
	c.Inc()
	o := rt.observers[mi].Load()
	if o == nil {
		o = &observer{m.duration.WithLabelValues(rt.pattern, methods[mi])}
		rt.observers[mi].Store(o)
	}
	o.Observe(d.Seconds())
}

// recorder notes the status of the answer and the route that served it.
type recorder struct {
	http.ResponseWriter
	status int
	route  *route
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// findRecorder returns Instrument's recorder inside rw, or nil.
func findRecorder(rw http.ResponseWriter) *recorder {
	for range 8 {
		if rec, ok := rw.(*recorder); ok {
			return rec
		}
		u, ok := rw.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		rw = u.Unwrap()
	}
	return nil
}

// Instrument counts and times every request next serves. The route label is
// the pattern a Route wrapper inside next reports, else Unmatched.
func (m *Metrics) Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: rw, route: m.unmatched}
		m.inFlight.Inc()
		start := time.Now()
		defer func() {
			// Also after a panic that escapes (http.ErrAbortHandler).
			m.inFlight.Dec()
			m.observe(rec.route, r.Method, rec.status, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// Route returns h reporting pattern as its route label to Instrument. The
// pattern must be the one h is registered under in the ServeMux (e.g.
// "GET /owner/appointments/{id}/reschedule"): never a raw path, whose values
// are unbounded.
func (m *Metrics) Route(pattern string, h http.Handler) http.Handler {
	rt := m.route(pattern)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if rec := findRecorder(rw); rec != nil {
			rec.route = rt
		}
		h.ServeHTTP(rw, r)
	})
}

// queueCollector reads the job queues' depth at each scrape.
type queueCollector struct{ m *Metrics }

var queueDepthDesc = prometheus.NewDesc("nevcrm_job_queue_depth",
	"Jobs waiting to run, per queue (read at scrape time; absent until the job queue is wired).", []string{"queue"}, nil)

func (q queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDepthDesc }

func (q queueCollector) Collect(ch chan<- prometheus.Metric) {
	f := q.m.queueDepth.Load()
	if f == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), queueDepthTimeout)
	defer cancel()
	depth, err := (*f)(ctx)
	if err != nil {
		q.m.logger.Error("job queue depth for metrics", "err", err)
		ch <- prometheus.NewInvalidMetric(queueDepthDesc, err)
		return
	}
	for name, n := range depth {
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(n), name)
	}
}
