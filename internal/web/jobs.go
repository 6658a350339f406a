package web

import (
	"net/http"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Jobs serves background jobs: the admin's job list, and for whoever
// started a job its page with a live progress bar, cancel and the file it
// produced.
type Jobs struct {
	*Renderer
	Jobs *jobs.Service
}

var loggedIn = []identity.Role{identity.RoleOwner, identity.RoleSales, identity.RoleService, identity.RoleAdmin}

// Routes returns the job pages.
func (h *Jobs) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(admin, "GET", "/admin/jobs", h.list),
		httpx.Only(loggedIn, "GET", "/jobs/{id}", h.detail),
		// The page's progress fragment, polled by htmx while the job runs.
		httpx.Only(loggedIn, "GET", "/jobs/{id}/progress", h.detail),
		httpx.Only(loggedIn, "POST", "/jobs/{id}/cancel", h.cancel),
		httpx.Only(loggedIn, "GET", "/jobs/{id}/file", h.file),
	}
}

// jobsView is the data of the admin's job list.
type jobsView struct {
	Jobs   []*jobs.Info
	States []jobs.State
	State  string
	Kind   string
	Kinds  map[string]string // kind -> title
	Next   string
	First  string
}

func (h *Jobs) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &jobsView{States: jobs.States, State: q.Get("state"), Kind: q.Get("kind"), Kinds: h.Jobs.Kinds()}
	f := jobs.ListFilter{State: jobs.State(v.State), Kind: v.Kind, Cursor: q.Get("cursor")}
	p, err := h.Jobs.List(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v.Jobs = p.Items
	if p.NextCursor != "" {
		v.Next = withParam(r.URL, "cursor", p.NextCursor)
	}
	if f.Cursor != "" {
		v.First = withParam(r.URL, "cursor", "")
	}
	h.render(rw, r, http.StatusOK, "admin_jobs", &page{Title: "后台任务", Nav: "jobs", Data: v})
}

func (h *Jobs) load(r *http.Request) (*jobs.Info, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return h.Jobs.Get(r.Context(), httpx.User(r), id)
}

func (h *Jobs) detail(rw http.ResponseWriter, r *http.Request) {
	info, err := h.load(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "job", &page{Title: info.Title, Nav: "jobs", Data: info})
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
	redirect(rw, r, "/jobs/"+strconv.FormatInt(id, 10), "cancelled_job")
}

// file sends the job's output file as a download.
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
