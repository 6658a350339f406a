package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Jobs serves background jobs: a job's state and progress to whoever
// started it (and admins), cancel, its output file, and the admin's list.
type Jobs struct {
	*Base
	Jobs *jobs.Service
}

// Routes returns the job endpoints.
func (h *Jobs) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(admins, "GET", "/api/v1/jobs", h.list),
		httpx.Only(anyone, "GET", "/api/v1/jobs/{id}", h.get),
		httpx.Only(anyone, "POST", "/api/v1/jobs/{id}/cancel", h.cancel),
		httpx.Only(anyone, "GET", "/api/v1/jobs/{id}/file", h.file),
	}
}

type jobJSON struct {
	ID              int64      `json:"id"`
	Kind            string     `json:"kind"`
	Title           string     `json:"title"`
	State           string     `json:"state"`
	StateLabel      string     `json:"state_label"`
	CancelRequested bool       `json:"cancel_requested"`
	Attempt         int        `json:"attempt"`
	MaxAttempts     int        `json:"max_attempts"`
	Done            int64      `json:"done"`
	Total           int64      `json:"total"`
	Percent         *int       `json:"percent"`
	Rate            float64    `json:"rate"`
	SecondsLeft     *int64     `json:"seconds_left"`
	Message         string     `json:"message"`
	File            string     `json:"file,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	StartedAt       *time.Time `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at"`
	Errors          []string   `json:"errors,omitempty"`
}

// toJob renders info; attempt errors (raw text) only for admins.
func toJob(info *jobs.Info, viewer *identity.User) jobJSON {
	out := jobJSON{ID: info.ID, Kind: info.Kind, Title: info.Title, State: string(info.State), StateLabel: info.State.Label(),
		CancelRequested: info.CancelRequested, Attempt: info.Attempt, MaxAttempts: info.MaxAttempts, Done: info.Done, Total: info.Total,
		Rate: info.Rate, Message: info.Message, CreatedAt: info.CreatedAt, StartedAt: info.StartedAt, FinishedAt: info.FinishedAt}
	if p := info.Percent(); p >= 0 {
		out.Percent = &p
	}
	if info.Left > 0 {
		s := int64(info.Left.Round(time.Second) / time.Second)
		out.SecondsLeft = &s
	}
	if info.State == jobs.Completed && info.Result != "" {
		out.File = "/api/v1/jobs/" + strconv.FormatInt(info.ID, 10) + "/file"
	}
	if viewer.Is(identity.RoleAdmin) {
		for _, e := range info.Errors {
			out.Errors = append(out.Errors, e.Message)
		}
	}
	return out
}

func (h *Jobs) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, err := listing.ParseParams(q)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, err := h.Jobs.List(r.Context(), httpx.User(r), jobs.ListFilter{State: jobs.State(q.Get("state")), Kind: q.Get("kind"), Limit: p.Limit, Cursor: p.Cursor})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	items := make([]jobJSON, 0, len(page.Items))
	for _, info := range page.Items {
		items = append(items, toJob(info, httpx.User(r)))
	}
	writeJSON(rw, http.StatusOK, listing.Page[jobJSON]{Items: items, NextCursor: page.NextCursor})
}

func (h *Jobs) get(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	info, err := h.Jobs.Get(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toJob(info, httpx.User(r)))
}

func (h *Jobs) cancel(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := h.Jobs.Cancel(r.Context(), httpx.User(r), id); err != nil {
		h.fail(rw, r, err)
		return
	}
	h.get(rw, r)
}

func (h *Jobs) file(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	info, rc, err := h.Jobs.OpenFile(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	defer rc.Close()
	if err := httpx.Download(rw, r, info.Result, listing.ContentTypeOf(info.Result), rc); err != nil {
		h.Logger.ErrorContext(r.Context(), "job file", "err", err, "job", id, "request_id", httpx.RequestID(r.Context()))
	}
}
