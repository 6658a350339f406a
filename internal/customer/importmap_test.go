package customer_test

import (
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/apperr/apperrtest"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

func TestParseYuan(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"": 0, "250000": 25000000, "268,000.50": 26800050, "¥1,234.5": 123450, "25万": 25000000,
		"25.8万": 25800000, "0.000001万": 1, "12元": 1200, " 30 万 ": 30000000, "１": -1, "-5": -1, "1.234": -1, "abc": -1, "万": -1, "1.2.3": -1,
		"1234567890123": -1} {
		got, ok := customer.ParseYuan(in)
		if want < 0 && ok || want >= 0 && (!ok || got != want) {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
}

// TestImportMapping: a file whose headings the import does not know is
// refused until a mapping names its columns; ParseMapping refuses what is
// not a mapping of known fields.
func TestImportMapping(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		file := "内部编号,客户电话,称呼,城市\nA1,13712340001,马一,上海\n"
		_, err := w.s.Import(w.ctx, w.alice, strings.NewReader(file), customer.ImportOptions{Format: "csv", Policy: customer.ImportSkip})
		apperrtest.WantField(t, err, "mapping")
		m, err := customer.ParseMapping([]byte(`{"客户电话": "mobile", "称呼": "name", "内部编号": ""}`), customer.ImportFields())
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.s.Import(w.ctx, w.alice, strings.NewReader(file), customer.ImportOptions{Format: "csv", Policy: customer.ImportSkip, Mapping: m})
		if err != nil || res.Created != 1 || res.Columns["客户电话"] != "手机号" || res.Columns["城市"] != "城市" || len(res.Unmapped) != 1 {
			t.Fatalf("mapped import = %+v, %v", res, err)
		}
		var name string
		if err := w.d.QueryRowContext(w.ctx, `SELECT name FROM customers WHERE mobile = '13712340001'`).Scan(&name); err != nil || name != "马一" {
			t.Errorf("imported name %q, %v", name, err)
		}
		for _, bad := range []string{`[1]`, `{"客户电话": "phone"}`, `not json`} {
			_, err := customer.ParseMapping([]byte(bad), customer.ImportFields())
			apperrtest.WantField(t, err, "mapping")
		}
		// A mapping's choice wins over the automatic match; a field takes one column.
		cols := customer.MatchColumns([]string{"手机号", "备用手机", "姓名"}, customer.ImportFields(), customer.Mapping{"备用手机": "mobile"})
		if strings.Join(cols, ",") != ",mobile,name" {
			t.Errorf("columns = %q", cols)
		}
	})
}

// TestImportPolicies: skip, update and create for a row whose mobile has
// a record and one that matches only by name and city.
func TestImportPolicies(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.add("周一", "13700000001", "上海", w.storeA, w.alice, 0)
		w.add("吴二", "13700000002", "上海", w.storeA, w.alice, 0)
		file := "姓名,手机号,城市\n周一,13700000099,上海\n吴二改,13700000002,北京\n郑三,13700000003,上海\n"
		count := func(q string, args ...any) int {
			var n int
			if err := w.d.QueryRowContext(w.ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, c := range []struct {
			policy                   customer.ImportPolicy
			created, updated, skiped int
		}{{customer.ImportSkip, 1, 0, 2}, {customer.ImportUpdate, 1, 1, 1}, {customer.ImportCreate, 2, 0, 1}} {
			res, err := w.s.Import(w.ctx, w.alice, strings.NewReader(file), customer.ImportOptions{Format: "csv", Policy: c.policy, DryRun: true})
			if err != nil || res.Created != c.created || res.Updated != c.updated || res.Skipped != c.skiped {
				t.Errorf("%s: %+v, %v", c.policy, res, err)
			}
		}
		if _, err := w.s.Import(w.ctx, w.alice, strings.NewReader(file), customer.ImportOptions{Format: "csv", Policy: customer.ImportCreate}); err != nil {
			t.Fatal(err)
		}
		if n := count(`SELECT COUNT(*) FROM customers WHERE name = '周一' AND city = '上海'`); n != 2 {
			t.Errorf("create: %d records of 周一 in 上海, want 2", n)
		}
		if n := count(`SELECT COUNT(*) FROM customers WHERE mobile = '13700000002' AND name = '吴二'`); n != 1 {
			t.Errorf("create changed or duplicated the record of a known mobile (%d)", n)
		}
		_, err := w.s.Import(w.ctx, w.alice, strings.NewReader(file), customer.ImportOptions{Format: "csv", Policy: "replace"})
		apperrtest.WantField(t, err, "policy")
	})
}

// TestImportMappingStep: an upload waits for its mapping; the mapping step
// previews the file, refuses a field chosen twice or a missing required
// field, stores the choice with the policy and remembers it for the user
// and these headings only; another consultant does not see the upload.
func TestImportMappingStep(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		file := "客户电话,称呼,备注\n13712340002,林一,老客户介绍\n,,\n13712340003,林二,\n"
		f, err := w.s.Upload(w.ctx, w.alice, "customers", "名单.csv", strings.NewReader(file), 0)
		if err != nil || !f.AwaitsMapping() || f.StoreID != w.storeA {
			t.Fatalf("upload = %+v, %v", f, err)
		}
		_, err = w.s.Upload(w.ctx, w.alice, "orders", "名单.csv", strings.NewReader(file), 0)
		apperrtest.WantField(t, err, "target")
		p, err := w.s.PreviewImport(w.ctx, w.alice, f.ID)
		if err != nil || strings.Join(p.Header, ",") != "客户电话,称呼,备注" || len(p.Rows) != 2 || p.Rows[1][1] != "林二" {
			t.Fatalf("preview = %+v, %v", p, err)
		}
		_, err = w.s.PreviewImport(w.ctx, w.bob, f.ID)
		apperrtest.WantCode(t, err, apperr.NotFound)
		if m, err := w.s.RememberedMapping(w.ctx, w.alice, "customers", p.Header); err != nil || m != nil {
			t.Fatalf("remembered before any choice: %v, %v", m, err)
		}
		fields := customer.ImportFields()
		err = w.s.SetMapping(w.ctx, w.alice, f.ID, p.Header, []string{"mobile", "mobile", ""}, fields, customer.ImportSkip)
		apperrtest.WantField(t, err, "mapping")
		err = w.s.SetMapping(w.ctx, w.alice, f.ID, p.Header, []string{"mobile", "", "notes"}, fields, customer.ImportSkip)
		apperrtest.WantField(t, err, "mapping")
		err = w.s.SetMapping(w.ctx, w.alice, f.ID, p.Header, []string{"mobile", "name", "notes"}, fields, "")
		apperrtest.WantField(t, err, "policy")
		if err := w.s.SetMapping(w.ctx, w.alice, f.ID, p.Header, []string{"mobile", "name", "notes"}, fields, customer.ImportCreate); err != nil {
			t.Fatal(err)
		}
		f, err = w.s.GetImport(w.ctx, w.alice, f.ID)
		if err != nil || f.Policy != customer.ImportCreate || f.Mapping["称呼"] != "name" || !f.AwaitsMapping() {
			t.Fatalf("after the mapping: %+v, %v", f, err)
		}
		m, err := w.s.RememberedMapping(w.ctx, w.alice, "customers", p.Header)
		if err != nil || m["客户电话"] != "mobile" || m["备注"] != "notes" {
			t.Errorf("remembered = %v, %v", m, err)
		}
		for _, other := range []struct {
			who    string
			target string
			header []string
		}{{"bob", "customers", p.Header}, {"alice", "leads", p.Header}, {"alice", "customers", []string{"客户电话", "称呼"}}} {
			u := w.alice
			if other.who == "bob" {
				u = w.bob
			}
			if m, err := w.s.RememberedMapping(w.ctx, u, other.target, other.header); err != nil || m != nil {
				t.Errorf("%+v: remembered %v, %v", other, m, err)
			}
		}
		// The stored choice drives the import.
		res, err := w.s.RunImport(w.ctx, w.alice, f.ID, false, w.s.Import, nil, nil)
		if err != nil || res.Created != 2 {
			t.Fatalf("run = %+v, %v", res, err)
		}
		err = w.s.SetMapping(w.ctx, w.alice, f.ID, p.Header, []string{"mobile", "name", "notes"}, fields, customer.ImportSkip)
		apperrtest.WantCode(t, err, apperr.Conflict)
	})
}
