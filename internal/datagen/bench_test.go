package datagen

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// BenchmarkGenerate measures Generate at the small and medium scales on
// every database of the run, beside a baseline that inserts the very same
// rows (read back into memory first, not timed) through the same bulk path
// with nothing generated: the gap is the generator's own cost. Metrics:
// rows/s (generator), raw_rows/s (baseline), gen/raw (ratio), rows and
// gen_s (rows and seconds of one generation).
// scripts/bench-datagen.sh prints them as a table.
func BenchmarkGenerate(b *testing.B) {
	for _, sc := range []struct {
		name      string
		customers int
	}{{"small", 1000}, {"medium", 100000}} {
		for _, dialect := range dbtest.Dialects() {
			b.Run(sc.name+"/"+string(dialect), func(b *testing.B) {
				ctx := context.Background()
				var rows int64
				var genTime, rawTime time.Duration
				for range b.N {
					d := dbtest.Open(b, dialect)
					start := time.Now()
					if err := Generate(ctx, d, Options{Customers: sc.customers, Seed: 1, Months: 24, Now: testNow}); err != nil {
						b.Fatal(err)
					}
					genTime += time.Since(start)
					data, n := readAll(b, d)
					rows += n
					e := dbtest.Open(b, dialect)
					start = time.Now()
					rawInsert(b, e, data)
					rawTime += time.Since(start)
				}
				b.ReportMetric(float64(rows)/genTime.Seconds(), "rows/s")
				b.ReportMetric(float64(rows)/rawTime.Seconds(), "raw_rows/s")
				b.ReportMetric(rawTime.Seconds()/genTime.Seconds(), "gen/raw")
				b.ReportMetric(float64(rows)/float64(b.N), "rows")
				b.ReportMetric(genTime.Seconds()/float64(b.N), "gen_s")
			})
		}
	}
}

// tableData is the content of one table.
type tableData struct {
	name string
	cols []string
	rows [][]any
}

func readAll(b *testing.B, d *db.DB) ([]tableData, int64) {
	ctx := context.Background()
	names, err := tableNames(ctx, d)
	if err != nil {
		b.Fatal(err)
	}
	var out []tableData
	var n int64
	for _, name := range names {
		rows, err := d.QueryContext(ctx, "SELECT * FROM "+name)
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := rows.Columns()
		td := tableData{name: name, cols: cols}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				b.Fatal(err)
			}
			td.rows = append(td.rows, vals)
		}
		rows.Close()
		n += int64(len(td.rows))
		out = append(out, td)
	}
	return out, n
}

// rawInsert loads prepared rows the way Generate does (deferred indexes and
// foreign keys, prepared INSERTs in a transaction or COPY), without generating.
func rawInsert(b *testing.B, d *db.DB, data []tableData) {
	ctx := context.Background()
	deferred, err := deferredDDL(ctx, d)
	if err != nil {
		b.Fatal(err)
	}
	if err := dropDDL(ctx, d, deferred); err != nil {
		b.Fatal(err)
	}
	l, err := newLoader(ctx, d, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, td := range data {
		t := l.table(td.name, td.cols...)
		t.rows = td.rows
		l.buffered += len(td.rows)
	}
	if err := l.close(ctx); err != nil {
		b.Fatal(err)
	}
	if err := createDDL(ctx, d, deferred); err != nil {
		b.Fatal(err)
	}
}
