package web

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
)

// A 429 page says when to try again; other error pages do not. (The login
// and registration throttles are tested through the running app in
// internal/app; ErrBusy needs every argon2id slot taken, so it is shown to
// the Renderer directly.)
func TestRetryAfterPages(t *testing.T) {
	w, err := New(Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		form   bool
		err    error
		status int
		retry  string
	}{
		{"busy page", false, account.ErrBusy, 429, "2"},
		{"busy login form", true, account.ErrBusy, 429, "2"},
		{"locked form", true, apperr.RateLimitedFor("请 3 分钟后再试", 150*time.Second), 429, "150"},
		{"conflict page", false, apperr.New(apperr.Conflict, "已约满"), 409, ""},
		{"invalid form", true, apperr.Field("username", "请输入"), 422, ""},
	} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/login", nil)
		if tc.form {
			w.formError(rec, r, "login", &page{Title: "登录", Nav: "login"}, tc.err)
		} else {
			w.fail(rec, r, tc.err)
		}
		if rec.Code != tc.status || rec.Header().Get("Retry-After") != tc.retry || !strings.Contains(rec.Body.String(), apperr.As(tc.err).Message) {
			t.Errorf("%s: %d Retry-After %q, want %d %q", tc.name, rec.Code, rec.Header().Get("Retry-After"), tc.status, tc.retry)
		}
	}
}
