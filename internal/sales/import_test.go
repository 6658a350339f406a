package sales_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// TestImportLeads: a consultant's lead file becomes leads of their store
// (a known mobile's customer reused, a new one created), bad rows are
// reported by line and field, a dry run writes nothing, and the duplicate
// policy decides what a row for a customer with an open lead does.
func TestImportLeads(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		known, err := f.Svc.CreateLead(f.ctx, f.A, sales.LeadInput{Name: "老客户", Mobile: "13900000001", City: "上海", Source: "website"})
		if err != nil {
			t.Fatal(err)
		}
		file := "客户,电话,城市,渠道,车型,预算,留言,留资时间\n" +
			"新客甲,13900000011,上海,车展,星途 S7,25万,周末看车,2026-11-19 10:00\n" +
			"老客户,13900000001,上海,官网,M2,30万,再次咨询,\n" +
			"坏号码,1390000,上海,官网,,,,\n" +
			"坏来源,13900000012,上海,地推,,,,\n" +
			"坏车型,13900000013,上海,官网,星途 X1,,,\n" +
			"坏预算,13900000014,上海,官网,,很多,,\n" +
			"坏时间,13900000015,上海,官网,,,,明天\n" +
			"新客甲,13900000011,上海,官网,,,,\n"
		imp := func(actor *identity.User, policy customer.ImportPolicy, dry bool) (*customer.ImportResult, error) {
			return f.Svc.ImportLeads(f.ctx, actor, strings.NewReader(file), customer.ImportOptions{Format: "csv", Policy: policy, DryRun: dry})
		}
		_, err = imp(f.Service_, customer.ImportSkip, true)
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = imp(f.A, "replace", true)
		apperrtest.WantField(t, err, "policy")
		_, err = f.Svc.ImportLeads(f.ctx, f.A, strings.NewReader("姓名,手机号\n甲,13900000099\n"), customer.ImportOptions{Format: "csv", Policy: customer.ImportSkip})
		apperrtest.WantField(t, err, "mapping")

		leads := func() int { return f.count(`SELECT COUNT(*) FROM leads`) }
		before := leads()
		res, err := imp(f.A, customer.ImportSkip, true)
		if err != nil || res.Rows != 8 || res.Created != 1 || res.Skipped != 1 || res.ErrorRows != 6 || leads() != before {
			t.Fatalf("dry run = %+v, %v; leads %d → %d", res, err, before, leads())
		}
		var got []string
		for _, e := range res.Errors {
			got = append(got, e.Field)
		}
		if strings.Join(got, ",") != "mobile,source,model_id,budget,created_at,mobile" {
			t.Errorf("errors = %+v", res.Errors)
		}
		// Update writes the row's model, budget and note into the open lead.
		res, err = imp(f.A, customer.ImportUpdate, false)
		if err != nil || res.Created != 1 || res.Updated != 1 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		var store, owner, model, budget int64
		var source, note string
		if err := f.DB.QueryRowContext(f.ctx, `SELECT l.store_id, l.sales_user_id, l.source, COALESCE(l.interested_model_id, 0), COALESCE(l.budget_fen, 0), l.note
			FROM leads l JOIN customers c ON c.id = l.customer_id WHERE c.mobile = '13900000011'`).Scan(&store, &owner, &source, &model, &budget, &note); err != nil {
			t.Fatal(err)
		}
		if store != f.Store || owner != f.A.ID || source != "auto_show" || model != f.BEV || budget != 25000000 || note != "周末看车" {
			t.Errorf("imported lead = store %d owner %d %s model %d budget %d %q", store, owner, source, model, budget, note)
		}
		l, err := f.Svc.GetLead(f.ctx, f.A, known.ID)
		if err != nil || l.Lead.ModelID != f.PHEV || l.Lead.BudgetFen != 30000000 || l.Lead.Note != "再次咨询" {
			t.Errorf("updated lead = %+v, %v", l.Lead, err)
		}
		// Create: another lead for the same person, never a second customer record.
		res, err = imp(f.A, customer.ImportCreate, false)
		if err != nil || res.Created != 2 {
			t.Fatalf("create = %+v, %v", res, err)
		}
		if n := f.count(`SELECT COUNT(*) FROM leads l JOIN customers c ON c.id = l.customer_id WHERE c.mobile = '13900000001'`); n != 2 {
			t.Errorf("%d leads of the known customer, want 2", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM customers WHERE mobile = '13900000011'`); n != 1 {
			t.Errorf("%d customer records of one mobile", n)
		}
		// Skip now skips both.
		if res, err = imp(f.A, customer.ImportSkip, false); err != nil || res.Created != 0 || res.Skipped != 2 {
			t.Errorf("skip = %+v, %v", res, err)
		}
		// An admin without a store: the city rule decides, a city without one is a row error.
		res, err = f.Svc.ImportLeads(f.ctx, f.Admin, strings.NewReader("姓名,手机号,城市,来源\n无规则,13900000021,成都,官网\n"),
			customer.ImportOptions{Format: "csv", Policy: customer.ImportSkip})
		if err != nil || res.ErrorRows != 1 || res.Errors[0].Field != "store_id" {
			t.Errorf("admin without a store = %+v, %v", res, err)
		}
		// Leads shared out by round robin: each consultant is told once,
		// with their count, not once per lead.
		if _, err := f.Svc.CreateRule(f.ctx, f.Admin, sales.RuleInput{Kind: "round_robin", StoreID: f.Store}); err != nil {
			t.Fatal(err)
		}
		notices := `SELECT COUNT(*) FROM notifications WHERE kind = 'lead.assigned'`
		noticesBefore := f.count(notices)
		rows := "姓名,手机号,城市,来源\n"
		for i := range 6 {
			rows += fmt.Sprintf("轮流%d,139000003%02d,上海,官网\n", i, i)
		}
		res, err = f.Svc.ImportLeads(f.ctx, f.Admin, strings.NewReader(rows), customer.ImportOptions{Format: "csv", Policy: customer.ImportSkip, StoreID: f.Store})
		if err != nil || res.Created != 6 {
			t.Fatalf("round-robin import = %+v, %v", res, err)
		}
		owners := f.count(`SELECT COUNT(DISTINCT l.sales_user_id) FROM leads l JOIN customers c ON c.id = l.customer_id WHERE c.mobile LIKE '139000003%'`)
		if owners < 2 || f.count(notices)-noticesBefore != owners {
			t.Errorf("%d owners got %d notices, want one each", owners, f.count(notices)-noticesBefore)
		}
		sum := 0
		rs, err := f.DB.QueryContext(f.ctx, `SELECT title FROM notifications WHERE kind = 'lead.assigned' ORDER BY id DESC LIMIT $1`, owners)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var title string
			var n int
			if err := rs.Scan(&title); err != nil {
				t.Fatal(err)
			}
			if _, err := fmt.Sscanf(title, "批量导入：%d 条新线索分配给你", &n); err != nil {
				t.Errorf("notice %q: %v", title, err)
			}
			sum += n
		}
		rs.Close()
		if sum != 6 {
			t.Errorf("the notices count %d leads, want 6", sum)
		}
	})
}
