package api

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
)

// A 429 answer says when to try again; other errors do not. (The login
// throttle is tested through the running app in internal/app; ErrBusy needs
// every argon2id slot taken, so it is shown to Base directly.)
func TestRetryAfterJSON(t *testing.T) {
	a := &Base{Logger: slog.New(slog.DiscardHandler)}
	for _, tc := range []struct {
		err    error
		status int
		retry  string
	}{
		{account.ErrBusy, 429, "2"},
		{apperr.RateLimitedFor("请 15 分钟后再试", 15*time.Minute), 429, "900"},
		{apperr.New(apperr.Conflict, "已约满"), 409, ""},
	} {
		rec := httptest.NewRecorder()
		a.fail(rec, httptest.NewRequest("POST", "/api/v1/session", nil), tc.err)
		var body errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if rec.Code != tc.status || rec.Header().Get("Retry-After") != tc.retry || body.Error.Code != string(apperr.As(tc.err).Code) {
			t.Errorf("%v: %d Retry-After %q %+v, want %d %q", tc.err, rec.Code, rec.Header().Get("Retry-After"), body, tc.status, tc.retry)
		}
	}
}
