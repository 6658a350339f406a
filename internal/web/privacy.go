package web

import (
	"bytes"
	"net/http"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/privacy"
)

// Privacy serves the owner's privacy center (what is held, download,
// deletion request) and the admins' queue of deletion requests.
type Privacy struct {
	*Renderer
	Privacy  *privacy.Service
	Accounts *account.Service
}

// Routes returns the privacy pages.
func (h *Privacy) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(owner, "GET", "/owner/privacy", h.center),
		httpx.Only(owner, "GET", "/owner/privacy/export", h.export),
		httpx.Only(owner, "POST", "/owner/privacy/erase", h.requestErase),
		httpx.Only(owner, "POST", "/owner/privacy/erase/withdraw", h.withdraw),
		httpx.Only(admin, "GET", "/admin/privacy", h.queue),
		httpx.Only(admin, "POST", "/admin/privacy/{id}/erase", h.erase),
		httpx.Only(admin, "POST", "/admin/privacy/{id}/reject", h.reject),
	}
}

func (h *Privacy) centerPage(r *http.Request) (*page, error) {
	u := httpx.User(r)
	prof, err := h.Accounts.MyProfile(r.Context(), u)
	if err != nil {
		return nil, err
	}
	reqs, err := h.Privacy.MyRequests(r.Context(), u)
	if err != nil {
		return nil, err
	}
	var pending *privacy.Request
	for _, x := range reqs {
		if x.Status == privacy.Pending {
			pending = x
		}
	}
	return &page{Title: "隐私与数据", Nav: "privacy", URL: "/owner/privacy", Data: map[string]any{"Profile": prof, "Requests": reqs,
		"Pending": pending, "Categories": privacy.Categories, "DueDays": privacy.DueDays}}, nil
}

func (h *Privacy) center(rw http.ResponseWriter, r *http.Request) {
	p, err := h.centerPage(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owner_privacy", p)
}

// export sends the zip; an error before the first byte shows the error
// page (Export builds the whole file first).
func (h *Privacy) export(rw http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := h.Privacy.Export(r.Context(), httpx.User(r), &buf); err != nil {
		h.fail(rw, r, err)
		return
	}
	rw.Header().Set("Content-Type", "application/zip")
	rw.Header().Set("Content-Disposition", `attachment; filename="`+privacy.ExportFileName(h.Privacy.Now())+`"`)
	rw.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(rw)
}

func (h *Privacy) requestErase(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	if _, err := h.Privacy.RequestErase(r.Context(), httpx.User(r), r.PostForm.Get("reason")); err != nil {
		p, perr := h.centerPage(r)
		if perr != nil {
			h.fail(rw, r, perr)
			return
		}
		h.formError(rw, r, "owner_privacy", p, err)
		return
	}
	redirect(rw, r, "/owner/privacy", "erase_requested")
}

func (h *Privacy) withdraw(rw http.ResponseWriter, r *http.Request) {
	if err := h.Privacy.Withdraw(r.Context(), httpx.User(r)); err != nil {
		p, perr := h.centerPage(r)
		if perr != nil {
			h.fail(rw, r, perr)
			return
		}
		h.formError(rw, r, "owner_privacy", p, err)
		return
	}
	redirect(rw, r, "/owner/privacy", "erase_withdrawn")
}

func (h *Privacy) queuePage(r *http.Request) (*page, error) {
	pending, decided, err := h.Privacy.Queue(r.Context(), httpx.User(r))
	if err != nil {
		return nil, err
	}
	return &page{Title: "个人信息删除申请", Nav: "privacy", URL: "/admin/privacy", Data: map[string]any{"Pending": pending, "Decided": decided,
		"Now": h.Privacy.Now(), "DueDays": privacy.DueDays}}, nil
}

func (h *Privacy) queue(rw http.ResponseWriter, r *http.Request) {
	p, err := h.queuePage(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_privacy", p)
}

func (h *Privacy) erase(rw http.ResponseWriter, r *http.Request) { h.decide(rw, r, true) }

func (h *Privacy) reject(rw http.ResponseWriter, r *http.Request) { h.decide(rw, r, false) }

func (h *Privacy) decide(rw http.ResponseWriter, r *http.Request, erase bool) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	note := r.PostForm.Get("reason")
	if erase {
		err = h.Privacy.Erase(r.Context(), httpx.User(r), id, note)
	} else {
		err = h.Privacy.Reject(r.Context(), httpx.User(r), id, note)
	}
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code != apperr.NotFound && e.Code != apperr.Forbidden {
			p, perr := h.queuePage(r)
			if perr != nil {
				h.fail(rw, r, perr)
				return
			}
			p.Error = e.Message
			for _, m := range e.Fields {
				p.Error = m
			}
			h.render(rw, r, httpx.Status(e.Code), "admin_privacy", p)
			return
		}
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/admin/privacy", map[bool]string{true: "erased", false: "erase_rejected"}[erase])
}
