package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// Notifications serves every logged-in user's inbox.
type Notifications struct {
	*Base
	Notify *notify.Service
}

// Routes returns the inbox endpoints, open to every login role.
func (h *Notifications) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(anyone, "GET", "/api/v1/notifications", h.list),
		httpx.Only(anyone, "GET", "/api/v1/notifications/unread-count", h.unreadCount),
		httpx.Only(anyone, "POST", "/api/v1/notifications/{id}/read", h.read),
		httpx.Only(anyone, "POST", "/api/v1/notifications/read-all", h.readAll),
	}
}

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

func toNotification(n *notify.Notification) notificationJSON {
	return notificationJSON{ID: n.ID, Kind: string(n.Kind), KindLabel: n.Kind.Label(), Title: n.Title, Body: n.Body,
		Link: n.Link, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
}

func (h *Notifications) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := notify.Filter{Cursor: q.Get("cursor")}
	switch q.Get("unread") {
	case "", "false", "0":
	case "true", "1":
		f.Unread = true
	default:
		h.fail(rw, r, apperr.Field("unread", "unread 须为 true 或 false"))
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			h.fail(rw, r, apperr.Field("limit", "limit 须为 1 到 "+strconv.Itoa(notify.MaxLimit)+" 之间的整数"))
			return
		}
		f.Limit = n
	}
	p, err := h.Notify.List(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	items := make([]notificationJSON, 0, len(p.Items))
	for _, n := range p.Items {
		items = append(items, toNotification(n))
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": items, "next_cursor": p.NextCursor})
}

func (h *Notifications) unreadCount(rw http.ResponseWriter, r *http.Request) {
	n, err := h.Notify.UnreadCount(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"unread": n, "capped": n >= notify.UnreadCap})
}

func (h *Notifications) read(rw http.ResponseWriter, r *http.Request) {
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
	writeJSON(rw, http.StatusOK, toNotification(n))
}

func (h *Notifications) readAll(rw http.ResponseWriter, r *http.Request) {
	n, err := h.Notify.MarkAllRead(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"marked": n})
}
