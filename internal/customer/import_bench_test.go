package customer_test

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// importRows is the size of the benchmarks' file: 20,000 rows, or
// NEVCRM_BENCH_IMPORT_ROWS (docs/测试说明.md measures 100,000).
var importRows = func() int {
	if n, err := strconv.Atoi(os.Getenv("NEVCRM_BENCH_IMPORT_ROWS")); err == nil && n > 0 {
		return n - n%500
	}
	return 20000
}()

func importFile(rows, offset int) []byte {
	var b bytes.Buffer
	b.WriteString("姓名,手机号,性别,城市,旅程阶段,来源,意向车型,预算（元）,营销授权,标签\n")
	for i := 0; i < rows; i++ {
		// Names differ between files too: a new number under a name already
		// in the same city is skipped as a likely duplicate (ImportSkip).
		fmt.Fprintf(&b, "客户%d,1%010d,男,上海,有意向,官网,星河 S7,25万,是,车展\n", offset+i, 3000000000+offset+i)
	}
	return b.Bytes()
}

// BenchmarkImport imports a file of importRows new customers (every field
// parsed and checked, 500 rows a transaction) and reports rows per second;
// BenchmarkImportRawInsert writes the same rows with a plain INSERT per
// row (prepared once per transaction), 500 a transaction, as the baseline
// of docs/测试说明.md (scripts/bench-import.sh runs both).
func BenchmarkImport(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	w := newWorld(b, d)
	s := customer.NewService(d, time.Now)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		file := importFile(importRows, i*importRows)
		res, err := s.Import(b.Context(), w.admin, bytes.NewReader(file), customer.ImportOptions{Format: "csv", Policy: customer.ImportSkip, StoreID: w.storeA})
		if err != nil || res.Created != importRows {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(b.N*importRows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkImportRawInsert(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	w := newWorld(b, d)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for lo := 0; lo < importRows; lo += 500 {
			tx, err := d.Begin()
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now().UTC()
			st, err := tx.Prepare(`INSERT INTO customers (name, mobile, gender, city, stage, source, preferred_model_id, budget_fen, consent_marketing, consent_at, kind, store_id, created_at, updated_at)
				VALUES ($1, $2, 'M', '上海', 'interested', 'website', $3, 25000000, TRUE, $4, 'prospect', $5, $4, $4)`)
			if err != nil {
				b.Fatal(err)
			}
			for j := lo; j < lo+500; j++ {
				if _, err := st.Exec(fmt.Sprintf("客户%d", j), fmt.Sprintf("1%010d", 3000000000+i*importRows+j), w.model, now, w.storeA); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*importRows)/b.Elapsed().Seconds(), "rows/s")
}
