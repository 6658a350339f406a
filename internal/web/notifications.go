package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Notifications serves every logged-in user's inbox: the list, opening a
// notification (marked read, then on to its link) and marking all read.
// The header bell's count comes through Options.Unread.
type Notifications struct {
	*Renderer
	Notify *notify.Service
}

// Routes returns the inbox pages, open to every login role.
func (h *Notifications) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(identity.Roles, "GET", "/notifications", h.list),
		httpx.Only(identity.Roles, "POST", "/notifications/{id}/open", h.open),
		httpx.Only(identity.Roles, "POST", "/notifications/read-all", h.readAll),
	}
}

// notice is a notification as the list shows it.
type notice struct {
	*notify.Notification
	When string // "刚刚", "5 分钟前", "3 小时前", else the local date and time
}

// ago says how long before now t was: relative within a day, else the
// local date and time.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "刚刚"
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟前", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d 小时前", int(d/time.Hour))
	}
	return t.In(site.Shanghai).Format("2006-01-02 15:04")
}

// inboxURL is the list's address with the filter and cursor.
func inboxURL(unread bool, cursor string) string {
	q := url.Values{}
	if unread {
		q.Set("unread", "1")
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return "/notifications"
	}
	return "/notifications?" + q.Encode()
}

func (h *Notifications) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := notify.Filter{Unread: q.Get("unread") == "1", Cursor: q.Get("cursor")}
	p, err := h.Notify.List(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	now := h.Notify.Now()
	items := make([]notice, 0, len(p.Items))
	for _, n := range p.Items {
		items = append(items, notice{Notification: n, When: ago(n.CreatedAt, now)})
	}
	data := map[string]any{"Items": items, "Unread": f.Unread, "Paged": f.Cursor != "",
		"All": inboxURL(false, ""), "UnreadOnly": inboxURL(true, ""), "First": inboxURL(f.Unread, "")}
	if p.NextCursor != "" {
		data["Next"] = inboxURL(f.Unread, p.NextCursor)
	}
	h.render(rw, r, http.StatusOK, "notifications", &page{Title: "通知", Nav: "notifications", Data: data})
}

// open marks the notification read and follows its link (the inbox when it
// has none). Only local paths are followed.
func (h *Notifications) open(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	n, err := h.Notify.MarkRead(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	target := "/notifications"
	if notify.LocalLink(n.Link) {
		target = n.Link
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
}

func (h *Notifications) readAll(rw http.ResponseWriter, r *http.Request) {
	if _, err := h.Notify.MarkAllRead(r.Context(), httpx.User(r)); err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/notifications", "allread")
}
