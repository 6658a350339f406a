package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	"github.com/nevcrm/nevcrm/internal/report"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Analytics serves the analysis reports (报表与分析): the sales reports
// under /sales/reports and the service reports under /service/reports,
// their drill-down rows and exports.
type Analytics struct {
	*Renderer
	Reports *report.Service
	Jobs    *jobs.Service
	// ExportThreshold is the row count above which a drill-down export
	// runs as a background job (0: listing.BackgroundThreshold).
	ExportThreshold int
}

// Routes returns the report pages.
func (h *Analytics) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(sales, "GET", "/sales/reports", h.salesReports),
		httpx.Only(sales, "GET", "/sales/reports/rows", h.salesRows),
		httpx.Only(sales, "POST", "/sales/reports/export", h.salesExport),
		httpx.Only(sales, "POST", "/sales/reports/rows/export", h.salesRowsExport),
		httpx.Only(admin, "GET", "/admin/targets", h.targets),
		httpx.Only(admin, "POST", "/admin/targets", h.saveTargets),
		httpx.Only(service, "GET", "/service/reports", h.serviceReports),
		httpx.Only(service, "GET", "/service/reports/rows", h.serviceRows),
		httpx.Only(service, "POST", "/service/reports/export", h.serviceExport),
		httpx.Only(service, "POST", "/service/reports/rows/export", h.serviceRowsExport),
	}
}

// analyticsView is the data of a report page.
type analyticsView struct {
	Base      string // the page's address
	Tabs      []report.Option
	Tab       string
	Groupings []report.Option // "" when the tab has no grouping
	By        string
	Regions   []report.Region
	R         *report.Report
	Query     string          // the filter as a query string, for exports
	TabLinks  []report.Option // each tab's address with the same period and site (Value) and its name
	Ranges    []report.Option // quick periods: label and query string
	Other     *report.Option  // the other report family (admins): address and label
}

// quickRanges are the common periods as links.
func quickRanges(base string, q url.Values, now time.Time) []report.Option {
	loc := now.Location()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	ranges := []struct {
		label    string
		from, to time.Time
	}{
		{"本月", first, today},
		{"上月", first.AddDate(0, -1, 0), first.AddDate(0, 0, -1)},
		{"近 90 天", today.AddDate(0, 0, -89), today},
		{"今年", time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc), today},
		{"近 12 个月", first.AddDate(0, -11, 0), today},
	}
	var out []report.Option
	for _, r := range ranges {
		x := url.Values{}
		for k, v := range q {
			x[k] = v
		}
		x.Set("from", r.from.Format("2006-01-02"))
		x.Set("to", r.to.Format("2006-01-02"))
		out = append(out, report.Option{Value: base + "?" + x.Encode(), Label: r.label})
	}
	return out
}

func (h *Analytics) salesReports(rw http.ResponseWriter, r *http.Request) {
	h.reports(rw, r, "/sales/reports", report.SalesTabs, h.Reports.SalesReport)
}

func (h *Analytics) serviceReports(rw http.ResponseWriter, r *http.Request) {
	h.reports(rw, r, "/service/reports", report.ServiceTabs, h.Reports.ServiceReport)
}

// reportFunc computes a report page.
type reportFunc func(ctx context.Context, actor *identity.User, f report.Filter) (*report.Report, error)

// reports renders a report page at base with tabs, computed by get.
func (h *Analytics) reports(rw http.ResponseWriter, r *http.Request, base string, tabs []report.Option, get reportFunc) {
	q := r.URL.Query()
	v := &analyticsView{Base: base, Tabs: tabs, Regions: report.Regions}
	if u := httpx.User(r); u != nil && u.Is(identity.RoleAdmin) {
		v.Other = &report.Option{Value: "/service/reports", Label: "服务与客户反馈报表"}
		if base == "/service/reports" {
			v.Other = &report.Option{Value: "/sales/reports", Label: "销售与市场报表"}
		}
	}
	p := &page{Title: "报表与分析", Nav: "reports", Data: v}
	f, err := report.FilterFromQuery(q)
	if err == nil {
		v.R, err = get(r.Context(), httpx.User(r), f)
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		// Show the page with the message beside the field, and the default
		// period's figures.
		p.Error, p.Fields = e.Message, e.Fields
		p.Form = q
		f = report.Filter{Tab: f.Tab}
		if _, bad := e.Fields["tab"]; bad {
			f.Tab = ""
		}
		v.R, err = get(r.Context(), httpx.User(r), f)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		h.fillView(v, f, r)
		h.render(rw, r, http.StatusUnprocessableEntity, "reports", p)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.fillView(v, f, r)
	h.render(rw, r, http.StatusOK, "reports", p)
}

// fillView completes v for filter f once the report is computed.
func (h *Analytics) fillView(v *analyticsView, f report.Filter, r *http.Request) {
	v.Tab = f.Tab
	if v.Tab == "" {
		v.Tab = v.Tabs[0].Value
	}
	switch v.Tab {
	case "performance":
		v.Groupings = report.SalesGroupings
	case "targets":
		v.Groupings = report.TargetGroupings
	}
	if v.Groupings != nil {
		v.By = f.By
		if v.By == "" {
			v.By = "store"
		}
	}
	per := v.R.Period
	f.From, f.To, f.Tab = per.From, per.To, v.Tab
	if v.Groupings == nil {
		f.By = ""
	}
	v.Query = f.Query().Encode()
	for _, t := range v.Tabs {
		tq := f.Query()
		tq.Del("by")
		tq.Set("tab", t.Value)
		v.TabLinks = append(v.TabLinks, report.Option{Value: v.Base + "?" + tq.Encode(), Label: t.Label})
	}
	rq := f.Query()
	rq.Del("from")
	rq.Del("to")
	v.Ranges = quickRanges(v.Base, rq, h.Reports.Now().In(site.Shanghai))
}

// rowsView is the data of a drill-down page.
type rowsView struct {
	D      *report.Drill
	Back   string
	Next   string
	First  string
	Export string // the export form's address: the drill-down's filter
}

func (h *Analytics) salesRows(rw http.ResponseWriter, r *http.Request) {
	f, err := report.RowsFilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	d, err := h.Reports.Rows(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.renderRows(rw, r, d, "/sales/reports", f.Cursor)
}

func (h *Analytics) serviceRows(rw http.ResponseWriter, r *http.Request) {
	f, err := report.ServiceRowsFilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	d, err := h.Reports.ServiceRows(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.renderRows(rw, r, d, "/service/reports", f.Cursor)
}

// renderRows shows a drill-down page whose report is at base.
func (h *Analytics) renderRows(rw http.ResponseWriter, r *http.Request, d *report.Drill, base, cursor string) {
	back := url.Values{}
	for _, k := range []string{"from", "to", "store_id", "region"} {
		if x := r.URL.Query().Get(k); x != "" {
			back.Set(k, x)
		}
	}
	if t := r.URL.Query().Get("tab"); t != "" {
		back.Set("tab", t)
	}
	eq := r.URL.Query()
	eq.Del("cursor")
	eq.Del("limit")
	v := &rowsView{D: d, Back: base + "?" + back.Encode(), Export: base + "/rows/export?" + eq.Encode()}
	if d.Next != "" {
		v.Next = withParam(r.URL, "cursor", d.Next)
	}
	if cursor != "" {
		v.First = withParam(r.URL, "cursor", "")
	}
	h.render(rw, r, http.StatusOK, "reports_rows", &page{Title: d.Title, Nav: "reports", Data: v})
}

func (h *Analytics) salesRowsExport(rw http.ResponseWriter, r *http.Request) {
	h.rowsExport(rw, r, report.FamilySales)
}

func (h *Analytics) serviceRowsExport(rw http.ResponseWriter, r *http.Request) {
	h.rowsExport(rw, r, report.FamilyService)
}

// rowsExport writes every row behind a figure (the drill-down's filter is
// the query string) as CSV or XLSX (form field format); above the threshold
// or the count cap it runs as a background job and redirects to its page.
func (h *Analytics) rowsExport(rw http.ResponseWriter, r *http.Request, family string) {
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	q := r.URL.Query()
	e, err := h.Reports.DrillExport(r.Context(), httpx.User(r), family, q, false)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if e.Total.Capped || e.Total.N > cmp.Or(h.ExportThreshold, listing.BackgroundThreshold) {
		q.Del("cursor")
		q.Del("limit")
		id, err := h.Jobs.Enqueue(r.Context(), httpx.User(r), report.RowsExportJob{Family: family, Query: q.Encode(), Format: string(format)})
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		redirect(rw, r, "/jobs/"+strconv.FormatInt(id, 10), "report_export_job")
		return
	}
	httpx.Attachment(rw, e.FileName(string(format)), format.ContentType())
	w, err := xlsx.Open(format, httpx.Streaming(rw))
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "report rows export", "err", err)
		return
	}
	if _, err := e.Write(r.Context(), w); err != nil && !httpx.ClientGone(r, err) {
		h.Logger.ErrorContext(r.Context(), "report rows export", "err", err, "request_id", httpx.RequestID(r.Context()))
	}
}

// serviceExport writes one table of a service report as CSV or XLSX.
func (h *Analytics) serviceExport(rw http.ResponseWriter, r *http.Request) {
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := report.FilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	rep, err := h.Reports.ServiceReport(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.exportTable(rw, r, rep, format)
}

// salesExport writes one table of a sales report (form field table) as
// CSV or XLSX (form field format); the filter is the query string.
func (h *Analytics) salesExport(rw http.ResponseWriter, r *http.Request) {
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := report.FilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	rep, err := h.Reports.SalesReport(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.exportTable(rw, r, rep, format)
}

// exportTable streams the table named by form field table of rep.
func (h *Analytics) exportTable(rw http.ResponseWriter, r *http.Request, rep *report.Report, format listing.Format) {
	t := rep.Table(r.PostFormValue("table"))
	if t == nil {
		h.fail(rw, r, apperr.Field("table", "没有这张报表"))
		return
	}
	name := fmt.Sprintf("%s-%s至%s.%s", t.Title, rep.Period.From, rep.Period.To, format)
	httpx.Attachment(rw, name, format.ContentType())
	w, err := xlsx.Open(format, httpx.Streaming(rw))
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "report export", "err", err)
		return
	}
	if _, err := t.Export(w); err != nil && !httpx.ClientGone(r, err) {
		h.Logger.ErrorContext(r.Context(), "report export", "err", err, "request_id", httpx.RequestID(r.Context()))
	}
}

func (h *Analytics) targets(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sh, err := h.Reports.Targets(r.Context(), httpx.User(r), q.Get("month"), atoi64(q.Get("store_id")))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_targets", &page{Title: "销售目标", Nav: "targets", Data: sh})
}

// saveTargets saves a store's target sheet: for each hidden user field the
// fields orders_<user>, deliveries_<user> and revenue_<user>.
func (h *Analytics) saveTargets(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	month, store := q.Get("month"), atoi64(q.Get("store_id"))
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无效"))
		return
	}
	var in []report.TargetInput
	for _, u := range r.PostForm["user"] {
		id := atoi64(u)
		in = append(in, report.TargetInput{UserID: id, Orders: r.PostFormValue("orders_" + u), Deliveries: r.PostFormValue("deliveries_" + u),
			Revenue: r.PostFormValue("revenue_" + u)})
	}
	err := h.Reports.SetTargets(r.Context(), httpx.User(r), month, store, in)
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		sh, lerr := h.Reports.Targets(r.Context(), httpx.User(r), month, store)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		h.formError(rw, r, "admin_targets", &page{Title: "销售目标", Nav: "targets", Data: sh, Form: r.PostForm, URL: r.URL.RequestURI()}, err)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/admin/targets?month="+url.QueryEscape(month)+"&store_id="+strconv.FormatInt(store, 10), "targets_saved")
}
