package sales

import (
	"context"
	"database/sql"
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
)

// Opportunity is a deal in the pipeline.
type Opportunity struct {
	ID              int64     `json:"id"`
	LeadID          int64     `json:"lead_id"`
	CustomerID      int64     `json:"customer_id"`
	CustomerName    string    `json:"customer_name"`
	Mobile          string    `json:"mobile"`
	StoreID         int64     `json:"store_id"`
	StoreName       string    `json:"store_name"`
	OwnerID         int64     `json:"owner_id"`
	OwnerName       string    `json:"owner_name"`
	ModelID         int64     `json:"model_id"`
	ModelName       string    `json:"model_name"`
	Stage           string    `json:"stage"`
	AmountFen       int64     `json:"amount_fen"`
	Probability     int       `json:"probability"`
	ExpectedCloseOn time.Time `json:"expected_close_on"` // a date (UTC midnight); zero: none
	LostReason      string    `json:"lost_reason"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	ClosedAt        time.Time `json:"closed_at"`
	OrderID         int64     `json:"order_id"` // the live vehicle order; 0: none
}

// StageLabel is the stage's Chinese name.
func (o *Opportunity) StageLabel() string { return StageLabel(o.Stage) }

// WeightedFen is the amount weighted by the win probability.
func (o *Opportunity) WeightedFen() int64 { return o.AmountFen * int64(o.Probability) / 100 }

// Closed reports whether the deal is over (delivered or lost).
func (o *Opportunity) Closed() bool { return o.Stage == "delivered" || o.Stage == "lost" }

const oppColumns = `o.id, COALESCE(o.lead_id, 0), o.customer_id, c.name, c.mobile, COALESCE(o.store_id, 0), COALESCE(st.name, ''),
	COALESCE(o.sales_user_id, 0), COALESCE(u.display_name, ''), COALESCE(o.model_id, 0), COALESCE(m.name, ''), o.stage, o.amount_fen,
	o.probability, o.expected_close_on, o.lost_reason, o.created_at, o.updated_at, o.closed_at,
	COALESCE((SELECT MAX(v.id) FROM vehicle_orders v WHERE v.opportunity_id = o.id AND v.status <> 'cancelled'), 0)`

const oppFrom = ` FROM opportunities o JOIN customers c ON c.id = o.customer_id LEFT JOIN sites st ON st.id = o.store_id
	LEFT JOIN users u ON u.id = o.sales_user_id LEFT JOIN vehicle_models m ON m.id = o.model_id`

func scanOpp(row interface{ Scan(...any) error }) (*Opportunity, error) {
	var o Opportunity
	var closeOn, closed sql.NullTime
	err := row.Scan(&o.ID, &o.LeadID, &o.CustomerID, &o.CustomerName, &o.Mobile, &o.StoreID, &o.StoreName, &o.OwnerID, &o.OwnerName,
		&o.ModelID, &o.ModelName, &o.Stage, &o.AmountFen, &o.Probability, &closeOn, &o.LostReason, &o.CreatedAt, &o.UpdatedAt, &closed, &o.OrderID)
	o.ExpectedCloseOn, o.ClosedAt = timeOf(closeOn), timeOf(closed)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return &o, err
}

func (o *Opportunity) mask(actor *identity.User) *Opportunity {
	if !works(actor, o.StoreID, o.OwnerID) {
		o.Mobile = identity.MaskMobile(o.Mobile)
	}
	return o
}

var errOppNotFound = apperr.New(apperr.NotFound, "商机不存在")

func (s *Service) opp(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Opportunity, error) {
	o, err := scanOpp(q.QueryRowContext(ctx, `SELECT `+oppColumns+oppFrom+` WHERE o.id = $1`, id))
	if db.NoRows(err) || (err == nil && !sees(actor, o.StoreID)) {
		return nil, errOppNotFound
	}
	return o, err
}

func (s *Service) workOpp(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Opportunity, error) {
	o, err := s.opp(ctx, q, actor, id)
	if err != nil {
		return nil, err
	}
	if !works(actor, o.StoreID, o.OwnerID) {
		return nil, errNotYours
	}
	return o, nil
}

// addHistory writes one stage change of opportunity id.
func addHistory(ctx context.Context, q db.Querier, id int64, from, to string, userID, amount int64, note string, now time.Time) error {
	var f any
	if from != "" {
		f = from
	}
	_, err := q.ExecContext(ctx, `INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, user_id, amount_fen, note, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, f, to, nullID(userID), amount, note, now)
	return err
}

// OppSorts are the sorts of the opportunity list; the first is the default.
var OppSorts = listing.Orders{
	{Name: "updated_desc", Label: "最近更新", Key: "o.updated_at", ID: "o.id", Kind: listing.KeyTime, Desc: true},
	{Name: "created_desc", Label: "最新创建", Key: "o.created_at", ID: "o.id", Kind: listing.KeyTime, Desc: true},
	{Name: "amount_desc", Label: "金额从高到低", Key: "o.amount_fen", ID: "o.id", Kind: listing.KeyInt, Desc: true},
}

// OppFilter selects opportunities. OwnerID -1 selects unassigned ones.
type OppFilter struct {
	Query   string
	Stage   string
	StoreID int64
	OwnerID int64
	Open    bool // only stages before delivery and not lost
	Sort    string
	Limit   int
	Cursor  string
}

// OppFilterFromQuery reads an OppFilter from a query string (q, stage,
// store_id, owner ("me", "none" or an id), open, sort, limit, cursor).
func OppFilterFromQuery(actor *identity.User, q url.Values) (OppFilter, error) {
	p, err := listing.ParseParams(q)
	if err != nil {
		return OppFilter{}, err
	}
	f := OppFilter{Query: strings.TrimSpace(q.Get("q")), Stage: q.Get("stage"), Sort: q.Get("sort"), Limit: p.Limit, Cursor: p.Cursor,
		Open: q.Get("open") == "1" || q.Get("open") == "true"}
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

func (f OppFilter) check() error {
	var v apperr.Validator
	v.Check(utf8.RuneCountInString(f.Query) <= 32, "q", "搜索内容不能超过 32 个字")
	v.Check(f.Stage == "" || valid(Stages, f.Stage), "stage", "请选择有效的阶段")
	if _, err := OppSorts.Lookup(f.Sort); err != nil {
		v.Check(false, "sort", "不支持的排序方式")
	}
	if _, err := listing.CheckLimit(f.Limit); err != nil {
		v.Check(false, "limit", apperr.As(err).Message)
	}
	return v.Err()
}

func (f OppFilter) where(actor *identity.User) *listing.Where {
	var w listing.Where
	switch {
	case !allStores(actor):
		w.And("o.store_id = " + w.Arg(actor.SiteID))
	case f.StoreID != 0:
		w.And("o.store_id = " + w.Arg(f.StoreID))
	}
	switch {
	case f.OwnerID > 0:
		w.And("o.sales_user_id = " + w.Arg(f.OwnerID))
	case f.OwnerID < 0:
		w.And("o.sales_user_id IS NULL")
	}
	if f.Stage != "" {
		w.And("o.stage = " + w.Arg(f.Stage))
	} else if f.Open {
		w.And("o.stage IN ('intent', 'test_drive', 'quote', 'order')")
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

func oppKey(o listing.Order, x *Opportunity) any {
	switch o.Name {
	case "created_desc":
		return x.CreatedAt
	case "amount_desc":
		return x.AmountFen
	}
	return x.UpdatedAt
}

// ListOpportunities returns a page of the opportunities actor sees that
// match f and how many match. Sales consultants (their store) and admins
// may call it (Forbidden otherwise); a bad filter is Invalid naming the
// field.
func (s *Service) ListOpportunities(ctx context.Context, actor *identity.User, f OppFilter) (listing.Page[*Opportunity], listing.Total, error) {
	var page listing.Page[*Opportunity]
	if err := begin(actor); err != nil {
		return page, listing.Total{}, err
	}
	if err := f.check(); err != nil {
		return page, listing.Total{}, err
	}
	order, _ := OppSorts.Lookup(f.Sort)
	limit, _ := listing.CheckLimit(f.Limit)
	cur, err := order.Decode(f.Cursor)
	if err != nil {
		return page, listing.Total{}, err
	}
	w := f.where(actor)
	total, err := listing.Count(ctx, s.db, " FROM opportunities o JOIN customers c ON c.id = o.customer_id"+w.SQL(), w.Args...)
	if err != nil {
		return page, listing.Total{}, err
	}
	rows, err := s.oppsPage(ctx, actor, w, order, cur, limit+1)
	if err != nil {
		return page, listing.Total{}, err
	}
	return listing.NewPage(rows, limit, func(x *Opportunity) string { return order.Encode(oppKey(order, x), x.ID) }), total, nil
}

func (s *Service) oppsPage(ctx context.Context, actor *identity.User, w *listing.Where, order listing.Order, cur *listing.Cursor, n int) ([]*Opportunity, error) {
	w = w.Clone()
	order.After(w, cur)
	rows, err := s.db.QueryContext(ctx, `SELECT `+oppColumns+oppFrom+w.SQL()+` ORDER BY `+order.OrderBy()+` LIMIT `+w.Arg(n), w.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Opportunity
	for rows.Next() {
		o, err := scanOpp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o.mask(actor))
	}
	return out, rows.Err()
}

// OppExportHeader is the header row of ExportOpportunities.
var OppExportHeader = []string{"编号", "客户", "手机号", "门店", "负责人", "车型", "阶段", "金额（元）", "赢单概率（%）", "加权金额（元）", "预计成交", "战败原因", "创建时间", "更新时间"}

// ExportOpportunities writes every opportunity actor sees that matches f
// to w, without a cap, audited (export_opportunities). Errors as for
// ListOpportunities.
func (s *Service) ExportOpportunities(ctx context.Context, actor *identity.User, f OppFilter, w listing.Writer) (n int, err error) {
	if err := begin(actor); err != nil {
		return 0, err
	}
	f.Limit, f.Cursor = 0, ""
	if err := f.check(); err != nil {
		return 0, err
	}
	order, _ := OppSorts.Lookup(f.Sort)
	where := f.where(actor)
	defer func() {
		aerr := audit.Record(context.WithoutCancel(ctx), s.db, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "export_opportunities",
			Entity: "opportunities", Detail: map[string]any{"rows": n, "completed": err == nil, "stage": f.Stage, "q": f.Query}})
		if err == nil {
			err = aerr
		}
	}()
	return listing.Export(w, OppExportHeader, func(emit func(...any) error) error {
		var cur *listing.Cursor
		for {
			rows, err := s.oppsPage(ctx, actor, where, order, cur, listing.ExportBatch)
			if err != nil {
				return err
			}
			for _, o := range rows {
				var closeOn any
				if !o.ExpectedCloseOn.IsZero() {
					closeOn = o.ExpectedCloseOn.Format("2006-01-02")
				}
				if err := emit(o.ID, o.CustomerName, identity.MaskMobile(o.Mobile), o.StoreName, o.OwnerName, o.ModelName, o.StageLabel(),
					listing.Fen(o.AmountFen), o.Probability, listing.Fen(o.WeightedFen()), closeOn, o.LostReason, o.CreatedAt, o.UpdatedAt); err != nil {
					return err
				}
			}
			if len(rows) < listing.ExportBatch {
				return nil
			}
			last := rows[len(rows)-1]
			cur = &listing.Cursor{Sort: order.Name, Key: oppKey(order, last), ID: last.ID}
		}
	})
}

// Column is one stage of the kanban: its cards (the most recently updated
// first, at most BoardCards), how many there are and their amounts.
type Column struct {
	Stage       string
	Label       string
	Cards       []*Opportunity
	Count       int
	AmountFen   int64
	WeightedFen int64
}

// BoardCards bounds the cards of one kanban column.
const BoardCards = 50

// Pipeline is the summary of the open pipeline (stages intent to order).
type Pipeline struct {
	Open        int
	AmountFen   int64
	WeightedFen int64
}

// Board returns the kanban of the opportunities actor sees matching f
// (its Stage, Sort, Limit and Cursor are ignored): one column per stage, in
// pipeline order, and the open pipeline's totals. Closed stages count only
// deals closed in the last 30 days. Errors as for ListOpportunities.
func (s *Service) Board(ctx context.Context, actor *identity.User, f OppFilter) ([]*Column, Pipeline, error) {
	if err := begin(actor); err != nil {
		return nil, Pipeline{}, err
	}
	f.Stage, f.Sort, f.Limit, f.Cursor, f.Open = "", "", 0, "", false
	if err := f.check(); err != nil {
		return nil, Pipeline{}, err
	}
	var p Pipeline
	var cols []*Column
	since := s.now().AddDate(0, 0, -30)
	for _, st := range Stages {
		w := f.where(actor)
		w.And("o.stage = " + w.Arg(st.Code))
		if st.Code == "delivered" || st.Code == "lost" {
			w.And("o.updated_at >= " + w.Arg(since))
		}
		c := &Column{Stage: st.Code, Label: st.Label}
		err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(o.amount_fen), 0), COALESCE(SUM(o.amount_fen * o.probability / 100), 0)
			FROM opportunities o JOIN customers c ON c.id = o.customer_id`+w.SQL(), w.Args...).Scan(&c.Count, &c.AmountFen, &c.WeightedFen)
		if err != nil {
			return nil, p, err
		}
		order, _ := OppSorts.Lookup("")
		if c.Cards, err = s.oppsPage(ctx, actor, w, order, nil, BoardCards); err != nil {
			return nil, p, err
		}
		if st.Code != "delivered" && st.Code != "lost" {
			p.Open += c.Count
			p.AmountFen += c.AmountFen
			p.WeightedFen += c.WeightedFen
		}
		cols = append(cols, c)
	}
	return cols, p, nil
}

// PipelineSummary returns the open pipeline of the actor: their own deals
// for a consultant, the store's for a manager, all for an admin.
func (s *Service) PipelineSummary(ctx context.Context, actor *identity.User) (Pipeline, error) {
	if err := begin(actor); err != nil {
		return Pipeline{}, err
	}
	f := OppFilter{}
	if !isManager(actor) {
		f.OwnerID = actor.ID
	}
	w := f.where(actor)
	w.And("o.stage IN ('intent', 'test_drive', 'quote', 'order')")
	var p Pipeline
	// No search, so no join with customers (every opportunity has one):
	// for an admin that join was a customer lookup per open deal.
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(o.amount_fen), 0), COALESCE(SUM(o.amount_fen * o.probability / 100), 0)
		FROM opportunities o`+w.SQL(), w.Args...).Scan(&p.Open, &p.AmountFen, &p.WeightedFen)
	return p, err
}

// StageChange is one row of an opportunity's stage history.
type StageChange struct {
	From      string    `json:"from_stage"`
	To        string    `json:"to_stage"`
	UserName  string    `json:"user_name"`
	AmountFen int64     `json:"amount_fen"`
	Note      string    `json:"note"`
	At        time.Time `json:"changed_at"`
}

// FromLabel and ToLabel are the stages' Chinese names.
func (c StageChange) FromLabel() string { return StageLabel(c.From) }

// ToLabel is the new stage's Chinese name.
func (c StageChange) ToLabel() string { return StageLabel(c.To) }

// OppDetail is an opportunity with what its page shows.
type OppDetail struct {
	Opp        *Opportunity
	History    []StageChange
	FollowUps  []*FollowUp
	TestDrives []*TestDrive
	Order      *Order // the live order; nil: none
	CanWork    bool
	CanAssign  bool
}

// GetOpportunity returns opportunity id with its stage history,
// follow-ups, test drives and order. NotFound for another store's;
// Forbidden for roles without the pipeline.
func (s *Service) GetOpportunity(ctx context.Context, actor *identity.User, id int64) (*OppDetail, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	o, err := s.opp(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	d := &OppDetail{Opp: o.mask(actor), CanWork: works(actor, o.StoreID, o.OwnerID), CanAssign: isManager(actor)}
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(h.from_stage, ''), h.to_stage, COALESCE(u.display_name, ''), h.amount_fen, h.note, h.changed_at
		FROM opportunity_stage_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.opportunity_id = $1 ORDER BY h.changed_at DESC, h.id DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c StageChange
		if err := rows.Scan(&c.From, &c.To, &c.UserName, &c.AmountFen, &c.Note, &c.At); err != nil {
			return nil, err
		}
		d.History = append(d.History, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cond, arg := "f.opportunity_id = $1", any(id)
	if o.LeadID != 0 {
		cond, arg = "(f.opportunity_id = $1 OR f.lead_id = $2)", nil
	}
	if arg == nil {
		d.FollowUps, err = s.followUps2(ctx, cond, id, o.LeadID)
	} else {
		d.FollowUps, err = s.followUps(ctx, cond, arg)
	}
	if err != nil {
		return nil, err
	}
	if o.LeadID != 0 {
		if d.TestDrives, err = s.testDrivesWhere(ctx, "t.lead_id = $1", o.LeadID); err != nil {
			return nil, err
		}
	}
	if o.OrderID != 0 {
		if d.Order, err = s.order(ctx, s.db, o.OrderID); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *Service) followUps2(ctx context.Context, cond string, a, b any) ([]*FollowUp, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+followUpColumns+followUpFrom+` WHERE `+cond+` ORDER BY f.created_at DESC, f.id DESC LIMIT 200`, a, b)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*FollowUp
	for rows.Next() {
		f, err := scanFollowUp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// MoveInput is a stage change: the new stage and what it needs.
type MoveInput struct {
	Stage      string
	AmountFen  int64  // 0 keeps the amount; quote and order need one above 0
	LostReason string // lost needs one (2 to 200 characters)
	Note       string
}

// allowed are the stage moves a user makes by hand; delivered is reached
// only by Deliver.
var allowed = map[string][]string{
	"intent":     {"test_drive", "quote", "order", "lost"},
	"test_drive": {"intent", "quote", "order", "lost"},
	"quote":      {"intent", "test_drive", "order", "lost"},
	"order":      {"quote", "lost"},
}

// MoveStage moves opportunity id to another stage, enforcing the stage
// rules: quote and order (won) need an amount, lost needs a reason, order
// can go back to quote or to lost only while its vehicle order is not
// delivered (the order is cancelled with it), delivered comes only from a
// delivery, and a delivered or lost deal moves no more. The probability
// follows the stage; the move is written to the stage history and audited
// (move_opportunity), and the customer's journey stage advances.
//
// The owner, a store manager or an admin may call it (Forbidden for a
// colleague's deal; NotFound for another store's). A move the rules refuse
// is Invalid naming the field (stage, amount, lost_reason); a move from a
// closed stage is Conflict.
func (s *Service) MoveStage(ctx context.Context, actor *identity.User, id int64, in MoveInput) (*Opportunity, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	var v apperr.Validator
	v.Check(valid(Stages, in.Stage), "stage", "请选择有效的阶段")
	v.Check(in.AmountFen >= 0 && in.AmountFen <= 100_000_000_00, "amount", "金额须为 0 到 1 亿元")
	text(&v, &in.Note, "note", 0, 200, "备注不能超过 200 个字")
	in.LostReason = strings.TrimSpace(in.LostReason)
	if in.Stage == "lost" {
		text(&v, &in.LostReason, "lost_reason", 2, 200, "请填写战败原因（2 到 200 个字）")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		o, err := s.workOpp(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if o.Stage == in.Stage && in.AmountFen == 0 {
			return nil
		}
		if o.Closed() {
			return apperr.New(apperr.Conflict, "商机已"+o.StageLabel()+"，不能再移动")
		}
		if in.Stage == "delivered" {
			return apperr.Field("stage", "交付须在订单上办理（登记车架号与车牌）")
		}
		if o.Stage != in.Stage && !contains(allowed[o.Stage], in.Stage) {
			return apperr.Field("stage", "不能从「"+o.StageLabel()+"」直接移到「"+StageLabel(in.Stage)+"」")
		}
		amount := o.AmountFen
		if in.AmountFen > 0 {
			amount = in.AmountFen
		}
		if (in.Stage == "quote" || in.Stage == "order") && amount <= 0 {
			return apperr.Field("amount", "报价和赢单须填写金额")
		}
		var closed any
		reason := ""
		if in.Stage == "lost" {
			closed, reason = now, in.LostReason
		}
		if o.Stage == "order" && o.OrderID != 0 {
			// Leaving won: the order not yet delivered is cancelled with it.
			if _, err := tx.ExecContext(ctx, `UPDATE vehicle_orders SET status = 'cancelled' WHERE id = $1 AND status = 'ordered'`, o.OrderID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET stage = $1, probability = $2, amount_fen = $3, lost_reason = $4, closed_at = $5, updated_at = $6
			WHERE id = $7`, in.Stage, Probability[in.Stage], amount, reason, closed, now, id); err != nil {
			return err
		}
		note := in.Note
		if reason != "" {
			note = strings.TrimSpace("战败原因：" + reason + " " + note)
		}
		if err := addHistory(ctx, tx, id, o.Stage, in.Stage, identity.ID(actor), amount, note, now); err != nil {
			return err
		}
		if in.Stage == "lost" {
			if err := s.customerLostIfNothingOpen(ctx, tx, o.CustomerID, now); err != nil {
				return err
			}
		} else if err := customer.AdvanceStage(ctx, tx, o.CustomerID, customerStage(in.Stage), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "move_opportunity", Entity: "opportunities", EntityID: id,
			Detail: map[string]any{"from": o.Stage, "to": in.Stage, "amount_fen": amount, "lost_reason": reason}})
	})
	if err != nil {
		return nil, err
	}
	o, err := s.opp(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	return o.mask(actor), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// OppUpdate is what can be edited on an open opportunity.
type OppUpdate struct {
	ModelID         int64
	AmountFen       int64
	ExpectedCloseOn time.Time // zero: none
}

// UpdateOpportunity edits an open opportunity's model, amount and expected
// close date, audited (update_opportunity). The owner, a manager or an
// admin may call it; a closed deal is Conflict; bad input Invalid (model_id,
// amount, expected_close_on).
func (s *Service) UpdateOpportunity(ctx context.Context, actor *identity.User, id int64, in OppUpdate) (*Opportunity, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	now := s.now()
	var v apperr.Validator
	v.Check(in.AmountFen >= 0 && in.AmountFen <= 100_000_000_00, "amount", "金额须为 0 到 1 亿元")
	v.Check(in.ExpectedCloseOn.IsZero() || !in.ExpectedCloseOn.Before(dayStart(now)), "expected_close_on", "预计成交日期不能早于今天")
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		o, err := s.workOpp(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if o.Closed() {
			return apperr.New(apperr.Conflict, "商机已结束，不能修改")
		}
		if in.ModelID == 0 {
			in.ModelID = o.ModelID
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM vehicle_models WHERE id = $1`, in.ModelID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("model_id", "请选择有效的车型")
		}
		if (o.Stage == "quote" || o.Stage == "order") && in.AmountFen == 0 {
			return apperr.Field("amount", "报价和赢单阶段须有金额")
		}
		var closeOn any
		if !in.ExpectedCloseOn.IsZero() {
			c := in.ExpectedCloseOn
			closeOn = time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, time.UTC)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET model_id = $1, amount_fen = $2, expected_close_on = $3, updated_at = $4 WHERE id = $5`,
			in.ModelID, in.AmountFen, closeOn, now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "update_opportunity", Entity: "opportunities", EntityID: id,
			Detail: map[string]any{"amount_fen": []int64{o.AmountFen, in.AmountFen}, "model_id": []int64{o.ModelID, in.ModelID}}})
	})
	if err != nil {
		return nil, err
	}
	o, err := s.opp(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	return o.mask(actor), nil
}

// AssignOpportunity gives opportunity id to consultant ownerID of its
// store (store managers and admins; Forbidden otherwise), with its open
// tasks, audited (assign_opportunity).
func (s *Service) AssignOpportunity(ctx context.Context, actor *identity.User, id, ownerID int64) error {
	if err := begin(actor); err != nil {
		return err
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		o, err := s.opp(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if !isManager(actor) {
			return apperr.New(apperr.Forbidden, "只有门店经理可以分配商机")
		}
		if err := checkConsultant(ctx, tx, ownerID, o.StoreID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET sales_user_id = $1, updated_at = $2 WHERE id = $3`, ownerID, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE follow_ups SET user_id = $1 WHERE opportunity_id = $2 AND next_at IS NOT NULL AND done_at IS NULL`, ownerID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "assign_opportunity", Entity: "opportunities", EntityID: id,
			Detail: map[string]any{"from": o.OwnerID, "to": ownerID}})
	})
}

// LogOppFollowUp records a contact on opportunity id (and its next step),
// closing its earlier open tasks, audited (follow_up). Rules as for
// LogLeadFollowUp; a closed deal is Conflict.
func (s *Service) LogOppFollowUp(ctx context.Context, actor *identity.User, id int64, in FollowUpInput) (*FollowUp, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	now := s.now()
	if err := in.check(now); err != nil {
		return nil, err
	}
	var fid int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		o, err := s.workOpp(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if o.Closed() {
			return apperr.New(apperr.Conflict, "商机已结束，不能再跟进")
		}
		owner := o.OwnerID
		if owner == 0 {
			owner = identity.ID(actor)
		}
		if fid, err = insertFollowUp(ctx, tx, o.CustomerID, o.LeadID, id, owner, identity.ID(actor), in, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: "follow_up", Entity: "opportunities", EntityID: id,
			Detail: map[string]any{"follow_up_id": fid, "channel": in.Channel}})
	})
	if err != nil {
		return nil, err
	}
	return scanFollowUp(s.db.QueryRowContext(ctx, `SELECT `+followUpColumns+followUpFrom+` WHERE f.id = $1`, fid))
}
