package app

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/api"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/telemetry"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/web"
)

// routes builds one handler per area, mounts their routes behind their
// access rules and wraps the mux in the middleware chain: request id and
// logging, metrics, panic recovery, security headers, cache control,
// cross-origin (CSRF) protection, body limit, session. Each route reports its
// pattern to the metrics.
func (a *App) routes() (http.Handler, error) {
	s := a.Services
	w, err := web.New(web.Options{Logger: a.Logger, TrustProxy: a.Config.TrustProxy, Demo: a.Config.Demo, Unread: s.Notify.UnreadCount})
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	j := &api.Base{Logger: a.Logger, TrustProxy: a.Config.TrustProxy}
	mux := http.NewServeMux()
	mount := func(deny http.HandlerFunc, areas ...interface{ Routes() []httpx.Route }) {
		for _, area := range areas {
			for _, rt := range area.Routes() {
				a.table = append(a.table, rt)
				key := rt.Method + " " + rt.Pattern
				mux.Handle(key, a.Metrics.Route(key, guard(rt, deny)))
			}
		}
	}
	mount(w.Deny, w,
		&web.Content{Renderer: w, Content: s.Content},
		&web.Accounts{Renderer: w, Accounts: s.Accounts, Referrals: s.Campaigns},
		&web.Owner{Renderer: w, Vehicles: s.Vehicles, Booking: s.Booking},
		&web.Booking{Renderer: w, Booking: s.Booking, Sites: s.Sites, Vehicles: s.Vehicles, Customers: s.Customers, Reports: s.Reports},
		&web.OwnerCenter{Renderer: w, Accounts: s.Accounts, Booking: s.Booking, Sites: s.Sites, WorkOrders: s.WorkOrders, Vehicles: s.Vehicles},
		&web.Privacy{Renderer: w, Privacy: s.Privacy, Accounts: s.Accounts},
		&web.Reports{Renderer: w, Reports: s.Reports, Sales: s.Sales},
		&web.Analytics{Renderer: w, Reports: s.Reports, Jobs: s.Jobs, ExportThreshold: a.Config.ExportThreshold},
		&web.Users{Renderer: w, Accounts: s.Accounts, Sites: s.Sites, Jobs: s.Jobs, ExportThreshold: a.Config.ExportThreshold},
		&web.Jobs{Renderer: w, Jobs: s.Jobs},
		&web.Notifications{Renderer: w, Notify: s.Notify},
		&web.Customers{Renderer: w, Customers: s.Customers, View: s.Customer360, Sites: s.Sites, Jobs: s.Jobs, Scores: s.LeadScores,
			ExportThreshold: a.Config.ExportThreshold},
		&web.Inventory{Renderer: w, Inventory: s.Inventory},
		&web.Batteries{Renderer: w, Inventory: s.Inventory},
		&web.Sales{Renderer: w, Sales: s.Sales, Sites: s.Sites, Models: a.models},
		&web.WorkOrders{Renderer: w, WorkOrders: s.WorkOrders, Booking: s.Booking, Vehicles: s.Vehicles, Reports: s.Reports,
			Coupons: func(r *http.Request, id int64) (*campaign.Coupon, error) {
				return s.Campaigns.WorkOrderCoupon(r.Context(), httpx.User(r), id)
			}},
		&web.Campaigns{Renderer: w, Campaigns: s.Campaigns, Sites: s.Sites, Models: a.models},
		&web.Community{Renderer: w, Community: s.Community, Content: s.Content},
		&web.Assistant{Renderer: w, Assistant: s.Assistant},
		&web.Support{Renderer: w, Support: s.Support},
		&web.LeadScores{Renderer: w, Scores: s.LeadScores},
	)
	mount(j.Deny, j,
		&api.Accounts{Base: j, Accounts: s.Accounts},
		&api.Owner{Base: j, Vehicles: s.Vehicles, WorkOrders: s.WorkOrders},
		&api.Booking{Base: j, Booking: s.Booking, Sites: s.Sites},
		&api.Privacy{Base: j, Privacy: s.Privacy},
		&api.Users{Base: j, Accounts: s.Accounts},
		&api.Jobs{Base: j, Jobs: s.Jobs},
		&api.Notifications{Base: j, Notify: s.Notify},
		&api.Customers{Base: j, Customers: s.Customers, View: s.Customer360, Jobs: s.Jobs},
		&api.Inventory{Base: j, Inventory: s.Inventory},
		&api.Batteries{Base: j, Inventory: s.Inventory},
		&api.Sales{Base: j, Sales: s.Sales},
		&api.WorkOrders{Base: j, WorkOrders: s.WorkOrders, Reports: s.Reports},
		&api.Community{Base: j, Community: s.Community},
		&api.Campaigns{Base: j, Campaigns: s.Campaigns},
		&api.Assistant{Base: j, Assistant: s.Assistant, Support: s.Support},
	)
	mount(w.Deny, routeList{httpx.Public("GET", "/metrics", a.mainMetrics(w.NotFound))})
	mux.Handle("GET /healthz", a.Metrics.Route("GET /healthz", http.HandlerFunc(a.healthz)))
	mux.Handle("/api/", allowed(mux, j.NotFound, j.MethodNotAllowed))
	mux.Handle("/", allowed(mux, w.NotFound, w.MethodNotAllowed))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			j.Forbidden(rw, r, "跨站请求被拒绝")
			return
		}
		w.CrossSiteDenied(rw, r)
	}))
	var h http.Handler = mux
	h = a.session(h)
	h = validText(h, w.BadText, j.BadText)
	h = cop.Handler(h)
	h = limitBody(h)
	h = cacheControl(h)
	h = securityHeaders(h)
	h = a.recoverer(h)
	h = a.Metrics.Instrument(h)
	h = a.logRequests(h)
	return h, nil
}

// models lists the vehicle models for the sales forms.
func (a *App) models(r *http.Request) ([]vehicle.Model, error) {
	return vehicle.Models(r.Context(), a.DB)
}

// Routes returns every HTML and JSON route with its access rule.
func (a *App) Routes() []httpx.Route { return a.table }

// allowed answers a request that no route matched: 405 with an Allow header
// when the path exists under other methods, else 404. (A catch-all pattern
// would otherwise hide the mux's own 405.)
func allowed(mux *http.ServeMux, notFound, notAllowed http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var methods []string
		// The mux reads only the method, host and path of a probe.
		probe := &http.Request{Host: r.Host, URL: r.URL, Header: http.Header{}}
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "/api/" {
				methods = append(methods, m)
			}
		}
		if len(methods) == 0 {
			notFound(rw, r)
			return
		}
		rw.Header().Set("Allow", strings.Join(methods, ", "))
		notAllowed(rw, r)
	})
}

// guard enforces a route's rule before its handler runs.
func guard(rt httpx.Route, deny http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		u := httpx.User(r)
		if rt.Public || (u != nil && rt.Allows(u.Role)) {
			rt.Handler(rw, r)
			return
		}
		deny(rw, r)
	})
}

func (a *App) healthz(rw http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	rw.Header().Set("Content-Type", "application/json")
	if err := a.DB.PingContext(ctx); err != nil {
		a.Logger.ErrorContext(r.Context(), "health check failed", "err", err)
		rw.WriteHeader(http.StatusServiceUnavailable)
		_, _ = rw.Write([]byte(`{"status":"unavailable"}`))
		return
	}
	_, _ = rw.Write([]byte(`{"status":"ok"}`))
}

// session loads the acting user from the session cookie. An unknown or
// ended session means an anonymous visitor whose cookie is cleared and whose
// request is marked (httpx.SessionExpired) so that the login page can say
// why; a session renewed by this request gets its cookie again with the new
// expiry (at most once a minute, see account.TouchInterval).
func (a *App) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ctx := audit.WithMeta(r.Context(), audit.Meta{IP: httpx.ClientIP(r, a.Config.TrustProxy), RequestID: httpx.RequestID(r.Context())})
		if tok := httpx.SessionToken(r); tok != "" && !strings.HasPrefix(r.URL.Path, "/static/") {
			u, sess, err := a.Accounts.SessionUser(ctx, tok)
			switch {
			case err == nil:
				ctx = identity.WithUser(ctx, u)
				if sess.Renewed {
					httpx.SetSessionCookie(rw, r, a.Config.TrustProxy, tok, sess.ExpiresAt)
				}
			case apperr.CodeOf(err) == apperr.Unauthenticated:
				ctx = httpx.WithSessionExpired(ctx)
				httpx.ClearSessionCookie(rw, r, a.Config.TrustProxy)
			default:
				a.Logger.ErrorContext(ctx, "session lookup failed", "err", err, "request_id", httpx.RequestID(ctx))
			}
		}
		next.ServeHTTP(rw, r.WithContext(ctx))
	})
}

// validText refuses query and form values the databases cannot store
// (invalid UTF-8, NUL characters) with 422 before any handler sees them.
func validText(next http.Handler, html, json func(http.ResponseWriter, *http.Request, string)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		const bad = "\x00" // a value not valid as a field name: the whole request is at fault
		check := func(vs url.Values) string {
			for k, list := range vs {
				if !cleanText(k) {
					return bad
				}
				for _, v := range list {
					if !cleanText(v) {
						if k == "" {
							return bad
						}
						return k
					}
				}
			}
			return ""
		}
		var field string
		if q := r.URL.RawQuery; q != "" && (strings.IndexByte(q, '%') >= 0 || !cleanText(q)) {
			// Only an escape (%XX) can decode to what the raw query,
			// valid and NUL-free, does not already show.
			field = check(r.URL.Query())
		}
		if field == "" && r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			switch mt {
			case "application/x-www-form-urlencoded":
				if err := r.ParseForm(); err == nil {
					field = check(r.PostForm)
				}
			case "multipart/form-data":
				// Three pages take uploads: the customer import checks its
				// values itself (a policy from a fixed list, a store id, a
				// file name it cleans); the community editor's and the
				// campaign form's text values are checked here like a
				// form's (photos and covers are decoded and re-encoded by
				// the community's code). Multipart anywhere
				// else is refused, so that its values never reach a
				// handler unchecked.
				switch {
				case r.Method == http.MethodPost && importPath(r.URL.Path):
				case uploadPath(r.URL.Path), r.Method == http.MethodPost && web.CampaignFormPath(r.URL.Path):
					if err := r.ParseMultipartForm(8 << 20); err == nil {
						field = check(url.Values(r.MultipartForm.Value))
					} // too large or malformed: the editor says so beside the photos
				default:
					field = bad
				}
			}
		}
		if field == "" {
			next.ServeHTTP(rw, r)
			return
		}
		if field == bad {
			field = ""
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			json(rw, r, field)
			return
		}
		html(rw, r, field)
	})
}

func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// importPath reports whether path takes the upload of an import
// (web.Customers: customers or leads).
func importPath(path string) bool {
	return path == "/sales/customers/import" || path == "/sales/leads/import"
}

// limitBody caps request bodies at 1 MiB, but for the photos of a post, the
// cover picture of a campaign form and the upload of an import
// (customer.MaxImportBytes and the form around it).
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		limit := int64(1 << 20)
		switch {
		case uploadPath(r.URL.Path):
			limit = web.MaxUploadBody
		case r.Method == http.MethodPost && web.CampaignFormPath(r.URL.Path):
			limit = web.MaxCoverBody
		case r.Method == http.MethodPost && importPath(r.URL.Path):
			limit += customer.MaxImportBytes
		}
		r.Body = http.MaxBytesReader(rw, r.Body, limit)
		next.ServeHTTP(rw, r)
	})
}

// uploadPath reports whether path takes photo uploads (community posts),
// which may be larger than the 1 MB every other request is held to.
func uploadPath(path string) bool {
	return path == "/community/posts" || path == "/api/v1/community/posts" ||
		strings.HasPrefix(path, "/community/posts/") && strings.HasSuffix(path, "/edit")
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h := rw.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
		next.ServeHTTP(rw, r)
	})
}

// recoverer turns a panic into a logged 500 instead of a dropped connection.
func (a *App) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.Logger.ErrorContext(r.Context(), "panic", "value", v, "stack", string(debug.Stack()), "request_id", httpx.RequestID(r.Context()))
				rw.WriteHeader(http.StatusInternalServerError)
				_, _ = rw.Write([]byte("服务器内部错误"))
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	size   int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.size += n
	return n, err
}

// logRequests gives every request an id (echoed in X-Request-Id) and logs it.
func (a *App) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		id := httpx.NewRequestID()
		rw.Header().Set("X-Request-Id", id)
		r = r.WithContext(httpx.WithRequestID(r.Context(), id))
		rec := &statusRecorder{ResponseWriter: rw}
		start := time.Now()
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		a.Logger.LogAttrs(r.Context(), level, "request", slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Int("bytes", rec.size),
			slog.Duration("duration", time.Since(start)), slog.String("ip", httpx.ClientIP(r, a.Config.TrustProxy)))
	})
}

// RouteTable returns every HTML and JSON route with its access rule without
// opening a database, for checks of the route table (OpenAPI document,
// authorization matrix, documented URLs).
func RouteTable() ([]httpx.Route, error) {
	a := &App{Config: &config.Config{}, Logger: slog.New(slog.DiscardHandler), Services: &Services{}, Metrics: telemetry.New(telemetry.Options{})}
	if _, err := a.routes(); err != nil {
		return nil, err
	}
	return a.table, nil
}
