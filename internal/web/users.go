package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Users serves the admin's account management: the account list with its
// filters and export, an account's detail page with in-place editing,
// disabling, enabling and password reset, and new staff accounts.
type Users struct {
	*Renderer
	Accounts *account.Service
	Sites    *site.Service
	Jobs     *jobs.Service
	// ExportThreshold is the row count above which an export runs as a
	// background job (listing.BackgroundThreshold when 0).
	ExportThreshold int
}

// Routes returns the account-management pages.
func (h *Users) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(admin, "GET", "/admin/users", h.list),
		httpx.Only(admin, "POST", "/admin/users/export", h.export),
		httpx.Only(admin, "GET", "/admin/users/new", h.newUserForm),
		httpx.Only(admin, "POST", "/admin/users/new", h.createUser),
		httpx.Only(admin, "GET", "/admin/users/{id}", h.detail),
		httpx.Only(admin, "POST", "/admin/users/{id}", h.update),
		httpx.Only(admin, "POST", "/admin/users/{id}/disable", h.disable),
		httpx.Only(admin, "POST", "/admin/users/{id}/enable", h.enable),
		httpx.Only(admin, "POST", "/admin/users/{id}/password", h.resetPassword),
		httpx.Only(admin, "POST", "/admin/users/{id}/permissions", h.setPermissions),
	}
}

// usersView is the data of the account list.
type usersView struct {
	Users     []*identity.User
	Total     listing.Total
	Next      string // URL of the next page, "" on the last
	First     string // URL of the first page when not on it
	Query     url.Values
	Roles     []identity.Role
	Sites     []*site.Site
	Sorts     listing.Orders
	ExportURL string // the export form's address: the list's filter
}

func (h *Users) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &usersView{Query: q, Roles: identity.Roles, Sorts: account.UserSorts}
	p := &page{Title: "账号管理", Nav: "users", Data: v}
	var err error
	if v.Sites, err = h.staffSites(r); err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := account.UserFilterFromQuery(q)
	if err == nil {
		var pg listing.Page[*identity.User]
		pg, v.Total, err = h.Accounts.ListUsers(r.Context(), httpx.User(r), f)
		v.Users = pg.Items
		if pg.HasNext() {
			v.Next = withParam(r.URL, "cursor", pg.NextCursor)
		}
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		// A bad filter is shown beside the filter bar, not as an error page.
		p.Error, p.Fields = e.Message, e.Fields
		h.render(rw, r, http.StatusUnprocessableEntity, "admin_users", p)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if q.Get("cursor") != "" {
		v.First = withParam(r.URL, "cursor", "")
	}
	eq := url.Values{}
	for _, k := range []string{"q", "role", "site_id", "active", "sort"} {
		if q.Get(k) != "" {
			eq.Set(k, q.Get(k))
		}
	}
	v.ExportURL = "/admin/users/export"
	if len(eq) > 0 {
		v.ExportURL += "?" + eq.Encode()
	}
	h.render(rw, r, http.StatusOK, "admin_users", p)
}

// withParam returns u's path and query with key set to value (removed when
// value is empty).
func withParam(u *url.URL, key, value string) string {
	q := u.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	if len(q) == 0 {
		return u.Path
	}
	return u.Path + "?" + q.Encode()
}

// export streams every account that matches the list's filter as CSV or
// XLSX, without a row cap; above the threshold it starts a background job
// and sends the admin to its progress page instead. It is a POST: it is
// audited and may start a job, which a cross-site link must not do.
func (h *Users) export(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query() // the list's filter; the format is the button pressed
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := account.UserFilterFromQuery(q)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	// The permission and the filter are checked before anything is written.
	first := f
	first.Limit = 1
	_, total, err := h.Accounts.ListUsers(r.Context(), httpx.User(r), first)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if total.Capped || total.N > cmp.Or(h.ExportThreshold, listing.BackgroundThreshold) {
		id, err := h.Jobs.Enqueue(r.Context(), httpx.User(r), account.ExportUsersJob{Filter: f, Format: string(format)})
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		redirect(rw, r, "/jobs/"+strconv.FormatInt(id, 10), "export_job")
		return
	}
	name := account.ExportFileName(time.Now(), string(format))
	httpx.Attachment(rw, name, format.ContentType())
	w, err := xlsx.Open(format, httpx.Streaming(rw))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if _, err := h.Accounts.ExportUsers(r.Context(), httpx.User(r), f, w); err != nil && !httpx.ClientGone(r, err) {
		// Headers are gone: the download ends short, and the log says why.
		h.Logger.ErrorContext(r.Context(), "export users", "err", err, "request_id", httpx.RequestID(r.Context()))
	}
}

// userView is the data of an account's detail page.
type userView struct {
	*account.UserDetail
	Sites []*site.Site
	Roles []identity.Role // the roles the account may be given
	Perms []identity.Perm // the permissions the account's role may be granted
	Self  bool            // the admin looks at their own account
}

func (h *Users) loadUser(r *http.Request, id int64) (*userView, error) {
	d, err := h.Accounts.GetUser(r.Context(), httpx.User(r), id)
	if err != nil {
		return nil, err
	}
	v := &userView{UserDetail: d, Self: d.User.ID == httpx.User(r).ID}
	for _, p := range identity.Perms {
		if p.GrantableTo(d.User.Role) {
			v.Perms = append(v.Perms, p)
		}
	}
	if d.User.Role.Staff() {
		v.Roles = []identity.Role{identity.RoleSales, identity.RoleService, identity.RoleAdmin}
		if v.Sites, err = h.staffSites(r); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// userForm is the edit form's values for account u.
func userForm(u *identity.User) url.Values {
	f := url.Values{"display_name": {u.DisplayName}, "role": {string(u.Role)}, "mobile": {u.Mobile}}
	if u.SiteID != 0 {
		f.Set("site_id", strconv.FormatInt(u.SiteID, 10))
	}
	return f
}

func (h *Users) detail(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.loadUser(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_user", &page{Title: v.User.DisplayName, Nav: "users", Form: userForm(v.User), Data: v})
}

// act runs one POST action on account {id}: on success it redirects to the
// account with flash; a refused action re-renders the page with the
// message beside its field (the dialog's field reopens).
func (h *Users) act(rw http.ResponseWriter, r *http.Request, flash string, do func(id int64, f url.Values) error) {
	id, err := pathID(r)
	if err == nil && r.ParseForm() != nil {
		err = apperr.New(apperr.Invalid, "表单无法解析")
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := do(id, r.PostForm); err != nil {
		v, lerr := h.loadUser(r, id)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		r.Form.Del("password")
		r.Form.Del("password2")
		// The edit form keeps the account's values when another action failed.
		for k, vs := range userForm(v.User) {
			if _, sent := r.Form[k]; !sent {
				r.Form[k] = vs
			}
		}
		p := &page{Title: v.User.DisplayName, Nav: "users", Data: v, URL: "/admin/users/" + strconv.FormatInt(id, 10)}
		h.formError(rw, r, "admin_user", p, err)
		return
	}
	redirect(rw, r, "/admin/users/"+strconv.FormatInt(id, 10), flash)
}

func (h *Users) update(rw http.ResponseWriter, r *http.Request) {
	h.act(rw, r, "saved", func(id int64, f url.Values) error {
		siteID, _ := strconv.ParseInt(f.Get("site_id"), 10, 64)
		_, err := h.Accounts.UpdateUser(r.Context(), httpx.User(r), id, account.UserUpdate{
			DisplayName: f.Get("display_name"), Role: identity.Role(f.Get("role")), SiteID: siteID, Mobile: f.Get("mobile")})
		return err
	})
}

func (h *Users) disable(rw http.ResponseWriter, r *http.Request) {
	h.act(rw, r, "disabled", func(id int64, f url.Values) error {
		_, err := h.Accounts.SetActive(r.Context(), httpx.User(r), id, false, f.Get("reason"))
		return err
	})
}

func (h *Users) enable(rw http.ResponseWriter, r *http.Request) {
	h.act(rw, r, "enabled", func(id int64, f url.Values) error {
		_, err := h.Accounts.SetActive(r.Context(), httpx.User(r), id, true, "")
		return err
	})
}

func (h *Users) resetPassword(rw http.ResponseWriter, r *http.Request) {
	h.act(rw, r, "password", func(id int64, f url.Values) error {
		if f.Get("password") != f.Get("password2") {
			return apperr.Field("password2", "两次输入的密码不一致")
		}
		return h.Accounts.ResetPassword(r.Context(), httpx.User(r), id, f.Get("password"))
	})
}

func (h *Users) setPermissions(rw http.ResponseWriter, r *http.Request) {
	h.act(rw, r, "permissions", func(id int64, f url.Values) error {
		var perms []identity.Perm
		for _, p := range f["perm"] {
			perms = append(perms, identity.Perm(p))
		}
		_, err := h.Accounts.SetPermissions(r.Context(), httpx.User(r), id, perms)
		return err
	})
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
	u, err := h.Accounts.CreateStaff(r.Context(), httpx.User(r), account.StaffInput{
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
	redirect(rw, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "user")
}
