package web

import (
	"net/http"

	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/report"
)

// Reports serves the sales and admin dashboards.
type Reports struct {
	*Renderer
	Reports *report.Service
}

// Routes returns the dashboards.
func (h *Reports) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(sales, "GET", "/sales/{$}", h.salesHome),
		httpx.Only(admin, "GET", "/admin/{$}", h.adminHome),
	}
}

func (h *Reports) salesHome(rw http.ResponseWriter, r *http.Request) {
	ov, err := h.Reports.Sales(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "sales_home", &page{Title: "销售工作台", Nav: "sales", Data: ov})
}

func (h *Reports) adminHome(rw http.ResponseWriter, r *http.Request) {
	ov, err := h.Reports.Admin(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_home", &page{Title: "系统管理", Nav: "admin", Data: ov})
}
