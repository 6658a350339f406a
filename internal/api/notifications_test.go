package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

type notificationJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	KindLabel string     `json:"kind_label"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      string     `json:"link"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

type notificationPage struct {
	Items      []notificationJSON `json:"items"`
	NextCursor string             `json:"next_cursor"`
}

func (e *env) unread(t *testing.T, o *owner) int {
	t.Helper()
	var c struct {
		Unread int  `json:"unread"`
		Capped bool `json:"capped"`
	}
	e.ok(t, o.c, 200, "GET", "/api/v1/notifications/unread-count", nil, &c)
	return c.Unread
}

// testNotifications: a staff action puts a notification in the owner's
// inbox; the owner pages through it, marks one and then all read; nobody
// else can mark it.
func (e *env) testNotifications(t *testing.T) {
	o := e.owner(t)
	service := e.s.Login(t, "service")
	e.ok(t, o.c, 200, "POST", "/api/v1/notifications/read-all", nil, nil)
	if n := e.unread(t, o); n != 0 {
		t.Fatalf("unread after read-all = %d", n)
	}

	a := e.book(t, o, "通知测试")
	// Refused actions notify nobody.
	e.do(t, service, "POST", fmt.Sprintf("/api/v1/service/appointments/%d/complete", a.ID), map[string]string{"result": "x"}).
		wantError(t, 409, "conflict", "")
	if n := e.unread(t, o); n != 0 {
		t.Fatalf("a refused action notified: %d unread", n)
	}
	e.ok(t, service, 200, "POST", fmt.Sprintf("/api/v1/service/appointments/%d/confirm", a.ID), map[string]string{"date": a.Date}, nil)
	if n := e.unread(t, o); n != 1 {
		t.Fatalf("after confirm: %d unread, want 1", n)
	}

	// The shared list shape: exactly items and next_cursor.
	r := e.ok(t, o.c, 200, "GET", "/api/v1/notifications?unread=true", nil, nil)
	var raw map[string]json.RawMessage
	r.decode(t, &raw)
	if len(raw) != 2 || raw["items"] == nil || raw["next_cursor"] == nil {
		t.Fatalf("list body keys: %s", r.Body)
	}
	var p notificationPage
	r.decode(t, &p)
	if len(p.Items) != 1 || p.NextCursor != "" {
		t.Fatalf("unread page: %s", r.Body)
	}
	n := p.Items[0]
	if n.Kind != "appointment.confirmed" || n.KindLabel != "预约" || n.Title != "预约已确认" || n.ReadAt != nil ||
		n.Link != fmt.Sprintf("/owner/appointments/%d", a.ID) || time.Since(n.CreatedAt) > time.Minute {
		t.Fatalf("notification %+v", n)
	}

	// Two more: staff cancel it, the owner books again and staff confirm.
	e.ok(t, service, 200, "POST", fmt.Sprintf("/api/v1/service/appointments/%d/cancel", a.ID), map[string]string{"reason": "换电设备检修"}, nil)
	b := e.book(t, o, "通知测试 2")
	defer e.do(t, o.c, "POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", b.ID), nil)
	e.ok(t, service, 200, "POST", fmt.Sprintf("/api/v1/service/appointments/%d/confirm", b.ID), nil, nil)

	// Paging: one at a time, newest first, until next_cursor is empty.
	var seen []int64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		var p notificationPage
		e.ok(t, o.c, 200, "GET", "/api/v1/notifications?unread=1&limit=1&cursor="+cursor, nil, &p)
		for _, x := range p.Items {
			if len(seen) > 0 && x.ID >= seen[len(seen)-1] {
				t.Fatalf("page order: %d after %v", x.ID, seen)
			}
			seen = append(seen, x.ID)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 3 || seen[2] != n.ID {
		t.Fatalf("unread pages gave %v, want 3 ending with %d", seen, n.ID)
	}

	for _, tc := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=ten", "limit"},
		{"cursor=abc", "cursor"}, {"cursor=-1", "cursor"}, {"unread=maybe", "unread"},
	} {
		e.do(t, o.c, "GET", "/api/v1/notifications?"+tc.query, nil).wantError(t, 422, "invalid", tc.field)
	}

	// Another user's notification is not found, and stays unread.
	e.do(t, service, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", n.ID), nil).wantError(t, 404, "not_found", "")
	e.do(t, o.c, "POST", "/api/v1/notifications/999999999/read", nil).wantError(t, 404, "not_found", "")
	e.do(t, o.c, "POST", "/api/v1/notifications/abc/read", nil).wantError(t, 422, "invalid", "id")
	if got := e.unread(t, o); got != 3 {
		t.Fatalf("unread after refused marks = %d, want 3", got)
	}
	var read notificationJSON
	e.ok(t, o.c, 200, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", n.ID), nil, &read)
	if read.ID != n.ID || read.ReadAt == nil {
		t.Fatalf("marked %+v", read)
	}
	if got := e.unread(t, o); got != 2 {
		t.Fatalf("unread after one read = %d, want 2", got)
	}
	var all struct {
		Marked int `json:"marked"`
	}
	e.ok(t, o.c, 200, "POST", "/api/v1/notifications/read-all", nil, &all)
	if all.Marked != 2 || e.unread(t, o) != 0 {
		t.Fatalf("read-all marked %d", all.Marked)
	}
	// The full list still holds them, read.
	var full notificationPage
	e.ok(t, o.c, 200, "GET", "/api/v1/notifications?limit=3", nil, &full)
	if len(full.Items) != 3 || full.Items[2].ID != n.ID || full.Items[0].ReadAt == nil || full.Items[0].Title != "预约已确认" ||
		full.Items[1].Title != "预约已被网点取消" || full.Items[0].Link != fmt.Sprintf("/owner/appointments/%d", b.ID) {
		t.Fatalf("full list %+v", full)
	}
}
