package api

import (
	"net/http"
	"time"

	"github.com/nevcrm/nevcrm/internal/assistant"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/support"
)

// Assistant serves the owners' smart customer service and the staff's
// support tickets as JSON.
type Assistant struct {
	*Base
	Assistant *assistant.Service
	Support   *support.Service
}

// Routes returns the assistant and ticket endpoints.
func (h *Assistant) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(owner, "POST", "/api/v1/assistant/messages", h.ask),
		httpx.Only(owner, "GET", "/api/v1/assistant/conversations/{id}", h.conversation),
		httpx.Only(service, "GET", "/api/v1/support/tickets", h.tickets),
		httpx.Only(service, "GET", "/api/v1/support/tickets/{id}", h.ticket),
		httpx.Only(service, "POST", "/api/v1/support/tickets/{id}/replies", h.reply),
	}
}

func (h *Assistant) ask(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		ConversationID int64  `json:"conversation_id"`
		Text           string `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	rep, err := h.Assistant.Ask(r.Context(), httpx.User(r), in.ConversationID, in.Text)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, rep)
}

func (h *Assistant) conversation(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	c, err := h.Assistant.Conversation(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if c.Messages == nil {
		c.Messages = []assistant.Message{}
	}
	for i := range c.Messages {
		if c.Messages[i].Sources == nil {
			c.Messages[i].Sources = []assistant.Source{}
		}
		if c.Messages[i].Actions == nil {
			c.Messages[i].Actions = []assistant.Action{}
		}
	}
	writeJSON(rw, http.StatusOK, c)
}

type ticketJSON struct {
	ID              int64      `json:"id"`
	CustomerID      int64      `json:"customer_id"`
	CustomerName    string     `json:"customer_name"`
	Category        string     `json:"category"`
	Subject         string     `json:"subject"`
	Description     string     `json:"description,omitempty"`
	Priority        string     `json:"priority"`
	Status          string     `json:"status"`
	AssigneeID      int64      `json:"assignee_id,omitempty"`
	AssigneeName    string     `json:"assignee_name,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	DueAt           *time.Time `json:"due_at"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	Overdue         bool       `json:"overdue"`
	Rating          int        `json:"rating,omitempty"`
}

func toTicket(t *support.Ticket, now time.Time, full bool) ticketJSON {
	j := ticketJSON{ID: t.ID, CustomerID: t.CustomerID, CustomerName: t.CustomerName, Category: t.Category, Subject: t.Subject, Priority: t.Priority,
		Status: t.Status, AssigneeID: t.AssigneeID, AssigneeName: t.AssigneeName, CreatedAt: t.CreatedAt, DueAt: t.DueAt,
		FirstResponseAt: t.FirstResponseAt, ResolvedAt: t.ResolvedAt, Overdue: t.Overdue(now), Rating: t.Rating}
	if full {
		j.Description = t.Description
	}
	return j
}

func (h *Assistant) tickets(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, err := h.Support.Queue(r.Context(), httpx.User(r), support.QueueFilter{Status: q.Get("status"), Mine: q.Get("mine") == "1"})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	now := h.Support.Now()
	out := make([]ticketJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, toTicket(t, now, false))
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": out, "next_cursor": ""})
}

type ticketMessageJSON struct {
	ID        int64     `json:"id"`
	Sender    string    `json:"sender"`
	Author    string    `json:"author,omitempty"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

func (h *Assistant) ticket(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	u := httpx.User(r)
	t, err := h.Support.Ticket(r.Context(), u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	ms, err := h.Support.Messages(r.Context(), u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	out := make([]ticketMessageJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, ticketMessageJSON{ID: m.ID, Sender: m.Sender, Author: m.AuthorName, Body: m.Body, CreatedAt: m.CreatedAt})
	}
	writeJSON(rw, http.StatusOK, map[string]any{"ticket": toTicket(t, h.Support.Now(), true), "messages": out})
}

func (h *Assistant) reply(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Body    string `json:"body"`
		Ask     bool   `json:"ask"`
		Resolve bool   `json:"resolve"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	var t *support.Ticket
	if in.Resolve {
		t, err = h.Support.Resolve(r.Context(), httpx.User(r), id, in.Body)
	} else {
		t, err = h.Support.Reply(r.Context(), httpx.User(r), id, in.Body, in.Ask)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toTicket(t, h.Support.Now(), true))
}
