package web

import (
	"net/http"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Users serves the admin's account management.
type Users struct {
	*Renderer
	Accounts *account.Service
	Sites    *site.Service
}

// Routes returns the account-management pages.
func (h *Users) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(admin, "GET", "/admin/users", h.adminUsers),
		httpx.Only(admin, "GET", "/admin/users/new", h.newUserForm),
		httpx.Only(admin, "POST", "/admin/users/new", h.createUser),
	}
}

func (h *Users) adminUsers(rw http.ResponseWriter, r *http.Request) {
	role := identity.Role(r.URL.Query().Get("role"))
	if !role.Valid() {
		role = ""
	}
	users, err := h.Accounts.ListUsers(r.Context(), httpx.User(r), role, 200)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_users", &page{Title: "账号管理", Nav: "users",
		Data: map[string]any{"Users": users, "Role": role, "Roles": identity.Roles}})
}

func (h *Users) staffSites(r *http.Request) ([]*site.Site, error) {
	stores, err := h.Sites.List(r.Context(), site.Store, "", 500)
	if err != nil {
		return nil, err
	}
	centers, err := h.Sites.List(r.Context(), site.ServiceCenter, "", 500)
	return append(stores, centers...), err
}

func (h *Users) newUserForm(rw http.ResponseWriter, r *http.Request) {
	sites, err := h.staffSites(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_user_new", &page{Title: "新建员工账号", Nav: "users",
		Data: map[string]any{"Sites": sites, "Roles": []identity.Role{identity.RoleSales, identity.RoleService, identity.RoleAdmin}}})
}

func (h *Users) createUser(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	siteID, _ := strconv.ParseInt(f.Get("site_id"), 10, 64)
	_, err := h.Accounts.CreateStaff(r.Context(), httpx.User(r), account.StaffInput{
		Username: f.Get("username"), DisplayName: f.Get("display_name"), Role: identity.Role(f.Get("role")),
		SiteID: siteID, Mobile: f.Get("mobile"), Password: f.Get("password"),
	})
	if err != nil {
		sites, lerr := h.staffSites(r)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		r.Form.Del("password")
		h.formError(rw, r, "admin_user_new", &page{Title: "新建员工账号", Nav: "users",
			Data: map[string]any{"Sites": sites, "Roles": []identity.Role{identity.RoleSales, identity.RoleService, identity.RoleAdmin}}}, err)
		return
	}
	redirect(rw, r, "/admin/users", "user")
}
