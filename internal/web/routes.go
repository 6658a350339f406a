package web

import (
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
)

var (
	owner   = []identity.Role{identity.RoleOwner}
	sales   = []identity.Role{identity.RoleSales, identity.RoleAdmin}
	service = []identity.Role{identity.RoleService, identity.RoleAdmin}
	admin   = []identity.Role{identity.RoleAdmin}
)

// Routes returns every HTML route with its access rule.
func (w *Web) Routes() []httpx.Route {
	pub, only := httpx.Public, httpx.Only
	return []httpx.Route{
		pub("GET", "/{$}", w.home),
		pub("GET", "/news/{id}", w.newsPage),
		pub("GET", "/static/{hash}/{path...}", w.serveStatic),
		pub("GET", "/login", w.loginForm),
		pub("POST", "/login", w.login),
		pub("GET", "/register", w.registerForm),
		pub("POST", "/register", w.register),
		pub("POST", "/logout", w.logout),

		only(owner, "GET", "/owner/{$}", w.ownerHome),
		only(owner, "GET", "/owner/vehicles/{id}", w.ownerVehicle),
		only(owner, "GET", "/owner/appointments", w.ownerAppointments),
		only(owner, "GET", "/owner/appointments/new", w.bookForm),
		only(owner, "GET", "/owner/slots", w.slotsFragment),
		only(owner, "POST", "/owner/appointments", w.book),
		only(owner, "POST", "/owner/appointments/{id}/cancel", w.ownerCancel),
		only(owner, "GET", "/owner/appointments/{id}/reschedule", w.rescheduleForm),
		only(owner, "POST", "/owner/appointments/{id}/reschedule", w.reschedule),

		only(sales, "GET", "/sales/{$}", w.salesHome),

		only(service, "GET", "/service/{$}", w.serviceQueue),
		only(service, "POST", "/service/appointments/{id}/{action}", w.serviceAct),

		only(admin, "GET", "/admin/{$}", w.adminHome),
		only(admin, "GET", "/admin/users", w.adminUsers),
		only(admin, "GET", "/admin/users/new", w.newUserForm),
		only(admin, "POST", "/admin/users/new", w.createUser),
	}
}
