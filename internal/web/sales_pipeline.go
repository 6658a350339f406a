package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/listing"
	pipeline "github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// oppsView is the data of the opportunity kanban and list.
type oppsView struct {
	Board    bool
	Columns  []*pipeline.Column
	Pipeline pipeline.Pipeline
	Opps     []*pipeline.Opportunity
	Total    listing.Total
	Query    url.Values
	Stages   []pipeline.Code
	Sorts    listing.Orders
	Owners   []pipeline.Code
	Reasons  []string
	listURLs
}

func (h *Sales) opportunities(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	u := httpx.User(r)
	v := &oppsView{Board: q.Get("view") != "list", Query: q, Stages: pipeline.Stages, Sorts: pipeline.OppSorts, Reasons: pipeline.LostReasons}
	p := &page{Title: "商机", Nav: "opportunities", Data: v}
	if u.SiteID != 0 {
		v.Owners, _ = h.Sales.Consultants(r.Context(), u, 0)
	}
	f, err := pipeline.OppFilterFromQuery(u, q)
	if err == nil {
		if v.Board {
			v.Columns, v.Pipeline, err = h.Sales.Board(r.Context(), u, f)
		} else {
			var pg listing.Page[*pipeline.Opportunity]
			pg, v.Total, err = h.Sales.ListOpportunities(r.Context(), u, f)
			v.Opps = pg.Items
			v.listURLs = makeListURLs(r, pg.NextCursor, "", "q", "stage", "owner", "open", "sort", "store_id")
		}
	}
	v.ExportURL = makeListURLs(r, "", "/sales/opportunities/export", "q", "stage", "owner", "open", "sort", "store_id").ExportURL
	if h.listError(rw, r, "sales_opportunities", p, err) {
		return
	}
	h.render(rw, r, http.StatusOK, "sales_opportunities", p)
}

func (h *Sales) exportOpps(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	f, err := pipeline.OppFilterFromQuery(u, r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.exportList(rw, r, "商机", func() (listing.Total, error) {
		first := f
		first.Limit = 1
		_, t, err := h.Sales.ListOpportunities(r.Context(), u, first)
		return t, err
	}, func(w listing.Writer) error {
		_, err := h.Sales.ExportOpportunities(r.Context(), u, f, w)
		return err
	})
}

// oppView is the data of an opportunity's page.
type oppView struct {
	*pipeline.OppDetail
	Stages   []pipeline.Code
	Channels []pipeline.Code
	Owners   []pipeline.Code
	Models   []vehicle.Model
	Reasons  []string
	Tomorrow string
}

func (h *Sales) loadOpp(r *http.Request, id int64) (*oppView, error) {
	d, err := h.Sales.GetOpportunity(r.Context(), httpx.User(r), id)
	if err != nil {
		return nil, err
	}
	v := &oppView{OppDetail: d, Stages: pipeline.Stages, Channels: pipeline.Channels, Reasons: pipeline.LostReasons,
		Tomorrow: h.Sales.Now().In(pipeline.Shanghai).Add(24 * time.Hour).Truncate(time.Hour).Format("2006-01-02T15:04")}
	if d.CanAssign {
		if v.Owners, err = h.Sales.Consultants(r.Context(), httpx.User(r), d.Opp.StoreID); err != nil {
			return nil, err
		}
	}
	if v.Models, err = h.Models(r); err != nil {
		return nil, err
	}
	return v, nil
}

// oppForm is the edit and order forms' values for an opportunity.
func oppForm(v *oppView) url.Values {
	o := v.Opp
	f := url.Values{"model_id": {strconv.FormatInt(o.ModelID, 10)}, "amount": {yuanInput(o.AmountFen)}, "channel": {"phone"}, "next_at": {v.Tomorrow},
		"price": {yuanInput(o.AmountFen)}, "deposit": {"5000"}}
	if !o.ExpectedCloseOn.IsZero() {
		f.Set("expected_close_on", o.ExpectedCloseOn.Format("2006-01-02"))
	}
	return f
}

// yuanInput writes fen as a yuan input value ("258000", "258000.50").
func yuanInput(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return listing.Fen(fen).Yuan()
}

func (h *Sales) opportunity(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.loadOpp(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "sales_opportunity", &page{Title: "商机 · " + v.Opp.CustomerName, Nav: "opportunities", Data: v, Form: oppForm(v)})
}

func (h *Sales) oppAct(rw http.ResponseWriter, r *http.Request, flash string, do func(id int64, f url.Values) (string, error)) {
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
		redirect(rw, r, cmp.Or(target, "/sales/opportunities/"+strconv.FormatInt(id, 10)), flash)
		return
	}
	v, lerr := h.loadOpp(r, id)
	if lerr != nil {
		h.fail(rw, r, lerr)
		return
	}
	for k, vs := range oppForm(v) {
		if _, sent := r.Form[k]; !sent {
			r.Form[k] = vs
		}
	}
	h.formError(rw, r, "sales_opportunity", &page{Title: "商机 · " + v.Opp.CustomerName, Nav: "opportunities", Data: v,
		URL: "/sales/opportunities/" + strconv.FormatInt(id, 10)}, err)
}

func yuanField(f url.Values, name, msg string) (int64, error) {
	n, ok := pipeline.ParseYuan(f.Get(name))
	if !ok {
		return 0, apperr.Field(name, msg)
	}
	return n, nil
}

func (h *Sales) updateOpp(rw http.ResponseWriter, r *http.Request) {
	h.oppAct(rw, r, "opp_saved", func(id int64, f url.Values) (string, error) {
		amount, err := yuanField(f, "amount", "金额请填写元，如 258000")
		if err != nil {
			return "", err
		}
		var closeOn time.Time
		if s := f.Get("expected_close_on"); s != "" {
			var ok bool
			if closeOn, ok = pipeline.ParseDay(s); !ok {
				return "", apperr.Field("expected_close_on", "请选择日期")
			}
		}
		_, err = h.Sales.UpdateOpportunity(r.Context(), httpx.User(r), id, pipeline.OppUpdate{ModelID: formID(f, "model_id"), AmountFen: amount, ExpectedCloseOn: closeOn})
		return "", err
	})
}

func (h *Sales) moveStage(rw http.ResponseWriter, r *http.Request) {
	h.oppAct(rw, r, "moved", func(id int64, f url.Values) (string, error) {
		amount, err := yuanField(f, "stage_amount", "金额请填写元，如 258000")
		if err != nil {
			return "", apperr.Field("amount", "金额请填写元，如 258000")
		}
		_, err = h.Sales.MoveStage(r.Context(), httpx.User(r), id, pipeline.MoveInput{Stage: f.Get("stage"), AmountFen: amount, LostReason: f.Get("lost_reason"), Note: f.Get("note")})
		if err == nil && f.Get("back") == "board" {
			return "/sales/opportunities", nil
		}
		return "", err
	})
}

func (h *Sales) oppFollowUp(rw http.ResponseWriter, r *http.Request) {
	h.oppAct(rw, r, "followed", func(id int64, f url.Values) (string, error) {
		in, err := followUpInput(f)
		if err != nil {
			return "", err
		}
		_, err = h.Sales.LogOppFollowUp(r.Context(), httpx.User(r), id, in)
		return "", err
	})
}

func (h *Sales) assignOpp(rw http.ResponseWriter, r *http.Request) {
	h.oppAct(rw, r, "opp_assigned", func(id int64, f url.Values) (string, error) {
		return "", h.Sales.AssignOpportunity(r.Context(), httpx.User(r), id, formID(f, "owner_id"))
	})
}

func (h *Sales) createOrder(rw http.ResponseWriter, r *http.Request) {
	h.oppAct(rw, r, "order_created", func(id int64, f url.Values) (string, error) {
		var v apperr.Validator
		price, ok := pipeline.ParseYuan(f.Get("price"))
		v.Check(ok, "price", "成交价请填写元，如 268000")
		discount, ok := pipeline.ParseYuan(f.Get("discount"))
		v.Check(ok, "discount", "优惠请填写元")
		deposit, ok := pipeline.ParseYuan(f.Get("deposit"))
		v.Check(ok, "deposit", "定金请填写元")
		if err := v.Err(); err != nil {
			return "", err
		}
		o, err := h.Sales.CreateOrder(r.Context(), httpx.User(r), id, pipeline.OrderInput{ModelID: formID(f, "model_id"), Configuration: f.Get("configuration"),
			Color: f.Get("color"), PriceFen: price, DiscountFen: discount, DepositFen: deposit})
		if err != nil {
			return "", err
		}
		return "/sales/orders/" + strconv.FormatInt(o.ID, 10), nil
	})
}

// orderView is the data of an order's page.
type orderView struct {
	Order        *pipeline.Order
	NeedPassword bool
	BindCodes    bool
	CanWork      bool
}

func (h *Sales) loadOrder(r *http.Request, id int64) (*orderView, url.Values, error) {
	u := httpx.User(r)
	o, err := h.Sales.GetOrder(r.Context(), u, id)
	if err != nil {
		return nil, nil, err
	}
	v := &orderView{Order: o, BindCodes: h.Sales.HasBindCodes(), CanWork: o.CanWork}
	form := url.Values{}
	if o.Status == "ordered" {
		if v.NeedPassword, err = h.Sales.NeedsPassword(r.Context(), u, id); err != nil {
			return nil, nil, err
		}
		vin, err := h.Sales.SuggestVIN(r.Context(), u, id)
		if err != nil {
			return nil, nil, err
		}
		form.Set("vin", vin)
	}
	return v, form, nil
}

func (h *Sales) order(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, form, err := h.loadOrder(r, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "sales_order", &page{Title: "订单 " + v.Order.Code, Nav: "opportunities", Data: v, Form: form})
}

func (h *Sales) deliver(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil && r.ParseForm() != nil {
		err = apperr.New(apperr.Invalid, "表单无法解析")
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f := r.PostForm
	_, err = h.Sales.Deliver(r.Context(), httpx.User(r), id, pipeline.DeliverInput{VIN: f.Get("vin"), Plate: f.Get("plate"), Password: f.Get("password")})
	if err == nil {
		redirect(rw, r, "/sales/orders/"+strconv.FormatInt(id, 10), "delivered")
		return
	}
	v, _, lerr := h.loadOrder(r, id)
	if lerr != nil {
		h.fail(rw, r, lerr)
		return
	}
	r.Form.Del("password")
	h.formError(rw, r, "sales_order", &page{Title: "订单 " + v.Order.Code, Nav: "opportunities", Data: v, URL: "/sales/orders/" + strconv.FormatInt(id, 10)}, err)
}

// tdsView is the data of the test-drive list.
type tdsView struct {
	Drives   []*pipeline.TestDrive
	Total    listing.Total
	Query    url.Values
	Statuses []pipeline.Code
	Sorts    listing.Orders
	Cars     []*pipeline.Car
	listURLs
}

func (h *Sales) testDrives(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	u := httpx.User(r)
	v := &tdsView{Query: q, Statuses: pipeline.TestDriveStatuses, Sorts: pipeline.TDSorts}
	p := &page{Title: "试驾", Nav: "test-drives", Data: v}
	if u.SiteID != 0 {
		v.Cars, _ = h.Sales.Cars(r.Context(), u, 0)
	}
	f, err := pipeline.TDFilterFromQuery(u, q)
	if err == nil {
		var pg listing.Page[*pipeline.TestDrive]
		pg, v.Total, err = h.Sales.ListTestDrives(r.Context(), u, f)
		v.Drives = pg.Items
		v.listURLs = makeListURLs(r, pg.NextCursor, "/sales/test-drives/export", "status", "car_id", "owner", "from", "to", "sort", "store_id")
	}
	if h.listError(rw, r, "sales_test_drives", p, err) {
		return
	}
	h.render(rw, r, http.StatusOK, "sales_test_drives", p)
}

func (h *Sales) exportTDs(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	f, err := pipeline.TDFilterFromQuery(u, r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.exportList(rw, r, "试驾", func() (listing.Total, error) {
		first := f
		first.Limit = 1
		_, t, err := h.Sales.ListTestDrives(r.Context(), u, first)
		return t, err
	}, func(w listing.Writer) error {
		_, err := h.Sales.ExportTestDrives(r.Context(), u, f, w)
		return err
	})
}

// bookView is the data of the booking form.
type bookView struct {
	Lead  *pipeline.Lead
	Cars  []*pipeline.Car
	Slots []pipeline.Slot
	Dates []string
}

func (h *Sales) loadBook(r *http.Request, q url.Values) (*bookView, error) {
	u := httpx.User(r)
	leadID, _ := strconv.ParseInt(q.Get("lead_id"), 10, 64)
	d, err := h.Sales.GetLead(r.Context(), u, leadID)
	if err != nil {
		return nil, err
	}
	v := &bookView{Lead: d.Lead}
	cars, err := h.Sales.Cars(r.Context(), u, d.Lead.StoreID)
	if err != nil {
		return nil, err
	}
	for _, c := range cars {
		if c.Active {
			v.Cars = append(v.Cars, c)
		}
	}
	today := h.Sales.Now().In(pipeline.Shanghai)
	for i := 0; i < 14; i++ {
		v.Dates = append(v.Dates, today.AddDate(0, 0, i).Format("2006-01-02"))
	}
	carID, _ := strconv.ParseInt(q.Get("car_id"), 10, 64)
	if carID == 0 && len(v.Cars) > 0 {
		carID = v.Cars[0].ID
		q.Set("car_id", strconv.FormatInt(carID, 10))
	}
	if q.Get("date") == "" {
		q.Set("date", v.Dates[0])
	}
	if carID != 0 {
		if v.Slots, err = h.Sales.CarDay(r.Context(), u, carID, q.Get("date")); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (h *Sales) newTestDrive(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := h.loadBook(r, q)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "sales_test_drive_new", &page{Title: "预约试驾", Nav: "test-drives", Data: v, Form: q})
}

// slots answers the booking form's htmx request for a car's day (the whole
// form page for a plain request).
func (h *Sales) slots(rw http.ResponseWriter, r *http.Request) {
	h.newTestDrive(rw, r)
}

func (h *Sales) bookTestDrive(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	hour, _ := strconv.Atoi(f.Get("hour"))
	in := pipeline.BookInput{LeadID: formID(f, "lead_id"), CarID: formID(f, "car_id"), Date: f.Get("date"), Hour: hour}
	var err error
	if f.Get("hour") == "" {
		err = apperr.Field("hour", "请选择试驾时段")
	} else {
		var td *pipeline.TestDrive
		if td, err = h.Sales.BookTestDrive(r.Context(), httpx.User(r), in); err == nil {
			redirect(rw, r, "/sales/test-drives/"+strconv.FormatInt(td.ID, 10), "booked_drive")
			return
		}
	}
	v, lerr := h.loadBook(r, f)
	if lerr != nil {
		h.fail(rw, r, lerr)
		return
	}
	h.formError(rw, r, "sales_test_drive_new", &page{Title: "预约试驾", Nav: "test-drives", Data: v,
		URL: "/sales/test-drives/new?" + url.Values{"lead_id": {f.Get("lead_id")}, "car_id": {f.Get("car_id")}, "date": {f.Get("date")}}.Encode()}, err)
}

func (h *Sales) tdPage(rw http.ResponseWriter, r *http.Request, id int64, status int, p *page) {
	t, err := h.Sales.GetTestDrive(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p.Title, p.Nav = "试驾 · "+t.CustomerName, "test-drives"
	p.Data = map[string]any{"TD": t, "Outcomes": pipeline.Outcomes, "Started": !t.ScheduledAt.After(h.Sales.Now())}
	h.render(rw, r, status, "sales_test_drive", p)
}

func (h *Sales) testDrive(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.tdPage(rw, r, id, http.StatusOK, &page{Form: url.Values{"outcome": {"interested"}}})
}

func (h *Sales) outcome(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil && r.ParseForm() != nil {
		err = apperr.New(apperr.Invalid, "表单无法解析")
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f := r.PostForm
	_, err = h.Sales.RecordOutcome(r.Context(), httpx.User(r), id, pipeline.OutcomeInput{Status: f.Get("status"), Outcome: f.Get("outcome"), Feedback: f.Get("feedback")})
	if err == nil {
		redirect(rw, r, "/sales/test-drives/"+strconv.FormatInt(id, 10), "outcome")
		return
	}
	e := apperr.As(err)
	if e == nil {
		h.fail(rw, r, err)
		return
	}
	h.tdPage(rw, r, id, httpx.Status(e.Code), &page{Error: e.Message, Fields: e.Fields, Form: r.PostForm, URL: "/sales/test-drives/" + strconv.FormatInt(id, 10)})
}

func (h *Sales) carsPage(rw http.ResponseWriter, r *http.Request, status int, p *page) {
	u := httpx.User(r)
	storeID, _ := strconv.ParseInt(r.URL.Query().Get("store_id"), 10, 64)
	data := map[string]any{}
	if u.SiteID == 0 {
		stores, err := h.Sites.List(r.Context(), "store", "", 500)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		data["Stores"] = stores
		if storeID == 0 && len(stores) > 0 {
			storeID = stores[0].ID
		}
	}
	cars, err := h.Sales.Cars(r.Context(), u, storeID)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	models, err := h.Models(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	data["Cars"], data["Models"], data["StoreID"] = cars, models, storeID
	p.Title, p.Nav, p.Data = "试驾车", "test-drives", data
	h.render(rw, r, status, "sales_cars", p)
}

func (h *Sales) cars(rw http.ResponseWriter, r *http.Request) {
	h.carsPage(rw, r, http.StatusOK, &page{})
}

func (h *Sales) addCar(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	c, err := h.Sales.AddCar(r.Context(), httpx.User(r), pipeline.CarInput{StoreID: formID(f, "store_id"), ModelID: formID(f, "model_id"), Plate: f.Get("plate"), Color: f.Get("color")})
	if err == nil {
		redirect(rw, r, "/sales/test-drive-cars?store_id="+strconv.FormatInt(c.StoreID, 10), "car_added")
		return
	}
	e := apperr.As(err)
	if e == nil {
		h.fail(rw, r, err)
		return
	}
	h.carsPage(rw, r, httpx.Status(e.Code), &page{Error: e.Message, Fields: e.Fields, Form: r.PostForm, URL: "/sales/test-drive-cars"})
}

func (h *Sales) carActive(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Sales.SetCarActive(r.Context(), httpx.User(r), id, r.PostFormValue("active") == "1")
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/sales/test-drive-cars", "car_changed")
}
