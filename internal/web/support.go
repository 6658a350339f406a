package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/support"
)

// Support serves the knowledge base that staff edit (/admin/kb) and the
// support-ticket queue (/service/tickets).
type Support struct {
	*Renderer
	Support *support.Service
}

// Routes returns the knowledge-base and ticket pages.
func (h *Support) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(service, "GET", "/admin/kb", h.kb),
		httpx.Only(service, "GET", "/admin/kb/new", h.kbNew),
		httpx.Only(service, "POST", "/admin/kb/new", h.kbCreate),
		httpx.Only(service, "GET", "/admin/kb/{id}", h.kbEdit),
		httpx.Only(service, "POST", "/admin/kb/{id}", h.kbUpdate),
		httpx.Only(service, "GET", "/service/tickets", h.queue),
		httpx.Only(service, "GET", "/service/tickets/{id}", h.ticket),
		httpx.Only(service, "POST", "/service/tickets/{id}/assign", h.assign),
		httpx.Only(service, "POST", "/service/tickets/{id}/reply", h.reply),
		httpx.Only(service, "POST", "/service/tickets/{id}/resolve", h.resolve),
	}
}

func (h *Support) kb(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := support.KBFilter{Category: q.Get("category"), Query: q.Get("q"), Inactive: q.Get("all") == "1"}
	arts, err := h.Support.Articles(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_kb", &page{Title: "知识库", Nav: "kb",
		Data: map[string]any{"Articles": arts, "Filter": f, "Categories": support.Categories}})
}

func (h *Support) kbNew(rw http.ResponseWriter, r *http.Request) {
	h.render(rw, r, http.StatusOK, "admin_kb_edit", &page{Title: "新建知识条目", Nav: "kb",
		Data: map[string]any{"Article": &support.Article{Active: true}, "Categories": support.Categories}})
}

func articleInput(r *http.Request) support.ArticleInput {
	f := r.PostForm
	return support.ArticleInput{Category: f.Get("category"), Question: f.Get("question"), Similar: f.Get("similar"),
		Answer: f.Get("answer"), Keywords: f.Get("keywords"), Active: f.Get("active") == "1"}
}

func (h *Support) kbCreate(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "提交的内容无法读取"))
		return
	}
	in := articleInput(r)
	a, err := h.Support.CreateArticle(r.Context(), httpx.User(r), in)
	if err != nil {
		h.formError(rw, r, "admin_kb_edit", &page{Title: "新建知识条目", Nav: "kb", URL: "/admin/kb/new",
			Data: map[string]any{"Article": &support.Article{Category: in.Category, Question: in.Question, Similar: in.Similar, Answer: in.Answer, Keywords: in.Keywords, Active: in.Active},
				"Categories": support.Categories}}, err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/admin/kb/%d", a.ID), "kb_created")
}

func (h *Support) kbEdit(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	a, err := h.Support.Article(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_kb_edit", &page{Title: "编辑知识条目", Nav: "kb", Data: map[string]any{"Article": a, "Categories": support.Categories}})
}

func (h *Support) kbUpdate(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "提交的内容无法读取"))
		return
	}
	in := articleInput(r)
	if _, err := h.Support.UpdateArticle(r.Context(), httpx.User(r), id, in); err != nil {
		h.formError(rw, r, "admin_kb_edit", &page{Title: "编辑知识条目", Nav: "kb", URL: fmt.Sprintf("/admin/kb/%d", id),
			Data: map[string]any{"Article": &support.Article{ID: id, Category: in.Category, Question: in.Question, Similar: in.Similar, Answer: in.Answer, Keywords: in.Keywords, Active: in.Active},
				"Categories": support.Categories}}, err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/admin/kb/%d", id), "kb_saved")
}

func (h *Support) queue(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := support.QueueFilter{Status: q.Get("status"), Mine: q.Get("mine") == "1"}
	u := httpx.User(r)
	ts, err := h.Support.Queue(r.Context(), u, f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	sum, err := h.Support.FeedbackSummary(r.Context(), u, 30)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	recent, err := h.Support.RecentFeedback(r.Context(), u, "", 10)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	overdue := 0
	now := h.Support.Now()
	for _, t := range ts {
		if t.Overdue(now) {
			overdue++
		}
	}
	h.render(rw, r, http.StatusOK, "service_tickets", &page{Title: "客服工单", Nav: "tickets",
		Data: map[string]any{"Tickets": ts, "Filter": f, "Now": now, "Overdue": overdue, "Summary": sum, "Recent": recent,
			"Statuses": []string{support.Open, support.Assigned, support.Pending, support.Resolved, support.Closed}}})
}

func (h *Support) ticket(rw http.ResponseWriter, r *http.Request) {
	h.renderTicket(rw, r, http.StatusOK, nil)
}

func (h *Support) renderTicket(rw http.ResponseWriter, r *http.Request, status int, failed error) {
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
	staff, err := h.Support.StaffUsers(r.Context(), u)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p := &page{Title: fmt.Sprintf("工单 #%d", id), Nav: "tickets", URL: fmt.Sprintf("/service/tickets/%d", id),
		Data: map[string]any{"Ticket": t, "Messages": ms, "Staff": staff, "Now": h.Support.Now()}}
	if failed != nil {
		h.formError(rw, r, "service_ticket", p, failed)
		return
	}
	h.render(rw, r, status, "service_ticket", p)
}

func (h *Support) assign(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "提交的内容无法读取"))
		return
	}
	uid, _ := strconv.ParseInt(r.PostForm.Get("assignee"), 10, 64)
	if _, err := h.Support.Assign(r.Context(), httpx.User(r), id, uid); err != nil {
		h.renderTicket(rw, r, 0, err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/tickets/%d", id), "ticket_assigned")
}

func (h *Support) reply(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "提交的内容无法读取"))
		return
	}
	if _, err := h.Support.Reply(r.Context(), httpx.User(r), id, r.PostForm.Get("body"), r.PostForm.Get("ask") == "1"); err != nil {
		h.renderTicket(rw, r, 0, err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/tickets/%d", id), "ticket_replied")
}

func (h *Support) resolve(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "提交的内容无法读取"))
		return
	}
	if _, err := h.Support.Resolve(r.Context(), httpx.User(r), id, r.PostForm.Get("body")); err != nil {
		h.renderTicket(rw, r, 0, err)
		return
	}
	redirect(rw, r, fmt.Sprintf("/service/tickets/%d", id), "ticket_resolved")
}
