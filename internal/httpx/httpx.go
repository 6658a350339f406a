// Package httpx holds what the HTML (web) and JSON (api) layers share: the
// route table with its access rule, the acting user in the request context,
// request ids, client addresses and the session cookie.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "nevcrm_session"

// Route is one endpoint with its access rule. Every route must state its
// rule: Public, or the roles that may use it; the authorization matrix test
// walks the table.
type Route struct {
	Method  string
	Pattern string // net/http pattern path, e.g. /owner/appointments/{id}
	Public  bool
	Roles   []identity.Role
	Handler http.HandlerFunc
}

// Public returns a route anyone may use.
func Public(method, pattern string, h http.HandlerFunc) Route {
	return Route{Method: method, Pattern: pattern, Public: true, Handler: h}
}

// Only returns a route that only users of roles may use.
func Only(roles []identity.Role, method, pattern string, h http.HandlerFunc) Route {
	return Route{Method: method, Pattern: pattern, Roles: roles, Handler: h}
}

// Allows reports whether a user of role may use the route (anonymous: role "").
func (r Route) Allows(role identity.Role) bool {
	if r.Public {
		return true
	}
	for _, x := range r.Roles {
		if x == role {
			return true
		}
	}
	return false
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	sessionExpiredKey
)

// User returns the acting user of the request, or nil for an anonymous visitor.
func User(r *http.Request) *identity.User { return identity.FromContext(r.Context()) }

// WithRequestID returns ctx carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request's id ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// WithSessionExpired returns ctx marked as the request of a visitor whose
// session cookie no longer opens a session (it ended or is unknown).
func WithSessionExpired(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionExpiredKey, true)
}

// SessionExpired reports whether the request came with a session cookie
// that no longer opens a session: the visitor was logged in and is not now.
func SessionExpired(r *http.Request) bool {
	v, _ := r.Context().Value(sessionExpiredKey).(bool)
	return v
}

// NewRequestID returns a random 16-hex-digit id.
func NewRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ClientIP returns the client's address. X-Forwarded-For is read only when
// trustProxy is set (nevcrm behind a load balancer), and then its last entry:
// the address our proxy saw, which a client cannot forge by sending the
// header itself (a proxy appends to it).
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// IsHTTPS reports whether the client reached us over TLS, directly or through
// a trusted proxy that says so.
func IsHTTPS(r *http.Request, trustProxy bool) bool {
	return r.TLS != nil || (trustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
}

// NoStore marks a response as never to be stored by any cache: the answer
// to a logged-in user, or one that sets or clears the session cookie.
func NoStore(h http.Header) { h.Set("Cache-Control", "no-store") }

// SetSessionCookie writes the session cookie; the response is marked no-store.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, trustProxy bool, token string, expires time.Time) {
	NoStore(w.Header())
	dropSessionCookie(w)
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: IsHTTPS(r, trustProxy),
	})
}

// ClearSessionCookie removes the session cookie; the response is marked no-store.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request, trustProxy bool) {
	NoStore(w.Header())
	dropSessionCookie(w)
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: IsHTTPS(r, trustProxy),
	})
}

// dropSessionCookie removes a session cookie already set on w (the session
// middleware clears an ended session's cookie; a login in the same request
// then sets a new one, and only that one must reach the browser).
func dropSessionCookie(w http.ResponseWriter) {
	h := w.Header()
	list := h["Set-Cookie"]
	if len(list) == 0 {
		return
	}
	kept := list[:0]
	for _, c := range list {
		if !strings.HasPrefix(c, SessionCookie+"=") {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		h.Del("Set-Cookie")
		return
	}
	h["Set-Cookie"] = kept
}

// SessionToken returns the session cookie's value, or "".
func SessionToken(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// Status maps a domain error code to its HTTP status.
func Status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// RetryAfter sets the Retry-After header of an answer to a RateLimited error:
// the error's RetryAfter in whole seconds, rounded up, at least 1 (a
// RateLimited error that does not say when gets 1). Other errors get none.
func RetryAfter(h http.Header, e *apperr.Error) {
	if e == nil || e.Code != apperr.RateLimited {
		return
	}
	secs := max(1, int64((e.RetryAfter+time.Second-1)/time.Second))
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
}

// StatusClientClosed is the status recorded (never seen by the client) for
// a request whose client went away before the answer was ready.
const StatusClientClosed = 499

// ClientGone reports whether err only says that the request's client went
// away (its context was cancelled): not a server error, logged as such and
// answered with StatusClientClosed.
func ClientGone(r *http.Request, err error) bool {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return true // a write to a connection the client closed
	}
	return r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// Attachment sets the headers of a download named name (any UTF-8 name,
// encoded per RFC 6266) of media type ctype.
func Attachment(w http.ResponseWriter, name, ctype string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
}

// Download sends src as the attachment name of media type ctype. Once the
// first byte is sent no error page can follow: it returns the copy's error
// for the log, nil when the client simply went away.
func Download(w http.ResponseWriter, r *http.Request, name, ctype string, src io.Reader) error {
	Attachment(w, name, ctype)
	if _, err := io.Copy(Streaming(w), src); err != nil && !ClientGone(r, err) {
		return err
	}
	return nil
}

// streamWindow is how long one write of a long download may take.
const streamWindow = time.Minute

// Streaming returns a writer for a long answer (a download of any size): each
// write gets its own deadline of a minute, instead of the server's one write
// timeout for the whole answer, so a slow client still receives a large file
// while a stalled one is dropped.
func Streaming(w http.ResponseWriter) io.Writer {
	return &streamWriter{w: w, rc: http.NewResponseController(w)}
}

type streamWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s *streamWriter) Write(p []byte) (int, error) {
	_ = s.rc.SetWriteDeadline(time.Now().Add(streamWindow)) // unsupported by a test recorder: ignored
	return s.w.Write(p)
}
