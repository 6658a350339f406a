package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/leadscore"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	"github.com/nevcrm/nevcrm/internal/report"
	"github.com/nevcrm/nevcrm/internal/site"
)

// Customers serves the sales workspace's customer pages: the list with
// its filters, saved views and export, and the 360° page of one customer
// with in-place editing, tags, notes, the revealed mobile and the
// timeline.
type Customers struct {
	*Renderer
	Customers *customer.Service
	View      *report.Customer360
	Sites     *site.Service
	Jobs      *jobs.Service
	// Scores, when set, adds the lead and owner scores to the 360° page.
	Scores *leadscore.Service
	// ExportThreshold is the row count above which an export runs as a
	// background job (listing.BackgroundThreshold when 0).
	ExportThreshold int
}

// Routes returns the customer pages.
func (h *Customers) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(sales, "GET", "/sales/customers", h.list),
		httpx.Only(sales, "POST", "/sales/customers/export", h.export),
		httpx.Only(sales, "POST", "/sales/customers/views", h.saveView),
		httpx.Only(sales, "POST", "/sales/customers/views/{id}/delete", h.deleteView),
		httpx.Only(sales, "GET", "/sales/customers/duplicates", h.duplicates),
		httpx.Only(sales, "GET", "/sales/customers/import", h.importForm("customers")),
		httpx.Only(sales, "POST", "/sales/customers/import", h.upload("customers")),
		httpx.Only(sales, "GET", "/sales/leads/import", h.importForm("leads")),
		httpx.Only(sales, "POST", "/sales/leads/import", h.upload("leads")),
		httpx.Only(sales, "GET", "/sales/customer-imports/{id}", h.importPage),
		httpx.Only(sales, "POST", "/sales/customer-imports/{id}/mapping", h.setMapping),
		httpx.Only(sales, "POST", "/sales/customer-imports/{id}/run", h.runImport),
		httpx.Only(sales, "GET", "/sales/customers/{id}", h.detail),
		httpx.Only(sales, "GET", "/sales/customers/{id}/merge", h.mergePage),
		httpx.Only(sales, "POST", "/sales/customers/{id}/merge", h.merge),
		httpx.Only(sales, "POST", "/sales/customers/{id}", h.update),
		httpx.Only(sales, "POST", "/sales/customers/{id}/reveal", h.reveal),
		httpx.Only(sales, "POST", "/sales/customers/{id}/tags", h.addTag),
		httpx.Only(sales, "POST", "/sales/customers/{id}/tags/remove", h.removeTag),
		httpx.Only(sales, "POST", "/sales/customers/{id}/notes", h.addNote),
	}
}

// customersView is the data of the customer list.
type customersView struct {
	Rows        []*customer.Row
	Total       listing.Total
	Next, First string
	Query       url.Values
	Sorts       listing.Orders
	Kinds       []customer.Option
	Stages      []customer.Option
	Sources     []customer.Option
	Models      []customer.Model
	Consultants []customer.Consultant
	Stores      []*site.Site // admins: the store filter
	Tags        []string
	Views       []customer.SavedView
	ExportURL   string // the export form's address: the list's filter
	ViewURL     string // the save-view form's address: the list's filter
	Filtered    bool
}

func (h *Customers) list(rw http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.User(r)
	q := r.URL.Query()
	v := &customersView{Query: q, Sorts: customer.Sorts, Kinds: customer.Kinds, Stages: customer.Stages, Sources: customer.Sources}
	p := &page{Title: "客户管理", Nav: "customers", Data: v}
	var err error
	if v.Models, err = h.Customers.Models(ctx); err != nil {
		h.fail(rw, r, err)
		return
	}
	store := actor.SiteID
	if actor.Is("admin") {
		if v.Stores, err = h.Sites.List(ctx, site.Store, "", 500); err != nil {
			h.fail(rw, r, err)
			return
		}
		store, _ = strconv.ParseInt(q.Get("store_id"), 10, 64)
	}
	if store != 0 {
		if v.Consultants, err = h.Customers.Consultants(ctx, actor, store); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	if v.Tags, err = h.Customers.PopularTags(ctx, actor, 30); err != nil {
		h.fail(rw, r, err)
		return
	}
	if v.Views, err = h.Customers.Views(ctx, actor); err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := customer.FilterFromQuery(q)
	if err == nil {
		var pg listing.Page[*customer.Row]
		pg, v.Total, err = h.Customers.List(ctx, actor, f)
		v.Rows = pg.Items
		if pg.HasNext() {
			v.Next = withParam(r.URL, "cursor", pg.NextCursor)
		}
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		h.render(rw, r, http.StatusUnprocessableEntity, "customers", p)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if q.Get("cursor") != "" {
		v.First = withParam(r.URL, "cursor", "")
	}
	fq := f.Values()
	v.Filtered = len(fq) > 0
	v.ExportURL, v.ViewURL = "/sales/customers/export", "/sales/customers/views"
	if v.Filtered {
		v.ExportURL += "?" + fq.Encode()
		v.ViewURL += "?" + fq.Encode()
	}
	h.render(rw, r, http.StatusOK, "customers", p)
}

// export streams every customer that matches the list's filter as CSV or
// XLSX with no row cap; above the threshold it runs as a background job.
func (h *Customers) export(rw http.ResponseWriter, r *http.Request) {
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := customer.FilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	first := f
	first.Limit = 1
	_, total, err := h.Customers.List(r.Context(), httpx.User(r), first)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if total.Capped || total.N > cmp.Or(h.ExportThreshold, listing.BackgroundThreshold) {
		id, err := h.Jobs.Enqueue(r.Context(), httpx.User(r), customer.ExportJob{Filter: f, Format: string(format)})
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		redirect(rw, r, "/jobs/"+strconv.FormatInt(id, 10), "customer_export_job")
		return
	}
	httpx.Attachment(rw, customer.ExportFileName(time.Now(), string(format)), format.ContentType())
	w, err := xlsx.Open(format, httpx.Streaming(rw))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if _, err := h.Customers.Export(r.Context(), httpx.User(r), f, w); err != nil && !httpx.ClientGone(r, err) {
		h.Logger.ErrorContext(r.Context(), "export customers", "err", err, "request_id", httpx.RequestID(r.Context()))
	}
}

func (h *Customers) saveView(rw http.ResponseWriter, r *http.Request) {
	f, err := customer.FilterFromQuery(r.URL.Query())
	if err == nil {
		_, err = h.Customers.SaveView(r.Context(), httpx.User(r), r.PostFormValue("name"), f)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	target := "/sales/customers"
	if fq := f.Values(); len(fq) > 0 {
		target += "?" + fq.Encode()
	}
	redirect(rw, r, target, "view_saved")
}

func (h *Customers) deleteView(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Customers.DeleteView(r.Context(), httpx.User(r), id)
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/sales/customers", "view_deleted")
}

// customerView is the data of the 360° page.
type customerView struct {
	*customer.View
	Vehicles    []report.Vehicle
	Timeline    []report.Event
	Next, First string
	Models      []customer.Model
	Consultants []customer.Consultant
	Opts        map[string][]customer.Option
	Revealed    string // the full mobile, after 显示号码
	Scores      *leadscore.CustomerScores
}

func (h *Customers) load(r *http.Request, id int64) (*customerView, error) {
	ctx, actor := r.Context(), httpx.User(r)
	c, err := h.Customers.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	v := &customerView{View: c, Opts: map[string][]customer.Option{"gender": customer.Genders, "stage": customer.Stages,
		"source": customer.Sources, "powertrain": customer.Powertrains, "usage_purpose": customer.Usages,
		"home_charging": customer.HomeChargings, "preferred_contact": customer.Contacts}}
	if v.Vehicles, err = h.View.Vehicles(ctx, actor, id); err != nil {
		return nil, err
	}
	cursor := r.URL.Query().Get("cursor")
	tl, err := h.View.Timeline(ctx, actor, id, 20, cursor)
	if err != nil {
		return nil, err
	}
	v.Timeline = tl.Items
	if tl.HasNext() {
		v.Next = "/sales/customers/" + strconv.FormatInt(id, 10) + "?cursor=" + url.QueryEscape(tl.NextCursor) + "#timeline"
	}
	if cursor != "" {
		v.First = "/sales/customers/" + strconv.FormatInt(id, 10) + "#timeline"
	}
	if v.Models, err = h.Customers.Models(ctx); err != nil {
		return nil, err
	}
	if c.CanManage {
		if v.Consultants, err = h.Customers.Consultants(ctx, actor, c.StoreID); err != nil {
			return nil, err
		}
	}
	if h.Scores != nil {
		// The customer was read for actor above: its scores may be shown.
		if v.Scores, err = h.Scores.ForCustomer(ctx, actor, id); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// customerForm is the edit form's values for customer d.
func customerForm(d *customer.Detail) url.Values {
	f := url.Values{}
	for name, value := range customer.FormValues(d) {
		f.Set(name, value)
	}
	return f
}

func (h *Customers) detail(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.load(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if v.MergedInto != 0 {
		redirect(rw, r, "/sales/customers/"+strconv.FormatInt(v.MergedInto, 10), "merged_away")
		return
	}
	h.render(rw, r, http.StatusOK, "customer", &page{Title: v.Name, Nav: "customers", Form: customerForm(v.Detail), Data: v})
}

// act runs one POST action on customer {id}: on success it redirects to
// the customer with flash; a refused action re-renders the page with the
// message beside its field.
func (h *Customers) act(rw http.ResponseWriter, r *http.Request, flash string, do func(id int64, f url.Values) error) {
	id, err := pathID(r)
	if err == nil && r.ParseForm() != nil {
		err = apperr.New(apperr.Invalid, "表单无法解析")
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := do(id, r.PostForm); err != nil {
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid {
			h.fail(rw, r, err)
			return
		}
		v, lerr := h.load(r, id)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		for k, vs := range customerForm(v.Detail) {
			if _, sent := r.Form[k]; !sent {
				r.Form[k] = vs
			}
		}
		p := &page{Title: v.Name, Nav: "customers", Data: v, URL: "/sales/customers/" + strconv.FormatInt(id, 10)}
		h.formError(rw, r, "customer", p, err)
		return
	}
	redirect(rw, r, "/sales/customers/"+strconv.FormatInt(id, 10), flash)
}

func (h *Customers) update(rw http.ResponseWriter, r *http.Request) {
	h.act(rw, r, "saved", func(id int64, f url.Values) error {
		changes := map[string]string{}
		for _, name := range customer.FieldNames() {
			if _, ok := f[name]; ok && (name != "mobile" || f.Get(name) != "") {
				changes[name] = f.Get(name)
			}
		}
		_, err := h.Customers.Update(r.Context(), httpx.User(r), id, changes)
		return err
	})
}

// reveal shows the page with the full mobile number (never in a URL): the
// answer to the POST is the page itself, and the look is audited.
func (h *Customers) reveal(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	mobile, err := h.Customers.RevealMobile(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.load(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v.Revealed = mobile
	h.render(rw, r, http.StatusOK, "customer", &page{Title: v.Name, Nav: "customers", Form: customerForm(v.Detail), Data: v,
		URL: "/sales/customers/" + strconv.FormatInt(id, 10)})
}

func (h *Customers) addTag(rw http.ResponseWriter, r *http.Request) {
	h.act(rw, r, "tagged", func(id int64, f url.Values) error {
		return h.Customers.AddTag(r.Context(), httpx.User(r), id, f.Get("tag"))
	})
}

func (h *Customers) removeTag(rw http.ResponseWriter, r *http.Request) {
	h.act(rw, r, "untagged", func(id int64, f url.Values) error {
		return h.Customers.RemoveTag(r.Context(), httpx.User(r), id, f.Get("tag"))
	})
}

func (h *Customers) addNote(rw http.ResponseWriter, r *http.Request) {
	h.act(rw, r, "noted", func(id int64, f url.Values) error {
		_, err := h.Customers.AddNote(r.Context(), httpx.User(r), id, f.Get("body"))
		return err
	})
}
