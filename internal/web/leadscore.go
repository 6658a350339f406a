package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/leadscore"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	pipeline "github.com/nevcrm/nevcrm/internal/sales"
)

// LeadScores serves lead mining: the consultants' call list and the
// admin's model versions (model cards, training, rollback, history import).
type LeadScores struct {
	*Renderer
	Scores *leadscore.Service
}

// Routes returns the lead-mining pages.
func (h *LeadScores) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(sales, "GET", "/sales/priority", h.priority),
		httpx.Only(admin, "GET", "/admin/lead-models", h.models),
		httpx.Only(admin, "POST", "/admin/lead-models/train", h.train),
		httpx.Only(admin, "POST", "/admin/lead-models/score", h.score),
		httpx.Only(admin, "GET", "/admin/lead-models/{id}", h.card),
		httpx.Only(admin, "POST", "/admin/lead-models/{id}/activate", h.activate),
		httpx.Only(admin, "POST", "/admin/lead-history", h.importHistory),
		httpx.Only(admin, "POST", "/admin/lead-models/owners", h.scoreOwners),
		httpx.Only(miners, "GET", "/owners/mining", h.owners),
		httpx.Only(miners, "POST", "/owners/mining/export", h.exportOwners),
	}
}

// miners may open the owner mining lists: sales (their store's owners),
// service (churn across centers) and admins.
var miners = []identity.Role{identity.RoleSales, identity.RoleService, identity.RoleAdmin}

func (h *LeadScores) scoreOwners(rw http.ResponseWriter, r *http.Request) {
	id, err := h.Scores.StartOwnerScore(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/jobs/"+strconv.FormatInt(id, 10), "")
}

// ownerFilter reads the owner list's filter from the query (kind defaults
// to churn for service staff, referral for others).
func ownerFilter(u *identity.User, q url.Values) (leadscore.OwnerFilter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return leadscore.OwnerFilter{}, err
	}
	f := leadscore.OwnerFilter{Kind: q.Get("kind"), Band: q.Get("band"), City: strings.TrimSpace(q.Get("city")), Limit: p.Limit, Cursor: p.Cursor}
	if f.Kind == "" {
		f.Kind = leadscore.OwnerReferral
		if u.Is(identity.RoleService) {
			f.Kind = leadscore.OwnerChurn
		}
	}
	if s := q.Get("store_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return f, apperr.Field("store_id", "门店参数无效")
		}
		f.StoreID = id
	}
	return f, nil
}

// ownersView is the owner mining list.
type ownersView struct {
	Kind   string
	Kinds  []pipeline.Code
	Bands  []pipeline.Code
	Owners []*leadscore.OwnerScore
	Total  listing.Total
	Query  url.Values
	listURLs
}

func (h *LeadScores) owners(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	q := r.URL.Query()
	v := &ownersView{Kinds: leadscore.OwnerKinds, Bands: pipeline.ScoreBands[:3], Query: q}
	p := &page{Title: "车主挖掘", Nav: "owners", Data: v}
	f, err := ownerFilter(u, q)
	v.Kind = f.Kind
	if err == nil {
		var pg listing.Page[*leadscore.OwnerScore]
		pg, v.Total, err = h.Scores.ListOwners(r.Context(), u, f)
		v.Owners = pg.Items
		v.listURLs = makeListURLs(r, pg.NextCursor, "/owners/mining/export", "kind", "band", "city", "store_id")
	}
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
			p.Error, p.Fields = e.Message, e.Fields
			h.render(rw, r, http.StatusUnprocessableEntity, "owners_mining", p)
			return
		}
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owners_mining", p)
}

func (h *LeadScores) exportOwners(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	f, err := ownerFilter(u, r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	first := f
	first.Limit, first.Cursor = 1, ""
	_, total, err := h.Scores.ListOwners(r.Context(), u, first)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if total.Capped || total.N > listing.BackgroundThreshold {
		h.fail(rw, r, apperr.New(apperr.Invalid, "筛选结果超过 "+listing.Thousands(listing.BackgroundThreshold)+" 条，请先按档位、城市或门店缩小范围再导出"))
		return
	}
	name := "车主挖掘-" + leadscore.OwnerKindLabel(f.Kind) + "-" + time.Now().In(listing.Shanghai).Format("20060102-1504") + "." + string(format)
	httpx.Attachment(rw, name, format.ContentType())
	w, err := xlsx.Open(format, httpx.Streaming(rw))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if _, err := h.Scores.ExportOwners(r.Context(), u, f, w); err != nil && !httpx.ClientGone(r, err) {
		h.Logger.ErrorContext(r.Context(), "export owners", "err", err, "request_id", httpx.RequestID(r.Context()))
	}
}

func init() {
	flashes["model_activated"] = "已切换评分模型，正在后台重新评分所有未结案线索。"
	flashes["history_imported"] = "历史线索已导入，可以用它训练模型。"
}

// priorityView is the call list.
type priorityView struct {
	Calls []leadscore.Call
	Total listing.Total
}

func (h *LeadScores) priority(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	var owner int64
	if o := r.URL.Query().Get("owner"); o != "" {
		id, err := strconv.ParseInt(o, 10, 64)
		if err != nil || id <= 0 {
			h.fail(rw, r, apperr.Field("owner", "负责人参数无效"))
			return
		}
		owner = id
	}
	v := &priorityView{}
	var err error
	v.Calls, v.Total, err = h.Scores.Priority(r.Context(), u, owner, 30)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "sales_priority", &page{Title: "今日优先跟进", Nav: "priority", Data: v})
}

// modelsView is the model versions page.
type modelsView struct {
	Leads     []*leadscore.Version
	History   []*leadscore.Version
	Churn     []*leadscore.Version
	Imports   []*leadscore.HistoryImport
	Families  []string
	NewImport *leadscore.HistoryImport
}

func (h *LeadScores) modelsPage(rw http.ResponseWriter, r *http.Request, status int, p *page) {
	u := httpx.User(r)
	v := &modelsView{Families: leadscore.Families}
	var err error
	if v.Leads, err = h.Scores.Versions(r.Context(), u, "lead"); err == nil {
		if v.History, err = h.Scores.Versions(r.Context(), u, "history"); err == nil {
			if v.Churn, err = h.Scores.Versions(r.Context(), u, "churn"); err == nil {
				v.Imports, err = h.Scores.Histories(r.Context(), u)
			}
		}
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if id, _ := strconv.ParseInt(r.URL.Query().Get("import"), 10, 64); id > 0 {
		for _, im := range v.Imports {
			if im.ID == id {
				v.NewImport = im
			}
		}
	}
	p.Title, p.Nav, p.Data, p.URL = "线索评分模型", "lead-models", v, "/admin/lead-models"
	h.render(rw, r, status, "admin_lead_models", p)
}

func (h *LeadScores) models(rw http.ResponseWriter, r *http.Request) {
	h.modelsPage(rw, r, http.StatusOK, &page{})
}

func (h *LeadScores) train(rw http.ResponseWriter, r *http.Request) {
	src := r.PostFormValue("source")
	folds, _ := strconv.Atoi(r.PostFormValue("folds"))
	hist, _ := strconv.ParseInt(r.PostFormValue("history_id"), 10, 64)
	id, err := h.Scores.StartTrain(r.Context(), httpx.User(r), leadscore.TrainJob{Source: src, HistoryID: hist, Folds: folds, Activate: src != "history"})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/jobs/"+strconv.FormatInt(id, 10), "")
}

func (h *LeadScores) score(rw http.ResponseWriter, r *http.Request) {
	id, err := h.Scores.StartScore(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/jobs/"+strconv.FormatInt(id, 10), "")
}

// cardView is a model card.
type cardView struct {
	V       *leadscore.Version
	Weights []leadscore.Weight
}

func (h *LeadScores) card(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.NotFound(rw, r)
		return
	}
	u := httpx.User(r)
	v, err := h.Scores.GetVersion(r.Context(), u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	ws, err := h.Scores.TopWeights(r.Context(), u, id, 15)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "admin_lead_model", &page{Title: "模型卡 #" + strconv.FormatInt(id, 10), Nav: "lead-models", Data: &cardView{V: v, Weights: ws}})
}

func (h *LeadScores) activate(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.NotFound(rw, r)
		return
	}
	u := httpx.User(r)
	if err := h.Scores.Activate(r.Context(), u, id); err != nil {
		h.fail(rw, r, err)
		return
	}
	if _, err := h.Scores.StartScore(r.Context(), u); err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/admin/lead-models/"+strconv.FormatInt(id, 10), "model_activated")
}

func (h *LeadScores) importHistory(rw http.ResponseWriter, r *http.Request) {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		h.modelsPage(rw, r, http.StatusUnprocessableEntity, &page{Error: "请选择要导入的 CSV 文件", Fields: map[string]string{"file": "请选择要导入的 CSV 文件"}, Form: r.Form})
		return
	}
	defer file.Close()
	var exclude []string
	for _, e := range strings.FieldsFunc(r.FormValue("exclude"), func(c rune) bool { return c == ',' || c == '，' || c == '\n' }) {
		exclude = append(exclude, strings.TrimSpace(e))
	}
	im, err := h.Scores.ImportHistory(r.Context(), httpx.User(r), file, leadscore.HistoryInput{FileName: hdr.Filename, Outcome: r.FormValue("outcome"),
		IDCol: r.FormValue("id_col"), Exclude: exclude})
	if err != nil {
		if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
			h.modelsPage(rw, r, http.StatusUnprocessableEntity, &page{Error: e.Message, Fields: e.Fields, Form: r.Form})
			return
		}
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/admin/lead-models?import="+strconv.FormatInt(im.ID, 10), "history_imported")
}

// reasonChip is one factor of a score line: its text and direction (up,
// down) for the chip's colour.
type reasonChip struct{ Text, Dir string }

// reasonChips splits a score's reason line ("已试驾 ↑；尚未到店 ↓").
func reasonChips(line string) []reasonChip {
	var out []reasonChip
	for _, p := range strings.Split(line, "；") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
		case strings.HasSuffix(p, "↓"):
			out = append(out, reasonChip{p, "down"})
		default:
			out = append(out, reasonChip{p, "up"})
		}
	}
	return out
}
