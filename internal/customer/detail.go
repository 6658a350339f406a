package customer

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
)

// errNotFound answers for a customer that does not exist or is another
// store's (the two are not told apart).
var errNotFound = apperr.New(apperr.NotFound, "客户不存在")

// Detail is a customer record as the 360° page shows it.
type Detail struct {
	ID                  int64
	Name                string
	Mobile              string // masked unless revealed
	MobileMasked        bool
	Gender              string
	BirthYear           int64 // 0 when unknown
	Province            string
	City                string
	Kind                string
	Stage               string
	Source              string
	StoreID             int64
	StoreName           string
	SalesUserID         int64
	SalesName           string
	BudgetFen           int64 // 0 when unknown
	HasBudget           bool
	ModelID             int64
	ModelName           string
	Powertrain          string
	UsagePurpose        string
	HomeCharging        string
	FamilySize          int64 // 0 when unknown
	Interests           string
	PreferredContact    string
	ConsentMarketing    bool
	ConsentAt           time.Time
	Notes               string
	LastContactAt       time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
	ErasedAt            time.Time
	MergedInto          int64 // the survivor when this record was merged into another
	Tags                []string
	CanEdit, CanManage  bool // the actor may edit it; may reassign it and merge it
	AccountID, Vehicles int64
}

// Labels of the record's codes.
func (d *Detail) KindLabel() string         { return label(Kinds, d.Kind) }
func (d *Detail) StageLabel() string        { return label(Stages, d.Stage) }
func (d *Detail) SourceLabel() string       { return label(Sources, d.Source) }
func (d *Detail) GenderLabel() string       { return label(Genders, d.Gender) }
func (d *Detail) ContactLabel() string      { return label(Contacts, d.PreferredContact) }
func (d *Detail) PowertrainLabel() string   { return label(Powertrains, d.Powertrain) }
func (d *Detail) UsageLabel() string        { return label(Usages, d.UsagePurpose) }
func (d *Detail) HomeChargingLabel() string { return label(HomeChargings, d.HomeCharging) }

// manages reports whether actor is a store manager (sees and edits the
// whole store's customers, reassigns them, merges duplicates) or an admin.
func (s *Service) manages(actor *identity.User) bool {
	return seesAll(actor) || actor.Is(identity.RoleSales) && isStoreManager(actor)
}

const detailColumns = `c.id, c.name, c.mobile, c.gender, c.birth_year, c.province, c.city, c.kind, c.stage, c.source,
	COALESCE(c.store_id, 0), COALESCE(s.name, ''), COALESCE(c.sales_user_id, 0), COALESCE(u.display_name, ''), c.budget_fen,
	COALESCE(c.preferred_model_id, 0), COALESCE(m.name, ''), COALESCE(c.preferred_powertrain, ''), c.usage_purpose, c.home_charging,
	c.family_size, c.interests, c.preferred_contact, c.consent_marketing, c.consent_at, c.notes, c.last_contact_at, c.created_at,
	c.updated_at, c.erased_at, COALESCE(c.merged_into_id, 0)`

// load reads customer id through q without a permission check.
func load(ctx context.Context, q db.Querier, id int64) (*Detail, error) {
	var d Detail
	var birth, budget, family sql.NullInt64
	var consentAt, contact, erased sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT `+detailColumns+` FROM customers c`+rowJoins+` WHERE c.id = $1`, id).Scan(&d.ID, &d.Name, &d.Mobile,
		&d.Gender, &birth, &d.Province, &d.City, &d.Kind, &d.Stage, &d.Source, &d.StoreID, &d.StoreName, &d.SalesUserID,
		&d.SalesName, &budget, &d.ModelID, &d.ModelName, &d.Powertrain, &d.UsagePurpose, &d.HomeCharging, &family, &d.Interests,
		&d.PreferredContact, &d.ConsentMarketing, &consentAt, &d.Notes, &contact, &d.CreatedAt, &d.UpdatedAt, &erased, &d.MergedInto)
	if db.NoRows(err) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	d.BirthYear, d.BudgetFen, d.HasBudget, d.FamilySize = birth.Int64, budget.Int64, budget.Valid, family.Int64
	d.ConsentAt, d.LastContactAt, d.ErasedAt = consentAt.Time, contact.Time, erased.Time
	return &d, nil
}

// visible loads customer id for actor: NotFound unless actor may see it
// (sales: their own store; admins and the system: all).
func (s *Service) visible(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Detail, error) {
	if err := mayList(actor); err != nil {
		return nil, err
	}
	d, err := load(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !seesAll(actor) && (actor.SiteID == 0 || d.StoreID != actor.SiteID) {
		return nil, errNotFound
	}
	d.CanManage = s.manages(actor) && d.MergedInto == 0
	d.CanEdit = d.MergedInto == 0 && d.ErasedAt.IsZero() && (d.CanManage || d.SalesUserID == actor.ID)
	d.Mobile, d.MobileMasked = identity.MaskMobile(d.Mobile), true
	return d, nil
}

// editable loads customer id for a change by actor: NotFound when it is
// not visible, Forbidden when actor may see but not edit it.
func (s *Service) editable(ctx context.Context, q db.Querier, actor *identity.User, id int64) (*Detail, error) {
	d, err := s.visible(ctx, q, actor, id)
	if err != nil {
		return nil, err
	}
	if d.MergedInto != 0 {
		return nil, apperr.New(apperr.Conflict, "该客户已合并到另一份档案，请在合并后的档案上操作")
	}
	if !d.CanEdit {
		return nil, apperr.New(apperr.Forbidden, "只能修改由您负责的客户；请联系店长重新分配")
	}
	return d, nil
}

// Visible returns an error unless actor may see customer id: NotFound for
// another store's or an unknown customer, Forbidden for roles without
// customer access. Other areas (the timeline, test drives) call it before
// showing what belongs to the customer.
func (s *Service) Visible(ctx context.Context, actor *identity.User, id int64) error {
	_, err := s.visible(ctx, s.db, actor, id)
	return err
}

// View is a customer's 360° record: the profile with its tags and the
// field history.
type View struct {
	*Detail
	History []FieldChange
	Notes   []Note
}

// Get returns customer id with tags and field history, mobile masked.
// Sales staff see their store's customers, admins all; another store's or
// an unknown id is apperr.NotFound, owners and service staff get
// apperr.Forbidden. A merged record comes back with MergedInto set.
func (s *Service) Get(ctx context.Context, actor *identity.User, id int64) (*View, error) {
	d, err := s.visible(ctx, s.db, actor, id)
	if err != nil {
		return nil, err
	}
	if d.Tags, err = s.tags(ctx, id); err != nil {
		return nil, err
	}
	v := &View{Detail: d}
	if v.History, err = s.history(ctx, id); err != nil {
		return nil, err
	}
	return v, nil
}

func (s *Service) tags(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tag FROM customer_tags WHERE customer_id = $1 ORDER BY tag`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// FieldChange is one change of one field, as the field history shows it.
type FieldChange struct {
	At       time.Time `json:"at"`
	UserName string    `json:"user_name"`
	Action   string    `json:"action"`
	Field    string    `json:"field"`
	Label    string    `json:"label"`
	Old      string    `json:"old"`
	New      string    `json:"new"`
}

// historyActions are the audited actions of a customer record, in Chinese.
var historyActions = map[string]string{"update_customer": "修改资料", "reveal_mobile": "查看完整号码", "add_tag": "添加标签",
	"remove_tag": "移除标签", "merge_customers": "合并档案", "import_customer": "导入更新", "add_note": "添加备注"}

// history reads the newest 100 audited changes of customer id.
func (s *Service) history(ctx context.Context, id int64) ([]FieldChange, error) {
	events, err := audit.History(ctx, s.db, "customers", id, 100)
	if err != nil {
		return nil, err
	}
	var out []FieldChange
	for _, e := range events {
		who := e.UserName
		if who == "" {
			who = "系统"
		}
		base := FieldChange{At: e.At, UserName: who, Action: historyActions[e.Action]}
		if base.Action == "" {
			base.Action = e.Action
		}
		changes, _ := e.Detail["changes"].(map[string]any)
		if len(changes) == 0 {
			c := base
			if t, ok := e.Detail["tag"].(string); ok {
				c.New = t
			}
			if m, ok := e.Detail["merged_from"].(float64); ok {
				c.New = fmt.Sprintf("已并入档案 #%d", int64(m))
			}
			if m, ok := e.Detail["merged_into"].(float64); ok {
				c.New = fmt.Sprintf("已合并到档案 #%d", int64(m))
			}
			out = append(out, c)
			continue
		}
		keys := make([]string, 0, len(changes))
		for k := range changes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c := base
			c.Field = k
			c.Label = fieldLabel(k)
			if pair, ok := changes[k].([]any); ok && len(pair) == 2 {
				c.Old, c.New = fmt.Sprint(pair[0]), fmt.Sprint(pair[1])
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// RevealMobile returns customer id's full mobile number and records that
// actor looked at it (reveal_mobile). Whoever may see the customer may
// reveal it; errors as Get.
func (s *Service) RevealMobile(ctx context.Context, actor *identity.User, id int64) (string, error) {
	d, err := s.visible(ctx, s.db, actor, id)
	if err != nil {
		return "", err
	}
	var mobile string
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT mobile FROM customers WHERE id = $1`, d.ID).Scan(&mobile); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "reveal_mobile", Entity: "customers", EntityID: id})
	})
	return mobile, err
}

// field is one editable field of a customer record.
type field struct {
	name, label, column string
	// parse turns submitted text into the column's value and the text the
	// history shows; an error message for invalid text.
	parse func(s *Service, ctx context.Context, d *Detail, text string) (value any, shown string, msg string)
	// current is the field's value on d as the history shows it.
	current func(d *Detail) string
	manage  bool // store managers and admins only
}

var mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

func textField(name, lbl, column string, maxLen int, required bool, cur func(d *Detail) string) field {
	return field{name: name, label: lbl, column: column, current: cur,
		parse: func(_ *Service, _ context.Context, _ *Detail, t string) (any, string, string) {
			t = strings.TrimSpace(t)
			if required && t == "" {
				return nil, "", "请填写" + lbl
			}
			if utf8.RuneCountInString(t) > maxLen {
				return nil, "", fmt.Sprintf("%s不能超过 %d 个字", lbl, maxLen)
			}
			return t, t, ""
		}}
}

func enumField(name, lbl, column string, opts []Option, nullable bool, cur func(d *Detail) string) field {
	return field{name: name, label: lbl, column: column, current: func(d *Detail) string { return label(opts, cur(d)) },
		parse: func(_ *Service, _ context.Context, _ *Detail, t string) (any, string, string) {
			t = strings.TrimSpace(t)
			if t == "" && nullable {
				return nil, "", ""
			}
			if v, ok := optionValue(opts, t); ok {
				return v, label(opts, v), ""
			}
			return nil, "", "请选择有效的" + lbl
		}}
}

// optionValue accepts an option's code or its Chinese name.
func optionValue(opts []Option, t string) (string, bool) {
	for _, o := range opts {
		if strings.EqualFold(o.Value, t) || o.Label == t {
			return o.Value, true
		}
	}
	return "", false
}

func intField(name, lbl, column string, lo, hi int64, cur func(d *Detail) int64) field {
	return field{name: name, label: lbl, column: column,
		current: func(d *Detail) string {
			if n := cur(d); n != 0 {
				return strconv.FormatInt(n, 10)
			}
			return ""
		},
		parse: func(_ *Service, _ context.Context, _ *Detail, t string) (any, string, string) {
			t = strings.TrimSpace(t)
			if t == "" {
				return nil, "", ""
			}
			n, err := strconv.ParseInt(t, 10, 64)
			if err != nil || n < lo || n > hi {
				return nil, "", fmt.Sprintf("%s须为 %d 到 %d 之间的整数", lbl, lo, hi)
			}
			return n, t, ""
		}}
}

// ParseYuan reads an amount in yuan as fen: "268000", "268,000.50",
// "¥268000", "268000元", "25万" or "25.8万" (at most 2 decimals in yuan, 6
// in 万, at most 12 digits before the point). "" is 0. ok is false for
// anything else, a negative amount included. It is the one parser of
// money typed by a user or read from an import (sales.ParseYuan is it).
func ParseYuan(t string) (fen int64, ok bool) {
	t = strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "", " ", "").Replace(strings.TrimSpace(t))
	if t == "" {
		return 0, true
	}
	decimals, scale := 2, int64(100)
	if w, isWan := strings.CutSuffix(t, "万"); isWan {
		t, decimals, scale = w, 6, 1_000_000
	}
	whole, frac, _ := strings.Cut(t, ".")
	if !allDigits(whole) || len(whole) > 12 || len(frac) > decimals || frac != "" && !allDigits(frac) {
		return 0, false
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", decimals-len(frac)), 10, 64)
	}
	return w*scale + f, true
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func yuanText(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

// Fields are the editable fields, in the order the edit form shows them.
var Fields = []field{
	textField("name", "姓名", "name", 40, true, func(d *Detail) string { return d.Name }),
	{name: "mobile", label: "手机号", column: "mobile", current: func(d *Detail) string { return identity.MaskMobile(d.Mobile) },
		parse: func(s *Service, ctx context.Context, d *Detail, t string) (any, string, string) {
			t = strings.TrimSpace(t)
			if !mobileRE.MatchString(t) {
				return nil, "", "请填写 11 位手机号"
			}
			return t, identity.MaskMobile(t), ""
		}},
	enumField("gender", "性别", "gender", Genders, false, func(d *Detail) string { return d.Gender }),
	intField("birth_year", "出生年份", "birth_year", 1920, 2015, func(d *Detail) int64 { return d.BirthYear }),
	textField("province", "省份", "province", 20, false, func(d *Detail) string { return d.Province }),
	textField("city", "城市", "city", 20, false, func(d *Detail) string { return d.City }),
	enumField("stage", "旅程阶段", "stage", Stages, false, func(d *Detail) string { return d.Stage }),
	enumField("source", "来源", "source", Sources, false, func(d *Detail) string { return d.Source }),
	{name: "budget", label: "预算（元）", column: "budget_fen",
		current: func(d *Detail) string {
			if !d.HasBudget {
				return ""
			}
			return yuanText(d.BudgetFen)
		},
		parse: func(_ *Service, _ context.Context, _ *Detail, t string) (any, string, string) {
			if strings.TrimSpace(t) == "" {
				return nil, "", ""
			}
			fen, ok := ParseYuan(t)
			if !ok {
				return nil, "", "请填写有效的金额（元），如 250000 或 25万"
			}
			return fen, yuanText(fen), ""
		}},
	{name: "model_id", label: "意向车型", column: "preferred_model_id", current: func(d *Detail) string { return d.ModelName },
		parse: func(s *Service, ctx context.Context, _ *Detail, t string) (any, string, string) {
			t = strings.TrimSpace(t)
			if t == "" {
				return nil, "", ""
			}
			m, err := s.modelByIDOrName(ctx, t)
			if err != nil || m == nil {
				return nil, "", "请选择有效的意向车型"
			}
			return m.ID, m.Name, ""
		}},
	enumField("powertrain", "偏好动力", "preferred_powertrain", Powertrains, true, func(d *Detail) string { return d.Powertrain }),
	{name: "usage_purpose", label: "用车用途", column: "usage_purpose", current: func(d *Detail) string { return label(Usages, d.UsagePurpose) },
		parse: func(_ *Service, _ context.Context, _ *Detail, t string) (any, string, string) {
			t = strings.TrimSpace(t)
			if t == "" {
				return "", "", ""
			}
			if v, ok := optionValue(Usages, t); ok {
				return v, label(Usages, v), ""
			}
			return nil, "", "请选择有效的用车用途"
		}},
	enumField("home_charging", "家充条件", "home_charging", HomeChargings, false, func(d *Detail) string { return d.HomeCharging }),
	intField("family_size", "家庭人数", "family_size", 1, 20, func(d *Detail) int64 { return d.FamilySize }),
	textField("interests", "兴趣", "interests", 100, false, func(d *Detail) string { return d.Interests }),
	enumField("preferred_contact", "联系偏好", "preferred_contact", Contacts, false, func(d *Detail) string { return d.PreferredContact }),
	{name: "consent_marketing", label: "营销授权", column: "consent_marketing",
		current: func(d *Detail) string {
			return map[bool]string{true: "已同意", false: "未同意"}[d.ConsentMarketing]
		},
		parse: func(_ *Service, _ context.Context, _ *Detail, t string) (any, string, string) {
			switch strings.TrimSpace(t) {
			case "1", "true", "是", "已同意", "同意", "TRUE":
				return true, "已同意", ""
			case "0", "false", "否", "未同意", "不同意", "", "FALSE":
				return false, "未同意", ""
			}
			return nil, "", "营销授权须为“是”或“否”"
		}},
	textField("notes", "销售备注", "notes", 500, false, func(d *Detail) string { return d.Notes }),
	{name: "sales_user_id", label: "销售顾问", column: "sales_user_id", manage: true, current: func(d *Detail) string { return d.SalesName },
		parse: func(s *Service, ctx context.Context, d *Detail, t string) (any, string, string) {
			t = strings.TrimSpace(t)
			if t == "" {
				return nil, "", ""
			}
			id, _ := strconv.ParseInt(t, 10, 64)
			name, ok, err := s.consultantOf(ctx, id, d.StoreID)
			if err != nil || !ok {
				return nil, "", "请选择本店在职的销售顾问"
			}
			return id, name, ""
		}},
}

func fieldLabel(name string) string {
	for _, f := range Fields {
		if f.name == name {
			return f.label
		}
	}
	return name
}

// Model is a vehicle model as the forms list it.
type Model struct {
	ID   int64
	Name string
}

// Models lists the active vehicle models (for the filter and edit forms).
func (s *Service) Models(ctx context.Context) ([]Model, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM vehicle_models ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Model
	for rows.Next() {
		var m Model
		if err := rows.Scan(&m.ID, &m.Name); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// modelByIDOrName finds a model by id, code or name (nil when none).
func (s *Service) modelByIDOrName(ctx context.Context, t string) (*Model, error) {
	return ModelByIDOrName(ctx, s.db, t)
}

// ModelByIDOrName returns the vehicle model whose id, code or name is t,
// read through q (nil, nil when there is none): how a typed or imported
// model is read.
func ModelByIDOrName(ctx context.Context, q db.Querier, t string) (*Model, error) {
	var m Model
	id, _ := strconv.ParseInt(t, 10, 64)
	err := q.QueryRowContext(ctx, `SELECT id, name FROM vehicle_models WHERE id = $1 OR code = $2 OR name = $2 ORDER BY id LIMIT 1`, id, t).
		Scan(&m.ID, &m.Name)
	if db.NoRows(err) {
		return nil, nil
	}
	return &m, err
}

// Consultant is a sales user a customer may be assigned to.
type Consultant struct {
	ID   int64
	Name string
}

// consultantOf reports whether user id is an active consultant of store.
func (s *Service) consultantOf(ctx context.Context, id, store int64) (string, bool, error) {
	var name string
	err := s.db.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = $1 AND role = 'sales' AND active = TRUE AND site_id = $2`, id, store).Scan(&name)
	if db.NoRows(err) {
		return "", false, nil
	}
	return name, err == nil, err
}

// Consultants lists the active consultants of store (for reassignment and
// the list's filter); any sales or admin actor may read them.
func (s *Service) Consultants(ctx context.Context, actor *identity.User, store int64) ([]Consultant, error) {
	if err := mayList(actor); err != nil {
		return nil, err
	}
	if !seesAll(actor) {
		store = actor.SiteID
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, display_name FROM users WHERE role = 'sales' AND active = TRUE AND site_id = $1 ORDER BY display_name, id`, store)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Consultant
	for rows.Next() {
		var c Consultant
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Update changes the fields named in changes (field name → submitted
// text, as the edit form and PATCH /api/v1/customers/{id} send them; the
// names are those of Fields) and records every changed field in the audit
// log with its old and new value (update_customer). Fields whose value does
// not change are left out; nothing changed records nothing.
//
// The customer's consultant, a store manager of its store and admins may
// edit it; reassigning (sales_user_id) needs a store manager or an admin.
// Errors: NotFound (not visible), Forbidden (not the actor's customer, or a
// reassignment by a consultant), Invalid naming each bad field (nothing is
// written), Conflict for a merged record, Invalid on "mobile" when another
// customer has the number.
func (s *Service) Update(ctx context.Context, actor *identity.User, id int64, changes map[string]string) (*View, error) {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		d, err := s.editable(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		full, err := load(ctx, tx, id) // the unmasked mobile, for comparison
		if err != nil {
			return err
		}
		return s.apply(ctx, tx, actor, full, d.CanManage, changes, "update_customer")
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id)
}

// apply validates and writes changes to customer d (read unmasked) through
// tx, auditing them as action. manage allows the managers' fields.
func (s *Service) apply(ctx context.Context, tx db.Querier, actor *identity.User, d *Detail, manage bool, changes map[string]string, action string) error {
	var v apperr.Validator
	known := map[string]bool{}
	var sets []string
	var args []any
	diff := map[string]any{}
	now := s.now()
	for _, f := range Fields {
		text, ok := changes[f.name]
		if !ok {
			continue
		}
		known[f.name] = true
		if f.manage && !manage {
			v.Check(false, f.name, "只有店长或管理员可以重新分配销售顾问")
			continue
		}
		value, shown, msg := f.parse(s, ctx, d, text)
		if msg != "" {
			v.Check(false, f.name, msg)
			continue
		}
		old := f.current(d)
		if f.name == "mobile" {
			if value == d.Mobile {
				continue
			}
		} else if old == shown {
			continue
		}
		args = append(args, value)
		sets = append(sets, f.column+" = $"+strconv.Itoa(len(args)))
		if f.name == "consent_marketing" {
			args = append(args, now)
			sets = append(sets, "consent_at = $"+strconv.Itoa(len(args)))
		}
		diff[f.name] = []string{old, shown}
	}
	for name := range changes {
		if !known[name] {
			v.Check(false, name, "该字段不能修改")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if len(sets) == 0 {
		return nil
	}
	args = append(args, now, d.ID)
	_, err := tx.ExecContext(ctx, `UPDATE customers SET `+strings.Join(sets, ", ")+`, updated_at = $`+strconv.Itoa(len(args)-1)+
		` WHERE id = $`+strconv.Itoa(len(args)), args...)
	if db.IsUniqueViolation(err) {
		return ErrMobileTaken
	}
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, now, audit.Entry{UserID: identity.ID(actor), Action: action, Entity: "customers", EntityID: d.ID,
		Detail: map[string]any{"changes": diff}})
}

// MaxTagLen is the longest tag (runes).
const MaxTagLen = 20

// AddTag puts tag on customer id (nothing happens when it is there
// already), audited as add_tag. Who may edit the customer may tag it;
// errors as Update, Invalid on "tag" for an empty or too long tag.
func (s *Service) AddTag(ctx context.Context, actor *identity.User, id int64, tag string) error {
	if err := identity.Require(actor); err != nil {
		return err
	}
	tag = strings.TrimSpace(tag)
	if tag == "" || utf8.RuneCountInString(tag) > MaxTagLen || strings.ContainsAny(tag, ",，") {
		return apperr.Field("tag", "标签须为 1 到 20 个字，且不含逗号")
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.editable(ctx, tx, actor, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO customer_tags (customer_id, tag, created_by, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (customer_id, tag) DO NOTHING`, id, tag, nullID(identity.ID(actor)), s.now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "add_tag", Entity: "customers", EntityID: id,
			Detail: map[string]any{"tag": tag}})
	})
}

// RemoveTag takes tag off customer id, audited as remove_tag; a tag that
// is not there is NotFound. Permissions as AddTag.
func (s *Service) RemoveTag(ctx context.Context, actor *identity.User, id int64, tag string) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.editable(ctx, tx, actor, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM customer_tags WHERE customer_id = $1 AND tag = $2`, id, strings.TrimSpace(tag))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "该客户没有这个标签")
		}
		return audit.Record(ctx, tx, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "remove_tag", Entity: "customers", EntityID: id,
			Detail: map[string]any{"tag": tag}})
	})
}

// PopularTags returns up to n tags most used among the customers actor may
// see (for the filter's suggestions).
func (s *Service) PopularTags(ctx context.Context, actor *identity.User, n int) ([]string, error) {
	if err := mayList(actor); err != nil {
		return nil, err
	}
	q := `SELECT t.tag FROM customer_tags t GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag LIMIT $1`
	args := []any{n}
	if !seesAll(actor) {
		q = `SELECT t.tag FROM customer_tags t JOIN customers c ON c.id = t.customer_id WHERE c.store_id = $2
			GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag LIMIT $1`
		args = append(args, actor.SiteID)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Note is a note written on a customer.
type Note struct {
	ID        int64     `json:"id"`
	UserName  string    `json:"user_name"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxNoteLen is the longest note (runes).
const MaxNoteLen = 1000

// AddNote writes a note on customer id; it appears on the timeline. Who
// may see the customer may write a note on it (a colleague who took a
// call); errors as Get, Invalid on "body" for an empty or too long note.
func (s *Service) AddNote(ctx context.Context, actor *identity.User, id int64, body string) (int64, error) {
	if err := identity.Require(actor); err != nil {
		return 0, err
	}
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > MaxNoteLen {
		return 0, apperr.Field("body", "备注须为 1 到 1000 个字")
	}
	var nid int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		d, err := s.visible(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if d.MergedInto != 0 {
			return apperr.New(apperr.Conflict, "该客户已合并到另一份档案，请在合并后的档案上操作")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO customer_notes (customer_id, user_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			id, nullID(identity.ID(actor)), body, s.now()).Scan(&nid); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "add_note", Entity: "customers", EntityID: id,
			Detail: map[string]any{"note_id": nid}})
	})
	return nid, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// TouchContact records a contact with customer id at t (a follow-up call,
// a visit) through q, the caller's transaction: last_contact_at moves
// forward, never back. For the area that logs contacts (sales).
func TouchContact(ctx context.Context, q db.Querier, id int64, t time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE customers SET last_contact_at = $1 WHERE id = $2 AND (last_contact_at IS NULL OR last_contact_at < $1)`, t.UTC(), id)
	return err
}

// FieldNames are the names of the editable fields, in form order.
func FieldNames() []string {
	out := make([]string, len(Fields))
	for i, f := range Fields {
		out[i] = f.name
	}
	return out
}

// FormValues are d's current values as the edit form submits them (codes,
// ids, amounts in yuan).
func FormValues(d *Detail) map[string]string {
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	budget := ""
	if d.HasBudget {
		budget = yuanText(d.BudgetFen)
	}
	return map[string]string{"name": d.Name, "gender": d.Gender, "birth_year": num(d.BirthYear), "province": d.Province,
		"city": d.City, "stage": d.Stage, "source": d.Source, "budget": budget, "model_id": num(d.ModelID), "powertrain": d.Powertrain,
		"usage_purpose": d.UsagePurpose, "home_charging": d.HomeCharging, "family_size": num(d.FamilySize), "interests": d.Interests,
		"preferred_contact": d.PreferredContact, "consent_marketing": map[bool]string{true: "1", false: "0"}[d.ConsentMarketing],
		"notes": d.Notes, "sales_user_id": num(d.SalesUserID)}
}
