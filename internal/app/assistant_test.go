package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
)

// TestAssistantPagesAndAPI walks the chat through HTML and JSON: an owner
// asks, hands off, staff see the ticket in the queue and reply, the owner
// sees the reply; another owner cannot open the conversation.
func TestAssistantPagesAndAPI(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	owner := s.Session(t, "owner")
	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		res, err := c.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get(owner, "/owner/assistant"); code != 200 || !strings.Contains(body, "智能客服") || !strings.Contains(body, "明天下午换电") {
		t.Fatalf("chat page: %d", code)
	}
	res, err := s.PostForm(owner, "/owner/assistant", url.Values{"text": {"换电需要多长时间"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/owner/assistant?c=") {
		t.Fatalf("post: %d %q", res.StatusCode, loc)
	}
	code, body := get(owner, strings.TrimSuffix(loc, "#end"))
	if code != 200 || !strings.Contains(body, "3~5 分钟") || !strings.Contains(body, "依据") {
		t.Fatalf("answer page: %d", code)
	}
	// An empty message comes back with the message beside the form.
	res, err = s.PostForm(owner, "/owner/assistant", url.Values{"text": {" "}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty text: %d", res.StatusCode)
	}

	// JSON: hand off.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v1/assistant/messages", strings.NewReader(`{"text":"转人工"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.URL)
	res, err = owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		ConversationID int64  `json:"conversation_id"`
		Intent         string `json:"intent"`
		Reply          string `json:"reply"`
		Sources        []any  `json:"sources"`
		Actions        []any  `json:"actions"`
		TicketID       int64  `json:"ticket_id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if rep.Intent != "human" || rep.TicketID == 0 || rep.Sources == nil || rep.Actions == nil {
		t.Fatalf("hand-off: %+v", rep)
	}
	svc := s.Session(t, "service")
	code, body = get(svc, "/service/tickets")
	if code != 200 || !strings.Contains(body, "智能客服转人工") {
		t.Fatalf("queue: %d", code)
	}
	tid := itoa(rep.TicketID)
	res, err = s.PostForm(svc, "/service/tickets/"+tid+"/reply", url.Values{"body": {"您好，我是客服小王，请问有什么可以帮您？"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d", res.StatusCode)
	}
	if code, body := get(owner, "/api/v1/assistant/conversations/"+itoa(rep.ConversationID)); code != 200 || !strings.Contains(body, "客服小王") {
		t.Fatalf("owner conversation: %d %s", code, body)
	}
	if code, _ := get(s.Session(t, "admin"), "/admin/kb"); code != 200 {
		t.Fatalf("kb page: %d", code)
	}
	// Another owner: not found.
	var other string
	if err := s.App.DB.QueryRowContext(t.Context(), `SELECT mobile FROM users WHERE role = 'owner' AND mobile <> (SELECT mobile FROM users WHERE username = 'owner' OR (role = 'owner' AND id = (SELECT MIN(id) FROM users WHERE role = 'owner'))) AND active = TRUE ORDER BY id LIMIT 1`).Scan(&other); err == nil {
		if code, _ := get(s.Session(t, other), "/api/v1/assistant/conversations/"+itoa(rep.ConversationID)); code != 404 {
			t.Fatalf("other owner: %d", code)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
