package campaign

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Filter selects campaigns for the staff list, the comparison and the API.
type Filter struct {
	Status string
	Kind   string
	Query  string // part of the name
	Sort   string
	Limit  int
	Cursor string
}

// FilterFromQuery reads a Filter from a query string (status, kind, q,
// sort, limit, cursor); malformed values are Invalid naming the parameter.
func FilterFromQuery(q url.Values) (Filter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return Filter{}, err
	}
	f := Filter{Status: strings.TrimSpace(q.Get("status")), Kind: strings.TrimSpace(q.Get("kind")), Query: strings.TrimSpace(q.Get("q")),
		Sort: strings.TrimSpace(q.Get("sort")), Limit: p.Limit, Cursor: p.Cursor}
	return f, f.check()
}

func (f Filter) check() error {
	var v apperr.Validator
	v.Check(f.Status == "" || valid(Statuses, f.Status), "status", "请选择有效的状态")
	v.Check(f.Kind == "" || valid(Kinds, f.Kind), "kind", "请选择有效的活动类型")
	v.Check(utf8.RuneCountInString(f.Query) <= 40, "q", "搜索内容不能超过 40 个字")
	if _, err := Sorts.Lookup(f.Sort); err != nil {
		v.Check(false, "sort", "不支持的排序方式")
	}
	if _, err := listing.CheckLimit(f.Limit); err != nil {
		v.Check(false, "limit", apperr.As(err).Message)
	}
	return v.Err()
}

func (f Filter) where(actor *identity.User) *listing.Where {
	var w listing.Where
	if actor.Is(identity.RoleSales) {
		w.And("(c.store_id IS NULL OR c.store_id = " + w.Arg(actor.SiteID) + ")")
	}
	if f.Status != "" {
		w.And("c.status = " + w.Arg(f.Status))
	}
	if f.Kind != "" {
		w.And("c.kind = " + w.Arg(f.Kind))
	}
	if f.Query != "" {
		r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
		w.And(`c.name LIKE ` + w.Arg("%"+r.Replace(f.Query)+"%") + ` ESCAPE '\'`)
	}
	return &w
}

// List returns one page of the campaigns actor sees that match f — a
// consultant's store's and the national ones; an admin's all — and how many
// match. Sales consultants and admins (Forbidden otherwise); Invalid for a
// bad filter.
func (s *Service) List(ctx context.Context, actor *identity.User, f Filter) (listing.Page[*Campaign], listing.Total, error) {
	var page listing.Page[*Campaign]
	if err := staff(actor); err != nil {
		return page, listing.Total{}, err
	}
	if err := f.check(); err != nil {
		return page, listing.Total{}, err
	}
	order, _ := Sorts.Lookup(f.Sort)
	limit, _ := listing.CheckLimit(f.Limit)
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return page, listing.Total{}, err
	}
	w := f.where(actor)
	total, err := listing.Count(ctx, s.db, "FROM campaigns c"+w.SQL(), w.Args...)
	if err != nil {
		return page, listing.Total{}, err
	}
	w2 := w.Clone()
	order.After(w2, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT `+campaignColumns+campaignFrom+w2.SQL()+` ORDER BY `+order.OrderBy()+` LIMIT `+w2.Arg(limit+1), w2.Args...)
	if err != nil {
		return page, listing.Total{}, err
	}
	defer rows.Close()
	var list []*Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return page, listing.Total{}, err
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return page, listing.Total{}, err
	}
	return listing.NewPage(list, limit, func(c *Campaign) string {
		if order.Name == "created_desc" {
			return order.Encode(c.CreatedAt, c.ID)
		}
		return order.Encode(c.StartsAt, c.ID)
	}), total, nil
}

// Row is a campaign with its effect, for the comparison list and the API.
type Row struct {
	*Campaign
	Effect *Effect `json:"effect"`
}

// Compare returns the campaigns of f's first page (drafts left out unless
// asked for by status) with their effect figures. Permissions as for List.
func (s *Service) Compare(ctx context.Context, actor *identity.User, f Filter) ([]*Row, listing.Page[*Campaign], error) {
	page, _, err := s.List(ctx, actor, f)
	if err != nil {
		return nil, page, err
	}
	var out []*Row
	for _, c := range page.Items {
		if c.Status == "draft" && f.Status != "draft" {
			continue
		}
		e, err := s.cachedEffect(ctx, c)
		if err != nil {
			return nil, page, err
		}
		out = append(out, &Row{Campaign: c, Effect: e})
	}
	return out, page, nil
}

// ExportHeader is the header of the comparison export.
var ExportHeader = []string{"活动", "类型", "状态", "门店", "开始时间", "结束时间", "预算", "费用", "受众", "对照组", "未同意营销（未触达）", "触达",
	"报名", "签到", "推荐", "线索", "商机", "订单", "收入", "单线索成本", "单订单成本", "ROI", "提升（百分点）", "95% 置信区间"}

// Export writes the comparison of every campaign f selects (at most
// listing.BackgroundThreshold; up to 200 a page) to out and audits it
// (export_campaigns). Permissions as for List.
func (s *Service) Export(ctx context.Context, actor *identity.User, f Filter, out listing.Writer) (int, error) {
	if err := staff(actor); err != nil {
		return 0, err
	}
	if f.Limit == 0 {
		f.Limit = listing.MaxLimit
	}
	n := 0
	_, err := listing.Export(out, ExportHeader, func(yield func(cells ...any) error) error {
		for {
			rows, page, err := s.Compare(ctx, actor, f)
			if err != nil {
				return err
			}
			for _, r := range rows {
				e := r.Effect
				up, ci := "", ""
				if u := e.Uplift; u != nil && !u.Insufficient {
					up, ci = fmt.Sprintf("%.2f", u.Diff*100), fmt.Sprintf("[%.2f, %.2f]", u.Low*100, u.High*100)
				}
				roi := ""
				if e.HasROI {
					roi = fmt.Sprintf("%.2f", e.ROI)
				}
				store := r.StoreName
				if store == "" {
					store = "全国"
				}
				if err := yield(r.Name, r.KindLabel(), r.StatusLabel(), store, r.StartsAt, r.EndsAt, listing.Fen(r.BudgetFen), listing.Fen(e.CostFen),
					e.Audience, e.Holdout, e.NoConsent, e.Reached, e.SignUps, e.CheckIns, e.Referrals, e.Leads, e.Opportunities, e.Orders,
					listing.Fen(e.RevenueFen), listing.Fen(e.CostPerLead), listing.Fen(e.CostPerOrder), roi, up, ci); err != nil {
					return err
				}
				n++
			}
			if !page.HasNext() || n >= listing.BackgroundThreshold {
				return nil
			}
			f.Cursor = page.NextCursor
		}
	})
	if err != nil {
		return n, err
	}
	return n, audit.Record(ctx, s.db, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "export_campaigns", Entity: "campaigns",
		Detail: map[string]any{"rows": n}})
}
