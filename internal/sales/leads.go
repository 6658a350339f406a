package sales

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// Lead is one sales lead with the names a page shows.
type Lead struct {
	ID           int64     `json:"id"`
	CustomerID   int64     `json:"customer_id"`
	CustomerName string    `json:"customer_name"`
	Mobile       string    `json:"mobile"` // masked unless the reader works on the lead
	City         string    `json:"city"`
	StoreID      int64     `json:"store_id"`
	StoreName    string    `json:"store_name"`
	OwnerID      int64     `json:"owner_id"` // 0: unassigned
	OwnerName    string    `json:"owner_name"`
	Source       string    `json:"source"`
	Status       string    `json:"status"`
	ModelID      int64     `json:"model_id"`
	ModelName    string    `json:"model_name"`
	BudgetFen    int64     `json:"budget_fen"`
	Note         string    `json:"note"`
	LostReason   string    `json:"lost_reason"`
	TestDrive    bool      `json:"test_drive"`
	StoreVisits  int       `json:"store_visits"`
	Score        int       `json:"score"`                  // -1: not scored
	ScoreReason  string    `json:"score_reason"`           // the scorer's top factors, "已试驾 ↑；…"
	ResponseMins int       `json:"first_response_minutes"` // -1: not contacted yet
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	AssignedAt   time.Time `json:"assigned_at"`
	ConvertedAt  time.Time `json:"converted_at"`
	// OpportunityID is the opportunity the lead was converted to (0: none).
	OpportunityID int64 `json:"opportunity_id"`
}

// SourceLabel, StatusLabel: the Chinese names.
func (l *Lead) SourceLabel() string { return SourceLabel(l.Source) }

// StatusLabel is the lead status's Chinese name.
func (l *Lead) StatusLabel() string { return LeadStatusLabel(l.Status) }

// Open reports whether the lead is still being worked (not converted, not lost).
func (l *Lead) Open() bool { return l.Status != "converted" && l.Status != "lost" }

const leadColumns = `l.id, l.customer_id, c.name, c.mobile, c.city, COALESCE(l.store_id, 0), COALESCE(st.name, ''),
	COALESCE(l.sales_user_id, 0), COALESCE(u.display_name, ''), l.source, l.status, COALESCE(l.interested_model_id, 0),
	COALESCE(m.name, ''), COALESCE(l.budget_fen, 0), l.note, l.lost_reason, l.test_drive, l.store_visits,
	COALESCE(l.score, -1), l.score_reason, COALESCE(l.first_response_minutes, -1), l.created_at, l.updated_at, l.assigned_at, l.converted_at,
	COALESCE((SELECT MIN(o.id) FROM opportunities o WHERE o.lead_id = l.id), 0)`

const leadFrom = ` FROM leads l JOIN customers c ON c.id = l.customer_id LEFT JOIN sites st ON st.id = l.store_id
	LEFT JOIN users u ON u.id = l.sales_user_id LEFT JOIN vehicle_models m ON m.id = l.interested_model_id`

func scanLead(row interface{ Scan(...any) error }) (*Lead, error) {
	var l Lead
	var assigned, converted sql.NullTime
	err := row.Scan(&l.ID, &l.CustomerID, &l.CustomerName, &l.Mobile, &l.City, &l.StoreID, &l.StoreName, &l.OwnerID, &l.OwnerName,
		&l.Source, &l.Status, &l.ModelID, &l.ModelName, &l.BudgetFen, &l.Note, &l.LostReason, &l.TestDrive, &l.StoreVisits,
		&l.Score, &l.ScoreReason, &l.ResponseMins, &l.CreatedAt, &l.UpdatedAt, &assigned, &converted, &l.OpportunityID)
	l.AssignedAt, l.ConvertedAt = timeOf(assigned), timeOf(converted)
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	return &l, err
}

// mask hides the mobile of a lead the reader does not work on.
func (l *Lead) mask(actor *identity.User) *Lead {
	if !works(actor, l.StoreID, l.OwnerID) {
		l.Mobile = identity.MaskMobile(l.Mobile)
	}
	return l
}

// LeadInput is a new lead: an existing customer (CustomerID) or a person by
// name and mobile (an existing customer with that mobile is reused, else a
// prospect is created).
type LeadInput struct {
	CustomerID int64
	Name       string
	Mobile     string
	Province   string
	City       string
	Source     string
	StoreID    int64 // 0: the consultant's store, or the city rule's
	OwnerID    int64 // 0: by the assignment rules; managers and admins may name one
	ModelID    int64
	BudgetFen  int64
	Note       string
	// CreatedAt backdates an imported lead (zero: now; never in the future).
	CreatedAt time.Time
	// CampaignID links the lead to the campaign it came through (0: none);
	// the campaign area sets it for referrals.
	CampaignID int64
}

// ParseYuan parses an amount in yuan into fen: customer.ParseYuan, the
// one money parser ("268000", "268,000.50", "25万"; "" is 0).
func ParseYuan(s string) (int64, bool) { return customer.ParseYuan(s) }

var mobileOK = func(m string) bool {
	if len(m) != 11 || m[0] != '1' || m[1] < '3' || !isDigits(m) {
		return false
	}
	return true
}

// check validates the input's own fields.
func (in *LeadInput) check() error {
	var v apperr.Validator
	in.Mobile = strings.TrimSpace(in.Mobile)
	in.City = strings.TrimSpace(in.City)
	in.Province = strings.TrimSpace(in.Province)
	if in.CustomerID == 0 {
		text(&v, &in.Name, "name", 2, 20, "请填写客户姓名（2 到 20 个字）")
		v.Check(mobileOK(in.Mobile), "mobile", "请输入 11 位中国大陆手机号")
	}
	v.Check(utf8.RuneCountInString(in.City) <= 20, "city", "城市不能超过 20 个字")
	v.Check(valid(Sources, in.Source), "source", "请选择线索来源")
	v.Check(in.BudgetFen >= 0 && in.BudgetFen <= 100_000_000_00, "budget", "预算须为 0 到 1 亿元")
	text(&v, &in.Note, "note", 0, 500, "备注不能超过 500 个字")
	return v.Err()
}

// CreateLead creates a lead and assigns it at once (see CreateLeadTx), in
// its own transaction, and returns it.
//
// Sales consultants, admins and the system actor may call it (Forbidden
// otherwise). Returns Invalid naming the field for bad input (name, mobile,
// city, source, store_id, owner_id, model_id, budget, note), NotFound for an
// unknown or invisible customer.
func (s *Service) CreateLead(ctx context.Context, actor *identity.User, in LeadInput) (*Lead, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.CreateLeadTx(ctx, tx, actor, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, id)
	return s.lead(ctx, s.db, id)
}

// CreateLeadTx is CreateLead inside the caller's transaction q (the campaign
// area creates a referred friend's lead in its own): it validates in, finds or creates the
// customer (by CustomerID, else by mobile; a new person becomes a prospect
// through the customer service), picks the store (in.StoreID, else the
// consultant's store, else the city rule of the customer's city) and the
// owner (in.OwnerID when the actor manages the store; a consultant without
// the manager permission creating a lead of their own store owns it; else
// the city rule's consultant, else the store's round-robin rule, else a
// managing consultant themself; none leaves it unassigned for the store
// manager), then
// inserts the lead, audits it (create_lead) and notifies the owner when the
// owner is not the actor. It returns the lead's id. Rules and errors as for
// CreateLead.
func (s *Service) CreateLeadTx(ctx context.Context, q db.Querier, actor *identity.User, in LeadInput) (int64, error) {
	id, _, err := s.createLeadTx(ctx, q, actor, in, true)
	return id, err
}

// createLeadTx is CreateLeadTx; it also returns the lead's owner (0: none),
// and notifies the owner only when notifyOwner is set (an import tells each
// owner once, with a count, instead of once per row).
func (s *Service) createLeadTx(ctx context.Context, q db.Querier, actor *identity.User, in LeadInput, notifyOwner bool) (int64, int64, error) {
	if err := begin(actor); err != nil {
		return 0, 0, err
	}
	if err := in.check(); err != nil {
		return 0, 0, err
	}
	now := s.now()
	created := now
	if !in.CreatedAt.IsZero() && in.CreatedAt.Before(now) {
		created = in.CreatedAt.UTC()
	}
	if in.ModelID != 0 {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vehicle_models WHERE id = $1`, in.ModelID).Scan(&n); err != nil {
			return 0, 0, err
		}
		if n == 0 {
			return 0, 0, apperr.Field("model_id", "请选择有效的车型")
		}
	}
	// The customer.
	var cust *customer.Customer
	var err error
	if in.CustomerID != 0 {
		cust, err = customer.Get(ctx, q, in.CustomerID)
	} else {
		cust, err = customer.ByMobile(ctx, q, in.Mobile)
		if apperr.Is(err, apperr.NotFound) {
			cust, err = nil, nil
		}
	}
	if err != nil {
		return 0, 0, err
	}
	city := in.City
	if cust != nil && city == "" {
		city = cust.City
	}
	// The store and the owner.
	storeID, ownerID, rule, err := s.route(ctx, q, actor, in.StoreID, in.OwnerID, city)
	if err != nil {
		return 0, 0, err
	}
	if cust == nil {
		id, err := customer.CreateLeadCustomer(ctx, q, customer.LeadCustomer{Name: in.Name, Mobile: in.Mobile, Province: in.Province, City: city,
			Source: in.Source, StoreID: storeID, SalesUserID: ownerID, BudgetFen: in.BudgetFen, ModelID: in.ModelID}, created)
		if errors.Is(err, customer.ErrMobileTaken) {
			return 0, 0, apperr.New(apperr.Conflict, "该手机号刚刚被登记为其他客户，请重新提交")
		}
		if err != nil {
			return 0, 0, err
		}
		cust = &customer.Customer{ID: id, Name: in.Name, Mobile: in.Mobile, City: city, Kind: "prospect"}
	}
	var assigned any
	if ownerID != 0 {
		assigned = now
	}
	var id int64
	err = q.QueryRowContext(ctx, `INSERT INTO leads (customer_id, store_id, sales_user_id, source, status, interested_model_id, budget_fen,
			note, created_at, updated_at, assigned_at, campaign_id)
		VALUES ($1, $2, $3, $4, 'new', $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		cust.ID, storeID, nullID(ownerID), in.Source, nullID(in.ModelID), nullID(in.BudgetFen), in.Note, created, now, assigned, nullID(in.CampaignID)).Scan(&id)
	if err != nil {
		return 0, 0, err
	}
	detail := map[string]any{"customer_id": cust.ID, "store_id": storeID, "source": in.Source}
	if ownerID != 0 {
		detail["owner_id"] = ownerID
	}
	if rule != "" {
		detail["rule"] = rule
	}
	if err := audit.Record(ctx, q, now, audit.Entry{UserID: identity.ID(actor), Action: "create_lead", Entity: "leads", EntityID: id, Detail: detail}); err != nil {
		return 0, 0, err
	}
	if notifyOwner && ownerID != 0 && ownerID != identity.ID(actor) {
		if err := notifyLead(ctx, q, ownerID, id, cust.Name, "新线索："+cust.Name, "来源 "+SourceLabel(in.Source)+"，请尽快首次联系（首次响应时长会计入考核）", now); err != nil {
			return 0, 0, err
		}
	}
	return id, ownerID, nil
}

// Notification kinds of the pipeline.
const (
	KindLeadAssigned notify.Kind = "lead.assigned"
	KindTaskDue      notify.Kind = "lead.task_due"
	KindDelivered    notify.Kind = "vehicle.delivered"
)

func notifyLead(ctx context.Context, q db.Querier, userID, leadID int64, _ string, title, body string, now time.Time) error {
	return notify.Notify(ctx, q, notify.Notification{UserID: userID, Kind: KindLeadAssigned, Title: title, Body: body,
		Link: "/sales/leads/" + strconv.FormatInt(leadID, 10), CreatedAt: now})
}

// route picks the store and owner of a new lead and names the rule used.
func (s *Service) route(ctx context.Context, q db.Querier, actor *identity.User, storeID, ownerID int64, city string) (int64, int64, string, error) {
	rule := ""
	var ruleOwner int64
	if storeID == 0 && actor.Is(identity.RoleSales) {
		storeID = actor.SiteID
	}
	if storeID == 0 && city != "" {
		var st, u sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT store_id, user_id FROM lead_assignment_rules WHERE kind = 'city' AND city = $1`, city).Scan(&st, &u)
		if err != nil && !db.NoRows(err) {
			return 0, 0, "", err
		}
		if st.Valid {
			storeID, ruleOwner, rule = st.Int64, u.Int64, "city"
		}
	}
	if storeID == 0 {
		return 0, 0, "", apperr.Field("store_id", "请选择门店（该城市没有配置分配规则）")
	}
	if !sees(actor, storeID) {
		return 0, 0, "", apperr.Field("store_id", "只能为本门店创建线索")
	}
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, storeID).Scan(&kind)
	if db.NoRows(err) || (err == nil && kind != "store") {
		return 0, 0, "", apperr.Field("store_id", "请选择有效的门店")
	}
	if err != nil {
		return 0, 0, "", err
	}
	if ownerID == 0 && actor.Is(identity.RoleSales) && actor.SiteID == storeID && !isManager(actor) {
		// A consultant's own lead (a walk-in they met, a call they took)
		// is theirs; the rules route the leads that come in from outside.
		ownerID = actor.ID
	}
	if ownerID != 0 {
		if !isManager(actor) && ownerID != actor.ID {
			return 0, 0, "", apperr.Field("owner_id", "只有门店经理可以指定其他负责人")
		}
		if err := checkConsultant(ctx, q, ownerID, storeID); err != nil {
			return 0, 0, "", err
		}
		return storeID, ownerID, "manual", nil
	}
	if ruleOwner != 0 {
		if checkConsultant(ctx, q, ruleOwner, storeID) == nil {
			return storeID, ruleOwner, rule, nil
		}
	}
	next, err := roundRobin(ctx, q, storeID)
	if err != nil {
		return 0, 0, "", err
	}
	if next != 0 {
		if rule == "" {
			rule = "round_robin"
		} else {
			rule += "+round_robin"
		}
		return storeID, next, rule, nil
	}
	if actor.Is(identity.RoleSales) && actor.SiteID == storeID {
		return storeID, actor.ID, rule, nil
	}
	return storeID, 0, rule, nil
}

// checkConsultant checks that userID is an active sales consultant of store
// storeID (Invalid on owner_id otherwise).
func checkConsultant(ctx context.Context, q db.Querier, userID, storeID int64) error {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1 AND role = 'sales' AND active = $2 AND site_id = $3`,
		userID, true, storeID).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.Field("owner_id", "负责人须为本门店在职的销售顾问")
	}
	return nil
}

// roundRobin returns the next consultant of the store's round-robin rule
// (0 when the store has none, or no active consultant) and moves the rule
// on. The UPDATE comes first so that it holds the rule's row lock
// (PostgreSQL) until the caller's transaction ends: two leads created at
// once get two consultants in turn.
func roundRobin(ctx context.Context, q db.Querier, storeID int64) (int64, error) {
	res, err := q.ExecContext(ctx, `UPDATE lead_assignment_rules SET updated_at = updated_at WHERE kind = 'round_robin' AND store_id = $1`, storeID)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, err
	}
	var last sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT last_user_id FROM lead_assignment_rules WHERE kind = 'round_robin' AND store_id = $1`, storeID).Scan(&last); err != nil {
		return 0, err
	}
	var next int64
	err = q.QueryRowContext(ctx, `SELECT id FROM users WHERE role = 'sales' AND active = $1 AND site_id = $2 AND id > $3 ORDER BY id LIMIT 1`,
		true, storeID, last.Int64).Scan(&next)
	if db.NoRows(err) {
		err = q.QueryRowContext(ctx, `SELECT id FROM users WHERE role = 'sales' AND active = $1 AND site_id = $2 ORDER BY id LIMIT 1`,
			true, storeID).Scan(&next)
	}
	if db.NoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	_, err = q.ExecContext(ctx, `UPDATE lead_assignment_rules SET last_user_id = $1 WHERE kind = 'round_robin' AND store_id = $2`, next, storeID)
	return next, err
}

// lead reads lead id (no permission check).
func (s *Service) lead(ctx context.Context, q db.Querier, id int64) (*Lead, error) {
	l, err := scanLead(q.QueryRowContext(ctx, `SELECT `+leadColumns+leadFrom+` WHERE l.id = $1`, id))
	if db.NoRows(err) {
		return nil, errLeadNotFound
	}
	return l, err
}

var errLeadNotFound = apperr.New(apperr.NotFound, "线索不存在")

// visibleLead reads lead id for actor: NotFound when it does not exist or
// belongs to another store.
func (s *Service) visibleLead(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Lead, error) {
	l, err := s.lead(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !sees(actor, l.StoreID) {
		return nil, errLeadNotFound
	}
	return l, nil
}

// LeadSorts are the sorts of the lead list; the first is the default.
var LeadSorts = listing.Orders{
	{Name: "created_desc", Label: "最新创建", Key: "l.created_at", ID: "l.id", Kind: listing.KeyTime, Desc: true},
	{Name: "created_asc", Label: "最早创建", Key: "l.created_at", ID: "l.id", Kind: listing.KeyTime},
	{Name: "score_desc", Label: "评分从高到低", Key: "COALESCE(l.score, -1)", ID: "l.id", Kind: listing.KeyInt, Desc: true},
	{Name: "score_asc", Label: "评分从低到高", Key: "COALESCE(l.score, -1)", ID: "l.id", Kind: listing.KeyInt},
}

// cursorKey is the sort key of lead l under order o.
func cursorKey(o listing.Order, l *Lead) any {
	if o.Kind == listing.KeyInt {
		return int64(l.Score)
	}
	return l.CreatedAt
}

// LeadFilter selects leads. OwnerID -1 selects unassigned leads.
type LeadFilter struct {
	Query   string // name prefix, full mobile or its last four digits
	Status  string
	Source  string
	StoreID int64
	OwnerID int64
	// Band selects a score band (ScoreBands: hot, warm, cold, none).
	Band string
	// Open selects leads still being worked (new, contacted, qualified).
	Open   bool
	Sort   string
	Limit  int
	Cursor string
}

// LeadFilterFromQuery reads a LeadFilter from a query string (q, status,
// source, store_id, owner ("me" is me, "none" unassigned, or an id), open,
// sort, limit, cursor) for actor. Bad values are Invalid naming the
// parameter.
func LeadFilterFromQuery(actor *identity.User, q url.Values) (LeadFilter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return LeadFilter{}, err
	}
	f := LeadFilter{Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Source: q.Get("source"), Sort: q.Get("sort"), Band: q.Get("band"),
		Limit: p.Limit, Cursor: p.Cursor, Open: q.Get("open") == "1" || q.Get("open") == "true"}
	var v apperr.Validator
	f.StoreID = idParam(&v, q, "store_id")
	switch o := strings.TrimSpace(q.Get("owner")); o {
	case "":
	case "me":
		f.OwnerID = identity.ID(actor)
	case "none":
		f.OwnerID = -1
	default:
		id, err := strconv.ParseInt(o, 10, 64)
		v.Check(err == nil && id > 0, "owner", "负责人参数无效")
		f.OwnerID = id
	}
	if err := v.Err(); err != nil {
		return f, err
	}
	return f, f.check()
}

func idParam(v *apperr.Validator, q url.Values, name string) int64 {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return 0
	}
	id, err := strconv.ParseInt(s, 10, 64)
	v.Check(err == nil && id > 0, name, "参数无效")
	return id
}

func (f LeadFilter) check() error {
	var v apperr.Validator
	v.Check(utf8.RuneCountInString(f.Query) <= 32, "q", "搜索内容不能超过 32 个字")
	v.Check(f.Status == "" || valid(LeadStatuses, f.Status), "status", "请选择有效的状态")
	v.Check(f.Source == "" || valid(Sources, f.Source), "source", "请选择有效的来源")
	v.Check(f.Band == "" || valid(ScoreBands, f.Band), "band", "请选择有效的评分档位")
	if _, err := LeadSorts.Lookup(f.Sort); err != nil {
		v.Check(false, "sort", "不支持的排序方式")
	}
	if _, err := listing.CheckLimit(f.Limit); err != nil {
		v.Check(false, "limit", apperr.As(err).Message)
	}
	return v.Err()
}

func (f LeadFilter) where(actor *identity.User) *listing.Where {
	var w listing.Where
	switch {
	case !allStores(actor):
		w.And("l.store_id = " + w.Arg(actor.SiteID))
	case f.StoreID != 0:
		w.And("l.store_id = " + w.Arg(f.StoreID))
	}
	switch {
	case f.OwnerID > 0:
		w.And("l.sales_user_id = " + w.Arg(f.OwnerID))
	case f.OwnerID < 0:
		w.And("l.sales_user_id IS NULL")
	}
	if f.Status != "" {
		w.And("l.status = " + w.Arg(f.Status))
	} else if f.Open {
		w.And("l.status IN ('new', 'contacted', 'qualified')")
	}
	if f.Source != "" {
		w.And("l.source = " + w.Arg(f.Source))
	}
	if f.Band != "" {
		w.And(bandWhere(f.Band))
	}
	if q := f.Query; q != "" {
		switch {
		case isDigits(q) && len(q) == 11:
			w.And("c.mobile = " + w.Arg(q))
		case isDigits(q) && len(q) == 4:
			w.And("c.mobile LIKE " + w.Arg("%"+q))
		default:
			w.And("c.name LIKE " + w.Arg(likePrefix(q)) + ` ESCAPE '\'`)
		}
	}
	return &w
}

// ListLeads returns a page of the leads actor sees that match f, and how
// many match (exact up to listing.CountCap). Mobile numbers of leads the
// actor does not work on are masked.
//
// Sales consultants (their store), admins and the system (all, or
// f.StoreID) may call it; others get Forbidden. A bad filter or cursor is
// Invalid naming the field.
func (s *Service) ListLeads(ctx context.Context, actor *identity.User, f LeadFilter) (listing.Page[*Lead], listing.Total, error) {
	var page listing.Page[*Lead]
	if err := begin(actor); err != nil {
		return page, listing.Total{}, err
	}
	if err := f.check(); err != nil {
		return page, listing.Total{}, err
	}
	order, _ := LeadSorts.Lookup(f.Sort)
	limit, _ := listing.CheckLimit(f.Limit)
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return page, listing.Total{}, err
	}
	w := f.where(actor)
	total, err := listing.Count(ctx, s.db, " FROM leads l JOIN customers c ON c.id = l.customer_id"+w.SQL(), w.Args...)
	if err != nil {
		return page, listing.Total{}, err
	}
	rows, err := s.leadsPage(ctx, actor, w, order, cur, limit+1)
	if err != nil {
		return page, listing.Total{}, err
	}
	return listing.NewPage(rows, limit, func(l *Lead) string { return order.Encode(cursorKey(order, l), l.ID) }), total, nil
}

func (s *Service) leadsPage(ctx context.Context, actor *identity.User, w *listing.Where, order listing.Order, cur *listing.Cursor, n int) ([]*Lead, error) {
	w = w.Clone()
	order.After(w, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT `+leadColumns+leadFrom+w.SQL()+` ORDER BY `+order.OrderBy()+` LIMIT `+w.Arg(n), w.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Lead
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l.mask(actor))
	}
	return out, rows.Err()
}

// LeadExportHeader is the header row of ExportLeads.
var LeadExportHeader = []string{"编号", "客户", "手机号", "城市", "门店", "负责人", "来源", "状态", "意向车型", "预算（元）", "首次响应（分钟）", "流失原因", "创建时间", "评分", "评分档位", "评分依据"}

// ExportLeads writes every lead actor sees that matches f (Limit and
// Cursor ignored) to w, in keyset batches without a cap, mobiles masked as
// on the list, audited (export_leads). Errors as for ListLeads.
func (s *Service) ExportLeads(ctx context.Context, actor *identity.User, f LeadFilter, w listing.Writer) (n int, err error) {
	if err := begin(actor); err != nil {
		return 0, err
	}
	f.Limit, f.Cursor = 0, ""
	if err := f.check(); err != nil {
		return 0, err
	}
	order, _ := LeadSorts.Lookup(f.Sort)
	where := f.where(actor)
	defer func() {
		aerr := audit.Record(context.WithoutCancel(ctx), s.db, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "export_leads", Entity: "leads",
			Detail: map[string]any{"rows": n, "completed": err == nil, "status": f.Status, "source": f.Source, "q": f.Query}})
		if err == nil {
			err = aerr
		}
	}()
	return listing.Export(w, LeadExportHeader, func(emit func(...any) error) error {
		var cur *listing.Cursor
		for {
			rows, err := s.leadsPage(ctx, actor, where, order, cur, listing.ExportBatch)
			if err != nil {
				return err
			}
			for _, l := range rows {
				var resp any
				if l.ResponseMins >= 0 {
					resp = l.ResponseMins
				}
				var score any
				if l.Score >= 0 {
					score = l.Score
				}
				if err := emit(l.ID, l.CustomerName, identity.MaskMobile(l.Mobile), l.City, l.StoreName, l.OwnerName, l.SourceLabel(), l.StatusLabel(),
					l.ModelName, listing.Fen(l.BudgetFen), resp, l.LostReason, l.CreatedAt, score, BandLabel(l.Band()), l.ScoreReason); err != nil {
					return err
				}
			}
			if len(rows) < listing.ExportBatch {
				return nil
			}
			last := rows[len(rows)-1]
			cur = &listing.Cursor{Sort: order.Name, Key: cursorKey(order, last), ID: last.ID}
		}
	})
}

// LeadDetail is a lead with everything its page shows.
type LeadDetail struct {
	Lead       *Lead
	FollowUps  []*FollowUp
	TestDrives []*TestDrive
	History    []audit.Event
	// CanWork: the actor may change the lead; CanAssign: and reassign it.
	CanWork   bool
	CanAssign bool
}

// GetLead returns lead id with its follow-ups, test drives and history.
// Sales consultants see their store's leads, admins all; another store's
// lead is NotFound; other roles Forbidden.
func (s *Service) GetLead(ctx context.Context, actor *identity.User, id int64) (*LeadDetail, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	l, err := s.visibleLead(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	d := &LeadDetail{Lead: l.mask(actor), CanWork: works(actor, l.StoreID, l.OwnerID), CanAssign: isManager(actor)}
	if d.FollowUps, err = s.followUps(ctx, "f.lead_id = $1", id); err != nil {
		return nil, err
	}
	if d.TestDrives, err = s.testDrivesWhere(ctx, "t.lead_id = $1", id); err != nil {
		return nil, err
	}
	if d.History, err = audit.History(ctx, s.db, "leads", id, 50); err != nil {
		return nil, err
	}
	return d, nil
}

// workLead loads lead id for a change by actor inside q: NotFound when
// invisible, Forbidden when it is a colleague's (and the actor does not
// manage the store), Conflict when it is closed and open is required.
func (s *Service) workLead(ctx context.Context, q db.Querier, actor *identity.User, id int64, open bool) (*Lead, error) {
	l, err := s.visibleLead(ctx, q, actor, id)
	if err != nil {
		return nil, err
	}
	if !works(actor, l.StoreID, l.OwnerID) {
		return nil, errNotYours
	}
	if open && !l.Open() {
		return nil, apperr.New(apperr.Conflict, "线索已"+l.StatusLabel()+"，不能再操作")
	}
	return l, nil
}

// AssignLead gives lead id to consultant ownerID of the lead's store,
// moves the lead's open follow-up tasks to them, audits (assign_lead) and
// notifies them. Store managers (their store) and admins may call it
// (Forbidden otherwise); another store's lead is NotFound; an owner who is
// not an active consultant of the store is Invalid on owner_id.
func (s *Service) AssignLead(ctx context.Context, actor *identity.User, id, ownerID int64) (*Lead, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		l, err := s.visibleLead(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if !isManager(actor) {
			return apperr.New(apperr.Forbidden, "只有门店经理可以分配线索")
		}
		if err := checkConsultant(ctx, tx, ownerID, l.StoreID); err != nil {
			return err
		}
		if l.OwnerID == ownerID {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET sales_user_id = $1, assigned_at = $2, updated_at = $2 WHERE id = $3`, ownerID, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE follow_ups SET user_id = $1 WHERE lead_id = $2 AND next_at IS NOT NULL AND done_at IS NULL`, ownerID, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "assign_lead", Entity: "leads", EntityID: id,
			Detail: map[string]any{"from": l.OwnerID, "to": ownerID}}); err != nil {
			return err
		}
		if ownerID == identity.ID(actor) {
			return nil
		}
		return notifyLead(ctx, tx, ownerID, id, l.CustomerName, "分配给您的线索："+l.CustomerName, "由 "+actor.DisplayName+" 分配，来源 "+l.SourceLabel(), now)
	})
	if err != nil {
		return nil, err
	}
	l, err := s.lead(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	return l.mask(actor), nil
}

// DisqualifyLead closes lead id as lost with a reason (2 to 200
// characters, Invalid on "reason"), closes its open tasks, marks the
// customer lost when nothing else of theirs is open, audited
// (disqualify_lead). The lead's owner, a store manager or an admin may
// call it (Forbidden for a colleague's lead); a closed lead is Conflict.
func (s *Service) DisqualifyLead(ctx context.Context, actor *identity.User, id int64, reason string) (*Lead, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	var v apperr.Validator
	text(&v, &reason, "reason", 2, 200, "请填写无效或流失的原因（2 到 200 个字）")
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		l, err := s.workLead(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET status = 'lost', lost_reason = $1, updated_at = $2 WHERE id = $3`, reason, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE follow_ups SET done_at = $1 WHERE lead_id = $2 AND next_at IS NOT NULL AND done_at IS NULL`, now, id); err != nil {
			return err
		}
		if err := s.customerLostIfNothingOpen(ctx, tx, l.CustomerID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "disqualify_lead", Entity: "leads", EntityID: id,
			Detail: map[string]any{"reason": reason, "from": l.Status}})
	})
	if err != nil {
		return nil, err
	}
	l, err := s.lead(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	return l.mask(actor), nil
}

// customerLostIfNothingOpen marks the customer lost when they have no open
// lead and no open opportunity left.
func (s *Service) customerLostIfNothingOpen(ctx context.Context, q db.Querier, customerID int64, now time.Time) error {
	var n int
	err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM leads WHERE customer_id = $1 AND status IN ('new', 'contacted', 'qualified'))
		+ (SELECT COUNT(*) FROM opportunities WHERE customer_id = $1 AND stage NOT IN ('lost', 'delivered'))`, customerID).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	return customer.MarkLost(ctx, q, customerID, now)
}

// ConvertInput is what a lead's conversion to an opportunity records.
type ConvertInput struct {
	ModelID         int64
	AmountFen       int64
	ExpectedCloseOn time.Time // a date (Shanghai); zero: in 30 days
}

// ConvertLead turns lead id into an opportunity in one transaction: the
// opportunity (stage intent, or test_drive when the lead has a finished
// test drive), its first stage-history row, the lead converted, the
// customer's journey stage advanced, audited (convert_lead). It returns the
// opportunity's id.
//
// The lead's owner, a store manager or an admin may call it (Forbidden for
// a colleague's lead; NotFound for another store's); a closed lead is
// Conflict; an unknown model is Invalid on model_id, a negative amount on
// amount, a close date in the past on expected_close_on.
func (s *Service) ConvertLead(ctx context.Context, actor *identity.User, id int64, in ConvertInput) (int64, error) {
	if err := begin(actor); err != nil {
		return 0, err
	}
	now := s.now()
	var v apperr.Validator
	v.Check(in.AmountFen >= 0 && in.AmountFen <= 100_000_000_00, "amount", "金额须为 0 到 1 亿元")
	v.Check(in.ExpectedCloseOn.IsZero() || !in.ExpectedCloseOn.Before(dayStart(now)), "expected_close_on", "预计成交日期不能早于今天")
	if err := v.Err(); err != nil {
		return 0, err
	}
	close := in.ExpectedCloseOn
	if close.IsZero() {
		close = dayStart(now).AddDate(0, 0, 30)
	}
	closeDay := time.Date(close.Year(), close.Month(), close.Day(), 0, 0, 0, 0, time.UTC)
	var oppID int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		l, err := s.workLead(ctx, tx, actor, id, true)
		if err != nil {
			return err
		}
		model := in.ModelID
		if model == 0 {
			model = l.ModelID
		}
		if model == 0 {
			return apperr.Field("model_id", "请选择意向车型")
		}
		var price int64
		err = tx.QueryRowContext(ctx, `SELECT price_fen FROM vehicle_models WHERE id = $1`, model).Scan(&price)
		if db.NoRows(err) {
			return apperr.Field("model_id", "请选择有效的车型")
		}
		if err != nil {
			return err
		}
		amount := in.AmountFen
		if amount == 0 {
			amount = price
		}
		var drives int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM test_drives WHERE lead_id = $1 AND status = 'done'`, id).Scan(&drives); err != nil {
			return err
		}
		stage := "intent"
		if drives > 0 || l.TestDrive {
			stage = "test_drive"
		}
		owner := l.OwnerID
		if owner == 0 && actor.Is(identity.RoleSales) {
			owner = actor.ID
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO opportunities (lead_id, customer_id, store_id, sales_user_id, model_id, stage, amount_fen, probability,
				expected_close_on, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			id, l.CustomerID, l.StoreID, nullID(owner), model, stage, amount, Probability[stage], closeDay, now).Scan(&oppID)
		if err != nil {
			return err
		}
		if err := addHistory(ctx, tx, oppID, "", stage, identity.ID(actor), amount, "由线索转入", now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET status = 'converted', converted_at = $1, updated_at = $1, sales_user_id = COALESCE(sales_user_id, $2)
			WHERE id = $3`, now, nullID(owner), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE follow_ups SET done_at = $1 WHERE lead_id = $2 AND next_at IS NOT NULL AND done_at IS NULL AND opportunity_id IS NULL`,
			now, id); err != nil {
			return err
		}
		if err := customer.AdvanceStage(ctx, tx, l.CustomerID, customerStage(stage), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "convert_lead", Entity: "leads", EntityID: id,
			Detail: map[string]any{"opportunity_id": oppID, "stage": stage, "amount_fen": amount}})
	})
	return oppID, err
}

// customerStage is the customers.stage an opportunity stage puts a
// customer at.
func customerStage(stage string) string {
	switch stage {
	case "test_drive":
		return "test_drive"
	case "quote":
		return "negotiation"
	case "order":
		return "ordered"
	case "delivered":
		return "delivered"
	}
	return "interested"
}
