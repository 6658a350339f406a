package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/report"
)

// Customers serves the customer list, the 360° record with its timeline,
// editing, tags, notes, the revealed mobile, saved views and export.
type Customers struct {
	*Base
	Customers *customer.Service
	View      *report.Customer360
	Jobs      *jobs.Service
}

var salesStaff = []identity.Role{identity.RoleSales, identity.RoleAdmin}

// Routes returns the customer endpoints.
func (h *Customers) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(salesStaff, "GET", "/api/v1/customers", h.list),
		httpx.Only(salesStaff, "POST", "/api/v1/customers/export", h.export),
		httpx.Only(salesStaff, "GET", "/api/v1/customers/duplicates", h.duplicates),
		httpx.Only(salesStaff, "GET", "/api/v1/customers/{id}", h.get),
		httpx.Only(salesStaff, "POST", "/api/v1/customers/{id}/merge", h.merge),
		httpx.Only(salesStaff, "PATCH", "/api/v1/customers/{id}", h.update),
		httpx.Only(salesStaff, "GET", "/api/v1/customers/{id}/timeline", h.timeline),
		httpx.Only(salesStaff, "POST", "/api/v1/customers/{id}/reveal-mobile", h.reveal),
		httpx.Only(salesStaff, "POST", "/api/v1/customers/{id}/tags", h.addTag),
		httpx.Only(salesStaff, "DELETE", "/api/v1/customers/{id}/tags/{tag}", h.removeTag),
		httpx.Only(salesStaff, "POST", "/api/v1/customers/{id}/notes", h.addNote),
		httpx.Only(salesStaff, "GET", "/api/v1/customer-views", h.views),
		httpx.Only(salesStaff, "POST", "/api/v1/customer-views", h.saveView),
		httpx.Only(salesStaff, "DELETE", "/api/v1/customer-views/{id}", h.deleteView),
	}
}

// customerRowJSON is a customer as the list answers it (mobile masked).
type customerRowJSON struct {
	*customer.Row
	Stage         string     `json:"stage"`
	StageLabel    string     `json:"stage_label"`
	KindLabel     string     `json:"kind_label"`
	LastContactAt *time.Time `json:"last_contact_at"`
}

func toRow(r *customer.Row) customerRowJSON {
	out := customerRowJSON{Row: r, Stage: r.Stage, StageLabel: r.StageLabel(), KindLabel: r.KindLabel()}
	if !r.LastContactAt.IsZero() {
		t := r.LastContactAt
		out.LastContactAt = &t
	}
	return out
}

func (h *Customers) list(rw http.ResponseWriter, r *http.Request) {
	f, err := customer.FilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, total, err := h.Customers.List(r.Context(), httpx.User(r), f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	items := make([]customerRowJSON, 0, len(page.Items))
	for _, c := range page.Items {
		items = append(items, toRow(c))
	}
	writeJSON(rw, http.StatusOK, listBody(listing.Page[customerRowJSON]{Items: items, NextCursor: page.NextCursor}, total))
}

// export starts a background export of the filtered list (the query
// string is the list's filter) and answers 202 with the job to follow.
func (h *Customers) export(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Format string `json:"format"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	format, err := listing.ParseFormat(in.Format)
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
	if _, _, err := h.Customers.List(r.Context(), httpx.User(r), first); err != nil {
		h.fail(rw, r, err)
		return
	}
	id, err := h.Jobs.Enqueue(r.Context(), httpx.User(r), customer.ExportJob{Filter: f, Format: string(format)})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusAccepted, map[string]any{"job_id": id, "job_url": "/api/v1/jobs/" + strconv.FormatInt(id, 10)})
}

// customerJSON is a customer's 360° record.
type customerJSON struct {
	ID               int64                  `json:"id"`
	Name             string                 `json:"name"`
	Mobile           string                 `json:"mobile"`
	Gender           string                 `json:"gender"`
	BirthYear        *int64                 `json:"birth_year"`
	Province         string                 `json:"province"`
	City             string                 `json:"city"`
	Kind             string                 `json:"kind"`
	Stage            string                 `json:"stage"`
	Source           string                 `json:"source"`
	StoreID          int64                  `json:"store_id"`
	StoreName        string                 `json:"store_name"`
	SalesUserID      int64                  `json:"sales_user_id"`
	SalesName        string                 `json:"sales_name"`
	BudgetFen        *int64                 `json:"budget_fen"`
	ModelID          int64                  `json:"model_id"`
	ModelName        string                 `json:"model_of_interest"`
	Powertrain       string                 `json:"powertrain"`
	UsagePurpose     string                 `json:"usage_purpose"`
	HomeCharging     string                 `json:"home_charging"`
	FamilySize       *int64                 `json:"family_size"`
	Interests        string                 `json:"interests"`
	PreferredContact string                 `json:"preferred_contact"`
	ConsentMarketing bool                   `json:"consent_marketing"`
	ConsentAt        *time.Time             `json:"consent_at"`
	Notes            string                 `json:"notes"`
	LastContactAt    *time.Time             `json:"last_contact_at"`
	CreatedAt        time.Time              `json:"created_at"`
	UpdatedAt        time.Time              `json:"updated_at"`
	MergedInto       *int64                 `json:"merged_into"`
	Tags             []string               `json:"tags"`
	CanEdit          bool                   `json:"can_edit"`
	CanManage        bool                   `json:"can_manage"`
	Vehicles         []report.Vehicle       `json:"vehicles"`
	History          []customer.FieldChange `json:"history"`
}

func optInt(n int64, ok bool) *int64 {
	if !ok {
		return nil
	}
	return &n
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toCustomer(v *customer.View, vehicles []report.Vehicle) customerJSON {
	d := v.Detail
	out := customerJSON{ID: d.ID, Name: d.Name, Mobile: d.Mobile, Gender: d.Gender, BirthYear: optInt(d.BirthYear, d.BirthYear != 0),
		Province: d.Province, City: d.City, Kind: d.Kind, Stage: d.Stage, Source: d.Source, StoreID: d.StoreID, StoreName: d.StoreName,
		SalesUserID: d.SalesUserID, SalesName: d.SalesName, BudgetFen: optInt(d.BudgetFen, d.HasBudget), ModelID: d.ModelID,
		ModelName: d.ModelName, Powertrain: d.Powertrain, UsagePurpose: d.UsagePurpose, HomeCharging: d.HomeCharging,
		FamilySize: optInt(d.FamilySize, d.FamilySize != 0), Interests: d.Interests, PreferredContact: d.PreferredContact,
		ConsentMarketing: d.ConsentMarketing, ConsentAt: optTime(d.ConsentAt), Notes: d.Notes, LastContactAt: optTime(d.LastContactAt),
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, MergedInto: optInt(d.MergedInto, d.MergedInto != 0), Tags: d.Tags,
		CanEdit: d.CanEdit, CanManage: d.CanManage, Vehicles: vehicles, History: v.History}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if out.Vehicles == nil {
		out.Vehicles = []report.Vehicle{}
	}
	if out.History == nil {
		out.History = []customer.FieldChange{}
	}
	return out
}

func (h *Customers) write(rw http.ResponseWriter, r *http.Request, id int64) {
	v, err := h.Customers.Get(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	vehicles, err := h.View.Vehicles(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toCustomer(v, vehicles))
}

func (h *Customers) get(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.write(rw, r, id)
}

// update changes the fields in the body (names as in the 360° form: name,
// mobile, stage, budget in yuan, model_id, sales_user_id, ...); fields left
// out keep their values.
func (h *Customers) update(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in map[string]any
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	changes := map[string]string{}
	for k, v := range in {
		switch x := v.(type) {
		case nil:
			changes[k] = ""
		case string:
			changes[k] = x
		case bool:
			changes[k] = map[bool]string{true: "1", false: "0"}[x]
		case float64:
			changes[k] = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			h.fail(rw, r, apperr.Field(k, "字段类型不正确"))
			return
		}
	}
	if _, err := h.Customers.Update(r.Context(), httpx.User(r), id, changes); err != nil {
		h.fail(rw, r, err)
		return
	}
	h.write(rw, r, id)
}

func (h *Customers) timeline(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p, err := listing.ParseParams(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, err := h.View.Timeline(r.Context(), httpx.User(r), id, p.Limit, p.Cursor)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, page)
}

func (h *Customers) reveal(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	m, err := h.Customers.RevealMobile(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]string{"mobile": m})
}

func (h *Customers) addTag(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Tag string `json:"tag"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := h.Customers.AddTag(r.Context(), httpx.User(r), id, in.Tag); err != nil {
		h.fail(rw, r, err)
		return
	}
	h.write(rw, r, id)
}

func (h *Customers) removeTag(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	tag, err := url.PathUnescape(r.PathValue("tag"))
	if err != nil {
		h.fail(rw, r, apperr.Field("tag", "标签无效"))
		return
	}
	if err := h.Customers.RemoveTag(r.Context(), httpx.User(r), id, tag); err != nil {
		h.fail(rw, r, err)
		return
	}
	h.write(rw, r, id)
}

func (h *Customers) addNote(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	nid, err := h.Customers.AddNote(r.Context(), httpx.User(r), id, in.Body)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, map[string]any{"id": nid})
}

func (h *Customers) views(rw http.ResponseWriter, r *http.Request) {
	vs, err := h.Customers.Views(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if vs == nil {
		vs = []customer.SavedView{}
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": vs})
}

func (h *Customers) saveView(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Name  string `json:"name"`
		Query string `json:"query"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	q, err := url.ParseQuery(in.Query)
	if err != nil {
		h.fail(rw, r, apperr.Field("query", "筛选条件格式不正确"))
		return
	}
	f, err := customer.FilterFromQuery(q)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.Customers.SaveView(r.Context(), httpx.User(r), in.Name, f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, v)
}

func (h *Customers) deleteView(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := h.Customers.DeleteView(r.Context(), httpx.User(r), id); err != nil {
		h.fail(rw, r, err)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}
