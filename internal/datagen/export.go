package datagen

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
)

// ExportCSV writes every table to dir/<table>.csv: UTF-8 with a byte-order
// mark (so Excel detects the encoding), a header row, rows in key order.
// Times are UTC "2006-01-02 15:04:05", dates "2006-01-02", booleans
// true/false, NULL an empty field. The same data gives the same bytes.
func ExportCSV(ctx context.Context, d *db.DB, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tables, err := tableNames(ctx, d)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if err := exportTable(ctx, d, t, filepath.Join(dir, t+".csv")); err != nil {
			return fmt.Errorf("export %s: %w", t, err)
		}
	}
	return nil
}

func exportTable(ctx context.Context, d *db.DB, table, path string) (err error) {
	probe, err := d.QueryContext(ctx, "SELECT * FROM "+table+" WHERE 1 = 0")
	if err != nil {
		return err
	}
	cols, err := probe.Columns()
	probe.Close()
	if err != nil {
		return err
	}
	order := "id"
	if cols[0] != "id" {
		order = strings.Join(cols, ", ")
	}
	rows, err := d.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY "+order)
	if err != nil {
		return err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	bw.WriteString("\ufeff")
	w := csv.NewWriter(bw)
	if err := w.Write(cols); err != nil {
		return err
	}
	kinds := make([]string, len(types))
	for i, t := range types {
		kinds[i] = strings.ToUpper(t.DatabaseTypeName())
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rec := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			rec[i] = csvValue(v, kinds[i])
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// csvValue formats one value the same way on both databases.
func csvValue(v any, dbType string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		if dbType == "DATE" {
			return x.Format("2006-01-02")
		}
		return x.UTC().Format("2006-01-02 15:04:05.999999")
	case bool:
		return strconv.FormatBool(x)
	case int64:
		if dbType == "BOOLEAN" || dbType == "BOOL" {
			return strconv.FormatBool(x != 0)
		}
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []byte:
		return string(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
