package customer

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// Sorts are the sorts of the customer list; the first is the default. Each
// is served by an index of migration 00007, with and without the store.
var Sorts = listing.Orders{
	{Name: "created_desc", Label: "最近建档", Key: "c.created_at", ID: "c.id", Kind: listing.KeyTime, Desc: true},
	{Name: "created_asc", Label: "最早建档", Key: "c.created_at", ID: "c.id", Kind: listing.KeyTime},
	{Name: "updated_desc", Label: "最近更新", Key: "c.updated_at", ID: "c.id", Kind: listing.KeyTime, Desc: true},
	{Name: "name_asc", Label: "姓名（升序）", Key: "c.name", ID: "c.id", Kind: listing.KeyString},
}

// Kinds, stages, sources and the other enumerations of a customer record,
// in lifecycle order, with their Chinese names.
var (
	Kinds  = []Option{{"prospect", "潜客"}, {"owner", "车主"}}
	Stages = []Option{{"lead", "线索"}, {"interested", "有意向"}, {"test_drive", "已试驾"}, {"negotiation", "商谈中"},
		{"ordered", "已下单"}, {"delivered", "已交付"}, {"lost", "已流失"}}
	Sources = []Option{{"website", "官网"}, {"app", "App"}, {"walk_in", "到店"}, {"referral", "转介绍"}, {"event", "活动"},
		{"call_center", "呼叫中心"}, {"social_media", "社交媒体"}, {"auto_show", "车展"}, {"partner", "合作伙伴"}, {"import", "批量导入"}}
	Genders         = []Option{{"M", "男"}, {"F", "女"}, {"U", "未知"}}
	Contacts        = []Option{{"phone", "电话"}, {"sms", "短信"}, {"wechat", "微信"}, {"email", "邮件"}}
	Powertrains     = []Option{{"BEV", "纯电"}, {"PHEV", "插混"}, {"EREV", "增程"}}
	Usages          = []Option{{"commute", "通勤代步"}, {"family", "家庭出行"}, {"business", "商务接待"}, {"ride_hailing", "网约车"}, {"other", "其他"}}
	HomeChargings   = []Option{{"yes", "已装家充"}, {"planned", "计划安装"}, {"no", "无条件安装"}, {"unknown", "未知"}}
	contactBoundary = time.Hour * 24
)

// Option is one value of an enumeration and its Chinese name.
type Option struct {
	Value string
	Label string
}

// label returns the Chinese name of value in opts (value itself if unknown).
func label(opts []Option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

func valid(opts []Option, value string) bool {
	for _, o := range opts {
		if o.Value == value {
			return true
		}
	}
	return false
}

// MaxQueryLen is the longest search text the customer list accepts (runes).
const MaxQueryLen = 32

// Filter selects and orders the customers of the list and export. The zero
// value lists every customer the actor may see, newest first.
type Filter struct {
	// Query is a name (prefix), a full mobile number, the last four digits
	// of a mobile, a VIN (17 characters) or a plate (e.g. 沪A12345).
	Query         string
	Kind          string // prospect, owner or "" for both
	Stage         string
	City          string
	Source        string
	ModelID       int64 // model of interest
	Tag           string
	SalesUserID   int64     // assigned consultant
	StoreID       int64     // admins only: the store; sales always see their own
	ContactAfter  time.Time // last contact on or after this day (Asia/Shanghai); zero for any
	ContactBefore time.Time // last contact before the end of this day; zero for any
	NoContact     bool      // never contacted
	Consent       *bool     // marketing consent; nil for both
	Sort          string
	Limit         int
	Cursor        string
}

// FilterParams are the query parameters of the list's filter, in the
// order the filter bar shows them (saved views and export keep these).
var FilterParams = []string{"q", "kind", "stage", "city", "source", "model_id", "tag", "sales_user_id", "store_id",
	"contact_after", "contact_before", "no_contact", "consent", "sort"}

// shanghai is the zone of the dates a filter names.
var shanghai = time.FixedZone("CST", 8*3600)

// FilterFromQuery reads a Filter from a query string, as the list page and
// GET /api/v1/customers take it. Malformed values are apperr.Invalid
// errors naming the parameter.
func FilterFromQuery(q url.Values) (Filter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return Filter{}, err
	}
	f := Filter{Query: strings.TrimSpace(q.Get("q")), Kind: strings.TrimSpace(q.Get("kind")), Stage: strings.TrimSpace(q.Get("stage")),
		City: strings.TrimSpace(q.Get("city")), Source: strings.TrimSpace(q.Get("source")), Tag: strings.TrimSpace(q.Get("tag")),
		Sort: strings.TrimSpace(q.Get("sort")), Limit: p.Limit, Cursor: p.Cursor}
	var v apperr.Validator
	id := func(name string) int64 {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		v.Check(err == nil && n > 0, name, "参数无效")
		return n
	}
	f.ModelID, f.SalesUserID, f.StoreID = id("model_id"), id("sales_user_id"), id("store_id")
	day := func(name string) time.Time {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, shanghai)
		v.Check(err == nil, name, "请填写有效的日期，如 2026-11-01")
		return t
	}
	f.ContactAfter, f.ContactBefore = day("contact_after"), day("contact_before")
	switch strings.TrimSpace(q.Get("no_contact")) {
	case "":
	case "1", "true":
		f.NoContact = true
	default:
		v.Check(false, "no_contact", "参数无效")
	}
	switch strings.TrimSpace(q.Get("consent")) {
	case "":
	case "1", "true":
		f.Consent = new(true)
	case "0", "false":
		f.Consent = new(false)
	default:
		v.Check(false, "consent", "营销授权参数无效：1 为已同意，0 为未同意")
	}
	if err := v.Err(); err != nil {
		return Filter{}, err
	}
	return f, f.check()
}

// Values returns the filter as query parameters (no limit or cursor): the
// inverse of FilterFromQuery, for saved views and the export form.
func (f Filter) Values() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	id := func(k string, n int64) {
		if n != 0 {
			q.Set(k, strconv.FormatInt(n, 10))
		}
	}
	set("q", f.Query)
	set("kind", f.Kind)
	set("stage", f.Stage)
	set("city", f.City)
	set("source", f.Source)
	id("model_id", f.ModelID)
	set("tag", f.Tag)
	id("sales_user_id", f.SalesUserID)
	id("store_id", f.StoreID)
	if !f.ContactAfter.IsZero() {
		q.Set("contact_after", f.ContactAfter.In(shanghai).Format("2006-01-02"))
	}
	if !f.ContactBefore.IsZero() {
		q.Set("contact_before", f.ContactBefore.In(shanghai).Format("2006-01-02"))
	}
	if f.NoContact {
		q.Set("no_contact", "1")
	}
	if f.Consent != nil {
		q.Set("consent", map[bool]string{true: "1", false: "0"}[*f.Consent])
	}
	set("sort", f.Sort)
	return q
}

// check validates the filter's fields (not the cursor, which needs the sort).
func (f Filter) check() error {
	var v apperr.Validator
	v.Check(utf8.RuneCountInString(f.Query) <= MaxQueryLen, "q", "搜索内容不能超过 32 个字")
	v.Check(f.Kind == "" || valid(Kinds, f.Kind), "kind", "请选择有效的客户类型")
	v.Check(f.Stage == "" || valid(Stages, f.Stage), "stage", "请选择有效的旅程阶段")
	v.Check(f.Source == "" || valid(Sources, f.Source), "source", "请选择有效的来源")
	v.Check(utf8.RuneCountInString(f.City) <= 20, "city", "城市名称过长")
	v.Check(utf8.RuneCountInString(f.Tag) <= MaxTagLen, "tag", "标签过长")
	v.Check(f.ModelID >= 0 && f.SalesUserID >= 0 && f.StoreID >= 0, "model_id", "参数无效")
	v.Check(f.ContactAfter.IsZero() || f.ContactBefore.IsZero() || !f.ContactBefore.Before(f.ContactAfter), "contact_before", "结束日期不能早于开始日期")
	v.Check(!f.NoContact || f.ContactAfter.IsZero() && f.ContactBefore.IsZero(), "no_contact", "“从未联系”不能与联系日期同时使用")
	if _, err := Sorts.Lookup(f.Sort); err != nil {
		v.Check(false, "sort", "不支持的排序方式")
	}
	if _, err := listing.CheckLimit(f.Limit); err != nil {
		v.Check(false, "limit", apperr.As(err).Message)
	}
	return v.Err()
}

// SearchKind says how a search text is read: "mobile" (11 digits),
// "last4" (4 digits), "mobile_prefix" (other digits), "vin", "plate" or
// "name" (a name prefix).
func SearchKind(q string) string {
	switch {
	case q == "":
		return ""
	case isDigits(q) && len(q) == 11:
		return "mobile"
	case isDigits(q) && len(q) == 4:
		return "last4"
	case isDigits(q):
		return "mobile_prefix"
	case isVIN(q):
		return "vin"
	case isPlate(q):
		return "plate"
	}
	return "name"
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func isVIN(s string) bool {
	if len(s) != 17 {
		return false
	}
	digits := 0
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'A' && r <= 'Z' && r != 'I' && r != 'O' && r != 'Q':
		default:
			return false
		}
	}
	return digits > 0
}

// isPlate reports whether s looks like a mainland plate: a province
// character, a letter, then 5 or 6 letters and digits.
func isPlate(s string) bool {
	rs := []rune(strings.ToUpper(s))
	if len(rs) < 7 || len(rs) > 8 || !unicode.Is(unicode.Han, rs[0]) || rs[1] < 'A' || rs[1] > 'Z' {
		return false
	}
	for _, r := range rs[2:] {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// likePrefix is a LIKE pattern (escape character \) matching strings that
// start with s.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// where returns the filter's conditions on customers c for actor, and what
// they select from (after FROM): "customers c", that with the tag's join,
// or, for a tag without a search or with a name prefix, "customer_tag_list
// c" (migration 00027: one row per tag with the customer's list columns
// under their own names, so that the conditions read the same). It includes the actor's scope (a
// consultant's own store). With seek, the filter terms are written so that
// their indexes serve them; without, on SQLite, they are wrapped so that no
// index serves them and the planner walks the sort's index instead: List
// uses that when more than the count's cap match, since matches are then
// frequent along the sort's index while fetching and sorting all of them
// would cost a page hundreds of milliseconds on a million customers.
// (PostgreSQL's planner weighs that itself from its statistics, and has no
// unary plus for text or timestamps: there the terms are always plain.)
func (f Filter) where(actor *identity.User, seek bool, dialect db.Dialect) (from string, where *listing.Where) {
	var w listing.Where
	sqlite := dialect == db.SQLite
	search := SearchKind(f.Query)
	// A name or mobile prefix drives the seeking query on SQLite: its
	// index carries the other filters' columns (customers_list_name), while
	// a common city's index, which the planner may prefer, does not carry
	// the name (400 ms for 上海 + 陈 on a million customers).
	searchDrives := sqlite && seek && (search == "name" || search == "mobile_prefix")
	term := func(c string) string { // the search's own column
		if seek || !sqlite {
			return c
		}
		return "+" + c // unary plus: the same value, served by no index
	}
	col := func(c string) string { // a filter's column
		if !sqlite || seek && !searchDrives {
			return c
		}
		return "+" + c
	}
	// An equality filter whose index is in the default order (kind, stage,
	// city, source, model, consultant, never contacted) serves a walk in
	// that order as it is: it yields the matches already sorted. (Walking
	// customers_list_created for 已流失 read the newest customers, mostly
	// in early stages, for 8 ms.)
	createdSort := f.Sort == "" || strings.HasPrefix(f.Sort, "created_")
	eq := func(c string) string {
		if !seek && createdSort {
			return c
		}
		return col(c)
	}
	from = "customers c"
	tagList := f.Tag != "" && (search == "" || search == "name")
	if tagList {
		// The tag's rows carry every filter and sort column and the name:
		// one index range of customer_tag_list answers the tag with any
		// filter or a name prefix.
		from = "customer_tag_list c"
		w.And("c.tag = " + w.Arg(f.Tag))
	}
	w.And("c.merged_into_id IS NULL")
	switch {
	case seesAll(actor):
		if f.StoreID > 0 {
			w.And("c.store_id = " + w.Arg(f.StoreID))
		}
	default:
		w.And("c.store_id = " + w.Arg(actor.SiteID))
	}
	switch q := f.Query; search {
	case "mobile":
		w.And("c.mobile = " + w.Arg(q))
	case "last4":
		w.And("substr(c.mobile, 8, 4) = " + w.Arg(q))
	case "mobile_prefix":
		lo, hi := q, q
		for len(lo) < 11 {
			lo += "0"
			hi += "9"
		}
		w.And(term("c.mobile") + " >= " + w.Arg(lo) + " AND " + term("c.mobile") + " <= " + w.Arg(hi))
	case "vin":
		w.And("c.id IN (SELECT v.customer_id FROM vehicles v WHERE v.vin = " + w.Arg(strings.ToUpper(q)) + ")")
	case "plate":
		w.And("c.id IN (SELECT v.customer_id FROM vehicles v WHERE v.plate = " + w.Arg(strings.ToUpper(q)) + ")")
	case "name":
		w.And(term("c.name") + " LIKE " + w.Arg(likePrefix(q)) + ` ESCAPE '\'`)
	}
	if f.Kind != "" {
		w.And(eq("c.kind") + " = " + w.Arg(f.Kind))
	}
	if f.Stage != "" {
		w.And(eq("c.stage") + " = " + w.Arg(f.Stage))
	}
	if f.City != "" {
		w.And(eq("c.city") + " = " + w.Arg(f.City))
	}
	if f.Source != "" {
		w.And(eq("c.source") + " = " + w.Arg(f.Source))
	}
	if f.ModelID > 0 {
		w.And(eq("c.preferred_model_id") + " = " + w.Arg(f.ModelID))
	}
	if f.Tag != "" && !tagList {
		// With a search other than a name, the search's index drives the
		// query (a mobile prefix) or selects a few customers (the rest). Seeking
		// without a driving search, the tag is joined: the planner starts
		// from whichever side is rarer. Walking the sort's index, each
		// customer walked is one probe of customer_tags' primary key. A
		// customer has a tag at most once, so the join adds no rows.
		switch {
		case seek && !searchDrives:
			from += " JOIN customer_tags t ON t.customer_id = c.id AND t.tag = " + w.Arg(f.Tag)
		case sqlite:
			// Not EXISTS: SQLite builds a Bloom filter of the whole
			// customer_tags table for it first (18 ms for 100,000 tags) to
			// answer a probe or two per customer walked.
			w.And("(SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = " + w.Arg(f.Tag) + ") IS NOT NULL")
		default:
			w.And("EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = " + w.Arg(f.Tag) + ")")
		}
	}
	if f.SalesUserID > 0 {
		w.And(eq("c.sales_user_id") + " = " + w.Arg(f.SalesUserID))
	}
	if !f.ContactAfter.IsZero() {
		w.And(col("c.last_contact_at") + " >= " + w.Arg(f.ContactAfter.UTC()))
	}
	if !f.ContactBefore.IsZero() {
		if f.ContactAfter.IsZero() {
			// Says what "<" implies: SQLite's planner then ranges over
			// customers_list_contact instead of scanning a whole index.
			w.And(col("c.last_contact_at") + " IS NOT NULL")
		}
		w.And(col("c.last_contact_at") + " < " + w.Arg(f.ContactBefore.Add(contactBoundary).UTC()))
	}
	if f.NoContact {
		w.And(eq("c.last_contact_at") + " IS NULL")
	}
	if f.Consent != nil {
		w.And(col("c.consent_marketing") + " = " + w.Arg(*f.Consent))
	}
	return from, &w
}

// countCap is the count's cap of f's list for actor: listing.AllStoresCountCap
// when it spans every store (counting 10,000 matches of a tag carried by one
// customer in ten and a city reads 100,000 index entries), else
// listing.CountCap (within one store, a few thousand customers, each filter
// column in customers_store_list).
func (f Filter) countCap(actor *identity.User) int {
	if seesAll(actor) && f.StoreID == 0 {
		return listing.AllStoresCountCap
	}
	return listing.CountCap
}

// seesAll reports whether actor sees every store's customers: admins and
// the system actor.
func seesAll(actor *identity.User) bool { return actor.Is(identity.RoleAdmin, identity.RoleSystem) }

// mayList refuses the customer list to anyone but sales staff, admins and
// the system.
func mayList(actor *identity.User) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	if !actor.Is(identity.RoleSales, identity.RoleAdmin, identity.RoleSystem) {
		return apperr.New(apperr.Forbidden, "只有销售顾问和管理员可以查看客户")
	}
	return nil
}

// Row is a customer as the list shows it.
type Row struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Mobile        string    `json:"mobile"` // masked
	Kind          string    `json:"kind"`
	Stage         string    `json:"stage"`
	City          string    `json:"city"`
	Source        string    `json:"source"`
	StoreID       int64     `json:"store_id"`
	StoreName     string    `json:"store_name"`
	SalesUserID   int64     `json:"sales_user_id"`
	SalesName     string    `json:"sales_name"`
	ModelName     string    `json:"model_of_interest"`
	Consent       bool      `json:"consent_marketing"`
	LastContactAt time.Time `json:"last_contact_at"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// KindLabel, StageLabel and SourceLabel are the Chinese names of the row's codes.
func (r *Row) KindLabel() string   { return label(Kinds, r.Kind) }
func (r *Row) StageLabel() string  { return label(Stages, r.Stage) }
func (r *Row) SourceLabel() string { return label(Sources, r.Source) }

const rowColumns = `c.id, c.name, c.mobile, c.kind, c.stage, c.city, c.source, COALESCE(c.store_id, 0), COALESCE(s.name, ''),
	COALESCE(c.sales_user_id, 0), COALESCE(u.display_name, ''), COALESCE(m.name, ''), c.consent_marketing, c.last_contact_at,
	c.created_at, c.updated_at`

// rowJoins join the names a row shows (a read-only join for display); they
// follow "FROM customers c".
const rowJoins = ` LEFT JOIN sites s ON s.id = c.store_id LEFT JOIN users u ON u.id = c.sales_user_id
	LEFT JOIN vehicle_models m ON m.id = c.preferred_model_id`

func scanRow(rows interface{ Scan(...any) error }, full bool) (*Row, error) {
	var r Row
	var contact sql.NullTime
	err := rows.Scan(&r.ID, &r.Name, &r.Mobile, &r.Kind, &r.Stage, &r.City, &r.Source, &r.StoreID, &r.StoreName,
		&r.SalesUserID, &r.SalesName, &r.ModelName, &r.Consent, &contact, &r.CreatedAt, &r.UpdatedAt)
	r.LastContactAt = contact.Time
	if !full {
		r.Mobile = identity.MaskMobile(r.Mobile)
	}
	return &r, err
}

// sortKey returns r's key under the order o of Sorts.
func sortKey(o listing.Order, r *Row) any {
	switch o.Key {
	case "c.name":
		return r.Name
	case "c.updated_at":
		return r.UpdatedAt
	}
	return r.CreatedAt
}

// List returns one page of the customers that match f, in f's sort, and
// how many match in all (exact up to listing.CountCap within a store, up
// to listing.AllStoresCountCap over every store). Mobile numbers are masked.
//
// Sales staff see their own store's customers (a store manager as well:
// the whole store), admins every store's; owners and service staff get
// apperr.Forbidden, a nil actor apperr.Unauthenticated. A bad filter
// field, sort, limit or cursor gives apperr.Invalid naming the field.
func (s *Service) List(ctx context.Context, actor *identity.User, f Filter) (listing.Page[*Row], listing.Total, error) {
	var page listing.Page[*Row]
	if err := mayList(actor); err != nil {
		return page, listing.Total{}, err
	}
	if err := f.check(); err != nil {
		return page, listing.Total{}, err
	}
	order, _ := Sorts.Lookup(f.Sort)
	size, _ := listing.CheckLimit(f.Limit)
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return page, listing.Total{}, err
	}
	from, w := f.where(actor, true, s.db.Dialect)
	total, err := listing.CountUpTo(ctx, s.db, f.countCap(actor), "FROM "+from+w.SQL(), w.Args...)
	if err != nil {
		return page, listing.Total{}, err
	}
	if total.N == 0 {
		return page, total, nil // nothing matches: no page to read
	}
	if total.Capped {
		from, w = f.where(actor, false, s.db.Dialect)
	}
	rows, err := s.rowsPage(ctx, from, w, order, cur, size+1, false)
	if err != nil {
		return page, listing.Total{}, err
	}
	return listing.NewPage(rows, size, func(r *Row) string { return order.Encode(sortKey(order, r), r.ID) }), total, nil
}

// rowsPage reads up to n customers matching from and w (as where returns
// them) after cur in order.
func (s *Service) rowsPage(ctx context.Context, from string, w *listing.Where, order listing.Order, cur *listing.Cursor, n int, full bool) ([]*Row, error) {
	w = w.Clone()
	order.After(w, cur)
	// The page's ids first, then their rows: the ids and sort keys come
	// from the filter's index alone where it carries them (every column
	// for a store), so that only the n rows shown are read from the table,
	// not every match that is sorted.
	ids := `SELECT c.id FROM ` + from + w.SQL() + ` ORDER BY ` + order.OrderBy() + ` LIMIT ` + w.Arg(n)
	rows, err := s.db.QueryContext(ctx, `SELECT `+rowColumns+` FROM customers c`+rowJoins+` WHERE c.id IN (`+ids+`) ORDER BY `+order.OrderBy(), w.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Row
	for rows.Next() {
		r, err := scanRow(rows, full)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountMatching returns how many customers match f for actor (exact, for an
// export's progress). Permissions and errors as List.
func (s *Service) CountMatching(ctx context.Context, actor *identity.User, f Filter) (int64, error) {
	if err := mayList(actor); err != nil {
		return 0, err
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	from, w := f.where(actor, true, s.db.Dialect)
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+from+w.SQL(), w.Args...).Scan(&n)
	return n, err
}

// ExportHeader is the header row of Export. Import recognises these titles
// (and the English column names), so an export imports again as it is.
var ExportHeader = []string{"编号", "姓名", "手机号", "性别", "出生年份", "省份", "城市", "客户类型", "旅程阶段", "来源",
	"所属门店", "销售顾问", "意向车型", "预算（元）", "偏好动力", "用车用途", "家充条件", "家庭人数", "兴趣", "联系偏好",
	"营销授权", "标签", "最近联系", "建档时间"}

// Export writes every customer that matches f (its Limit and Cursor are
// ignored), in f's sort, to w: the header, the rows, then it closes w. It
// reads the set in keyset pages of listing.ExportBatch rows, with no row
// cap. Mobile numbers are written in full for store managers and admins
// (so that the file imports again) and masked for other consultants. The
// export is audited (export_customers, with the filter and the rows).
//
// Permissions and errors as List. It returns the rows written.
func (s *Service) Export(ctx context.Context, actor *identity.User, f Filter, w listing.Writer) (n int, err error) {
	if err := mayList(actor); err != nil {
		return 0, err
	}
	f.Limit, f.Cursor = 0, ""
	if err := f.check(); err != nil {
		return 0, err
	}
	order, _ := Sorts.Lookup(f.Sort)
	from, where := f.where(actor, true, s.db.Dialect)
	total, err := listing.Count(ctx, s.db, "FROM "+from+where.SQL(), where.Args...)
	if err != nil {
		return 0, err
	}
	if total.Capped {
		from, where = f.where(actor, false, s.db.Dialect)
	}
	full := seesAll(actor) || s.manages(actor)
	detail := map[string]any{"filter": f.Values().Encode(), "full_mobile": full}
	defer func() {
		detail["rows"], detail["completed"] = n, err == nil
		aerr := audit.Record(context.WithoutCancel(ctx), s.db, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "export_customers", Entity: "customers", Detail: detail})
		if err == nil {
			err = aerr
		}
	}()
	n, err = listing.Export(w, ExportHeader, func(emit func(...any) error) error {
		var cur *listing.Cursor
		for {
			rows, err := s.rowsPage(ctx, from, where, order, cur, listing.ExportBatch, full)
			if err != nil {
				return err
			}
			ids := make([]int64, len(rows))
			for i, r := range rows {
				ids[i] = r.ID
			}
			extra, err := s.exportExtra(ctx, ids)
			if err != nil {
				return err
			}
			for _, r := range rows {
				x := extra[r.ID]
				var budget any
				if x.budget != nil {
					budget = listing.Fen(*x.budget)
				}
				var birth, family any
				if x.birthYear != nil {
					birth = *x.birthYear
				}
				if x.family != nil {
					family = *x.family
				}
				if err := emit(r.ID, r.Name, r.Mobile, label(Genders, x.gender), birth, x.province, r.City, r.KindLabel(), r.StageLabel(),
					r.SourceLabel(), r.StoreName, r.SalesName, r.ModelName, budget, label(Powertrains, x.powertrain), label(Usages, x.usage),
					label(HomeChargings, x.home), family, x.interests, label(Contacts, x.contact), r.Consent, strings.Join(x.tags, ","),
					r.LastContactAt, r.CreatedAt); err != nil {
					return err
				}
			}
			if len(rows) < listing.ExportBatch {
				return nil
			}
			last := rows[len(rows)-1]
			cur = &listing.Cursor{Sort: order.Name, Key: sortKey(order, last), ID: last.ID}
		}
	})
	return n, err
}

type exportCols struct {
	gender, province, powertrain, usage, home, interests, contact string
	birthYear, family, budget                                     *int64
	tags                                                          []string
}

// exportExtra reads the export's columns that the list row does not carry
// for the customers ids (one batch).
func (s *Service) exportExtra(ctx context.Context, ids []int64) (map[int64]*exportCols, error) {
	out := make(map[int64]*exportCols, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var w listing.Where
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = w.Arg(id)
		out[id] = &exportCols{}
	}
	in := strings.Join(ph, ", ")
	rows, err := s.db.QueryContext(ctx, `SELECT id, gender, birth_year, province, COALESCE(preferred_powertrain, ''), usage_purpose,
		home_charging, family_size, interests, preferred_contact, budget_fen FROM customers WHERE id IN (`+in+`)`, w.Args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		x := &exportCols{}
		if err := rows.Scan(&id, &x.gender, &x.birthYear, &x.province, &x.powertrain, &x.usage, &x.home, &x.family, &x.interests,
			&x.contact, &x.budget); err != nil {
			rows.Close()
			return nil, err
		}
		out[id] = x
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT customer_id, tag FROM customer_tags WHERE customer_id IN (`+in+`) ORDER BY customer_id, tag`, w.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return nil, err
		}
		out[id].tags = append(out[id].tags, tag)
	}
	return out, rows.Err()
}

// ExportFileName is the download name of an export made at t.
func ExportFileName(t time.Time, format string) string {
	return "客户_" + t.In(shanghai).Format("20060102_1504") + "." + format
}

// ExportJob is the background export of a large filtered customer list.
type ExportJob struct {
	Filter Filter `json:"filter"`
	Format string `json:"format"`
}

// Kind names the export job.
func (ExportJob) Kind() string { return "export_customers" }
