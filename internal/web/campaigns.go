package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/community"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
	pipeline "github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
)

// Campaigns serves the marketing campaigns: for sales staff the list,
// create and edit forms, a campaign's page (status steps, segment with live
// count, publish progress, costs, check-in, sign-ups, effect with uplift and
// charts), the comparison list with export; for owners the campaigns they
// may join, a campaign's page (sign up, cancel, check-in code, referral
// link, coupons) and their coupons; the public page of a referral link; and
// redeeming a coupon on a work order for service staff.
type Campaigns struct {
	*Renderer
	Campaigns *campaign.Service
	Sites     *site.Service
	Models    func(r *http.Request) ([]vehicle.Model, error)
}

// Routes returns the campaign pages.
func (h *Campaigns) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(sales, "GET", "/sales/campaigns", h.list),
		httpx.Only(sales, "GET", "/sales/campaigns/new", h.newForm),
		httpx.Only(sales, "POST", "/sales/campaigns", h.create),
		httpx.Only(sales, "GET", "/sales/campaigns/compare", h.compare),
		httpx.Only(sales, "POST", "/sales/campaigns/export", h.export),
		httpx.Only(sales, "GET", "/sales/campaigns/count", h.count),
		httpx.Only(sales, "GET", "/sales/campaigns/{id}", h.detail),
		httpx.Only(sales, "GET", "/sales/campaigns/{id}/edit", h.editForm),
		httpx.Only(sales, "POST", "/sales/campaigns/{id}", h.update),
		httpx.Only(sales, "POST", "/sales/campaigns/{id}/publish", h.publish),
		httpx.Only(sales, "POST", "/sales/campaigns/{id}/status/{action}", h.transition),
		httpx.Only(sales, "POST", "/sales/campaigns/{id}/segment", h.segment),
		httpx.Only(sales, "POST", "/sales/campaigns/{id}/costs", h.addCost),
		httpx.Only(sales, "POST", "/sales/campaigns/{id}/check-in", h.checkIn),
		httpx.Only(sales, "POST", "/sales/campaigns/{id}/effect", h.refreshEffect),
		httpx.Only(owner, "GET", "/owner/campaigns", h.ownerList),
		httpx.Only(owner, "GET", "/owner/campaigns/coupons", h.ownerCoupons),
		httpx.Only(owner, "GET", "/owner/campaigns/points", h.ownerPoints),
		httpx.Only(owner, "GET", "/owner/campaigns/{id}", h.ownerDetail),
		httpx.Only(owner, "POST", "/owner/campaigns/{id}/signup", h.signUp),
		httpx.Only(owner, "POST", "/owner/campaigns/{id}/cancel", h.cancelSignup),
		httpx.Only(owner, "POST", "/owner/campaigns/{id}/referral", h.referral),
		httpx.Public("GET", "/campaigns/{id}/cover", h.cover),
		httpx.Public("GET", "/r/{code}", h.friend),
		httpx.Public("POST", "/r/{code}", h.friendSubmit),
		httpx.Only(service, "POST", "/service/work-orders/{id}/coupon", h.redeem),
	}
}

func campaignURL(id int64) string { return "/sales/campaigns/" + strconv.FormatInt(id, 10) }

// MaxCoverBody bounds the campaign form, which may carry a cover picture
// (app.limitBody).
const MaxCoverBody = community.MaxPhotoBytes + 2<<20

// CampaignFormPath reports whether path takes the campaign form (create or
// edit), whose body may hold a cover picture.
func CampaignFormPath(path string) bool {
	if path == "/sales/campaigns" {
		return true
	}
	rest, ok := strings.CutPrefix(path, "/sales/campaigns/")
	return ok && rest != "" && strings.Trim(rest, "0123456789") == ""
}

// readCampaignForm parses the campaign form (multipart when it carries a
// cover picture) into a campaign input.
func readCampaignForm(r *http.Request) (campaign.Input, error) {
	if err := r.ParseMultipartForm(MaxCoverBody); err != nil && err != http.ErrNotMultipart {
		if strings.Contains(err.Error(), "too large") {
			return campaign.Input{}, apperr.Field("cover_image", "封面图片不能超过 8 MB")
		}
		return campaign.Input{}, apperr.New(apperr.Invalid, "表单无法解析")
	}
	in, err := campaignInput(r.Form)
	if err != nil || r.MultipartForm == nil {
		return in, err
	}
	for _, fh := range r.MultipartForm.File["cover_image"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if fh.Size > community.MaxPhotoBytes {
			return in, apperr.Field("cover_image", "封面图片不能超过 8 MB")
		}
		f, err := fh.Open()
		if err != nil {
			return in, apperr.Field("cover_image", "图片读取失败，请重新选择")
		}
		b, err := io.ReadAll(io.LimitReader(f, community.MaxPhotoBytes+1))
		f.Close()
		if err != nil {
			return in, apperr.Field("cover_image", "图片读取失败，请重新选择")
		}
		in.CoverImage = b
	}
	return in, nil
}

// cover serves a campaign's uploaded cover picture (its thumbnail with
// ?size=thumb) through the same JPEG responder as the community's photos.
func (h *Campaigns) cover(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	thumb := r.URL.Query().Get("size") == "thumb"
	data, at, err := h.Campaigns.CoverImage(r.Context(), id, httpx.User(r), thumb)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	serveJPEG(rw, r, fmt.Sprintf(`"c%d-%d-%t"`, id, at.UnixNano(), thumb), data)
}

// campaignListView is the data of the staff list.
type campaignListView struct {
	Items    []*campaign.Campaign
	Total    listing.Total
	Next     string
	First    string
	Query    url.Values
	Kinds    []campaign.Code
	Statuses []campaign.Code
	Sorts    listing.Orders
}

func (h *Campaigns) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &campaignListView{Query: q, Kinds: campaign.Kinds, Statuses: campaign.Statuses, Sorts: campaign.Sorts}
	p := &page{Title: "营销活动", Nav: "campaigns", Data: v}
	f, err := campaign.FilterFromQuery(q)
	if err == nil {
		var pg listing.Page[*campaign.Campaign]
		pg, v.Total, err = h.Campaigns.List(r.Context(), httpx.User(r), f)
		v.Items = pg.Items
		if pg.HasNext() {
			v.Next = withParam(r.URL, "cursor", pg.NextCursor)
		}
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		h.render(rw, r, http.StatusUnprocessableEntity, "campaigns_list", p)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if q.Get("cursor") != "" {
		v.First = withParam(r.URL, "cursor", "")
	}
	h.render(rw, r, http.StatusOK, "campaigns_list", p)
}

// campaignFormView is the data of the create and edit forms.
type campaignFormView struct {
	Campaign *campaign.Campaign // nil: new
	Kinds    []campaign.Code
	Channels []campaign.Code
	Benefits []campaign.Code
	Covers   []campaign.Code
	Stores   []*site.Site // admins choose the store
	HasCover bool         // the campaign has an uploaded cover picture
}

func (h *Campaigns) formView(r *http.Request, c *campaign.Campaign) (*campaignFormView, error) {
	v := &campaignFormView{Campaign: c, Kinds: campaign.Kinds, Channels: campaign.Channels, Benefits: campaign.Benefits, Covers: campaign.Covers}
	if c != nil {
		var err error
		if v.HasCover, err = h.Campaigns.HasCoverImage(r.Context(), httpx.User(r), c.ID); err != nil {
			return nil, err
		}
	}
	if u := httpx.User(r); u.Is(identity.RoleAdmin) {
		all, err := h.Sites.List(r.Context(), site.Store, "", 1000)
		if err != nil {
			return nil, err
		}
		v.Stores = all
	}
	return v, nil
}

// localInput is a time as a datetime-local value in Shanghai ("" for zero).
func localInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(campaign.Shanghai).Format("2006-01-02T15:04")
}

// formOf is the form values of campaign c, for the edit form.
func formOf(c *campaign.Campaign) url.Values {
	v := url.Values{}
	v.Set("name", c.Name)
	v.Set("kind", c.Kind)
	v.Set("channel", c.Channel)
	v.Set("store_id", strconv.FormatInt(c.StoreID, 10))
	v.Set("city", c.City)
	v.Set("description", c.Description)
	v.Set("cover", c.Cover)
	v.Set("place", c.Place)
	v.Set("starts_at", localInput(c.StartsAt))
	v.Set("ends_at", localInput(c.EndsAt))
	v.Set("signup_opens_at", localInput(c.SignupOpensAt))
	v.Set("signup_closes_at", localInput(c.SignupClosesAt))
	v.Set("budget", yuanInput(c.BudgetFen))
	v.Set("capacity", strconv.Itoa(c.Capacity))
	if c.Waitlist {
		v.Set("waitlist", "1")
	}
	v.Set("benefit_kind", c.BenefitKind)
	v.Set("benefit_text", c.BenefitText)
	v.Set("benefit_points", strconv.Itoa(c.BenefitPoints))
	v.Set("coupon_value", yuanInput(c.CouponValueFen))
	v.Set("coupon_valid_days", strconv.Itoa(c.CouponValidDays))
	v.Set("referral_reward", c.ReferralReward)
	v.Set("referral_points", strconv.Itoa(c.ReferralPoints))
	v.Set("holdout_pct", strconv.Itoa(c.HoldoutPct))
	v.Set("attribution_days", strconv.Itoa(c.AttributionDays))
	return v
}

// campaignInput reads the form; format errors are Invalid naming the field.
func campaignInput(f url.Values) (campaign.Input, error) {
	var v apperr.Validator
	in := campaign.Input{Name: f.Get("name"), Kind: f.Get("kind"), Channel: f.Get("channel"), StoreID: formID(f, "store_id"), City: f.Get("city"),
		Description: f.Get("description"), Cover: f.Get("cover"), Place: f.Get("place"), Waitlist: f.Get("waitlist") != "",
		BenefitKind: f.Get("benefit_kind"), BenefitText: f.Get("benefit_text"), ReferralReward: f.Get("referral_reward")}
	for _, t := range []struct {
		name string
		to   *time.Time
		msg  string
	}{{"starts_at", &in.StartsAt, "请选择开始时间"}, {"ends_at", &in.EndsAt, "请选择结束时间"},
		{"signup_opens_at", &in.SignupOpensAt, "请选择有效的报名开始时间"}, {"signup_closes_at", &in.SignupClosesAt, "请选择有效的报名截止时间"}} {
		var ok bool
		*t.to, ok = parseLocal(f.Get(t.name))
		v.Check(ok, t.name, t.msg)
	}
	var ok bool
	in.BudgetFen, ok = pipeline.ParseYuan(f.Get("budget"))
	v.Check(ok, "budget", "预算请填写金额（元），如 50000")
	in.CouponValueFen, ok = pipeline.ParseYuan(f.Get("coupon_value"))
	v.Check(ok, "coupon_value", "面额请填写金额（元），如 200")
	for _, n := range []struct {
		name string
		to   *int
		msg  string
	}{{"capacity", &in.Capacity, "名额请填写整数（0 表示不限）"}, {"benefit_points", &in.BenefitPoints, "积分请填写整数"}, {"referral_points", &in.ReferralPoints, "推荐奖励积分请填写整数"},
		{"coupon_valid_days", &in.CouponValidDays, "有效期请填写天数"}, {"holdout_pct", &in.HoldoutPct, "对照组比例请填写 0 到 50 的整数"},
		{"attribution_days", &in.AttributionDays, "归因窗口请填写天数"}} {
		s := strings.TrimSpace(f.Get(n.name))
		if s == "" {
			continue
		}
		x, err := strconv.Atoi(s)
		v.Check(err == nil, n.name, n.msg)
		*n.to = x
	}
	return in, v.Err()
}

func (h *Campaigns) newForm(rw http.ResponseWriter, r *http.Request) {
	v, err := h.formView(r, nil)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	now := time.Now().In(campaign.Shanghai)
	day := time.Date(now.Year(), now.Month(), now.Day()+7, 10, 0, 0, 0, campaign.Shanghai)
	form := url.Values{"starts_at": {localInput(day)}, "ends_at": {localInput(day.Add(7 * time.Hour))}, "capacity": {"50"}, "waitlist": {"1"},
		"holdout_pct": {"10"}, "attribution_days": {"30"}, "coupon_valid_days": {"90"}, "channel": {"offline"}, "benefit_kind": {"none"}}
	h.render(rw, r, http.StatusOK, "campaign_form", &page{Title: "新建活动", Nav: "campaigns", Data: v, Form: form})
}

func (h *Campaigns) create(rw http.ResponseWriter, r *http.Request) {
	in, err := readCampaignForm(r)
	if err == nil {
		var c *campaign.Campaign
		if c, err = h.Campaigns.Create(r.Context(), httpx.User(r), in); err == nil {
			redirect(rw, r, campaignURL(c.ID), "campaign_created")
			return
		}
	}
	v, verr := h.formView(r, nil)
	if verr != nil {
		h.fail(rw, r, verr)
		return
	}
	h.formError(rw, r, "campaign_form", &page{Title: "新建活动", Nav: "campaigns", Data: v, URL: "/sales/campaigns/new"}, err)
}

func (h *Campaigns) editForm(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	c, err := h.Campaigns.Get(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := h.formView(r, c)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "campaign_form", &page{Title: "编辑活动 · " + c.Name, Nav: "campaigns", Data: v, Form: formOf(c)})
}

func (h *Campaigns) update(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	in, err := readCampaignForm(r)
	if err == nil {
		if _, err = h.Campaigns.Update(r.Context(), httpx.User(r), id, in); err == nil {
			redirect(rw, r, campaignURL(id), "saved")
			return
		}
	}
	c, gerr := h.Campaigns.Get(r.Context(), httpx.User(r), id)
	if gerr != nil {
		h.fail(rw, r, gerr)
		return
	}
	v, verr := h.formView(r, c)
	if verr != nil {
		h.fail(rw, r, verr)
		return
	}
	h.formError(rw, r, "campaign_form", &page{Title: "编辑活动 · " + c.Name, Nav: "campaigns", Data: v, URL: campaignURL(id) + "/edit"}, err)
}

// campaignView is the data of a campaign's staff page.
type campaignView struct {
	C            *campaign.Campaign
	CanManage    bool
	Actions      []campaign.Action
	Effect       *campaign.Effect
	Rules        []campaign.Rule
	RuleRows     []campaign.Rule // the rules plus empty rows to add
	Fields       []*campaign.Field
	Count        *campaign.Count
	Costs        []*campaign.Cost
	Participants []*campaign.Participation
	Counts       map[string]int
	Chart        template.JSStr
	CheckedIn    *campaign.Participation
	Points       *campaign.CampaignPoints
}

func (h *Campaigns) load(r *http.Request, id int64) (*campaignView, error) {
	u := httpx.User(r)
	ctx := r.Context()
	c, err := h.Campaigns.Get(ctx, u, id)
	if err != nil {
		return nil, err
	}
	v := &campaignView{C: c, CanManage: campaign.CanManage(u, c), Actions: campaign.Actions(u, c), Fields: campaign.Fields}
	if v.Effect, err = h.Campaigns.Effect(ctx, u, id); err != nil {
		return nil, err
	}
	if v.Rules, err = h.Campaigns.Rules(ctx, u, id); err != nil {
		return nil, err
	}
	v.RuleRows = append(append([]campaign.Rule{}, v.Rules...), make([]campaign.Rule, 3)...)
	if c.Status == "draft" {
		if v.Count, err = h.Campaigns.CountSegment(ctx, u, v.Rules, c.City, c.HoldoutPct); err != nil {
			return nil, err
		}
	}
	if v.Costs, err = h.Campaigns.Costs(ctx, u, id); err != nil {
		return nil, err
	}
	if v.Participants, v.Counts, err = h.Campaigns.Participants(ctx, u, id, 200); err != nil {
		return nil, err
	}
	if v.Points, err = h.Campaigns.CampaignPoints(ctx, u, id, 50); err != nil {
		return nil, err
	}
	v.Chart = seriesChart(v.Effect.Series)
	return v, nil
}

// seriesChart is the data-chart JSON of the sign-ups and conversions chart.
func seriesChart(days []campaign.Day) template.JSStr {
	if len(days) == 0 {
		return ""
	}
	d := struct {
		Type   string   `json:"type"`
		Unit   string   `json:"unit"`
		Labels []string `json:"labels"`
		Series []struct {
			Name   string `json:"name"`
			Values []int  `json:"values"`
		} `json:"series"`
	}{Type: "line", Unit: "人"}
	d.Series = make([]struct {
		Name   string `json:"name"`
		Values []int  `json:"values"`
	}, 3)
	d.Series[0].Name, d.Series[1].Name, d.Series[2].Name = "报名", "线索", "订单"
	for _, x := range days {
		d.Labels = append(d.Labels, x.Date[5:])
		d.Series[0].Values = append(d.Series[0].Values, x.SignUps)
		d.Series[1].Values = append(d.Series[1].Values, x.Leads)
		d.Series[2].Values = append(d.Series[2].Values, x.Orders)
	}
	b, _ := json.Marshal(d)
	return template.JSStr(b)
}

func (h *Campaigns) detail(rw http.ResponseWriter, r *http.Request) {
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
	h.render(rw, r, http.StatusOK, "campaign", &page{Title: "营销活动 · " + v.C.Name, Nav: "campaigns", Data: v})
}

// back re-renders a campaign's page with err beside the form that failed,
// or redirects with flash when err is nil.
func (h *Campaigns) back(rw http.ResponseWriter, r *http.Request, id int64, flash string, err error) {
	if err == nil {
		redirect(rw, r, campaignURL(id), flash)
		return
	}
	v, lerr := h.load(r, id)
	if lerr != nil {
		h.fail(rw, r, lerr)
		return
	}
	h.formError(rw, r, "campaign", &page{Title: "营销活动 · " + v.C.Name, Nav: "campaigns", Data: v, URL: campaignURL(id)}, err)
}

func (h *Campaigns) publish(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	_, err = h.Campaigns.Publish(r.Context(), httpx.User(r), id)
	h.back(rw, r, id, "campaign_published", err)
}

func (h *Campaigns) transition(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	action := r.PathValue("action")
	_, err = h.Campaigns.Transition(r.Context(), httpx.User(r), id, action, r.PostFormValue("reason"))
	h.back(rw, r, id, "campaign_"+action, err)
}

// rulesOf reads the rule rows of the segment form (rule_field, rule_op,
// rule_value repeated); rows without a field are skipped.
func rulesOf(f url.Values) []campaign.Rule {
	fields, ops, values := f["rule_field"], f["rule_op"], f["rule_value"]
	var out []campaign.Rule
	for i, name := range fields {
		if strings.TrimSpace(name) == "" {
			continue
		}
		r := campaign.Rule{Field: name}
		if i < len(ops) {
			r.Op = ops[i]
		}
		if i < len(values) {
			r.Value = values[i]
		}
		out = append(out, r)
	}
	return out
}

func (h *Campaigns) segment(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	_, err = h.Campaigns.SetRules(r.Context(), httpx.User(r), id, rulesOf(r.PostForm))
	h.back(rw, r, id, "campaign_segment", err)
}

// countView is the live count fragment.
type countView struct {
	Count *campaign.Count
	Error string
}

// count answers the segment editor's live count (htmx): the rules of the
// query string, the campaign's city and hold-out share.
func (h *Campaigns) count(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &countView{}
	holdout, _ := strconv.Atoi(q.Get("holdout_pct"))
	c, err := h.Campaigns.CountSegment(r.Context(), httpx.User(r), rulesOf(q), q.Get("city"), holdout)
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		v.Error = e.Message
	} else if err != nil {
		h.fail(rw, r, err)
		return
	}
	v.Count = c
	h.render(rw, r, http.StatusOK, "campaign_count", &page{Title: "受众人数", Nav: "campaigns", Data: v})
}

func (h *Campaigns) addCost(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	amount, ok := pipeline.ParseYuan(r.PostFormValue("amount"))
	if !ok {
		err = apperr.Field("amount", "金额请填写元，如 3500")
	} else {
		_, err = h.Campaigns.AddCost(r.Context(), httpx.User(r), id, campaign.CostInput{Item: r.PostFormValue("item"), AmountFen: amount,
			SpentOn: r.PostFormValue("spent_on"), Note: r.PostFormValue("note")})
	}
	h.back(rw, r, id, "campaign_cost", err)
}

func (h *Campaigns) checkIn(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p, err := h.Campaigns.CheckIn(r.Context(), httpx.User(r), id, r.PostFormValue("code"))
	if err == nil {
		v, lerr := h.load(r, id)
		if lerr != nil {
			h.fail(rw, r, lerr)
			return
		}
		v.CheckedIn = p
		h.render(rw, r, http.StatusOK, "campaign", &page{Title: "营销活动 · " + v.C.Name, Nav: "campaigns", Data: v, URL: campaignURL(id),
			Flash: "签到成功：" + p.CustomerName + "（" + p.Mobile + "）"})
		return
	}
	h.back(rw, r, id, "", err)
}

// compareView is the data of the comparison list.
type compareView struct {
	Rows     []*campaign.Row
	Next     string
	First    string
	Query    url.Values
	Kinds    []campaign.Code
	Statuses []campaign.Code
	Export   string
	Rule     string
}

func (h *Campaigns) compare(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &compareView{Query: q, Kinds: campaign.Kinds, Statuses: campaign.Statuses, Rule: campaign.AttributionRule}
	p := &page{Title: "活动效果对比", Nav: "campaigns", Data: v}
	f, err := campaign.FilterFromQuery(q)
	if err == nil {
		if q.Get("limit") == "" {
			f.Limit = 20
		}
		var pg listing.Page[*campaign.Campaign]
		v.Rows, pg, err = h.Campaigns.Compare(r.Context(), httpx.User(r), f)
		if pg.HasNext() {
			v.Next = withParam(r.URL, "cursor", pg.NextCursor)
		}
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
		p.Error, p.Fields = e.Message, e.Fields
		h.render(rw, r, http.StatusUnprocessableEntity, "campaigns_compare", p)
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if q.Get("cursor") != "" {
		v.First = withParam(r.URL, "cursor", "")
	}
	eq := url.Values{}
	for _, k := range []string{"status", "kind", "q", "sort"} {
		if q.Get(k) != "" {
			eq.Set(k, q.Get(k))
		}
	}
	v.Export = "/sales/campaigns/export"
	if len(eq) > 0 {
		v.Export += "?" + eq.Encode()
	}
	h.render(rw, r, http.StatusOK, "campaigns_compare", p)
}

// export streams the comparison of the filtered campaigns as CSV or XLSX.
func (h *Campaigns) export(rw http.ResponseWriter, r *http.Request) {
	format, err := listing.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	f, err := campaign.FilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	first := f
	first.Limit = 1
	if _, total, err := h.Campaigns.List(r.Context(), httpx.User(r), first); err != nil {
		h.fail(rw, r, err)
		return
	} else if total.Capped || total.N > listing.BackgroundThreshold {
		h.fail(rw, r, apperr.New(apperr.Invalid, "符合条件的活动过多，请增加筛选条件后再导出"))
		return
	}
	name := fmt.Sprintf("活动效果-%s.%s", time.Now().In(listing.Shanghai).Format("20060102-1504"), format)
	httpx.Attachment(rw, name, format.ContentType())
	w, err := xlsx.Open(format, httpx.Streaming(rw))
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "campaign export", "err", err)
		return
	}
	if _, err := h.Campaigns.Export(r.Context(), httpx.User(r), f, w); err != nil {
		h.Logger.ErrorContext(r.Context(), "campaign export", "err", err, "request_id", httpx.RequestID(r.Context()))
	}
}

// Owners ------------------------------------------------------------------

type ownerCampaignsView struct {
	Current, Past []*campaign.OwnerItem
	Points        int64 // the owner's balance
}

func (h *Campaigns) ownerList(rw http.ResponseWriter, r *http.Request) {
	cur, past, err := h.Campaigns.OwnerCampaigns(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	pts, err := h.Campaigns.OwnerPoints(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owner_campaigns", &page{Title: "活动", Nav: "owner-campaigns", Data: &ownerCampaignsView{Current: cur, Past: past, Points: pts.Balance}})
}

func (h *Campaigns) ownerCoupons(rw http.ResponseWriter, r *http.Request) {
	list, err := h.Campaigns.OwnerCoupons(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owner_coupons", &page{Title: "我的抵扣券", Nav: "owner-campaigns", Data: list})
}

func (h *Campaigns) ownerPoints(rw http.ResponseWriter, r *http.Request) {
	pts, err := h.Campaigns.OwnerPoints(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owner_points", &page{Title: "我的积分", Nav: "owner-campaigns", Data: pts})
}

func (h *Campaigns) refreshEffect(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	_, err = h.Campaigns.RefreshEffect(r.Context(), httpx.User(r), id)
	h.back(rw, r, id, "effect_refreshed", err)
}

type ownerCampaignView struct {
	*campaign.OwnerView
	Now         time.Time
	ReferralURL string // the referral link with this site's address
}

func (h *Campaigns) ownerDetail(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	h.ownerPage(rw, r, id, nil)
}

func (h *Campaigns) ownerPage(rw http.ResponseWriter, r *http.Request, id int64, err error) {
	v, gerr := h.Campaigns.OwnerCampaign(r.Context(), httpx.User(r), id)
	if gerr != nil {
		h.fail(rw, r, gerr)
		return
	}
	ov := &ownerCampaignView{OwnerView: v, Now: time.Now()}
	if v.Referral != nil {
		scheme := "http"
		if r.TLS != nil || (h.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https") {
			scheme = "https"
		}
		ov.ReferralURL = scheme + "://" + r.Host + v.Referral.Link
	}
	p := &page{Title: v.Campaign.Name, Nav: "owner-campaigns", Data: ov}
	if err != nil {
		p.URL = "/owner/campaigns/" + strconv.FormatInt(id, 10)
		h.formError(rw, r, "owner_campaign", p, err)
		return
	}
	h.render(rw, r, http.StatusOK, "owner_campaign", p)
}

func (h *Campaigns) ownerAct(rw http.ResponseWriter, r *http.Request, flash string, act func(id int64) error) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	if err := act(id); err != nil {
		if e := apperr.As(err); e != nil && (e.Code == apperr.Conflict || e.Code == apperr.Invalid) {
			h.ownerPage(rw, r, id, err)
			return
		}
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, "/owner/campaigns/"+strconv.FormatInt(id, 10), flash)
}

func (h *Campaigns) signUp(rw http.ResponseWriter, r *http.Request) {
	var status string
	h.ownerAct(rw, r, "", func(id int64) error {
		p, err := h.Campaigns.SignUp(r.Context(), httpx.User(r), id)
		if err == nil {
			status = p.Status
			redirect(rw, r, "/owner/campaigns/"+strconv.FormatInt(id, 10), "signup_"+status)
			return errHandled
		}
		return err
	})
}

// errHandled tells ownerAct that the action already answered.
var errHandled = apperr.New(apperr.Code("handled"), "")

func (h *Campaigns) cancelSignup(rw http.ResponseWriter, r *http.Request) {
	h.ownerAct(rw, r, "signup_cancelled", func(id int64) error {
		_, err := h.Campaigns.CancelSignup(r.Context(), httpx.User(r), id)
		return err
	})
}

func (h *Campaigns) referral(rw http.ResponseWriter, r *http.Request) {
	h.ownerAct(rw, r, "referral_code", func(id int64) error {
		_, err := h.Campaigns.ReferralCode(r.Context(), httpx.User(r), id)
		return err
	})
}

// friendView is the public page of a referral link.
type friendView struct {
	R      *campaign.Referral
	Models []vehicle.Model
	Done   bool
}

func (h *Campaigns) friendPage(rw http.ResponseWriter, r *http.Request, status int, p *page, err error) {
	ref, gerr := h.Campaigns.LookupReferral(r.Context(), r.PathValue("code"))
	if gerr != nil {
		h.fail(rw, r, gerr)
		return
	}
	models, merr := h.Models(r)
	if merr != nil {
		h.fail(rw, r, merr)
		return
	}
	v := p.Data.(*friendView)
	v.R, v.Models = ref, models
	p.Title = ref.CampaignName
	if err != nil {
		h.formError(rw, r, "referral", p, err)
		return
	}
	h.render(rw, r, status, "referral", p)
}

func (h *Campaigns) friend(rw http.ResponseWriter, r *http.Request) {
	h.friendPage(rw, r, http.StatusOK, &page{Data: &friendView{Done: r.URL.Query().Get("ok") == "referred"}}, nil)
}

func (h *Campaigns) friendSubmit(rw http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(rw, r, apperr.New(apperr.Invalid, "表单无法解析"))
		return
	}
	f := r.PostForm
	var err error
	if f.Get("consent") == "" {
		err = apperr.Field("consent", "请阅读并同意顾问与您联系")
	} else {
		_, err = h.Campaigns.SubmitReferral(r.Context(), r.PathValue("code"), campaign.FriendInput{Name: f.Get("name"), Mobile: f.Get("mobile"),
			City: f.Get("city"), ModelID: formID(f, "model_id"), Note: f.Get("note")})
	}
	if err == nil {
		redirect(rw, r, "/r/"+url.PathEscape(r.PathValue("code")), "referred")
		return
	}
	h.friendPage(rw, r, http.StatusOK, &page{Data: &friendView{}, URL: "/r/" + url.PathEscape(r.PathValue("code"))}, err)
}

// Service: coupons on work orders -------------------------------------------

func (h *Campaigns) redeem(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	target := "/service/work-orders/" + strconv.FormatInt(id, 10)
	_, err = h.Campaigns.RedeemCoupon(r.Context(), httpx.User(r), id, r.PostFormValue("code"))
	if key := campaign.CouponProblem(err); key != "" {
		redirect(rw, r, target+"?coupon="+key+"#coupon", "")
		return
	}
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	redirect(rw, r, target+"#coupon", "coupon_redeemed")
}
