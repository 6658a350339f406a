package customer_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
)

const importCSV = "\ufeff姓名,手机号,性别,城市,旅程阶段,来源,意向车型,预算（元）,营销授权,标签,建档时间\n" +
	"张三,13811112222,男,上海,有意向,官网,星河 S7,25万,是,\"高意向,周末\",2026-01-01\n" +
	"李四,1381111,女,上海,,,,,,,\n" + // bad mobile
	"王五,13833334444,未知性别,上海,,,,,,,\n" + // bad gender
	"赵六,13811112222,男,上海,,,,,,,\n" + // the same mobile as line 2
	",,,,,,,,,,\n" + // blank: not counted
	"钱七,13800001234,女,杭州,,,,30万,否,,\n" // a known customer's number

func TestImport(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		known := w.add("钱七", "13800001234", "上海", w.storeA, w.alice, time.Hour)
		other := w.add("孙八", "13900009999", "杭州", w.storeB, w.carol, time.Hour)
		imp := func(actor *identity.User, body string, opt customer.ImportOptions) (*customer.ImportResult, error) {
			if opt.Format == "" {
				opt.Format = "csv"
			}
			if opt.Policy == "" {
				opt.Policy = customer.ImportSkip
			}
			return w.s.Import(w.ctx, actor, strings.NewReader(body), opt)
		}
		count := func() int {
			var n int
			w.d.QueryRowContext(w.ctx, `SELECT COUNT(*) FROM customers`).Scan(&n)
			return n
		}
		before := count()

		// Who and what is refused before a row is read.
		_, err := imp(w.serviceUser, importCSV, customer.ImportOptions{})
		apperrtest.WantCode(t, err, apperr.Forbidden)
		_, err = imp(w.alice, "城市,来源\n上海,官网\n", customer.ImportOptions{})
		apperrtest.WantField(t, err, "mapping")
		_, err = imp(w.alice, importCSV, customer.ImportOptions{Policy: "replace"})
		apperrtest.WantField(t, err, "policy")
		_, err = imp(w.admin, importCSV, customer.ImportOptions{StoreID: 999999})
		apperrtest.WantField(t, err, "store_id")

		// A dry run counts and writes nothing.
		var streamed []customer.RowError
		res, err := imp(w.alice, importCSV, customer.ImportOptions{DryRun: true, OnError: func(e customer.RowError) { streamed = append(streamed, e) }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 5 || res.Created != 1 || res.Skipped != 1 || res.ErrorRows != 3 || count() != before {
			t.Fatalf("dry run = %+v, %d customers (want %d)", res, count(), before)
		}
		want := []string{"3 mobile", "4 gender", "5 mobile"}
		for i, e := range res.Errors {
			if got := strconv.Itoa(e.Line) + " " + e.Field; i >= len(want) || got != want[i] {
				t.Errorf("error %d = %+v", i, e)
			}
		}
		if len(streamed) != 3 || res.Columns["建档时间"] != "" || len(res.Unmapped) != 1 {
			t.Errorf("streamed %d errors; columns %v, unmapped %v", len(streamed), res.Columns, res.Unmapped)
		}

		// The import: a prospect of alice's store assigned to her, with
		// the parsed values and tags; the known number skipped.
		if res, err = imp(w.alice, importCSV, customer.ImportOptions{}); err != nil || res.Created != 1 || res.Skipped != 1 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		var id, store, sales, budget int64
		var kind, stage, source, gender string
		var consent bool
		if err := w.d.QueryRowContext(w.ctx, `SELECT id, store_id, sales_user_id, kind, stage, source, gender, budget_fen, consent_marketing
			FROM customers WHERE mobile = '13811112222'`).Scan(&id, &store, &sales, &kind, &stage, &source, &gender, &budget, &consent); err != nil {
			t.Fatal(err)
		}
		if store != w.storeA || sales != w.alice.ID || kind != "prospect" || stage != "interested" || source != "website" || gender != "M" ||
			budget != 25000000 || !consent {
			t.Errorf("imported = store %d sales %d %s %s %s %s %d %v", store, sales, kind, stage, source, gender, budget, consent)
		}
		v, err := w.s.Get(w.ctx, w.alice, id)
		if err != nil || len(v.Tags) != 2 || v.ModelName != "星河 S7" {
			t.Errorf("imported record = %+v, %v", v, err)
		}
		if v, _ := w.s.Get(w.ctx, w.alice, known); v.City != "上海" {
			t.Errorf("a skipped record changed: %+v", v.Detail)
		}

		// Update: the known record takes the row's non-empty fields, audited.
		res, err = imp(w.alice, importCSV, customer.ImportOptions{Policy: customer.ImportUpdate})
		if err != nil || res.Updated != 2 || res.Created != 0 {
			t.Fatalf("update = %+v, %v", res, err)
		}
		v, err = w.s.Get(w.ctx, w.alice, known)
		if err != nil || v.City != "杭州" || v.BudgetFen != 30000000 || len(v.History) == 0 || v.History[0].Action != "导入更新" {
			t.Errorf("updated record = %+v %+v, %v", v.Detail, v.History, err)
		}
		// A consultant does not change another store's customer.
		res, err = imp(w.alice, "姓名,手机号,城市\n孙八,13900009999,上海\n", customer.ImportOptions{Policy: customer.ImportUpdate})
		if err != nil || res.Skipped != 1 {
			t.Errorf("another store's customer: %+v, %v", res, err)
		}
		if v, _ := w.s.Get(w.ctx, w.carol, other); v.City != "杭州" {
			t.Error("a consultant's import changed another store's customer")
		}

		// The same from a workbook.
		x := excelize.NewFile()
		for i, row := range [][]any{{"姓名", "手机号", "城市"}, {"周九", "13755556666", "南京"}} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			x.SetSheetRow("Sheet1", cell, &row)
		}
		var buf bytes.Buffer
		if _, err := x.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		res, err = w.s.Import(w.ctx, w.admin, &buf, customer.ImportOptions{Format: "xlsx", Policy: customer.ImportSkip, StoreID: w.storeB})
		if err != nil || res.Created != 1 {
			t.Fatalf("xlsx import = %+v, %v", res, err)
		}
		_, err = w.s.Import(w.ctx, w.admin, strings.NewReader("not a workbook"), customer.ImportOptions{Format: "xlsx", Policy: customer.ImportSkip})
		apperrtest.WantField(t, err, "file")
	})
}
