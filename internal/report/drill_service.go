package report

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/support"
)

// ServiceRowsFilter chooses the rows behind a service report figure.
type ServiceRowsFilter struct {
	Filter
	Set      string // ratings, feedback, appointments, comments (ratings and feedback: the word cloud's rows) (ServiceDrillSets)
	Month    string
	Low      bool   // ratings of 2 stars or fewer
	Kind     string // feedback kind or appointment service kind
	Category string
	Status   string
	Query    string // a word the comment contains
	Limit    int
	Cursor   string
}

// ServiceDrillSets names the service row sets.
var ServiceDrillSets = map[string]string{"ratings": "维修保养评价明细", "feedback": "车主反馈明细", "appointments": "预约明细",
	"comments": "评价与反馈明细"}

// ServiceRowsFilterFromQuery reads a ServiceRowsFilter from a drill-down
// address.
func ServiceRowsFilterFromQuery(q url.Values) (ServiceRowsFilter, error) {
	f, err := FilterFromQuery(q)
	if err != nil {
		return ServiceRowsFilter{}, err
	}
	p, err := listing.ParseParams(q)
	if err != nil {
		return ServiceRowsFilter{}, err
	}
	rf := ServiceRowsFilter{Filter: f, Set: q.Get("set"), Month: q.Get("month"), Low: q.Get("low") == "1", Kind: q.Get("kind"),
		Category: q.Get("category"), Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q")), Limit: p.Limit, Cursor: p.Cursor}
	var v apperr.Validator
	if rf.Month != "" {
		_, err := time.Parse("2006-01", rf.Month)
		v.Check(err == nil, "month", "月份无效")
	}
	v.Check(len([]rune(rf.Query)) <= 20, "q", "关键词最长 20 个字")
	if _, ok := ServiceDrillSets[rf.Set]; !ok {
		v.Check(false, "set", "没有这类明细")
	}
	return rf, v.Err()
}

// likePattern escapes s for LIKE ... ESCAPE '\'.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// ServiceRows returns a page of the rows behind a service report figure,
// newest first, under the same scope rules as ServiceReport.
func (s *Service) ServiceRows(ctx context.Context, actor *identity.User, f ServiceRowsFilter) (*Drill, error) {
	limit, err := listing.CheckLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	rs, err := s.serviceRowSet(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	return s.page(ctx, rs, f.Cursor, limit)
}

// serviceRowSet is the query behind a service drill-down.
func (s *Service) serviceRowSet(ctx context.Context, actor *identity.User, f ServiceRowsFilter) (*rowSet, error) {
	if err := identity.Require(actor); err != nil {
		return nil, err
	}
	if _, ok := ServiceDrillSets[f.Set]; !ok {
		return nil, apperr.Field("set", "没有这类明细")
	}
	sc, err := s.loadScope(ctx, actor, f.Filter, identity.RoleService, identity.RoleAdmin)
	if err != nil {
		return nil, err
	}
	lo, hi, err := monthWindow(sc.Lo, sc.Hi, f.Month)
	if err != nil {
		return nil, err
	}
	rs := &rowSet{title: ServiceDrillSets[f.Set], period: sc.period("service_center")}
	w := &rs.w
	var cols, key, id string
	switch f.Set {
	case "ratings":
		rs.from, key, id = " FROM work_order_ratings w", "w.created_at", "w.id"
		w.And("w.created_at >= " + w.Arg(lo))
		w.And("w.created_at < " + w.Arg(hi))
		w.And(sc.in("w.site_id", &w.Args))
		if f.Low {
			w.And("w.rating <= 2")
		}
		if f.Query != "" {
			w.And("w.comment LIKE " + w.Arg(likePattern(f.Query)) + " ESCAPE '\\'")
		}
		cols = "w.id, w.created_at, w.work_order_id, w.site_id, w.rating, w.tags, w.comment"
		rs.table = &Table{ID: "rows", Cols: []Column{{Label: "工单"}, {Label: "服务中心"}, {Label: "评分", Num: true}, {Label: "标签"}, {Label: "评价内容"},
			{Label: "评价时间", Num: true}}, Empty: "没有符合条件的评价"}
		rs.scan = func(rows *sql.Rows) (time.Time, int64, []Cell, error) {
			var rid, wo, siteID int64
			var at time.Time
			var rating int
			var tags, comment string
			if err := rows.Scan(&rid, &at, &wo, &siteID, &rating, &tags, &comment); err != nil {
				return at, rid, nil, err
			}
			return at, rid, []Cell{text("#" + strconv.FormatInt(wo, 10)).link("/service/work-orders/" + strconv.FormatInt(wo, 10)), text(sc.siteName(siteID)),
				count(rating), text(dash(tags)), text(dash(comment)), when(at)}, nil
		}
	case "feedback":
		rs.from, key, id = " FROM feedback f", "f.created_at", "f.id"
		w.And("f.created_at >= " + w.Arg(lo))
		w.And("f.created_at < " + w.Arg(hi))
		if sc.Sites != nil {
			w.And(sc.in(feedbackSite, &w.Args))
		}
		if f.Kind != "" {
			w.And("f.kind = " + w.Arg(f.Kind))
		}
		if f.Category != "" {
			w.And("f.category = " + w.Arg(f.Category))
		}
		if f.Query != "" {
			w.And("f.comment LIKE " + w.Arg(likePattern(f.Query)) + " ESCAPE '\\'")
		}
		cols = "f.id, f.created_at, f.kind, f.category, COALESCE(f.rating, 0), f.source, f.comment"
		rs.table = &Table{ID: "rows", Cols: []Column{{Label: "类型"}, {Label: "分类"}, {Label: "评分", Num: true}, {Label: "渠道"}, {Label: "内容"},
			{Label: "时间", Num: true}}, Empty: "没有符合条件的反馈"}
		rs.scan = func(rows *sql.Rows) (time.Time, int64, []Cell, error) {
			var rid int64
			var at time.Time
			var kind, cat, src, comment string
			var rating int
			if err := rows.Scan(&rid, &at, &kind, &cat, &rating, &src, &comment); err != nil {
				return at, rid, nil, err
			}
			rc := Cell{Text: "—"}
			if rating > 0 {
				rc = count(rating)
			}
			return at, rid, []Cell{text(optionLabel(feedbackKinds, kind)), text(support.CategoryLabel(cat)), rc, text(feedbackSourceLabel(src)), text(dash(comment)), when(at)}, nil
		}
	case "comments":
		// The comments the word cloud reads: ratings and feedback in one
		// list, ids made distinct (ratings even, feedback odd).
		like := ""
		if f.Query != "" {
			like = w.Arg(likePattern(f.Query))
		}
		rcond := "w.created_at >= " + w.Arg(lo) + " AND w.created_at < " + w.Arg(hi) + " AND w.comment <> '' AND " + sc.in("w.site_id", &w.Args)
		if like != "" {
			rcond += " AND w.comment LIKE " + like + " ESCAPE '\\'"
		}
		fcond := "f.created_at >= " + w.Arg(lo) + " AND f.created_at < " + w.Arg(hi) + " AND f.comment <> ''"
		if sc.Sites != nil {
			fcond += " AND " + sc.in(feedbackSite, &w.Args)
		}
		if like != "" {
			fcond += " AND f.comment LIKE " + like + " ESCAPE '\\'"
		}
		rs.from = ` FROM (SELECT w.id * 2 AS id, w.created_at AS at, 'rating' AS kind, w.site_id AS site_id, w.rating AS rating, w.comment AS comment
			FROM work_order_ratings w WHERE ` + rcond + `
			UNION ALL SELECT f.id * 2 + 1, f.created_at, f.kind, ` + feedbackSite + `, COALESCE(f.rating, 0), f.comment
			FROM feedback f WHERE ` + fcond + `) c`
		key, id = "c.at", "c.id"
		cols = "c.id, c.at, c.kind, COALESCE(c.site_id, 0), c.rating, c.comment"
		rs.table = &Table{ID: "rows", Cols: []Column{{Label: "类型"}, {Label: "网点"}, {Label: "评分", Num: true}, {Label: "内容"}, {Label: "时间", Num: true}},
			Empty: "没有符合条件的评价或反馈"}
		rs.scan = func(rows *sql.Rows) (time.Time, int64, []Cell, error) {
			var rid, siteID int64
			var at anyTime
			var kind, comment string
			var rating int
			if err := rows.Scan(&rid, &at, &kind, &siteID, &rating, &comment); err != nil {
				return at.Time, rid, nil, err
			}
			label := "维修保养评价"
			if kind != "rating" {
				label = optionLabel(feedbackKinds, kind)
			}
			rc := Cell{Text: "—"}
			if rating > 0 {
				rc = count(rating)
			}
			return at.Time, rid, []Cell{text(label), text(sc.siteName(siteID)), rc, text(comment), when(at.Time)}, nil
		}
	default:
		rs.from, key, id = " FROM appointments a", "a.scheduled_at", "a.id"
		w.And("a.scheduled_at >= " + w.Arg(lo))
		w.And("a.scheduled_at < " + w.Arg(hi))
		w.And(sc.in("a.site_id", &w.Args))
		if f.Kind != "" {
			w.And("a.service_kind = " + w.Arg(f.Kind))
		}
		if f.Status != "" {
			w.And("a.status = " + w.Arg(f.Status))
		}
		cols = "a.id, a.scheduled_at, a.service_kind, a.status, a.site_id, a.started_at, a.completed_at"
		rs.table = &Table{ID: "rows", Cols: []Column{{Label: "预约"}, {Label: "服务类型"}, {Label: "状态"}, {Label: "网点"}, {Label: "预约时间", Num: true},
			{Label: "开工时间", Num: true}, {Label: "完工时间", Num: true}}, Empty: "没有符合条件的预约"}
		rs.scan = func(rows *sql.Rows) (time.Time, int64, []Cell, error) {
			var rid, siteID int64
			var at time.Time
			var kind, status string
			var started, completed anyTime
			if err := rows.Scan(&rid, &at, &kind, &status, &siteID, &started, &completed); err != nil {
				return at, rid, nil, err
			}
			return at, rid, []Cell{text("#" + strconv.FormatInt(rid, 10)), text(kindLabels[kind]), text(booking.Status(status).Label()), text(sc.siteName(siteID)),
				when(at), when(started.Time), when(completed.Time)}, nil
		}
	}
	rs.order = listing.Order{Name: "time_desc", Key: key, ID: id, Kind: listing.KeyTime, Desc: true}
	rs.sel = `SELECT ` + cols + rs.from
	return rs, nil
}

func feedbackSourceLabel(s string) string {
	switch s {
	case "app":
		return "App"
	case "assistant":
		return "智能客服"
	case "ticket":
		return "客服工单"
	}
	return s
}
