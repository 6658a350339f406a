package api

import (
	"net/http"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// Accounts serves login, logout and the acting user.
type Accounts struct {
	*Base
	Accounts *account.Service
}

// Routes returns the session and profile endpoints.
func (h *Accounts) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Public("POST", "/api/v1/session", h.login),
		httpx.Public("DELETE", "/api/v1/session", h.logout),
		httpx.Only(anyone, "GET", "/api/v1/me", h.me),
	}
}

type userJSON struct {
	ID          int64  `json:"id"`
	Username    string `json:"username,omitempty"`
	Mobile      string `json:"mobile,omitempty"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	RoleLabel   string `json:"role_label"`
	SiteID      int64  `json:"site_id,omitempty"`
	SiteName    string `json:"site_name,omitempty"`
	// Permissions granted beyond the role (identity.Perm); admins hold all.
	Permissions []identity.Perm `json:"permissions,omitempty"`
}

func toUser(u *identity.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Mobile: u.Mobile, DisplayName: u.DisplayName, Role: string(u.Role),
		RoleLabel: u.Role.Label(), SiteID: u.SiteID, SiteName: u.SiteName, Permissions: u.Perms}
}

func (h *Accounts) login(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	u, s, err := h.Accounts.Login(r.Context(), account.LoginInput{Login: in.Username, Password: in.Password,
		IP: httpx.ClientIP(r, h.TrustProxy), UserAgent: r.UserAgent(), PreviousToken: httpx.SessionToken(r)})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	httpx.SetSessionCookie(rw, r, h.TrustProxy, s.Token, s.ExpiresAt)
	writeJSON(rw, http.StatusOK, map[string]any{"user": toUser(u), "expires_at": s.ExpiresAt})
}

func (h *Accounts) logout(rw http.ResponseWriter, r *http.Request) {
	if err := h.Accounts.EndSession(r.Context(), httpx.SessionToken(r)); err != nil {
		h.fail(rw, r, err)
		return
	}
	httpx.ClearSessionCookie(rw, r, h.TrustProxy)
	rw.WriteHeader(http.StatusNoContent)
}

func (h *Accounts) me(rw http.ResponseWriter, r *http.Request) {
	writeJSON(rw, http.StatusOK, toUser(httpx.User(r)))
}
