package sales_test

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// leadRows is the size of the lead benchmarks' file: 10,000 rows, or
// NEVCRM_BENCH_IMPORT_ROWS.
var leadRows = func() int {
	if n, err := strconv.Atoi(os.Getenv("NEVCRM_BENCH_IMPORT_ROWS")); err == nil && n > 0 {
		return n - n%500
	}
	return 10000
}()

// BenchmarkImportLeads imports a file of leadRows new people as leads of a
// consultant's store (each row checked and created as CreateLead creates
// one: the prospect, the lead, its audit entry, 500 rows a transaction)
// and reports rows per second; BenchmarkImportLeadsRawInsert writes the
// same prospects and leads with two plain INSERTs per row (prepared once
// per transaction), 500 rows a transaction, as the baseline of
// docs/测试说明.md (scripts/bench-import.sh runs both).
func BenchmarkImportLeads(b *testing.B) {
	f := newFixture(b, dbtest.Open(b, db.SQLite))
	for i := 0; b.Loop(); i++ {
		var file bytes.Buffer
		file.WriteString("姓名,手机号,城市,来源,意向车型,预算\n")
		for j := 0; j < leadRows; j++ {
			fmt.Fprintf(&file, "线索%d,1%010d,上海,车展,星途 S7,25万\n", j, 3000000000+i*leadRows+j)
		}
		res, err := f.Svc.ImportLeads(f.ctx, f.A, &file, customer.ImportOptions{Format: "csv", Policy: customer.ImportSkip})
		if err != nil || res.Created != leadRows {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.ReportMetric(float64(b.N*leadRows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkImportLeadsRawInsert(b *testing.B) {
	f := newFixture(b, dbtest.Open(b, db.SQLite))
	for i := 0; b.Loop(); i++ {
		for lo := 0; lo < leadRows; lo += 500 {
			tx, err := f.DB.Begin()
			if err != nil {
				b.Fatal(err)
			}
			now := f.Clock.Now().UTC()
			person, err := tx.Prepare(`INSERT INTO customers (name, mobile, city, kind, stage, source, store_id, sales_user_id, budget_fen, preferred_model_id, created_at, updated_at)
				VALUES ($1, $2, '上海', 'prospect', 'lead', 'auto_show', $3, $4, 25000000, $5, $6, $6) RETURNING id`)
			if err != nil {
				b.Fatal(err)
			}
			lead, err := tx.Prepare(`INSERT INTO leads (customer_id, store_id, sales_user_id, source, status, interested_model_id, budget_fen, note, created_at, updated_at, assigned_at)
				VALUES ($1, $2, $3, 'auto_show', 'new', $4, 25000000, '', $5, $5, $5)`)
			if err != nil {
				b.Fatal(err)
			}
			for j := lo; j < lo+500; j++ {
				var id int64
				if err := person.QueryRow(fmt.Sprintf("线索%d", j), fmt.Sprintf("1%010d", 3000000000+i*leadRows+j), f.Store, f.A.ID, f.BEV, now).Scan(&id); err != nil {
					b.Fatal(err)
				}
				if _, err := lead.Exec(id, f.Store, f.A.ID, f.BEV, now); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*leadRows)/b.Elapsed().Seconds(), "rows/s")
}
