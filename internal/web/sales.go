package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	pipeline "github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Sales serves the sales pipeline: leads with follow-ups and tasks, the
// opportunity kanban and list with orders and deliveries, test drives and
// test-drive cars, and the admin's lead assignment rules.
type Sales struct {
	*Renderer
	Sales *pipeline.Service
	Sites *site.Service
	// Models lists the vehicle models for the forms.
	Models func(r *http.Request) ([]vehicle.Model, error)
}

// Routes returns the pipeline's pages.
func (h *Sales) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(sales, "GET", "/sales/leads", h.leads),
		httpx.Only(sales, "POST", "/sales/leads/export", h.exportLeads),
		httpx.Only(sales, "GET", "/sales/leads/new", h.newLead),
		httpx.Only(sales, "POST", "/sales/leads", h.createLead),
		httpx.Only(sales, "GET", "/sales/leads/{id}", h.lead),
		httpx.Only(sales, "POST", "/sales/leads/{id}/follow-ups", h.leadFollowUp),
		httpx.Only(sales, "POST", "/sales/leads/{id}/assign", h.assignLead),
		httpx.Only(sales, "POST", "/sales/leads/{id}/disqualify", h.disqualify),
		httpx.Only(sales, "POST", "/sales/leads/{id}/convert", h.convert),
		httpx.Only(sales, "GET", "/sales/tasks", h.tasks),
		httpx.Only(sales, "POST", "/sales/tasks/{id}/done", h.taskDone),
		httpx.Only(admin, "GET", "/sales/rules", h.rules),
		httpx.Only(admin, "POST", "/sales/rules", h.createRule),
		httpx.Only(admin, "POST", "/sales/rules/{id}/delete", h.deleteRule),
		httpx.Only(sales, "GET", "/sales/opportunities", h.opportunities),
		httpx.Only(sales, "POST", "/sales/opportunities/export", h.exportOpps),
		httpx.Only(sales, "GET", "/sales/opportunities/{id}", h.opportunity),
		httpx.Only(sales, "POST", "/sales/opportunities/{id}", h.updateOpp),
		httpx.Only(sales, "POST", "/sales/opportunities/{id}/stage", h.moveStage),
		httpx.Only(sales, "POST", "/sales/opportunities/{id}/follow-ups", h.oppFollowUp),
		httpx.Only(sales, "POST", "/sales/opportunities/{id}/assign", h.assignOpp),
		httpx.Only(sales, "POST", "/sales/opportunities/{id}/order", h.createOrder),
		httpx.Only(sales, "GET", "/sales/orders/{id}", h.order),
		httpx.Only(sales, "POST", "/sales/orders/{id}/deliver", h.deliver),
		httpx.Only(sales, "GET", "/sales/test-drives", h.testDrives),
		httpx.Only(sales, "POST", "/sales/test-drives/export", h.exportTDs),
		httpx.Only(sales, "GET", "/sales/test-drives/new", h.newTestDrive),
		httpx.Only(sales, "GET", "/sales/test-drives/slots", h.slots),
		httpx.Only(sales, "POST", "/sales/test-drives", h.bookTestDrive),
		httpx.Only(sales, "GET", "/sales/test-drives/{id}", h.testDrive),
		httpx.Only(sales, "POST", "/sales/test-drives/{id}/outcome", h.outcome),
		httpx.Only(sales, "GET", "/sales/test-drive-cars", h.cars),
		httpx.Only(sales, "POST", "/sales/test-drive-cars", h.addCar),
		httpx.Only(sales, "POST", "/sales/test-drive-cars/{id}/active", h.carActive),
	}
}

// salesFlashes are the pipeline's success messages.
var salesFlashes = map[string]string{
	"lead_created":   "线索已创建并已分配负责人。",
	"followed":       "跟进已记录。",
	"lead_assigned":  "线索已重新分配，新负责人已收到通知。",
	"disqualified":   "线索已标记为无效/流失。",
	"converted":      "线索已转为商机。",
	"task_done":      "待办已完成。",
	"rule_created":   "分配规则已添加，新线索将按规则分配。",
	"rule_deleted":   "分配规则已删除。",
	"opp_saved":      "商机已保存。",
	"moved":          "商机阶段已更新。",
	"opp_assigned":   "商机已重新分配。",
	"order_created":  "订单已录入，可在订单页办理交付。",
	"delivered":      "交付完成：车辆已登记，客户已成为车主，车主账号已开通或关联。",
	"booked_drive":   "试驾已预约。",
	"outcome":        "试驾结果已登记。",
	"car_added":      "试驾车已添加。",
	"car_changed":    "试驾车状态已更新。",
	"export_started": "导出的记录较多，已转为后台任务；完成后可在任务页下载。",
}

func init() {
	for k, v := range salesFlashes {
		flashes[k] = v
	}
}

// listURLs fills the pager and export addresses of a list page.
type listURLs struct {
	Next, First, ExportURL string
}

func makeListURLs(r *http.Request, next string, exportPath string, keys ...string) listURLs {
	var u listURLs
	if next != "" {
		u.Next = withParam(r.URL, "cursor", next)
	}
	q := r.URL.Query()
	if q.Get("cursor") != "" {
		u.First = withParam(r.URL, "cursor", "")
	}
	eq := url.Values{}
	for _, k := range keys {
		if q.Get(k) != "" {
			eq.Set(k, q.Get(k))
		}
	}
	u.ExportURL = exportPath
	if len(eq) > 0 {
		u.ExportURL += "?" + eq.Encode()
	}
	return u
}

// listError shows a bad filter beside the filter bar (422); other errors
// go to fail. It reports whether it answered.
func (h *Sales) listError(rw http.ResponseWriter, r *http.Request, name string, p *page, err error) bool {
	if err == nil {
		return false
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		h.render(rw, r, http.StatusUnprocessableEntity, name, p)
		return true
	}
	h.fail(rw, r, err)
	return true
}

// leadsView is the data of the lead list.
type leadsView struct {
	Leads    []*pipeline.Lead
	Total    listing.Total
	Query    url.Values
	Statuses []pipeline.Code
	Sources  []pipeline.Code
	Sorts    listing.Orders
	Owners   []pipeline.Code
	// Bands are the score bands of the filter; ScoreSortURL sorts the
	// list by score (highest first).
	Bands        []pipeline.Code
	ScoreSortURL string
	listURLs
}

func (h *Sales) leads(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	u := httpx.User(r)
	v := &leadsView{Query: q, Statuses: pipeline.LeadStatuses, Sources: pipeline.Sources, Sorts: pipeline.LeadSorts, Bands: pipeline.ScoreBands}
	unpaged := *r.URL
	unpaged.RawQuery = withoutCursor(q).Encode()
	v.ScoreSortURL = withParam(&unpaged, "sort", "score_desc")
	p := &page{Title: "线索", Nav: "leads", Data: v}
	if u.SiteID != 0 {
		v.Owners, _ = h.Sales.Consultants(r.Context(), u, 0)
	}
	f, err := pipeline.LeadFilterFromQuery(u, q)
	if err == nil {
		var pg listing.Page[*pipeline.Lead]
		pg, v.Total, err = h.Sales.ListLeads(r.Context(), u, f)
		v.Leads = pg.Items
		v.listURLs = makeListURLs(r, pg.NextCursor, "/sales/leads/export", "q", "status", "source", "owner", "open", "sort", "store_id", "band")
	}
	if h.listError(rw, r, "sales_leads", p, err) {
		return
	}
	h.render(rw, r, http.StatusOK, "sales_leads", p)
}

// withoutCursor is q without the pager's cursor.
func withoutCursor(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		if k != "cursor" {
			c[k] = v
		}
	}
	return c
}

// exportList streams an export of a pipeline list, or starts nothing
// larger than the in-request limit: above listing.BackgroundThreshold rows
// the user is asked to narrow the filter (the pipeline lists of one store
// stay well below it; admins filter by store).
func (h *Sales) exportList(rw http.ResponseWriter, r *http.Request, base string, count func() (listing.Total, error), run func(w listing.Writer) error) {
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	total, err := count()
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if total.Capped || total.N > listing.BackgroundThreshold {
		h.fail(rw, r, apperr.New(apperr.Invalid, "筛选结果超过 "+listing.Thousands(listing.BackgroundThreshold)+" 条，请先按门店、状态或负责人缩小范围再导出"))
		return
	}
	name := base + "-" + time.Now().In(listing.Shanghai).Format("20060102-1504") + "." + string(format)
	httpx.Attachment(rw, name, format.ContentType())
	w, err := xlsx.Open(format, httpx.Streaming(rw))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := run(w); err != nil && !httpx.ClientGone(r, err) {
		h.Logger.ErrorContext(r.Context(), "export "+base, "err", err, "request_id", httpx.RequestID(r.Context()))
	}
}

func (h *Sales) exportLeads(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	f, err := pipeline.LeadFilterFromQuery(u, r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.exportList(rw, r, "线索", func() (listing.Total, error) {
		first := f
		first.Limit = 1
		_, t, err := h.Sales.ListLeads(r.Context(), u, first)
		return t, err
	}, func(w listing.Writer) error {
		_, err := h.Sales.ExportLeads(r.Context(), u, f, w)
		return err
	})
}

// leadFormData is what the new-lead form needs.
func (h *Sales) leadFormData(r *http.Request) (map[string]any, error) {
	models, err := h.Models(r)
	if err != nil {
		return nil, err
	}
	d := map[string]any{"Sources": pipeline.Sources, "Models": models}
	u := httpx.User(r)
	if u.SiteID != 0 {
		if d["Owners"], err = h.Sales.Consultants(r.Context(), u, 0); err != nil {
			return nil, err
		}
	} else {
		if d["Stores"], err = h.Sites.List(r.Context(), site.Store, "", 500); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (h *Sales) newLead(rw http.ResponseWriter, r *http.Request) {
	d, err := h.leadFormData(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "sales_lead_new", &page{Title: "新建线索", Nav: "leads", Data: d, Form: url.Values{"source": {"walk_in"}}})
}

func formID(f url.Values, k string) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(f.Get(k)), 10, 64)
	return id
}

func (h *Sales) createLead(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	budget, ok := pipeline.ParseYuan(f.Get("budget"))
	in := pipeline.LeadInput{Name: f.Get("name"), Mobile: f.Get("mobile"), City: f.Get("city"), Source: f.Get("source"),
		StoreID: formID(f, "store_id"), OwnerID: formID(f, "owner_id"), ModelID: formID(f, "model_id"), BudgetFen: budget, Note: f.Get("note")}
	var err error
	if !ok {
		err = apperr.Field("budget", "预算请填写金额（元），如 250000")
	} else {
		var l *pipeline.Lead
		if l, err = h.Sales.CreateLead(r.Context(), httpx.User(r), in); err == nil {
			redirect(rw, r, "/sales/leads/"+strconv.FormatInt(l.ID, 10), "lead_created")
			return
		}
	}
	d, lerr := h.leadFormData(r)
	if lerr != nil {
		h.fail(rw, r, lerr)
		return
	}
	h.formError(rw, r, "sales_lead_new", &page{Title: "新建线索", Nav: "leads", Data: d, URL: "/sales/leads/new"}, err)
}

// leadView is the data of a lead's page.
type leadView struct {
	*pipeline.LeadDetail
	Channels    []pipeline.Code
	Owners      []pipeline.Code
	Models      []vehicle.Model
	LostReasons []string
	Now         time.Time
	Tomorrow    string // default next follow-up time (datetime-local)
}

func (h *Sales) loadLead(r *http.Request, id int64) (*leadView, error) {
	d, err := h.Sales.GetLead(r.Context(), httpx.User(r), id)
	if err != nil {
		return nil, err
	}
	v := &leadView{LeadDetail: d, Channels: pipeline.Channels, LostReasons: pipeline.LostReasons, Now: h.Sales.Now()}
	v.Tomorrow = v.Now.In(pipeline.Shanghai).Add(24 * time.Hour).Truncate(time.Hour).Format("2006-01-02T15:04")
	if d.CanAssign {
		if v.Owners, err = h.Sales.Consultants(r.Context(), httpx.User(r), d.Lead.StoreID); err != nil {
			return nil, err
		}
	}
	if v.Models, err = h.Models(r); err != nil {
		return nil, err
	}
	return v, nil
}

func (h *Sales) lead(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.loadLead(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "sales_lead", &page{Title: "线索 · " + v.Lead.CustomerName, Nav: "leads", Data: v,
		Form: url.Values{"channel": {"phone"}, "next_at": {v.Tomorrow}}})
}

// leadAct runs a POST on lead {id}: redirect with flash, or the page again
// with the message beside the field.
func (h *Sales) leadAct(rw http.ResponseWriter, r *http.Request, flash string, do func(id int64, f url.Values) (string, error)) {
	id, err := pathID(r)
	if err == nil && r.ParseForm() != nil {
		err = apperr.New(apperr.Invalid, "表单无法解析")
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	target, err := do(id, r.PostForm)
	if err == nil {
		redirect(rw, r, cmp.Or(target, "/sales/leads/"+strconv.FormatInt(id, 10)), flash)
		return
	}
	v, lerr := h.loadLead(r, id)
	if lerr != nil {
		h.fail(rw, r, lerr)
		return
	}
	h.formError(rw, r, "sales_lead", &page{Title: "线索 · " + v.Lead.CustomerName, Nav: "leads", Data: v, URL: "/sales/leads/" + strconv.FormatInt(id, 10)}, err)
}

// parseLocal parses a datetime-local value ("2026-11-29T15:00") in
// Shanghai; "" is the zero time.
func parseLocal(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, pipeline.Shanghai)
	return t, err == nil
}

func followUpInput(f url.Values) (pipeline.FollowUpInput, error) {
	next, ok := parseLocal(f.Get("next_at"))
	if !ok {
		return pipeline.FollowUpInput{}, apperr.Field("next_at", "请选择下次跟进时间")
	}
	in := pipeline.FollowUpInput{Channel: f.Get("channel"), Content: f.Get("content"), NextAction: f.Get("next_action"), NextAt: next}
	if strings.TrimSpace(in.NextAction) == "" {
		in.NextAt = time.Time{} // no next step: the preset time is ignored
	}
	return in, nil
}

func (h *Sales) leadFollowUp(rw http.ResponseWriter, r *http.Request) {
	h.leadAct(rw, r, "followed", func(id int64, f url.Values) (string, error) {
		in, err := followUpInput(f)
		if err != nil {
			return "", err
		}
		_, err = h.Sales.LogLeadFollowUp(r.Context(), httpx.User(r), id, in)
		return "", err
	})
}

func (h *Sales) assignLead(rw http.ResponseWriter, r *http.Request) {
	h.leadAct(rw, r, "lead_assigned", func(id int64, f url.Values) (string, error) {
		_, err := h.Sales.AssignLead(r.Context(), httpx.User(r), id, formID(f, "owner_id"))
		return "", err
	})
}

func (h *Sales) disqualify(rw http.ResponseWriter, r *http.Request) {
	h.leadAct(rw, r, "disqualified", func(id int64, f url.Values) (string, error) {
		_, err := h.Sales.DisqualifyLead(r.Context(), httpx.User(r), id, f.Get("reason"))
		return "", err
	})
}

func (h *Sales) convert(rw http.ResponseWriter, r *http.Request) {
	h.leadAct(rw, r, "converted", func(id int64, f url.Values) (string, error) {
		amount, ok := pipeline.ParseYuan(f.Get("amount"))
		if !ok {
			return "", apperr.Field("amount", "金额请填写元，如 258000")
		}
		var closeOn time.Time
		if s := f.Get("expected_close_on"); s != "" {
			if closeOn, ok = pipeline.ParseDay(s); !ok {
				return "", apperr.Field("expected_close_on", "请选择日期")
			}
		}
		oppID, err := h.Sales.ConvertLead(r.Context(), httpx.User(r), id, pipeline.ConvertInput{ModelID: formID(f, "model_id"), AmountFen: amount, ExpectedCloseOn: closeOn})
		return "/sales/opportunities/" + strconv.FormatInt(oppID, 10), err
	})
}

// tasksView is the data of the task lists.
type tasksView struct {
	View   string
	Store  bool
	Tasks  []*pipeline.FollowUp
	Counts map[string]int
	Now    time.Time
	Views  []pipeline.Code
}

func (h *Sales) tasks(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	view := cmp.Or(r.URL.Query().Get("view"), "today")
	store := r.URL.Query().Get("scope") == "store"
	v := &tasksView{View: view, Store: store, Counts: map[string]int{}, Now: h.Sales.Now(),
		Views: []pipeline.Code{{Code: "today", Label: "今日待办"}, {Code: "overdue", Label: "已逾期"}, {Code: "upcoming", Label: "即将到期"}}}
	for _, x := range v.Views {
		list, n, err := h.Sales.Tasks(r.Context(), u, pipeline.TaskView(x.Code), store)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		v.Counts[x.Code] = n
		if x.Code == view {
			v.Tasks = list
		}
	}
	if _, ok := v.Counts[view]; !ok {
		h.fail(rw, r, apperr.New(apperr.NotFound, "页面不存在"))
		return
	}
	h.render(rw, r, http.StatusOK, "sales_tasks", &page{Title: "待办", Nav: "tasks", Data: v})
}

func (h *Sales) taskDone(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := h.Sales.CompleteTask(r.Context(), httpx.User(r), id); err != nil {
		h.fail(rw, r, err)
		return
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/sales/") || strings.HasPrefix(back, "//") {
		back = "/sales/tasks"
	}
	redirect(rw, r, back, "task_done")
}

func (h *Sales) rulesPage(rw http.ResponseWriter, r *http.Request, status int, p *page) {
	rules, err := h.Sales.Rules(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	stores, err := h.Sites.List(r.Context(), site.Store, "", 500)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p.Title, p.Nav = "线索分配规则", "rules"
	p.Data = map[string]any{"Rules": rules, "Stores": stores}
	h.render(rw, r, status, "sales_rules", p)
}

func (h *Sales) rules(rw http.ResponseWriter, r *http.Request) {
	h.rulesPage(rw, r, http.StatusOK, &page{Form: url.Values{"kind": {"round_robin"}}})
}

func (h *Sales) createRule(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	_, err := h.Sales.CreateRule(r.Context(), httpx.User(r), pipeline.RuleInput{Kind: f.Get("kind"), StoreID: formID(f, "store_id"), City: f.Get("city"), UserID: formID(f, "user_id")})
	if err == nil {
		redirect(rw, r, "/sales/rules", "rule_created")
		return
	}
	e := apperr.As(err)
	if e == nil {
		h.fail(rw, r, err)
		return
	}
	h.rulesPage(rw, r, httpx.Status(e.Code), &page{Error: e.Message, Fields: e.Fields, Form: r.PostForm, URL: "/sales/rules"})
}

func (h *Sales) deleteRule(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Sales.DeleteRule(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/sales/rules", "rule_deleted")
}
