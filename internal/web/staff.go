package web

import (
	"net/http"
	"strconv"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/site"
)

func (w *Web) serviceQueue(rw http.ResponseWriter, r *http.Request) {
	w.renderQueue(rw, r, r.URL.Query().Get("date"), http.StatusOK, nil)
}

// renderQueue shows the queue of date; failed, when set, is the domain error
// of an action just refused, shown above the queue with its status.
func (w *Web) renderQueue(rw http.ResponseWriter, r *http.Request, date string, status int, failed *apperr.Error) {
	u := httpx.User(r)
	if date == "" {
		date = w.Booking.Today()
	}
	p := &page{Title: "预约队列", Nav: "service"}
	if failed != nil {
		p.Error = failed.Message
		for _, m := range failed.Fields {
			p.Error = m
		}
	}
	queue, err := w.Booking.Queue(r.Context(), u, date)
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		date = w.Booking.Today()
		queue, err = w.Booking.Queue(r.Context(), u, date)
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	techs, err := w.Booking.Technicians(r.Context(), u)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	counts := map[booking.Status]int{}
	for _, a := range queue {
		counts[a.Status]++
	}
	d, _ := booking.ParseDate(date)
	p.Data = map[string]any{
		"Date": date, "Prev": d.AddDate(0, 0, -1).Format("2006-01-02"), "Next": d.AddDate(0, 0, 1).Format("2006-01-02"),
		"Queue": queue, "Technicians": techs, "Counts": counts, "Statuses": booking.Statuses, "Now": w.Booking.Now(),
		"Actions": []booking.Action{booking.Confirm, booking.Start, booking.Complete, booking.MarkNoShow},
	}
	w.render(rw, r, status, "service_queue", p)
}

func (w *Web) serviceAct(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	u := httpx.User(r)
	name := r.PathValue("action")
	if name == "cancel" {
		_, err = w.Booking.Cancel(r.Context(), u, id, r.PostForm.Get("reason"), r.PostForm.Get("date"))
	} else if action, ok := booking.ParseAction(name); ok {
		tech, _ := strconv.ParseInt(r.PostForm.Get("technician_id"), 10, 64)
		_, err = w.Booking.Act(r.Context(), u, id, action, booking.ActionInput{
			Date: r.PostForm.Get("date"), TechnicianID: tech, Bay: r.PostForm.Get("bay"), Result: r.PostForm.Get("result"),
		})
	} else {
		err = apperr.New(apperr.NotFound, "未知操作")
	}
	date := r.PostForm.Get("date")
	if _, ok := booking.ParseDate(date); !ok {
		date = ""
	}
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code != apperr.NotFound {
			// Show the refusal above the queue rather than on an error page.
			w.renderQueue(rw, r, date, apperr.Status(e.Code), e)
			return
		}
		w.fail(rw, r, err)
		return
	}
	back := "/service/"
	if date != "" {
		back += "?date=" + date
	}
	redirect(rw, r, back, "done")
}

func (w *Web) salesHome(rw http.ResponseWriter, r *http.Request) {
	ov, err := w.Reports.Sales(r.Context(), httpx.User(r))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "sales_home", &page{Title: "销售工作台", Nav: "sales", Data: ov})
}

func (w *Web) adminHome(rw http.ResponseWriter, r *http.Request) {
	ov, err := w.Reports.Admin(r.Context(), httpx.User(r))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "admin_home", &page{Title: "系统管理", Nav: "admin", Data: ov})
}

func (w *Web) adminUsers(rw http.ResponseWriter, r *http.Request) {
	role := account.Role(r.URL.Query().Get("role"))
	if !role.Valid() {
		role = ""
	}
	users, _, err := w.Accounts.ListUsers(r.Context(), httpx.User(r), account.UserFilter{Role: role, Limit: 200})
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "admin_users", &page{Title: "账号管理", Nav: "users",
		Data: map[string]any{"Users": users.Items, "Role": role, "Roles": account.Roles}})
}

func (w *Web) staffSites(r *http.Request) ([]*site.Site, error) {
	stores, err := w.Sites.List(r.Context(), site.Store, "", 500)
	if err != nil {
		return nil, err
	}
	centers, err := w.Sites.List(r.Context(), site.ServiceCenter, "", 500)
	return append(stores, centers...), err
}

func (w *Web) newUserForm(rw http.ResponseWriter, r *http.Request) {
	sites, err := w.staffSites(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "admin_user_new", &page{Title: "新建员工账号", Nav: "users",
		Data: map[string]any{"Sites": sites, "Roles": []account.Role{account.RoleSales, account.RoleService, account.RoleAdmin}}})
}

func (w *Web) createUser(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		w.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	siteID, _ := strconv.ParseInt(f.Get("site_id"), 10, 64)
	_, err := w.Accounts.CreateStaff(r.Context(), httpx.User(r), account.StaffInput{
		Username: f.Get("username"), DisplayName: f.Get("display_name"), Role: account.Role(f.Get("role")),
		SiteID: siteID, Mobile: f.Get("mobile"), Password: f.Get("password"),
	})
	if err != nil {
		sites, lerr := w.staffSites(r)
		if lerr != nil {
			w.fail(rw, r, lerr)
			return
		}
		r.Form.Del("password")
		w.formError(rw, r, "admin_user_new", &page{Title: "新建员工账号", Nav: "users",
			Data: map[string]any{"Sites": sites, "Roles": []account.Role{account.RoleSales, account.RoleService, account.RoleAdmin}}}, err)
		return
	}
	redirect(rw, r, "/admin/users", "user")
}
