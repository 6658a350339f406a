package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// cst is Asia/Shanghai, where booking dates live.
var cst = time.FixedZone("CST", 8*3600)

// ---------------------------------------------------------------------------
// The OpenAPI document

type openapiDoc struct {
	OpenAPI    string                               `yaml:"openapi"`
	Paths      map[string]map[string]openapiOp      `yaml:"paths"`
	Components map[string]map[string]map[string]any `yaml:"components"`
	Security   []map[string][]string                `yaml:"security"`
	Tags       []struct{ Name string }              `yaml:"tags"`
}

type openapiOp struct {
	Tags        []string                  `yaml:"tags"`
	Summary     string                    `yaml:"summary"`
	OperationID string                    `yaml:"operationId"`
	Security    *[]map[string][]string    `yaml:"security"`
	Parameters  []map[string]any          `yaml:"parameters"`
	RequestBody map[string]any            `yaml:"requestBody"`
	Responses   map[string]map[string]any `yaml:"responses"`
}

func loadOpenAPI(t *testing.T, raw []byte) (*openapiDoc, any) {
	t.Helper()
	var doc openapiDoc
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.yaml is not valid YAML: %v", err)
	}
	var tree any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	return &doc, tree
}

// TestOpenAPIDocumentsEveryRoute checks that the document's paths × methods
// are exactly the API's routes, so no route is left undocumented (or
// documented but not served), and that the document hangs together.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, tree := loadOpenAPI(t, raw)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}

	routes := map[string]bool{}
	for _, rt := range apiRoutes(t) {
		routes[strings.ToLower(rt.Method)+" "+rt.Pattern] = rt.Public
	}
	documented := map[string]bool{}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true}
	ops := map[string]bool{}
	tags := map[string]bool{}
	for _, tg := range doc.Tags {
		tags[tg.Name] = true
	}
	placeholder := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc.Paths {
		for method, op := range item {
			if !methods[method] {
				continue
			}
			key := method + " " + path
			documented[key] = true
			public, served := routes[key]
			if !served {
				t.Errorf("documented %s is not a route", strings.ToUpper(method)+" "+path)
				continue
			}
			if op.Summary == "" || op.OperationID == "" || len(op.Tags) == 0 {
				t.Errorf("%s: needs summary, operationId and tags", key)
			}
			if ops[op.OperationID] {
				t.Errorf("%s: operationId %s used twice", key, op.OperationID)
			}
			ops[op.OperationID] = true
			for _, tg := range op.Tags {
				if !tags[tg] {
					t.Errorf("%s: tag %q is not declared", key, tg)
				}
			}
			// Public routes say so (security: []); the others inherit the cookie.
			if public != (op.Security != nil && len(*op.Security) == 0) {
				t.Errorf("%s: public=%v but security is %v", key, public, op.Security)
			}
			success := false
			for code, res := range op.Responses {
				n, err := strconv.Atoi(code)
				if err != nil {
					t.Errorf("%s: response code %q", key, code)
					continue
				}
				if n < 300 {
					success = true
					continue
				}
				if ref, _ := res["$ref"].(string); !strings.HasPrefix(ref, "#/components/responses/") {
					t.Errorf("%s: error response %s must refer to a shared error response, not %v", key, code, res)
				}
			}
			if !success {
				t.Errorf("%s: no success response", key)
			}
			if !public && op.Responses["401"] == nil {
				t.Errorf("%s: a guarded route must document 401", key)
			}
			if method == "post" && op.Responses["422"] == nil {
				t.Errorf("%s: a POST must document 422", key)
			}
			// Every {placeholder} is a declared path parameter.
			declared := map[string]bool{}
			for _, p := range op.Parameters {
				if ref, ok := p["$ref"].(string); ok {
					p = doc.Components["parameters"][strings.TrimPrefix(ref, "#/components/parameters/")]
				}
				if p["in"] == "path" {
					declared[fmt.Sprint(p["name"])] = true
				}
			}
			for _, m := range placeholder.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s is not declared", key, m[1])
				}
			}
		}
	}
	for key := range routes {
		if !documented[key] {
			t.Errorf("route %s is not documented in openapi.yaml", strings.ToUpper(key))
		}
	}

	// Every $ref resolves.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
				var cur any = tree
				for _, p := range parts {
					m, _ := cur.(map[string]any)
					cur = m[p]
				}
				if cur == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(tree)

	// The cookie security scheme, and the error codes of apperr.
	sch := doc.Components["securitySchemes"]["sessionCookie"]
	if sch["type"] != "apiKey" || sch["in"] != "cookie" || sch["name"] != "nevcrm_session" {
		t.Errorf("security scheme = %v", sch)
	}
	if len(doc.Security) != 1 || doc.Security[0]["sessionCookie"] == nil {
		t.Errorf("top-level security = %v", doc.Security)
	}
	errSchema, _ := json.Marshal(doc.Components["schemas"]["Error"])
	for _, code := range []string{"invalid", "not_found", "forbidden", "conflict", "unauthenticated", "rate_limited", "internal"} {
		if !bytes.Contains(errSchema, []byte(`"`+code+`"`)) {
			t.Errorf("Error schema does not list code %s", code)
		}
	}
}

// ---------------------------------------------------------------------------
// Helpers for the end-to-end tests

type errorJSON struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		Field     string            `json:"field"`
		Fields    map[string]string `json:"fields"`
		RequestID string            `json:"request_id"`
	} `json:"error"`
}

type appointment struct {
	ID              int64     `json:"id"`
	Service         string    `json:"service"`
	Status          string    `json:"status"`
	StatusLabel     string    `json:"status_label"`
	SiteID          int64     `json:"site_id"`
	VehicleID       int64     `json:"vehicle_id"`
	Date            string    `json:"date"`
	Minute          int       `json:"minute"`
	ScheduledAt     time.Time `json:"scheduled_at"`
	CustomerMobile  string    `json:"customer_mobile"`
	Result          string    `json:"result"`
	CancelReason    string    `json:"cancel_reason"`
	RescheduleCount int       `json:"reschedule_count"`
}

type siteJSON struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	City        string `json:"city"`
	Hours       string `json:"hours"`
	SlotMinutes int    `json:"slot_minutes"`
}

type slotJSON struct {
	Minute   int       `json:"minute"`
	StartsAt time.Time `json:"starts_at"`
	Places   int       `json:"places"`
	Left     int       `json:"left"`
	Bookable bool      `json:"bookable"`
	Reason   string    `json:"reason"`
}

type slotDay struct {
	Site          siteJSON   `json:"site"`
	Service       string     `json:"service"`
	Date          string     `json:"date"`
	BatteriesLeft *int       `json:"batteries_left"`
	Slots         []slotJSON `json:"slots"`
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode unmarshals the body into v, failing the test on bad JSON.
func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response is not JSON (%d): %v\n%s", r.Status, err, r.Body)
	}
}

// errBody returns the response's JSON error, failing unless it is one.
func (r *response) errBody(t *testing.T) errorJSON {
	t.Helper()
	var e errorJSON
	r.decode(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" || e.Error.RequestID == "" {
		t.Errorf("error body lacks code, message or request_id: %s", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q", ct)
	}
	if e.Error.RequestID != r.Header.Get("X-Request-Id") {
		t.Errorf("request_id %q differs from X-Request-Id %q", e.Error.RequestID, r.Header.Get("X-Request-Id"))
	}
	return e
}

// wantError checks status, code and field of an error response.
func (r *response) wantError(t *testing.T, status int, code, field string) errorJSON {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	e := r.errBody(t)
	if e.Error.Code != code || e.Error.Field != field {
		t.Errorf("error code %q field %q, want %q %q: %s", e.Error.Code, e.Error.Field, code, field, r.Body)
	}
	return e
}

type env struct {
	s   *apptest.Server
	ctx context.Context

	hashOnce sync.Once // hash of testPassword, for linkOwner
	hash     string
}

// request is one API call; body is JSON-encoded unless it is a string or
// []byte, sent as it is. Content-Type is application/json unless header
// says otherwise.
func (e *env) do(t *testing.T, c *http.Client, method, path string, body any, header ...string) *response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c == nil {
		c = e.s.Client()
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// ok performs a request and fails unless it answers want.
func (e *env) ok(t *testing.T, c *http.Client, want int, method, path string, body any, out any) *response {
	t.Helper()
	r := e.do(t, c, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	if out != nil {
		r.decode(t, out)
	}
	return r
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.s.App.DB.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// written is a fingerprint of what booking writes: appointments, places
// taken and audit entries.
func (e *env) written(t *testing.T) string {
	t.Helper()
	return fmt.Sprint(e.count(t, `SELECT COUNT(*) FROM appointments`),
		e.count(t, `SELECT COALESCE(SUM(booked), 0) FROM slot_usage`),
		e.count(t, `SELECT COALESCE(SUM(booked), 0) FROM swap_day_usage`),
		e.count(t, `SELECT COUNT(*) FROM audit_log`))
}

func day(offset int) string { return time.Now().In(cst).AddDate(0, 0, offset).Format("2006-01-02") }

// findSlots looks from tomorrow on for a day with at least n bookable slots
// of service at site that start at least 3 hours from now (clear of the
// 2-hour change cutoff whatever the hour), and returns the day's table and
// those slots.
func (e *env) findSlots(t *testing.T, c *http.Client, siteID int64, service string, n int) (*slotDay, []slotJSON) {
	t.Helper()
	for offset := 1; offset <= 14; offset++ {
		var d slotDay
		e.ok(t, c, 200, "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=%s&date=%s", siteID, service, day(offset)), nil, &d)
		var out []slotJSON
		for _, s := range d.Slots {
			if s.Bookable && s.StartsAt.After(time.Now().Add(3*time.Hour)) {
				out = append(out, s)
			}
		}
		if len(out) >= n {
			return &d, out
		}
	}
	t.Fatalf("no day in the next 14 with %d bookable %s slots at site %d", n, service, siteID)
	return nil, nil
}

func slotAt(d *slotDay, minute int) slotJSON {
	for _, s := range d.Slots {
		if s.Minute == minute {
			return s
		}
	}
	return slotJSON{Minute: -1}
}

// owner is the demo owner's context.
type owner struct {
	c        *http.Client
	customer int64
	city     string
	vehicle  int64 // swap capable
	station  int64 // swap station in the city, under the demo service center
	center   int64 // the demo service user's center
}

func (e *env) owner(t *testing.T) *owner {
	t.Helper()
	o := &owner{c: e.s.Login(t, "owner")}
	if err := e.s.App.DB.QueryRowContext(e.ctx, `SELECT c.id, c.city FROM users u JOIN customers c ON c.id = u.customer_id WHERE u.username = 'owner'`).
		Scan(&o.customer, &o.city); err != nil {
		t.Fatal(err)
	}
	if err := e.s.App.DB.QueryRowContext(e.ctx, `SELECT site_id FROM users WHERE username = 'service'`).Scan(&o.center); err != nil {
		t.Fatal(err)
	}
	var vs struct {
		Vehicles []struct {
			ID          int64 `json:"id"`
			SwapCapable bool  `json:"swap_capable"`
		} `json:"vehicles"`
	}
	e.ok(t, o.c, 200, "GET", "/api/v1/vehicles", nil, &vs)
	for _, v := range vs.Vehicles {
		if v.SwapCapable {
			o.vehicle = v.ID
			break
		}
	}
	if o.vehicle == 0 {
		t.Fatalf("demo owner has no swap-capable vehicle: %+v", vs)
	}
	if err := e.s.App.DB.QueryRowContext(e.ctx, `SELECT MIN(id) FROM sites WHERE kind = 'swap_station' AND status = 'open' AND city = $1 AND parent_id = $2`,
		o.city, o.center).Scan(&o.station); err != nil {
		t.Fatal(err)
	}
	return o
}

// book books a swap at o's station in the first suitable slot and returns it.
func (e *env) book(t *testing.T, o *owner, note string) appointment {
	t.Helper()
	d, slots := e.findSlots(t, o.c, o.station, "swap", 1)
	var a appointment
	e.ok(t, o.c, 201, "POST", "/api/v1/appointments", map[string]any{"vehicle_id": o.vehicle, "site_id": o.station, "service": "swap",
		"date": d.Date, "minute": slots[0].Minute, "note": note}, &a)
	return a
}

const testPassword = "test-password-1"

// register self-registers a new owner account (a new customer) and returns a
// client logged in as that owner.
func (e *env) register(t *testing.T, mobile, name string) *http.Client {
	t.Helper()
	if _, err := e.s.App.Accounts.Register(e.ctx, account.RegisterInput{Mobile: mobile, Name: name, Password: testPassword, Password2: testPassword}); err != nil {
		t.Fatalf("register %s: %v", mobile, err)
	}
	return e.login(t, mobile, testPassword)
}

// linkOwner opens an owner account for an existing customer (what a store
// will do once linking accounts is a staff function; self-registration never
// links) and returns a client logged in as that owner.
func (e *env) linkOwner(t *testing.T, customerID int64, mobile, name string) *http.Client {
	t.Helper()
	e.hashOnce.Do(func() {
		var err error
		if e.hash, err = account.HashPassword(testPassword); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := e.s.App.DB.ExecContext(e.ctx, `INSERT INTO users (mobile, display_name, role, password_hash, customer_id, active, created_at, updated_at)
		VALUES ($1, $2, 'owner', $3, $4, $5, $6, $6)`, mobile, name, e.hash, customerID, true, time.Now().UTC()); err != nil {
		t.Fatalf("link owner %s: %v", mobile, err)
	}
	return e.login(t, mobile, testPassword)
}

func (e *env) login(t *testing.T, login, password string) *http.Client {
	t.Helper()
	c := e.s.Client()
	e.ok(t, c, 200, "POST", "/api/v1/session", map[string]string{"username": login, "password": password}, nil)
	return c
}

// ---------------------------------------------------------------------------
// End-to-end tests, one server per dialect

func TestAPI(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			e := &env{s: apptest.Start(t, dialect), ctx: context.Background()}
			t.Logf("%s: server with demo data started in %v", dialect, time.Since(began).Round(time.Millisecond))
			t.Run("openapi served", e.testOpenAPIServed)
			t.Run("session", e.testSession)
			t.Run("owner flow", e.testOwnerFlow)
			t.Run("bad input", e.testBadInput)
			t.Run("authorization", e.testAuthorization)
			t.Run("capacity", e.testCapacity)
			t.Run("cross origin", e.testCrossOrigin)
			t.Run("users", e.testUsers)
			t.Run("notifications", e.testNotifications)
			t.Logf("%s: API suite took %v", dialect, time.Since(began).Round(time.Millisecond))
		})
	}
}

func (e *env) testOpenAPIServed(t *testing.T) {
	r := e.do(t, nil, "GET", "/api/v1/openapi.yaml", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("openapi.yaml: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	file, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Body, file) {
		t.Errorf("served document differs from openapi.yaml")
	}
	loadOpenAPI(t, r.Body)
}

func (e *env) testSession(t *testing.T) {
	t.Run("login", func(t *testing.T) {
		c := e.s.Client()
		req, _ := http.NewRequest("POST", e.s.URL+"/api/v1/session", strings.NewReader(`{"username":"owner","password":"`+app.DemoPassword+`"}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("login: %d %s", res.StatusCode, b)
		}
		var body struct {
			User struct {
				Role string `json:"role"`
			} `json:"user"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		if err := json.Unmarshal(b, &body); err != nil || body.User.Role != "owner" || body.ExpiresAt.Before(time.Now()) {
			t.Errorf("login body %s (%v)", b, err)
		}
		var cookie *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == "nevcrm_session" {
				cookie = ck
			}
		}
		if cookie == nil || cookie.Value == "" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
			t.Fatalf("session cookie = %+v (Set-Cookie %q)", cookie, res.Header.Values("Set-Cookie"))
		}

		var me struct {
			Role      string `json:"role"`
			RoleLabel string `json:"role_label"`
		}
		e.ok(t, c, 200, "GET", "/api/v1/me", nil, &me)
		if me.Role != "owner" || me.RoleLabel == "" {
			t.Errorf("me = %+v", me)
		}
		r := e.do(t, c, "DELETE", "/api/v1/session", nil)
		if r.Status != 204 {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		e.do(t, c, "GET", "/api/v1/me", nil).wantError(t, 401, "unauthenticated", "")
		// The old token is dead on the server, not just dropped by the client.
		req, _ = http.NewRequest("GET", e.s.URL+"/api/v1/me", nil)
		req.AddCookie(cookie)
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Errorf("/me with the ended session's token: %d", res.StatusCode)
		}
	})
	t.Run("me per role", func(t *testing.T) {
		for _, name := range app.DemoAccounts {
			var me struct {
				Role        string   `json:"role"`
				Permissions []string `json:"permissions"`
			}
			e.ok(t, e.s.Login(t, name), 200, "GET", "/api/v1/me", nil, &me)
			role, perms := name, ""
			if name == "manager" {
				role, perms = "sales", "store_manager"
			}
			if me.Role != role || strings.Join(me.Permissions, ",") != perms {
				t.Errorf("me as %s: role %q, permissions %v", name, me.Role, me.Permissions)
			}
		}
	})
	cases := []struct {
		name   string
		body   any
		ctype  string
		status int
		code   string
		field  string
	}{
		{"bad password", map[string]string{"username": "owner", "password": "wrong-password"}, "", 401, "unauthenticated", ""},
		{"unknown user", map[string]string{"username": "nobody", "password": "wrong-password"}, "", 401, "unauthenticated", ""},
		{"empty", map[string]string{"username": "", "password": ""}, "", 422, "invalid", "username"},
		{"malformed JSON", `{"username": "owner",`, "", 422, "invalid", ""},
		{"not an object", `["owner"]`, "", 422, "invalid", ""},
		{"wrong type", `{"username": 12, "password": "x"}`, "", 422, "invalid", "username"},
		{"unknown field", map[string]string{"username": "owner", "password": app.DemoPassword, "remember": "yes"}, "", 422, "invalid", "remember"},
		{"form encoded", "username=owner&password=" + app.DemoPassword, "application/x-www-form-urlencoded", 422, "invalid", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.ctype != "" {
				hdr = []string{"Content-Type", tc.ctype}
			}
			r := e.do(t, nil, "POST", "/api/v1/session", tc.body, hdr...)
			r.wantError(t, tc.status, tc.code, tc.field)
			if len(r.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("failed login set a cookie: %q", r.Header.Values("Set-Cookie"))
			}
		})
	}
	// The owner can still log in: one failure does not lock the account; a
	// media type parameter is fine.
	r := e.do(t, nil, "POST", "/api/v1/session", map[string]string{"username": "owner", "password": app.DemoPassword},
		"Content-Type", "application/json; charset=utf-8")
	if r.Status != 200 {
		t.Errorf("login with charset: %d %s", r.Status, r.Body)
	}
	t.Run("rate limited", func(t *testing.T) {
		// Five failures lock a login name; the sixth attempt is refused unchecked.
		for i := 1; i <= 6; i++ {
			r := e.do(t, nil, "POST", "/api/v1/session", map[string]string{"username": "locked.user", "password": "wrong-password"})
			if i <= 5 {
				r.wantError(t, 401, "unauthenticated", "")
			} else {
				r.wantError(t, 429, "rate_limited", "")
			}
		}
	})
}

func (e *env) testOwnerFlow(t *testing.T) {
	o := e.owner(t)

	var sites struct {
		Sites []siteJSON `json:"sites"`
	}
	e.ok(t, o.c, 200, "GET", "/api/v1/sites?kind=swap_station&city="+url.QueryEscape(o.city), nil, &sites)
	found := false
	for _, s := range sites.Sites {
		if s.Kind != "swap_station" || s.City != o.city {
			t.Errorf("site %+v does not match the filter", s)
		}
		found = found || s.ID == o.station
	}
	if !found {
		t.Fatalf("station %d not in the list %+v", o.station, sites.Sites)
	}
	e.do(t, o.c, "GET", "/api/v1/sites?kind=garage", nil).wantError(t, 422, "invalid", "kind")

	// Tomorrow's table answers whatever the hour.
	var tomorrow slotDay
	e.ok(t, o.c, 200, "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=swap&date=%s", o.station, day(1)), nil, &tomorrow)
	if tomorrow.Date != day(1) || tomorrow.Service != "swap" || tomorrow.Site.ID != o.station || len(tomorrow.Slots) == 0 || tomorrow.BatteriesLeft == nil {
		t.Fatalf("slots of tomorrow: %+v", tomorrow)
	}
	for i, s := range tomorrow.Slots {
		if i > 0 && s.Minute-tomorrow.Slots[i-1].Minute != tomorrow.Site.SlotMinutes {
			t.Errorf("slots not every %d minutes: %d after %d", tomorrow.Site.SlotMinutes, s.Minute, tomorrow.Slots[i-1].Minute)
		}
		if s.Left > s.Places || s.Left > *tomorrow.BatteriesLeft || s.Bookable == (s.Reason != "") {
			t.Errorf("slot %+v inconsistent (batteries %d)", s, *tomorrow.BatteriesLeft)
		}
	}

	d, slots := e.findSlots(t, o.c, o.station, "swap", 2)
	first, second := slots[0], slots[1]
	var a appointment
	r := e.ok(t, o.c, 201, "POST", "/api/v1/appointments", map[string]any{"vehicle_id": o.vehicle, "site_id": o.station, "service": "swap",
		"date": d.Date, "minute": first.Minute, "note": "请准备 75 度电池"}, &a)
	if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/appointments/%d", a.ID) {
		t.Errorf("Location %q for appointment %d", loc, a.ID)
	}
	if a.Status != "booked" || a.Date != d.Date || a.Minute != first.Minute || a.VehicleID != o.vehicle || a.SiteID != o.station || a.Service != "swap" {
		t.Errorf("booked %+v", a)
	}
	if strings.Contains(a.CustomerMobile, "*") || a.CustomerMobile == "" {
		t.Errorf("the owner sees their own mobile masked: %q", a.CustomerMobile)
	}
	var after slotDay
	e.ok(t, o.c, 200, "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=swap&date=%s", o.station, d.Date), nil, &after)
	if got := slotAt(&after, first.Minute).Left; got != first.Left-1 {
		t.Errorf("places left in the booked slot: %d, want %d", got, first.Left-1)
	}

	var got appointment
	e.ok(t, o.c, 200, "GET", r.Header.Get("Location"), nil, &got)
	if got.ID != a.ID || got.Status != "booked" {
		t.Errorf("GET %d = %+v", a.ID, got)
	}
	var mine struct {
		Upcoming []appointment `json:"upcoming"`
		Past     []appointment `json:"past"`
	}
	e.ok(t, o.c, 200, "GET", "/api/v1/appointments", nil, &mine)
	if !slices.ContainsFunc(mine.Upcoming, func(x appointment) bool { return x.ID == a.ID }) {
		t.Errorf("appointment %d not among upcoming %+v", a.ID, mine.Upcoming)
	}

	// Reschedule to another bookable slot of the same day.
	var moved appointment
	e.ok(t, o.c, 200, "POST", fmt.Sprintf("/api/v1/appointments/%d/reschedule", a.ID), map[string]any{"date": d.Date, "minute": second.Minute}, &moved)
	if moved.Minute != second.Minute || moved.Date != d.Date || moved.RescheduleCount != 1 || moved.Status != "booked" {
		t.Errorf("rescheduled %+v, want minute %d", moved, second.Minute)
	}
	e.ok(t, o.c, 200, "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=swap&date=%s", o.station, d.Date), nil, &after)
	if l := slotAt(&after, first.Minute).Left; l != first.Left {
		t.Errorf("old slot left %d after reschedule, want %d back", l, first.Left)
	}
	if l := slotAt(&after, second.Minute).Left; l != second.Left-1 {
		t.Errorf("new slot left %d after reschedule, want %d", l, second.Left-1)
	}
	// Rescheduling to the same slot is refused.
	e.do(t, o.c, "POST", fmt.Sprintf("/api/v1/appointments/%d/reschedule", a.ID), map[string]any{"date": d.Date, "minute": second.Minute}).
		wantError(t, 422, "invalid", "minute")

	// Cancel, with no body at all.
	var cancelled appointment
	e.ok(t, o.c, 200, "POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", a.ID), nil, &cancelled)
	if cancelled.Status != "cancelled" || cancelled.StatusLabel != "已取消" {
		t.Errorf("cancelled %+v", cancelled)
	}
	e.ok(t, o.c, 200, "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=swap&date=%s", o.station, d.Date), nil, &after)
	if l := slotAt(&after, second.Minute).Left; l != second.Left {
		t.Errorf("slot left %d after cancel, want %d back", l, second.Left)
	}
	e.ok(t, o.c, 200, "GET", "/api/v1/appointments", nil, &mine)
	if !slices.ContainsFunc(mine.Past, func(x appointment) bool { return x.ID == a.ID && x.Status == "cancelled" }) {
		t.Errorf("cancelled appointment %d not among past", a.ID)
	}
	// A cancelled appointment can be neither cancelled nor moved again.
	e.do(t, o.c, "POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", a.ID), map[string]string{"reason": "再取消"}).wantError(t, 409, "conflict", "")
	e.do(t, o.c, "POST", fmt.Sprintf("/api/v1/appointments/%d/reschedule", a.ID), map[string]any{"date": d.Date, "minute": first.Minute}).
		wantError(t, 409, "conflict", "")
}

func (e *env) testBadInput(t *testing.T) {
	o := e.owner(t)
	d, slots := e.findSlots(t, o.c, o.station, "swap", 1)
	good := slots[0]
	open, close := hours(t, d.Site.Hours)
	var otherVehicle int64
	if err := e.s.App.DB.QueryRowContext(e.ctx, `SELECT MIN(id) FROM vehicles WHERE customer_id <> $1`, o.customer).Scan(&otherVehicle); err != nil {
		t.Fatal(err)
	}
	// A live appointment to aim reschedules at.
	live := e.book(t, o, "")

	body := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"vehicle_id": o.vehicle, "site_id": o.station, "service": "swap", "date": d.Date, "minute": good.Minute, "note": "测试"}
		if change != nil {
			change(m)
		}
		return m
	}
	set := func(k string, v any) map[string]any { return body(func(m map[string]any) { m[k] = v }) }
	huge := `{"note": "` + strings.Repeat("长", (1<<20)/3+10) + `"}`
	if len(huge) <= 1<<20 {
		t.Fatal("huge body is not over 1 MiB")
	}
	reschedule := fmt.Sprintf("/api/v1/appointments/%d/reschedule", live.ID)
	cases := []struct {
		name         string
		method, path string
		body         any
		ctype        string
		status       int
		code, field  string
	}{
		{"past date", "POST", "/api/v1/appointments", set("date", day(-1)), "", 422, "invalid", "date"},
		{"beyond horizon", "POST", "/api/v1/appointments", set("date", day(15)), "", 422, "invalid", "date"},
		{"malformed date", "POST", "/api/v1/appointments", set("date", "2026-13-45"), "", 422, "invalid", "date"},
		{"missing date", "POST", "/api/v1/appointments", body(func(m map[string]any) { delete(m, "date") }), "", 422, "invalid", "date"},
		{"minute at closing", "POST", "/api/v1/appointments", set("minute", close), "", 422, "invalid", "minute"},
		{"minute before opening", "POST", "/api/v1/appointments", set("minute", open-d.Site.SlotMinutes), "", 422, "invalid", "minute"},
		{"negative minute", "POST", "/api/v1/appointments", set("minute", -30), "", 422, "invalid", "minute"},
		{"minute off the grid", "POST", "/api/v1/appointments", set("minute", good.Minute+1), "", 422, "invalid", "minute"},
		{"minute not a number", "POST", "/api/v1/appointments", set("minute", "10:00"), "", 422, "invalid", "minute"},
		{"missing minute", "POST", "/api/v1/appointments", body(func(m map[string]any) { delete(m, "minute") }), "", 422, "invalid", "minute"},
		{"another owner's vehicle", "POST", "/api/v1/appointments", set("vehicle_id", otherVehicle), "", 422, "invalid", "vehicle_id"},
		{"missing vehicle", "POST", "/api/v1/appointments", body(func(m map[string]any) { delete(m, "vehicle_id") }), "", 422, "invalid", "vehicle_id"},
		{"unknown site", "POST", "/api/v1/appointments", set("site_id", 999999), "", 422, "invalid", "site_id"},
		{"site of the wrong kind", "POST", "/api/v1/appointments", set("site_id", o.center), "", 422, "invalid", "site_id"},
		{"service teleport", "POST", "/api/v1/appointments", set("service", "teleport"), "", 422, "invalid", "service"},
		{"service test drive", "POST", "/api/v1/appointments", set("service", "test_drive"), "", 422, "invalid", "service"},
		{"note of 201 runes", "POST", "/api/v1/appointments", set("note", strings.Repeat("字", 201)), "", 422, "invalid", "note"},
		{"unknown field", "POST", "/api/v1/appointments", set("priority", "high"), "", 422, "invalid", "priority"},
		{"malformed JSON", "POST", "/api/v1/appointments", `{"vehicle_id": 1,`, "", 422, "invalid", ""},
		{"empty body", "POST", "/api/v1/appointments", "", "", 422, "invalid", ""},
		{"body over 1 MiB", "POST", "/api/v1/appointments", huge, "", 422, "invalid", ""},
		{"wrong content type", "POST", "/api/v1/appointments", mustJSON(body(nil)), "text/plain", 422, "invalid", ""},
		{"form content type", "POST", "/api/v1/appointments", "vehicle_id=1", "application/x-www-form-urlencoded", 422, "invalid", ""},
		{"look-alike content type", "POST", "/api/v1/appointments", mustJSON(body(nil)), "application/jsonp", 422, "invalid", ""},
		{"trailing text", "POST", "/api/v1/appointments", string(mustJSON(body(nil))) + " and more", "", 422, "invalid", ""},
		{"two objects", "POST", "/api/v1/appointments", string(mustJSON(body(nil))) + string(mustJSON(body(nil))), "", 422, "invalid", ""},
		{"two objects on cancel", "POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", live.ID), `{}{}`, "", 422, "invalid", ""},
		{"path id abc", "GET", "/api/v1/appointments/abc", nil, "", 422, "invalid", "id"},
		{"path id -1", "GET", "/api/v1/appointments/-1", nil, "", 422, "invalid", "id"},
		{"path id 0 on cancel", "POST", "/api/v1/appointments/0/cancel", nil, "", 422, "invalid", "id"},
		{"path id abc on reschedule", "POST", "/api/v1/appointments/abc/reschedule", map[string]any{"date": d.Date, "minute": good.Minute}, "", 422, "invalid", "id"},
		{"unknown appointment", "GET", "/api/v1/appointments/999999999", nil, "", 404, "not_found", ""},
		{"reschedule missing minute", "POST", reschedule, map[string]any{"date": d.Date}, "", 422, "invalid", "minute"},
		{"reschedule off the grid", "POST", reschedule, map[string]any{"date": d.Date, "minute": good.Minute + 7}, "", 422, "invalid", "minute"},
		{"reschedule past date", "POST", reschedule, map[string]any{"date": day(-1), "minute": good.Minute}, "", 422, "invalid", "date"},
		{"reschedule unknown field", "POST", reschedule, map[string]any{"date": d.Date, "minute": good.Minute, "site_id": 1}, "", 422, "invalid", "site_id"},
		{"cancel reason of 201 runes", "POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", live.ID), map[string]string{"reason": strings.Repeat("因", 201)}, "", 422, "invalid", "reason"},
		{"slots path id abc", "GET", "/api/v1/sites/abc/slots?service=swap", nil, "", 422, "invalid", "id"},
		{"slots path id -1", "GET", "/api/v1/sites/-1/slots?service=swap", nil, "", 422, "invalid", "id"},
		{"slots unknown site", "GET", "/api/v1/sites/999999/slots?service=swap", nil, "", 404, "not_found", ""},
		{"slots service teleport", "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=teleport", o.station), nil, "", 422, "invalid", "service"},
		{"slots malformed date", "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=swap&date=2026-13-45", o.station), nil, "", 422, "invalid", "date"},
		{"slots beyond horizon", "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=swap&date=%s", o.station, day(15)), nil, "", 422, "invalid", "date"},
		{"slots wrong site kind", "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=swap", o.center), nil, "", 422, "invalid", "site_id"},
		{"unknown API path", "GET", "/api/v1/nothing-here", nil, "", 404, "not_found", ""},
	}
	messages := map[string]string{"body over 1 MiB": "过大", "wrong content type": "application/json", "trailing text": "一个 JSON",
		"two objects": "一个 JSON", "unknown field": "未知字段", "malformed JSON": "不是有效的 JSON", "minute not a number": "类型"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.written(t)
			var hdr []string
			if tc.ctype != "" {
				hdr = []string{"Content-Type", tc.ctype}
			}
			r := e.do(t, o.c, tc.method, tc.path, tc.body, hdr...)
			er := r.wantError(t, tc.status, tc.code, tc.field)
			if tc.field != "" && er.Error.Fields[tc.field] != er.Error.Message {
				t.Errorf("fields %v do not carry the message %q", er.Error.Fields, er.Error.Message)
			}
			if m := messages[tc.name]; !strings.Contains(er.Error.Message, m) {
				t.Errorf("message %q lacks %q", er.Error.Message, m)
			}
			if !utf8.ValidString(er.Error.Message) || !hasHan(er.Error.Message) {
				t.Errorf("message %q is not Chinese", er.Error.Message)
			}
			if after := e.written(t); after != before {
				t.Errorf("bad input wrote: %s -> %s", before, after)
			}
		})
	}
	var still appointment
	e.ok(t, o.c, 200, "GET", fmt.Sprintf("/api/v1/appointments/%d", live.ID), nil, &still)
	if still.Minute != live.Minute || still.Date != live.Date || still.RescheduleCount != 0 || still.Status != "booked" {
		t.Errorf("failed reschedules moved the appointment: %+v -> %+v", live, still)
	}
	e.ok(t, o.c, 200, "POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", live.ID), map[string]string{"reason": "测试结束"}, nil)
}

func (e *env) testAuthorization(t *testing.T) {
	o := e.owner(t)
	a := e.book(t, o, "授权测试")
	path := fmt.Sprintf("/api/v1/appointments/%d", a.ID)
	act := func(action string) string { return fmt.Sprintf("/api/v1/service/appointments/%d/%s", a.ID, action) }

	// Another center's service user sees nothing of it.
	var otherCenter int64
	if err := e.s.App.DB.QueryRowContext(e.ctx, `SELECT MIN(id) FROM sites WHERE kind = 'service_center' AND id <> $1`, o.center).Scan(&otherCenter); err != nil {
		t.Fatal(err)
	}
	const pw = "other-center-1"
	if _, err := e.s.App.Accounts.CreateStaff(e.ctx, identity.System(), account.StaffInput{Username: "svc_other", DisplayName: "外地顾问",
		Role: identity.RoleService, SiteID: otherCenter, Password: pw}); err != nil {
		t.Fatal(err)
	}
	other := e.login(t, "svc_other", pw)
	t.Run("other center gets 404", func(t *testing.T) {
		before := e.written(t)
		e.do(t, other, "GET", path, nil).wantError(t, 404, "not_found", "")
		e.do(t, other, "POST", act("confirm"), nil).wantError(t, 404, "not_found", "")
		e.do(t, other, "POST", act("cancel"), map[string]string{"reason": "越权"}).wantError(t, 404, "not_found", "")
		e.do(t, other, "POST", path+"/cancel", map[string]string{"reason": "越权"}).wantError(t, 404, "not_found", "")
		var q struct {
			Appointments []appointment `json:"appointments"`
		}
		e.ok(t, other, 200, "GET", "/api/v1/service/queue?date="+a.Date, nil, &q)
		if slices.ContainsFunc(q.Appointments, func(x appointment) bool { return x.ID == a.ID }) {
			t.Errorf("another center's queue lists appointment %d", a.ID)
		}
		if e.written(t) != before {
			t.Error("refused actions wrote")
		}
	})

	t.Run("owner B gets 404", func(t *testing.T) {
		b := e.register(t, "19900001234", "乙车主")
		before := e.written(t)
		e.do(t, b, "GET", path, nil).wantError(t, 404, "not_found", "")
		e.do(t, b, "POST", path+"/cancel", nil).wantError(t, 404, "not_found", "")
		e.do(t, b, "POST", path+"/reschedule", map[string]any{"date": a.Date, "minute": a.Minute}).wantError(t, 404, "not_found", "")
		var mine struct {
			Upcoming []appointment `json:"upcoming"`
			Past     []appointment `json:"past"`
		}
		e.ok(t, b, 200, "GET", "/api/v1/appointments", nil, &mine)
		if len(mine.Upcoming)+len(mine.Past) != 0 {
			t.Errorf("owner B lists %+v", mine)
		}
		// Booking with owner A's vehicle is refused as a field error.
		e.do(t, b, "POST", "/api/v1/appointments", map[string]any{"vehicle_id": o.vehicle, "site_id": o.station, "service": "swap",
			"date": a.Date, "minute": a.Minute}).wantError(t, 422, "invalid", "vehicle_id")
		if e.written(t) != before {
			t.Error("owner B's refused requests wrote")
		}
	})

	t.Run("sales gets 403", func(t *testing.T) {
		sales := e.s.Login(t, "sales")
		before := e.written(t)
		for _, rq := range []struct{ method, path string }{
			{"GET", "/api/v1/appointments"}, {"POST", "/api/v1/appointments"}, {"GET", path},
			{"POST", path + "/cancel"}, {"POST", path + "/reschedule"}, {"GET", "/api/v1/vehicles"},
			{"GET", "/api/v1/service/queue"}, {"POST", act("confirm")}, {"POST", act("cancel")},
		} {
			var body any
			if rq.method == "POST" {
				body = map[string]any{}
			}
			e.do(t, sales, rq.method, rq.path, body).wantError(t, 403, "forbidden", "")
		}
		if e.written(t) != before {
			t.Error("sales' refused requests wrote")
		}
	})

	t.Run("anonymous gets 401", func(t *testing.T) {
		for _, rt := range apiRoutes(t) {
			p := strings.NewReplacer("{id}", strconv.FormatInt(a.ID, 10), "{action}", "confirm").Replace(rt.Pattern)
			var body any
			if rt.Method == "POST" {
				body = map[string]any{}
			}
			r := e.do(t, nil, rt.Method, p, body)
			if rt.Public {
				if r.Status == 401 || r.Status == 403 || r.Status >= 500 {
					t.Errorf("public %s %s: %d", rt.Method, p, r.Status)
				}
				continue
			}
			r.wantError(t, 401, "unauthenticated", "")
		}
	})

	t.Run("service runs it to completion", func(t *testing.T) {
		svc := e.s.Login(t, "service")
		var seen appointment
		e.ok(t, svc, 200, "GET", path, nil, &seen)
		if !strings.Contains(seen.CustomerMobile, "****") {
			t.Errorf("staff see the mobile unmasked: %q", seen.CustomerMobile)
		}
		var q struct {
			Date         string        `json:"date"`
			Appointments []appointment `json:"appointments"`
		}
		e.ok(t, svc, 200, "GET", "/api/v1/service/queue?date="+a.Date, nil, &q)
		i := slices.IndexFunc(q.Appointments, func(x appointment) bool { return x.ID == a.ID })
		if q.Date != a.Date || i < 0 {
			t.Fatalf("queue of %s lacks appointment %d", a.Date, a.ID)
		}
		for _, x := range q.Appointments {
			if !strings.Contains(x.CustomerMobile, "****") && x.CustomerMobile != "" {
				t.Errorf("queue shows mobile %q unmasked", x.CustomerMobile)
			}
		}
		e.do(t, svc, "GET", "/api/v1/service/queue?date=tomorrow", nil).wantError(t, 422, "invalid", "date")
		// Out of order: cannot start or complete a booked appointment.
		e.do(t, svc, "POST", act("start"), nil).wantError(t, 409, "conflict", "")
		e.do(t, svc, "POST", act("complete"), map[string]string{"result": "提前完成"}).wantError(t, 409, "conflict", "")
		e.do(t, svc, "POST", act("teleport"), nil).wantError(t, 404, "not_found", "")
		e.do(t, svc, "POST", act("confirm"), map[string]string{"colour": "red"}).wantError(t, 422, "invalid", "colour")
		e.do(t, svc, "POST", act("cancel"), nil).wantError(t, 422, "invalid", "reason")
		// The slot has not started: no-show is refused.
		e.do(t, svc, "POST", act("no-show"), nil).wantError(t, 409, "conflict", "")

		var step appointment
		e.ok(t, svc, 200, "POST", act("confirm"), nil, &step)
		if step.Status != "confirmed" {
			t.Fatalf("after confirm: %+v", step)
		}
		e.do(t, svc, "POST", act("confirm"), nil).wantError(t, 409, "conflict", "")
		// Service can start at most 2 hours before the slot: too early is
		// refused; move the server's clock to one hour before it.
		e.do(t, svc, "POST", act("start"), nil).wantError(t, 409, "conflict", "")
		e.s.Clock.Set(step.ScheduledAt.Add(-time.Hour))
		defer e.s.Clock.Set(time.Now())
		// The move may outlast a service advisor's session (an hour idle):
		// they log in again, as they would.
		svc = e.s.Login(t, "service")
		e.ok(t, svc, 200, "POST", act("start"), map[string]any{}, &step)
		if step.Status != "in_progress" {
			t.Fatalf("after start: %+v", step)
		}
		e.do(t, svc, "POST", act("cancel"), map[string]string{"reason": "太晚了"}).wantError(t, 409, "conflict", "")
		e.do(t, svc, "POST", act("complete"), map[string]string{"result": "  "}).wantError(t, 422, "invalid", "result")
		e.ok(t, svc, 200, "POST", act("complete"), map[string]string{"result": "已更换满电电池，SOC 98%"}, &step)
		if step.Status != "completed" || step.Result != "已更换满电电池，SOC 98%" || !strings.Contains(step.CustomerMobile, "****") {
			t.Fatalf("after complete: %+v", step)
		}

		var mine appointment
		e.ok(t, o.c, 200, "GET", path, nil, &mine)
		if mine.Status != "completed" || mine.StatusLabel != "已完成" || mine.Result == "" {
			t.Errorf("owner sees %+v after completion", mine)
		}
		e.do(t, o.c, "POST", path+"/cancel", nil).wantError(t, 409, "conflict", "")
	})

	t.Run("admin sees every site", func(t *testing.T) {
		admin := e.s.Login(t, "admin")
		var seen appointment
		e.ok(t, admin, 200, "GET", path, nil, &seen)
		if !strings.Contains(seen.CustomerMobile, "****") {
			t.Errorf("admin sees the mobile unmasked: %q", seen.CustomerMobile)
		}
		e.do(t, admin, "POST", "/api/v1/appointments", map[string]any{}).wantError(t, 403, "forbidden", "")
	})
}

func (e *env) testCapacity(t *testing.T) {
	o := e.owner(t)
	var station int64
	if err := e.s.App.DB.QueryRowContext(e.ctx, `SELECT MIN(s.id) FROM sites s JOIN site_capacity c ON c.site_id = s.id AND c.service_kind = 'charging'
		WHERE s.kind = 'charging_station' AND s.status = 'open' AND s.city = $1 AND c.places_per_slot > 0`, o.city).Scan(&station); err != nil {
		t.Fatal(err)
	}
	places := e.count(t, `SELECT places_per_slot FROM site_capacity WHERE site_id = $1 AND service_kind = 'charging'`, station)
	// The bookable slot with the fewest places left, to fill it cheaply.
	d, slots := e.findSlots(t, o.c, station, "charging", 1)
	target := slots[0]
	for _, s := range slots {
		if s.Left < target.Left {
			target = s
		}
	}
	if target.Places != places {
		t.Errorf("slots endpoint says %d places, site_capacity %d", target.Places, places)
	}
	t.Logf("filling %s %d at charging station %d: %d of %d places left", d.Date, target.Minute, station, target.Left, places)

	// Owners with vehicles but no account yet, each given an account; a
	// vehicle with an open charging appointment cannot book another.
	rows, err := e.s.App.DB.QueryContext(e.ctx, `SELECT c.id, c.mobile, c.name, MIN(v.id) FROM customers c JOIN vehicles v ON v.customer_id = c.id
		AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.vehicle_id = v.id AND a.service_kind = 'charging' AND a.status IN ('booked', 'confirmed', 'in_progress'))
		WHERE c.kind = 'owner' AND NOT EXISTS (SELECT 1 FROM users u WHERE u.customer_id = c.id OR u.mobile = c.mobile)
		AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.vehicle_id = v.id AND a.service_kind = 'charging' AND a.status IN ('booked', 'confirmed', 'in_progress'))
		GROUP BY c.id, c.mobile, c.name ORDER BY c.id LIMIT $1`, target.Left+1)
	if err != nil {
		t.Fatal(err)
	}
	type who struct {
		mobile, name      string
		customer, vehicle int64
	}
	var owners []who
	for rows.Next() {
		var w who
		if err := rows.Scan(&w.customer, &w.mobile, &w.name, &w.vehicle); err != nil {
			t.Fatal(err)
		}
		owners = append(owners, w)
	}
	rows.Close()
	if len(owners) < target.Left+1 {
		t.Fatalf("only %d owners without accounts, need %d", len(owners), target.Left+1)
	}
	clients := make([]*http.Client, len(owners))
	for i, w := range owners {
		clients[i] = e.linkOwner(t, w.customer, w.mobile, w.name)
	}
	bookAs := func(i int) *response {
		return e.do(t, clients[i], "POST", "/api/v1/appointments", map[string]any{"vehicle_id": owners[i].vehicle, "site_id": station,
			"service": "charging", "date": d.Date, "minute": target.Minute})
	}
	for i := 0; i < target.Left; i++ {
		if r := bookAs(i); r.Status != 201 {
			t.Fatalf("booking %d of %d: %d %s", i+1, target.Left, r.Status, r.Body)
		}
	}
	var full slotDay
	e.ok(t, o.c, 200, "GET", fmt.Sprintf("/api/v1/sites/%d/slots?service=charging&date=%s", station, d.Date), nil, &full)
	if s := slotAt(&full, target.Minute); s.Left != 0 || s.Bookable || s.Reason != "已约满" {
		t.Errorf("full slot shows %+v", s)
	}
	if n := e.count(t, `SELECT booked FROM slot_usage WHERE site_id = $1 AND service_kind = 'charging' AND slot_date = $2 AND slot_minute = $3`,
		station, mustDate(t, d.Date), target.Minute); n != places {
		t.Errorf("slot_usage booked = %d, want %d", n, places)
	}
	before := e.written(t)
	er := bookAs(target.Left).wantError(t, 409, "conflict", "")
	if !strings.Contains(er.Error.Message, "已约满") {
		t.Errorf("message %q lacks 已约满", er.Error.Message)
	}
	if after := e.written(t); after != before {
		t.Errorf("over-capacity booking wrote: %s -> %s", before, after)
	}
}

func (e *env) testCrossOrigin(t *testing.T) {
	o := e.owner(t)
	d, slots := e.findSlots(t, o.c, o.station, "swap", 1)
	body := map[string]any{"vehicle_id": o.vehicle, "site_id": o.station, "service": "swap", "date": d.Date, "minute": slots[0].Minute}
	before := e.written(t)
	e.do(t, o.c, "POST", "/api/v1/appointments", body, "Sec-Fetch-Site", "cross-site").wantError(t, 403, "forbidden", "")
	e.do(t, o.c, "POST", "/api/v1/appointments", body, "Origin", "https://evil.example").wantError(t, 403, "forbidden", "")
	e.do(t, nil, "POST", "/api/v1/session", map[string]string{"username": "owner", "password": app.DemoPassword}, "Sec-Fetch-Site", "cross-site").
		wantError(t, 403, "forbidden", "")
	e.do(t, o.c, "DELETE", "/api/v1/session", nil, "Sec-Fetch-Site", "cross-site").wantError(t, 403, "forbidden", "")
	if after := e.written(t); after != before {
		t.Errorf("cross-site requests wrote: %s -> %s", before, after)
	}
	// The session survived the refused cross-site logout; same-origin and
	// non-browser requests pass.
	e.ok(t, o.c, 200, "GET", "/api/v1/me", nil, nil)
	// One open swap per vehicle: cancel what earlier subtests left open.
	var mine struct {
		Upcoming []appointment `json:"upcoming"`
	}
	e.ok(t, o.c, 200, "GET", "/api/v1/appointments", nil, &mine)
	for _, u := range mine.Upcoming {
		if u.VehicleID == o.vehicle && u.Service == "swap" {
			e.ok(t, o.c, 200, "POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", u.ID), nil, nil)
		}
	}
	r := e.do(t, o.c, "POST", "/api/v1/appointments", body, "Sec-Fetch-Site", "same-origin")
	if r.Status != 201 {
		t.Fatalf("same-origin booking: %d %s", r.Status, r.Body)
	}
	var a appointment
	r.decode(t, &a)
	e.ok(t, o.c, 200, "POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", a.ID), nil, nil)
}

// ---------------------------------------------------------------------------

func hours(t *testing.T, h string) (open, close int) {
	t.Helper()
	var oh, om, ch, cm int
	if _, err := fmt.Sscanf(h, "%d:%d-%d:%d", &oh, &om, &ch, &cm); err != nil {
		t.Fatalf("hours %q: %v", h, err)
	}
	return oh*60 + om, ch*60 + cm
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// apiRoutes returns the JSON routes of the application's route table.
func apiRoutes(t *testing.T) []httpx.Route {
	t.Helper()
	all, err := app.RouteTable()
	if err != nil {
		t.Fatal(err)
	}
	var out []httpx.Route
	for _, rt := range all {
		if strings.HasPrefix(rt.Pattern, "/api/") {
			out = append(out, rt)
		}
	}
	return out
}
