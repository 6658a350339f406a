package api

import (
	"net/http"
	"time"

	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Campaigns serves the marketing campaigns as JSON: the list (sales: their
// campaigns with effect figures; owners: those they may join), create,
// segment rules with the live count, publish, status steps, the effect, the
// owner's sign-up, cancel and referral code, check-in by staff, and
// redeeming a coupon on a work order.
type Campaigns struct {
	*Base
	Campaigns *campaign.Service
}

var (
	campaignUsers = []identity.Role{identity.RoleOwner, identity.RoleSales, identity.RoleAdmin}
	marketers     = []identity.Role{identity.RoleSales, identity.RoleAdmin}
)

// Routes returns the campaign endpoints.
func (h *Campaigns) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(campaignUsers, "GET", "/api/v1/campaigns", h.list),
		httpx.Only(marketers, "POST", "/api/v1/campaigns", h.create),
		httpx.Only(marketers, "POST", "/api/v1/campaigns/segment-count", h.count),
		httpx.Only(campaignUsers, "GET", "/api/v1/campaigns/{id}", h.get),
		httpx.Only(marketers, "PUT", "/api/v1/campaigns/{id}/rules", h.rules),
		httpx.Only(marketers, "POST", "/api/v1/campaigns/{id}/publish", h.publish),
		httpx.Only(marketers, "POST", "/api/v1/campaigns/{id}/status/{action}", h.transition),
		httpx.Only(marketers, "POST", "/api/v1/campaigns/{id}/check-in", h.checkIn),
		httpx.Only(owner, "POST", "/api/v1/campaigns/{id}/signup", h.signUp),
		httpx.Only(owner, "POST", "/api/v1/campaigns/{id}/signup/cancel", h.cancelSignup),
		httpx.Only(owner, "POST", "/api/v1/campaigns/{id}/referral-code", h.referral),
		httpx.Only(owner, "GET", "/api/v1/campaigns/points", h.points),
		httpx.Only(service, "POST", "/api/v1/work-orders/{id}/coupon", h.redeem),
	}
}

// campaignInput is the JSON body of create: times in RFC 3339, money in fen.
type campaignInput struct {
	Name            string          `json:"name"`
	Kind            string          `json:"kind"`
	Channel         string          `json:"channel"`
	StoreID         int64           `json:"store_id"`
	City            string          `json:"city"`
	Description     string          `json:"description"`
	Cover           string          `json:"cover"`
	Place           string          `json:"place"`
	StartsAt        time.Time       `json:"starts_at"`
	EndsAt          time.Time       `json:"ends_at"`
	SignupOpensAt   time.Time       `json:"signup_opens_at"`
	SignupClosesAt  time.Time       `json:"signup_closes_at"`
	BudgetFen       int64           `json:"budget_fen"`
	Capacity        int             `json:"capacity"`
	Waitlist        *bool           `json:"waitlist"`
	BenefitKind     string          `json:"benefit_kind"`
	BenefitText     string          `json:"benefit_text"`
	BenefitPoints   int             `json:"benefit_points"`
	CouponValueFen  int64           `json:"coupon_value_fen"`
	CouponValidDays int             `json:"coupon_valid_days"`
	ReferralReward  string          `json:"referral_reward"`
	ReferralPoints  int             `json:"referral_points"`
	HoldoutPct      *int            `json:"holdout_pct"`
	AttributionDays int             `json:"attribution_days"`
	Rules           []campaign.Rule `json:"rules"`
}

func (in campaignInput) input() campaign.Input {
	out := campaign.Input{Name: in.Name, Kind: in.Kind, Channel: in.Channel, StoreID: in.StoreID, City: in.City, Description: in.Description,
		Cover: in.Cover, Place: in.Place, StartsAt: in.StartsAt, EndsAt: in.EndsAt, SignupOpensAt: in.SignupOpensAt, SignupClosesAt: in.SignupClosesAt,
		BudgetFen: in.BudgetFen, Capacity: in.Capacity, Waitlist: true, BenefitKind: in.BenefitKind, BenefitText: in.BenefitText,
		BenefitPoints: in.BenefitPoints, CouponValueFen: in.CouponValueFen, CouponValidDays: in.CouponValidDays, ReferralReward: in.ReferralReward,
		ReferralPoints: in.ReferralPoints, HoldoutPct: 10, AttributionDays: in.AttributionDays}
	if in.Waitlist != nil {
		out.Waitlist = *in.Waitlist
	}
	if in.HoldoutPct != nil {
		out.HoldoutPct = *in.HoldoutPct
	}
	return out
}

// campaignJSON is a campaign for staff, with its effect when loaded.
type campaignJSON struct {
	*campaign.Campaign
	StatusLabel string           `json:"status_label"`
	KindLabel   string           `json:"kind_label"`
	Effect      *campaign.Effect `json:"effect,omitempty"`
	Rules       []campaign.Rule  `json:"rules,omitempty"`
}

func toCampaign(c *campaign.Campaign, e *campaign.Effect) *campaignJSON {
	return &campaignJSON{Campaign: c, StatusLabel: c.StatusLabel(), KindLabel: c.KindLabel(), Effect: e}
}

// list: staff get a page of their campaigns (filter status, kind, q, sort,
// limit, cursor) each with its effect; owners the campaigns they may join
// now, each with their sign-up.
func (h *Campaigns) list(rw http.ResponseWriter, r *http.Request) {
	u := httpx.User(r)
	if u.Is(identity.RoleOwner) {
		cur, _, err := h.Campaigns.OwnerCampaigns(r.Context(), u)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		if cur == nil {
			cur = []*campaign.OwnerItem{}
		}
		writeJSON(rw, http.StatusOK, map[string]any{"items": cur, "next_cursor": ""})
		return
	}
	f, err := campaign.FilterFromQuery(r.URL.Query())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	rows, page, err := h.Campaigns.Compare(r.Context(), u, campaign.Filter{Status: f.Status, Kind: f.Kind, Query: f.Query, Sort: f.Sort, Limit: f.Limit, Cursor: f.Cursor})
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	effects := map[int64]*campaign.Effect{}
	for _, x := range rows {
		effects[x.ID] = x.Effect
	}
	items := make([]*campaignJSON, 0, len(page.Items))
	for _, c := range page.Items {
		items = append(items, toCampaign(c, effects[c.ID]))
	}
	writeJSON(rw, http.StatusOK, listing.Page[*campaignJSON]{Items: items, NextCursor: page.NextCursor})
}

func (h *Campaigns) create(rw http.ResponseWriter, r *http.Request) {
	var in campaignInput
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	u := httpx.User(r)
	c, err := h.Campaigns.Create(r.Context(), u, in.input())
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	out := toCampaign(c, nil)
	if len(in.Rules) > 0 {
		if _, err := h.Campaigns.SetRules(r.Context(), u, c.ID, in.Rules); err != nil {
			h.fail(rw, r, err)
			return
		}
		out.Rules = in.Rules
	}
	writeJSON(rw, http.StatusCreated, out)
}

func (h *Campaigns) get(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	u := httpx.User(r)
	if u.Is(identity.RoleOwner) {
		v, err := h.Campaigns.OwnerCampaign(r.Context(), u, id)
		if err != nil {
			h.fail(rw, r, err)
			return
		}
		writeJSON(rw, http.StatusOK, v)
		return
	}
	c, err := h.Campaigns.Get(r.Context(), u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	e, err := h.Campaigns.Effect(r.Context(), u, id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	out := toCampaign(c, e)
	if out.Rules, err = h.Campaigns.Rules(r.Context(), u, id); err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, out)
}

func (h *Campaigns) count(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Rules      []campaign.Rule `json:"rules"`
		City       string          `json:"city"`
		HoldoutPct int             `json:"holdout_pct"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	c, err := h.Campaigns.CountSegment(r.Context(), httpx.User(r), in.Rules, in.City, in.HoldoutPct)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, c)
}

func (h *Campaigns) rules(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Rules []campaign.Rule `json:"rules"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	c, err := h.Campaigns.SetRules(r.Context(), httpx.User(r), id, in.Rules)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, c)
}

func (h *Campaigns) publish(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	c, err := h.Campaigns.Publish(r.Context(), httpx.User(r), id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toCampaign(c, nil))
}

func (h *Campaigns) transition(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			h.fail(rw, r, err)
			return
		}
	}
	c, err := h.Campaigns.Transition(r.Context(), httpx.User(r), id, r.PathValue("action"), in.Reason)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, toCampaign(c, nil))
}

func (h *Campaigns) checkIn(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	p, err := h.Campaigns.CheckIn(r.Context(), httpx.User(r), id, in.Code)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	p.CheckInCode = ""
	writeJSON(rw, http.StatusOK, p)
}

func (h *Campaigns) ownerStep(rw http.ResponseWriter, r *http.Request, status int, f func(id int64) (any, error)) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	v, err := f(id)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, status, v)
}

func (h *Campaigns) signUp(rw http.ResponseWriter, r *http.Request) {
	h.ownerStep(rw, r, http.StatusCreated, func(id int64) (any, error) { return h.Campaigns.SignUp(r.Context(), httpx.User(r), id) })
}

func (h *Campaigns) cancelSignup(rw http.ResponseWriter, r *http.Request) {
	h.ownerStep(rw, r, http.StatusOK, func(id int64) (any, error) { return h.Campaigns.CancelSignup(r.Context(), httpx.User(r), id) })
}

func (h *Campaigns) referral(rw http.ResponseWriter, r *http.Request) {
	h.ownerStep(rw, r, http.StatusOK, func(id int64) (any, error) { return h.Campaigns.ReferralCode(r.Context(), httpx.User(r), id) })
}

// points: the owner's points balance and ledger (newest first).
func (h *Campaigns) points(rw http.ResponseWriter, r *http.Request) {
	p, err := h.Campaigns.OwnerPoints(r.Context(), httpx.User(r))
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, p)
}

func (h *Campaigns) redeem(rw http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(rw, r, err)
		return
	}
	k, err := h.Campaigns.RedeemCoupon(r.Context(), httpx.User(r), id, in.Code)
	if err != nil {
		h.fail(rw, r, err)
		return
	}
	writeJSON(rw, http.StatusOK, k)
}
