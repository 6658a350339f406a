package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// Sales serves the sales pipeline as JSON: leads, follow-ups and tasks,
// assignment rules, opportunities with stage moves, orders and delivery,
// test drives and test-drive cars. Amounts are in fen; dates are
// "2006-01-02" (Asia/Shanghai), times RFC 3339.
type Sales struct {
	*Base
	Sales *sales.Service
}

var sellers = []identity.Role{identity.RoleSales, identity.RoleAdmin}

// Routes returns the pipeline's endpoints.
func (h *Sales) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(sellers, "GET", "/api/v1/leads", h.leads),
		httpx.Only(sellers, "POST", "/api/v1/leads", h.createLead),
		httpx.Only(sellers, "GET", "/api/v1/leads/{id}", h.lead),
		httpx.Only(sellers, "POST", "/api/v1/leads/{id}/follow-ups", h.leadFollowUp),
		httpx.Only(sellers, "POST", "/api/v1/leads/{id}/assign", h.assignLead),
		httpx.Only(sellers, "POST", "/api/v1/leads/{id}/disqualify", h.disqualify),
		httpx.Only(sellers, "POST", "/api/v1/leads/{id}/convert", h.convert),
		httpx.Only(sellers, "GET", "/api/v1/tasks", h.tasks),
		httpx.Only(sellers, "POST", "/api/v1/tasks/{id}/done", h.taskDone),
		httpx.Only(admins, "GET", "/api/v1/lead-rules", h.rules),
		httpx.Only(admins, "POST", "/api/v1/lead-rules", h.createRule),
		httpx.Only(admins, "DELETE", "/api/v1/lead-rules/{id}", h.deleteRule),
		httpx.Only(sellers, "GET", "/api/v1/opportunities", h.opportunities),
		httpx.Only(sellers, "GET", "/api/v1/opportunities/board", h.board),
		httpx.Only(sellers, "GET", "/api/v1/opportunities/{id}", h.opportunity),
		httpx.Only(sellers, "PATCH", "/api/v1/opportunities/{id}", h.updateOpp),
		httpx.Only(sellers, "POST", "/api/v1/opportunities/{id}/stage", h.moveStage),
		httpx.Only(sellers, "POST", "/api/v1/opportunities/{id}/follow-ups", h.oppFollowUp),
		httpx.Only(sellers, "POST", "/api/v1/opportunities/{id}/assign", h.assignOpp),
		httpx.Only(sellers, "POST", "/api/v1/opportunities/{id}/order", h.createOrder),
		httpx.Only(sellers, "GET", "/api/v1/orders/{id}", h.order),
		httpx.Only(sellers, "POST", "/api/v1/orders/{id}/deliver", h.deliver),
		httpx.Only(sellers, "GET", "/api/v1/test-drives", h.testDrives),
		httpx.Only(sellers, "POST", "/api/v1/test-drives", h.book),
		httpx.Only(sellers, "GET", "/api/v1/test-drives/{id}", h.testDrive),
		httpx.Only(sellers, "POST", "/api/v1/test-drives/{id}/outcome", h.outcome),
		httpx.Only(sellers, "GET", "/api/v1/test-drive-cars", h.cars),
		httpx.Only(sellers, "POST", "/api/v1/test-drive-cars", h.addCar),
		httpx.Only(sellers, "GET", "/api/v1/test-drive-cars/{id}/slots", h.slots),
	}
}

// body decodes the JSON body into v and the path id; it reports failure
// after answering.
func (h *Sales) idBody(rw http.ResponseWriter, r *http.Request, v any) (int64, bool) {
	id, err := pathID(r)
	if err == nil && v != nil {
		err = decode(r, v)
	}
	if err != nil {
		h.fail(rw, r, err)
		return 0, false
	}
	return id, true
}

func (h *Sales) answer(rw http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if v == nil {
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(rw, status, v)
}

func parseDate(s, field string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, ok := sales.ParseDay(s)
	if !ok {
		return time.Time{}, apperr.Field(field, "日期格式须为 年-月-日，如 2026-11-29")
	}
	return d, nil
}

func (h *Sales) leads(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	f, err := sales.LeadFilterFromQuery(u, r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, total, err := h.Sales.ListLeads(r.Context(), u, f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, listBody(page, total))
}

func (h *Sales) createLead(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		CustomerID int64  `json:"customer_id"`
		Name       string `json:"name"`
		Mobile     string `json:"mobile"`
		City       string `json:"city"`
		Source     string `json:"source"`
		StoreID    int64  `json:"store_id"`
		OwnerID    int64  `json:"owner_id"`
		ModelID    int64  `json:"model_id"`
		BudgetFen  int64  `json:"budget_fen"`
		Note       string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	l, err := h.Sales.CreateLead(r.Context(), httpx.User(r), sales.LeadInput{CustomerID: in.CustomerID, Name: in.Name, Mobile: in.Mobile, City: in.City,
		Source: in.Source, StoreID: in.StoreID, OwnerID: in.OwnerID, ModelID: in.ModelID, BudgetFen: in.BudgetFen, Note: in.Note})
	h.answer(rw, r, http.StatusCreated, l, err)
}

func (h *Sales) lead(rw http.ResponseWriter, r *http.Request) {
	id, ok := h.idBody(rw, r, nil)
	if !ok {
		return
	}
	d, err := h.Sales.GetLead(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"lead": d.Lead, "follow_ups": nonNil(d.FollowUps), "test_drives": nonNil(d.TestDrives),
		"can_work": d.CanWork, "can_assign": d.CanAssign})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type followUpJSON struct {
	Channel    string    `json:"channel"`
	Content    string    `json:"content"`
	NextAction string    `json:"next_action"`
	NextAt     time.Time `json:"next_at"`
}

func (in followUpJSON) input() sales.FollowUpInput {
	return sales.FollowUpInput{Channel: in.Channel, Content: in.Content, NextAction: in.NextAction, NextAt: in.NextAt}
}

func (h *Sales) leadFollowUp(rw http.ResponseWriter, r *http.Request) {
	var in followUpJSON
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	f, err := h.Sales.LogLeadFollowUp(r.Context(), httpx.User(r), id, in.input())
	h.answer(rw, r, http.StatusCreated, f, err)
}

func (h *Sales) assignLead(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		OwnerID int64 `json:"owner_id"`
	}
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	l, err := h.Sales.AssignLead(r.Context(), httpx.User(r), id, in.OwnerID)
	h.answer(rw, r, http.StatusOK, l, err)
}

func (h *Sales) disqualify(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	l, err := h.Sales.DisqualifyLead(r.Context(), httpx.User(r), id, in.Reason)
	h.answer(rw, r, http.StatusOK, l, err)
}

func (h *Sales) convert(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		ModelID         int64  `json:"model_id"`
		AmountFen       int64  `json:"amount_fen"`
		ExpectedCloseOn string `json:"expected_close_on"`
	}
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	closeOn, err := parseDate(in.ExpectedCloseOn, "expected_close_on")
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	oppID, err := h.Sales.ConvertLead(r.Context(), httpx.User(r), id, sales.ConvertInput{ModelID: in.ModelID, AmountFen: in.AmountFen, ExpectedCloseOn: closeOn})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	d, err := h.Sales.GetOpportunity(r.Context(), httpx.User(r), oppID)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusCreated, d.Opp)
}

func (h *Sales) tasks(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	view := q.Get("view")
	if view == "" {
		view = "today"
	}
	list, n, err := h.Sales.Tasks(r.Context(), httpx.User(r), sales.TaskView(view), q.Get("scope") == "store")
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": nonNil(list), "next_cursor": "", "total": n, "total_capped": n > len(list)})
}

func (h *Sales) taskDone(rw http.ResponseWriter, r *http.Request) {
	id, ok := h.idBody(rw, r, nil)
	if !ok {
		return
	}
	h.answer(rw, r, 0, nil, h.Sales.CompleteTask(r.Context(), httpx.User(r), id))
}

func (h *Sales) rules(rw http.ResponseWriter, r *http.Request) {
	list, err := h.Sales.Rules(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": nonNil(list), "next_cursor": ""})
}

func (h *Sales) createRule(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind    string `json:"kind"`
		StoreID int64  `json:"store_id"`
		City    string `json:"city"`
		UserID  int64  `json:"user_id"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	rule, err := h.Sales.CreateRule(r.Context(), httpx.User(r), sales.RuleInput{Kind: in.Kind, StoreID: in.StoreID, City: in.City, UserID: in.UserID})
	h.answer(rw, r, http.StatusCreated, rule, err)
}

func (h *Sales) deleteRule(rw http.ResponseWriter, r *http.Request) {
	id, ok := h.idBody(rw, r, nil)
	if !ok {
		return
	}
	h.answer(rw, r, 0, nil, h.Sales.DeleteRule(r.Context(), httpx.User(r), id))
}

func (h *Sales) opportunities(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	f, err := sales.OppFilterFromQuery(u, r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, total, err := h.Sales.ListOpportunities(r.Context(), u, f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, listBody(page, total))
}

func (h *Sales) board(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	f, err := sales.OppFilterFromQuery(u, r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	cols, p, err := h.Sales.Board(r.Context(), u, f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	type col struct {
		Stage       string               `json:"stage"`
		Label       string               `json:"label"`
		Count       int                  `json:"count"`
		AmountFen   int64                `json:"amount_fen"`
		WeightedFen int64                `json:"weighted_fen"`
		Cards       []*sales.Opportunity `json:"cards"`
	}
	out := make([]col, 0, len(cols))
	for _, c := range cols {
		out = append(out, col{c.Stage, c.Label, c.Count, c.AmountFen, c.WeightedFen, nonNil(c.Cards)})
	}
	writeJSON(rw, http.StatusOK, map[string]any{"columns": out, "pipeline": map[string]any{"open": p.Open, "amount_fen": p.AmountFen, "weighted_fen": p.WeightedFen}})
}

func (h *Sales) opportunity(rw http.ResponseWriter, r *http.Request) {
	id, ok := h.idBody(rw, r, nil)
	if !ok {
		return
	}
	d, err := h.Sales.GetOpportunity(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"opportunity": d.Opp, "stage_history": nonNil(d.History), "follow_ups": nonNil(d.FollowUps),
		"test_drives": nonNil(d.TestDrives), "order": d.Order, "can_work": d.CanWork})
}

func (h *Sales) updateOpp(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		ModelID         *int64  `json:"model_id"`
		AmountFen       *int64  `json:"amount_fen"`
		ExpectedCloseOn *string `json:"expected_close_on"`
	}
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	d, err := h.Sales.GetOpportunity(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	up := sales.OppUpdate{ModelID: d.Opp.ModelID, AmountFen: d.Opp.AmountFen, ExpectedCloseOn: d.Opp.ExpectedCloseOn}
	if in.ModelID != nil {
		up.ModelID = *in.ModelID
	}
	if in.AmountFen != nil {
		up.AmountFen = *in.AmountFen
	}
	if in.ExpectedCloseOn != nil {
		if up.ExpectedCloseOn, err = parseDate(*in.ExpectedCloseOn, "expected_close_on"); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	o, err := h.Sales.UpdateOpportunity(r.Context(), httpx.User(r), id, up)
	h.answer(rw, r, http.StatusOK, o, err)
}

func (h *Sales) moveStage(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Stage      string `json:"stage"`
		AmountFen  int64  `json:"amount_fen"`
		LostReason string `json:"lost_reason"`
		Note       string `json:"note"`
	}
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	o, err := h.Sales.MoveStage(r.Context(), httpx.User(r), id, sales.MoveInput{Stage: in.Stage, AmountFen: in.AmountFen, LostReason: in.LostReason, Note: in.Note})
	h.answer(rw, r, http.StatusOK, o, err)
}

func (h *Sales) oppFollowUp(rw http.ResponseWriter, r *http.Request) {
	var in followUpJSON
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	f, err := h.Sales.LogOppFollowUp(r.Context(), httpx.User(r), id, in.input())
	h.answer(rw, r, http.StatusCreated, f, err)
}

func (h *Sales) assignOpp(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		OwnerID int64 `json:"owner_id"`
	}
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	h.answer(rw, r, 0, nil, h.Sales.AssignOpportunity(r.Context(), httpx.User(r), id, in.OwnerID))
}

func (h *Sales) createOrder(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		ModelID       int64  `json:"model_id"`
		Configuration string `json:"configuration"`
		Color         string `json:"color"`
		PriceFen      int64  `json:"price_fen"`
		DiscountFen   int64  `json:"discount_fen"`
		DepositFen    int64  `json:"deposit_fen"`
	}
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	o, err := h.Sales.CreateOrder(r.Context(), httpx.User(r), id, sales.OrderInput{ModelID: in.ModelID, Configuration: in.Configuration, Color: in.Color,
		PriceFen: in.PriceFen, DiscountFen: in.DiscountFen, DepositFen: in.DepositFen})
	h.answer(rw, r, http.StatusCreated, o, err)
}

func (h *Sales) order(rw http.ResponseWriter, r *http.Request) {
	id, ok := h.idBody(rw, r, nil)
	if !ok {
		return
	}
	o, err := h.Sales.GetOrder(r.Context(), httpx.User(r), id)
	h.answer(rw, r, http.StatusOK, o, err)
}

func (h *Sales) deliver(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		VIN      string `json:"vin"`
		Plate    string `json:"plate"`
		Password string `json:"password"`
	}
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	o, err := h.Sales.Deliver(r.Context(), httpx.User(r), id, sales.DeliverInput{VIN: in.VIN, Plate: in.Plate, Password: in.Password})
	h.answer(rw, r, http.StatusOK, o, err)
}

func (h *Sales) testDrives(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	f, err := sales.TDFilterFromQuery(u, r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	page, total, err := h.Sales.ListTestDrives(r.Context(), u, f)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, listBody(page, total))
}

func (h *Sales) book(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		LeadID int64  `json:"lead_id"`
		CarID  int64  `json:"car_id"`
		Date   string `json:"date"`
		Hour   int    `json:"hour"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	t, err := h.Sales.BookTestDrive(r.Context(), httpx.User(r), sales.BookInput{LeadID: in.LeadID, CarID: in.CarID, Date: in.Date, Hour: in.Hour})
	h.answer(rw, r, http.StatusCreated, t, err)
}

func (h *Sales) testDrive(rw http.ResponseWriter, r *http.Request) {
	id, ok := h.idBody(rw, r, nil)
	if !ok {
		return
	}
	t, err := h.Sales.GetTestDrive(r.Context(), httpx.User(r), id)
	h.answer(rw, r, http.StatusOK, t, err)
}

func (h *Sales) outcome(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Status   string `json:"status"`
		Outcome  string `json:"outcome"`
		Feedback string `json:"feedback"`
	}
	id, ok := h.idBody(rw, r, &in)
	if !ok {
		return
	}
	t, err := h.Sales.RecordOutcome(r.Context(), httpx.User(r), id, sales.OutcomeInput{Status: in.Status, Outcome: in.Outcome, Feedback: in.Feedback})
	h.answer(rw, r, http.StatusOK, t, err)
}

func (h *Sales) cars(rw http.ResponseWriter, r *http.Request) {
	storeID, _ := strconv.ParseInt(r.URL.Query().Get("store_id"), 10, 64)
	u := httpx.User(r)
	if storeID == 0 && u.SiteID == 0 {
		h.fail(rw, r, apperr.Field("store_id", "请指定门店"))
		return
	}
	list, err := h.Sales.Cars(r.Context(), u, storeID)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"items": nonNil(list), "next_cursor": ""})
}

func (h *Sales) addCar(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		StoreID int64  `json:"store_id"`
		ModelID int64  `json:"model_id"`
		Plate   string `json:"plate"`
		Color   string `json:"color"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	c, err := h.Sales.AddCar(r.Context(), httpx.User(r), sales.CarInput{StoreID: in.StoreID, ModelID: in.ModelID, Plate: in.Plate, Color: in.Color})
	h.answer(rw, r, http.StatusCreated, c, err)
}

func (h *Sales) slots(rw http.ResponseWriter, r *http.Request) {
	id, ok := h.idBody(rw, r, nil)
	if !ok {
		return
	}
	list, err := h.Sales.CarDay(r.Context(), httpx.User(r), id, r.URL.Query().Get("date"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	type slot struct {
		Hour     int    `json:"hour"`
		Label    string `json:"label"`
		Free     bool   `json:"free"`
		Past     bool   `json:"past"`
		Customer string `json:"customer,omitempty"`
	}
	out := make([]slot, 0, len(list))
	for _, s := range list {
		out = append(out, slot{s.Hour, s.Label, s.Free, s.Past, s.Customer})
	}
	writeJSON(rw, http.StatusOK, map[string]any{"slots": out})
}
