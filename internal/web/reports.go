package web

import (
	"net/http"
	"time"

	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/report"
	pipeline "github.com/nevcrm/nevcrm/internal/sales"
)

// Reports serves the sales and admin dashboards.
type Reports struct {
	*Renderer
	Reports *report.Service
	Sales   *pipeline.Service // the pipeline summary of the sales dashboard
}

// salesHomeView is the sales dashboard: the overview and the consultant's
// day (today's and overdue tasks, the open pipeline).
type salesHomeView struct {
	*report.Overview
	Today    []*pipeline.FollowUp
	NToday   int
	NOverdue int
	Pipeline pipeline.Pipeline
	Now      time.Time
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
	v := &salesHomeView{Overview: ov, Now: h.Sales.Now()}
	u := httpx.User(r)
	if v.Today, v.NToday, err = h.Sales.Tasks(r.Context(), u, pipeline.TasksToday, false); err != nil {
		h.fail(rw, r, err)
		return
	}
	if _, v.NOverdue, err = h.Sales.Tasks(r.Context(), u, pipeline.TasksOverdue, false); err != nil {
		h.fail(rw, r, err)
		return
	}
	if v.Pipeline, err = h.Sales.PipelineSummary(r.Context(), u); err != nil {
		h.fail(rw, r, err)
		return
	}
	if len(v.Today) > 8 {
		v.Today = v.Today[:8]
	}
	h.render(rw, r, http.StatusOK, "sales_home", &page{Title: "销售工作台", Nav: "sales", Data: v})
}

func (h *Reports) adminHome(rw http.ResponseWriter, r *http.Request) {
	ov, err := h.Reports.Admin(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_home", &page{Title: "系统管理", Nav: "admin", Data: ov})
}
