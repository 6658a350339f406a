package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
)

func TestClientIPAndHTTPS(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.0.0.9:5555"
	// The client sent "1.2.3.4" itself; the proxy appended what it saw.
	r.Header.Set("X-Forwarded-For", "1.2.3.4, 203.0.113.7")
	r.Header.Set("X-Forwarded-Proto", "https")
	if got := ClientIP(r, false); got != "10.0.0.9" {
		t.Errorf("untrusted proxy: ClientIP = %s", got)
	}
	if got := ClientIP(r, true); got != "203.0.113.7" {
		t.Errorf("trusted proxy: ClientIP = %s", got)
	}
	if IsHTTPS(r, false) || !IsHTTPS(r, true) {
		t.Error("X-Forwarded-Proto must count only behind a trusted proxy")
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		trust, secure bool
	}{{false, false}, {true, true}} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("X-Forwarded-Proto", "https")
		rec := httptest.NewRecorder()
		SetSessionCookie(rec, r, tc.trust, "tok", time.Now().Add(time.Hour))
		c := rec.Result().Cookies()[0]
		if c.Name != SessionCookie || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure || c.Path != "/" {
			t.Errorf("trust=%v: cookie %+v", tc.trust, c)
		}
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("setting the cookie: Cache-Control %q, want no-store", got)
		}
		rec = httptest.NewRecorder()
		rec.Header().Set("Cache-Control", "no-cache")
		ClearSessionCookie(rec, r, tc.trust)
		if c := rec.Result().Cookies()[0]; c.Name != SessionCookie || c.MaxAge >= 0 {
			t.Errorf("clearing: cookie %+v", c)
		}
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("clearing the cookie: Cache-Control %q, want no-store", got)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		err  *apperr.Error
		want string
	}{
		{apperr.RateLimitedFor("m", 15*time.Minute), "900"},
		{apperr.RateLimitedFor("m", 1500*time.Millisecond), "2"}, // rounded up
		{apperr.RateLimitedFor("m", 0), "1"},                     // at least 1
		{apperr.New(apperr.RateLimited, "m"), "1"},
		{apperr.New(apperr.Conflict, "m"), ""},
		{nil, ""},
	} {
		h := http.Header{}
		RetryAfter(h, tc.err)
		if got := h.Get("Retry-After"); got != tc.want {
			t.Errorf("RetryAfter(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestRouteAllows(t *testing.T) {
	t.Parallel()
	pub := Public("GET", "/", nil)
	staff := Only([]identity.Role{identity.RoleService, identity.RoleAdmin}, "GET", "/service/", nil)
	if !pub.Allows("") || !pub.Allows(identity.RoleOwner) {
		t.Error("public route must allow everyone")
	}
	if staff.Allows("") || staff.Allows(identity.RoleOwner) || !staff.Allows(identity.RoleService) || !staff.Allows(identity.RoleAdmin) {
		t.Error("role route allows the wrong roles")
	}
	if (Route{Method: "GET", Pattern: "/x"}).Allows(identity.RoleAdmin) {
		t.Error("a route without a rule must allow nobody")
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	for code, want := range map[apperr.Code]int{
		apperr.Invalid: 422, apperr.NotFound: 404, apperr.Forbidden: 403, apperr.Conflict: 409,
		apperr.Unauthenticated: 401, apperr.RateLimited: 429, apperr.Internal: 500, "other": 500,
	} {
		if got := Status(code); got != want {
			t.Errorf("Status(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestClientGone(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx)
	if ClientGone(r, context.Canceled) {
		t.Error("a live request's error is not a client disconnect")
	}
	cancel()
	if !ClientGone(r, fmt.Errorf("query: %w", context.Canceled)) {
		t.Error("cancelled request with a cancellation error: want client gone")
	}
	if !ClientGone(httptest.NewRequest(http.MethodGet, "/", nil), fmt.Errorf("write tcp: %w", syscall.EPIPE)) {
		t.Error("a write to a closed connection (EPIPE) is the client gone")
	}
	if ClientGone(r, errors.New("disk on fire")) {
		t.Error("another error of a cancelled request is still a server error")
	}
}
