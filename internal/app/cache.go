package app

import (
	"net/http"
	"strings"

	"github.com/nevcrm/nevcrm/internal/httpx"
)

// cacheControl says how caches may keep each answer:
//
//   - a request that carries the session cookie (whether or not the session
//     is still valid: the check is a string search, done before the session
//     lookup so that it covers the answers of every middleware) gets
//     "Cache-Control: no-store", so that neither the browser (back button
//     after logout, disk cache of a shared computer) nor a proxy keeps a
//     page with personal data; an answer that sets or clears the cookie is
//     marked no-store by httpx.SetSessionCookie / ClearSessionCookie;
//   - an anonymous visitor's answer gets "Cache-Control: no-cache": public
//     pages change (news, flash messages, the header once logged in) and
//     carry no validators, so a cache must ask again every time;
//   - the fingerprinted static files override it with a year-long immutable
//     lifetime (web.Renderer.serveStatic); the session is never looked up
//     for them.
func cacheControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if carriesSession(r) {
			httpx.NoStore(rw.Header())
		} else {
			rw.Header().Set("Cache-Control", "no-cache")
		}
		next.ServeHTTP(rw, r)
	})
}

// carriesSession reports whether a Cookie header of r names the session
// cookie, without parsing the cookies.
func carriesSession(r *http.Request) bool {
	for _, v := range r.Header.Values("Cookie") {
		if strings.Contains(v, httpx.SessionCookie+"=") {
			return true
		}
	}
	return false
}
