package sales

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/notify"
)

// LeadImportFields are the columns a lead import fills (姓名, 手机号 and 来源
// are required), matched to a file's headings as the customer import does
// (customer.MatchColumns).
var LeadImportFields = []customer.ImportField{
	{Name: "name", Label: "姓名", Aliases: []string{"客户", "客户姓名"}, Required: true},
	{Name: "mobile", Label: "手机号", Aliases: []string{"手机", "电话", "手机号码", "联系电话"}, Required: true},
	{Name: "province", Label: "省份"},
	{Name: "city", Label: "城市", Aliases: []string{"所在城市"}},
	{Name: "source", Label: "来源", Aliases: []string{"线索来源", "渠道"}, Required: true},
	{Name: "model_id", Label: "意向车型", Aliases: []string{"车型", "意向"}},
	{Name: "budget", Label: "预算（元）", Aliases: []string{"预算"}},
	{Name: "note", Label: "备注", Aliases: []string{"留言"}},
	{Name: "created_at", Label: "创建时间", Aliases: []string{"留资时间", "登记时间"}},
}

// leadBatch is how many lead rows one transaction writes.
const leadBatch = 500

// pendingLead is a checked lead row waiting for its batch.
type pendingLead struct {
	line int
	in   LeadInput
}

// dateLayouts are the forms a 创建时间 cell may take (Shanghai time).
var dateLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "2006/1/2 15:04:05", "2006/1/2 15:04", "2006/1/2", "1/2/06 15:04", "1-2-06"}

// ImportLeads reads leads from r as customer.Service.Import reads
// customers (CSV or XLSX, header row first, columns by opt.Mapping or by
// name: LeadImportFields) and creates each as CreateLead does: the person
// is found by mobile or created as a prospect, the lead goes to the
// importing consultant's store (an admin's: opt.StoreID, or, when 0, the
// city rule of the row's city) and gets its owner from the assignment
// rules; each owner is notified once, with the number of their new leads. A row whose person already has an open lead
// (new, contacted or qualified) is skipped (ImportSkip), writes its
// non-empty 意向车型, 预算 and 备注 into that lead (ImportUpdate, audited as
// import_lead; a colleague's lead the consultant may not change is
// skipped), or becomes another lead of that person (ImportCreate: a new
// enquiry; the mobile still identifies one customer record). A bad row is
// reported with its line and written not at all. Rows are written in
// transactions of 500; a dry run runs every step and rolls each back, so
// it reports the rows the assignment would refuse too.
//
// Sales consultants, admins and the system actor may call it (Forbidden
// otherwise). Invalid on "policy" for an unknown policy, on "store_id" for
// an unknown store, on "file" for an unreadable file, on "mapping" when a
// required column is missing.
func (s *Service) ImportLeads(ctx context.Context, actor *identity.User, r io.Reader, opt customer.ImportOptions) (*customer.ImportResult, error) {
	if err := begin(actor); err != nil {
		return nil, err
	}
	if !customer.ValidPolicy(opt.Policy) {
		return nil, apperr.Field("policy", "请选择遇到已有未关闭线索时跳过、更新还是新建")
	}
	store := opt.StoreID
	if actor.Is(identity.RoleSales) {
		store = actor.SiteID
	}
	if store != 0 {
		var kind string
		err := s.db.QueryRowContext(ctx, `SELECT kind FROM sites WHERE id = $1`, store).Scan(&kind)
		if db.NoRows(err) || err == nil && kind != "store" {
			return nil, apperr.Field("store_id", "请选择有效的门店")
		}
		if err != nil {
			return nil, err
		}
	}
	ir, err := customer.OpenImport(r, LeadImportFields, opt)
	if err != nil {
		return nil, err
	}
	defer ir.Close()
	res := ir.Result
	models := map[string]int64{}
	seen := map[string]int{}
	var batch []pendingLead
	assigned := map[int64]int{} // owner -> new leads, told once at the end
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.importLeadBatch(ctx, actor, ir, batch, opt, assigned)
		batch = batch[:0]
		if opt.Progress != nil {
			opt.Progress(res.Rows)
		}
		return err
	}
	for {
		line, vals, err := ir.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		in := LeadInput{Name: vals["name"], Mobile: vals["mobile"], Province: vals["province"], City: vals["city"], Note: vals["note"], StoreID: store}
		field, msg := "", ""
		if t := vals["source"]; t != "" {
			for _, c := range Sources {
				if strings.EqualFold(t, c.Code) || t == c.Label {
					in.Source = c.Code
				}
			}
			if in.Source == "" {
				field, msg = "source", "请填写有效的来源："+sourceLabels()
			}
		}
		if t := vals["model_id"]; t != "" && msg == "" {
			id, ok := models[t]
			if !ok {
				m, err := customer.ModelByIDOrName(ctx, s.db, t)
				if err != nil {
					return res, err
				}
				if m != nil {
					id = m.ID
				}
				models[t] = id
			}
			if in.ModelID = id; id == 0 {
				field, msg = "model_id", "没有这个车型，请填写车型名称或编码"
			}
		}
		if msg == "" {
			var ok bool
			if in.BudgetFen, ok = ParseYuan(vals["budget"]); !ok {
				field, msg = "budget", "请填写有效的金额（元），如 250000 或 25万"
			}
		}
		if t := vals["created_at"]; t != "" && msg == "" {
			for _, l := range dateLayouts {
				if at, err := time.ParseInLocation(l, t, Shanghai); err == nil {
					in.CreatedAt = at
					break
				}
			}
			if in.CreatedAt.IsZero() {
				field, msg = "created_at", "请填写有效的时间，如 2026-11-29 14:30"
			} else if in.CreatedAt.After(s.now()) {
				field, msg = "created_at", "创建时间不能晚于现在"
			}
		}
		if msg == "" {
			field, msg = fieldError(in.check())
		}
		if msg != "" {
			ir.Fail(line, field, msg)
			continue
		}
		if first, dup := seen[in.Mobile]; dup {
			ir.Fail(line, "mobile", fmt.Sprintf("与第 %d 行手机号相同", first))
			continue
		}
		seen[in.Mobile] = line
		batch = append(batch, pendingLead{line: line, in: in})
		if len(batch) == leadBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if !opt.DryRun {
		if err := s.notifyImported(context.WithoutCancel(ctx), actor, assigned); err != nil {
			return res, err
		}
		err := audit.Record(context.WithoutCancel(ctx), s.db, s.now(), audit.Entry{UserID: identity.ID(actor), Action: "import_leads",
			Entity: "leads", Detail: map[string]any{"rows": res.Rows, "created": res.Created, "updated": res.Updated,
				"skipped": res.Skipped, "errors": res.ErrorRows, "policy": string(opt.Policy), "store_id": store}})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func sourceLabels() string {
	labels := make([]string, len(Sources))
	for i, c := range Sources {
		labels[i] = c.Label
	}
	return strings.Join(labels, "、")
}

// fieldError returns the first field and message of an Invalid error.
func fieldError(err error) (string, string) {
	e := apperr.As(err)
	if e == nil {
		return "", ""
	}
	for _, name := range []string{"name", "mobile", "city", "source", "store_id", "owner_id", "model_id", "budget", "note"} {
		if m, ok := e.Fields[name]; ok {
			return name, m
		}
	}
	for f, m := range e.Fields {
		return f, m
	}
	return "", e.Message
}

// notifyImported tells each owner of imported leads (other than the
// importer) once how many new leads they got, in one transaction.
func (s *Service) notifyImported(ctx context.Context, actor *identity.User, assigned map[int64]int) error {
	if len(assigned) == 0 {
		return nil
	}
	now := s.now()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		for owner, n := range assigned {
			if owner == identity.ID(actor) {
				continue
			}
			if err := notify.Notify(ctx, tx, notify.Notification{UserID: owner, Kind: KindLeadAssigned, Title: fmt.Sprintf("批量导入：%d 条新线索分配给你", n),
				Body: "请尽快首次联系（首次响应时长会计入考核）", Link: "/sales/leads?status=new", CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
}

// errRollback ends a dry run's transaction.
var errRollback = errors.New("dry run: roll back")

// importLeadBatch writes one batch of checked lead rows in a transaction,
// rolled back on a dry run, and adds the new leads' owners to assigned
// once it commits.
func (s *Service) importLeadBatch(ctx context.Context, actor *identity.User, ir *customer.ImportReader, batch []pendingLead, opt customer.ImportOptions,
	assigned map[int64]int) error {
	res := ir.Result
	var created, updated, skipped int
	var rejected []pendingLead
	var rejectedWhy [][2]string
	var owners map[int64]int
	err := s.db.InBulkTx(ctx, func(tx *sql.Tx) error {
		// A retried transaction (PostgreSQL deadlock) starts again.
		created, updated, skipped, rejected, rejectedWhy, owners = 0, 0, 0, nil, nil, map[int64]int{}
		open, err := openLeads(ctx, tx, batch)
		if err != nil {
			return err
		}
		q := db.PrepareOnce(tx, s.db.Dialect)
		now := s.now()
		for _, p := range batch {
			leadID, has := open[p.in.Mobile]
			switch {
			case has && opt.Policy == customer.ImportSkip:
				skipped++
			case has && opt.Policy == customer.ImportUpdate:
				l, err := s.visibleLead(ctx, q, actor, leadID)
				if err != nil || !works(actor, l.StoreID, l.OwnerID) {
					skipped++
					continue
				}
				if err := updateImportedLead(ctx, q, actor, l, p.in, now); err != nil {
					return err
				}
				updated++
			default:
				_, owner, err := s.createLeadTx(ctx, q, actor, p.in, false)
				if e := apperr.As(err); e != nil && e.Code == apperr.Invalid {
					f, m := fieldError(err)
					rejected, rejectedWhy = append(rejected, p), append(rejectedWhy, [2]string{f, m})
					continue
				}
				if err != nil {
					return err
				}
				if owner != 0 {
					owners[owner]++
				}
				created++
			}
		}
		if opt.DryRun {
			return errRollback
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return err
	}
	if !opt.DryRun {
		for o, n := range owners {
			assigned[o] += n
		}
	}
	res.Created += created
	res.Updated += updated
	res.Skipped += skipped
	for i, p := range rejected {
		ir.Fail(p.line, rejectedWhy[i][0], rejectedWhy[i][1])
	}
	return nil
}

// openLeads returns, for the batch's mobile numbers, the oldest open lead
// of the customer with that number.
func openLeads(ctx context.Context, tx *sql.Tx, batch []pendingLead) (map[string]int64, error) {
	args := make([]any, len(batch))
	marks := make([]string, len(batch))
	for i, p := range batch {
		args[i], marks[i] = p.in.Mobile, fmt.Sprintf("$%d", i+1)
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.mobile, MIN(l.id) FROM leads l JOIN customers c ON c.id = l.customer_id
		WHERE c.mobile IN (`+strings.Join(marks, ", ")+`) AND l.status IN ('new', 'contacted', 'qualified') GROUP BY c.mobile`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	open := map[string]int64{}
	for rows.Next() {
		var m string
		var id int64
		if err := rows.Scan(&m, &id); err != nil {
			return nil, err
		}
		open[m] = id
	}
	return open, rows.Err()
}

// updateImportedLead writes a row's non-empty model, budget and note into
// open lead l, audited (import_lead).
func updateImportedLead(ctx context.Context, q db.Querier, actor *identity.User, l *Lead, in LeadInput, now time.Time) error {
	sets, args := []string{}, []any{}
	detail := map[string]any{}
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
		detail[col] = v
	}
	if in.ModelID != 0 && in.ModelID != l.ModelID {
		set("interested_model_id", in.ModelID)
	}
	if in.BudgetFen != 0 && in.BudgetFen != l.BudgetFen {
		set("budget_fen", in.BudgetFen)
	}
	if in.Note != "" && in.Note != l.Note {
		set("note", in.Note)
	}
	if len(sets) == 0 {
		return nil
	}
	set("updated_at", now)
	args = append(args, l.ID)
	if _, err := q.ExecContext(ctx, `UPDATE leads SET `+strings.Join(sets, ", ")+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...); err != nil {
		return err
	}
	delete(detail, "updated_at")
	return audit.Record(ctx, q, now, audit.Entry{UserID: identity.ID(actor), Action: "import_lead", Entity: "leads", EntityID: l.ID, Detail: detail})
}
