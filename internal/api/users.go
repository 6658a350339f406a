package api

import (
	"net/http"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Users serves the admin's account management: the filtered account list,
// one account with its history, editing, disabling, enabling and password
// reset.
type Users struct {
	*Base
	Accounts *account.Service
}

var admins = []identity.Role{identity.RoleAdmin}

// Routes returns the account-management endpoints.
func (h *Users) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(admins, "GET", "/api/v1/users", h.list),
		httpx.Only(admins, "GET", "/api/v1/users/{id}", h.get),
		httpx.Only(admins, "PATCH", "/api/v1/users/{id}", h.update),
		httpx.Only(admins, "POST", "/api/v1/users/{id}/disable", h.disable),
		httpx.Only(admins, "POST", "/api/v1/users/{id}/enable", h.enable),
		httpx.Only(admins, "POST", "/api/v1/users/{id}/password", h.password),
		httpx.Only(admins, "PUT", "/api/v1/users/{id}/permissions", h.permissions),
	}
}

// accountJSON is an account as the admin sees it (mobile masked).
type accountJSON struct {
	userJSON
	Active      bool       `json:"active"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

func toAccount(u *identity.User) accountJSON {
	out := accountJSON{userJSON: toUser(u), Active: u.Active, CreatedAt: u.CreatedAt}
	out.Mobile = identity.MaskMobile(u.Mobile)
	if !u.LastLoginAt.IsZero() {
		t := u.LastLoginAt
		out.LastLoginAt = &t
	}
	return out
}

func (h *Users) list(rw http.ResponseWriter, r *http.Request) {
	f, err := account.UserFilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, total, err := h.Accounts.ListUsers(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	items := make([]accountJSON, 0, len(page.Items))
	for _, u := range page.Items {
		items = append(items, toAccount(u))
	}
	writeJSON(rw, http.StatusOK, listBody(listing.Page[accountJSON]{Items: items, NextCursor: page.NextCursor}, total))
}

type historyJSON struct {
	At       time.Time      `json:"at"`
	Action   string         `json:"action"`
	Label    string         `json:"label"`
	UserID   int64          `json:"user_id,omitempty"`
	UserName string         `json:"user_name,omitempty"`
	Detail   map[string]any `json:"detail,omitempty"`
}

func (h *Users) get(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	d, err := h.Accounts.GetUser(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	hist := make([]historyJSON, 0, len(d.History))
	for _, e := range d.History {
		hist = append(hist, historyJSON{At: e.At, Action: e.Action, Label: e.Label(), UserID: e.UserID, UserName: e.UserName, Detail: e.Detail})
	}
	writeJSON(rw, http.StatusOK, map[string]any{"user": toAccount(d.User), "history": hist})
}

func (h *Users) update(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	u, err := h.Accounts.GetUser(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	// Fields left out keep their values.
	in := struct {
		DisplayName *string `json:"display_name"`
		Role        *string `json:"role"`
		SiteID      *int64  `json:"site_id"`
		Mobile      *string `json:"mobile"`
	}{}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	up := account.UserUpdate{DisplayName: u.User.DisplayName, Role: u.User.Role, SiteID: u.User.SiteID, Mobile: u.User.Mobile}
	if in.DisplayName != nil {
		up.DisplayName = *in.DisplayName
	}
	if in.Role != nil {
		up.Role = identity.Role(*in.Role)
	}
	if in.SiteID != nil {
		up.SiteID = *in.SiteID
	}
	if in.Mobile != nil {
		up.Mobile = *in.Mobile
	}
	out, err := h.Accounts.UpdateUser(r.Context(), httpx.User(r), id, up)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAccount(out))
}

func (h *Users) disable(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	h.setActive(rw, r, false, &in, func() string { return in.Reason })
}

func (h *Users) enable(rw http.ResponseWriter, r *http.Request) {
	h.setActive(rw, r, true, nil, func() string { return "" })
}

func (h *Users) setActive(rw http.ResponseWriter, r *http.Request, active bool, body any, reason func() string) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if body != nil {
		if err := decode(r, body); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	u, err := h.Accounts.SetActive(r.Context(), httpx.User(r), id, active, reason())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAccount(u))
}

func (h *Users) permissions(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Permissions []identity.Perm `json:"permissions"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	u, err := h.Accounts.SetPermissions(r.Context(), httpx.User(r), id, in.Permissions)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toAccount(u))
}

func (h *Users) password(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := h.Accounts.ResetPassword(r.Context(), httpx.User(r), id, in.Password); err != nil {
		h.fail(rw, r, err)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}
