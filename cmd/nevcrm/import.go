package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
)

const importUsage = `用法:
  nevcrm import customers|leads --file F.csv|F.xlsx [--mapping M.json] [--policy skip|update|create] [--store 门店编码] [--dry-run] [--db ...]
  M.json 是列名到字段名的 JSON 对象，如 {"客户电话": "mobile", "内部编号": ""}（"" 表示不导入该列；未列出的列按列名自动对应）`

// importCmd implements `nevcrm import customers|leads`: the same import as
// the 导入客户 / 导入线索 pages, as the system actor, printing the counts and
// every rejected row (line, field, reason) on stderr.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "customers" && args[0] != "leads" {
		fmt.Fprintln(stderr, importUsage)
		return errors.New("nevcrm import: say what to import: customers or leads")
	}
	target := args[0]
	fs, dsn := dataFlags("import " + target)
	fs.SetOutput(stderr)
	file := fs.String("file", "", "CSV (UTF-8) or Excel file, header row first (the export's column names)")
	mappingFile := fs.String("mapping", "", `JSON file of column heading → field name ("" leaves a column out); headings it does not name are matched by name`)
	policy := fs.String("policy", "skip", "a row that matches a record: skip, update or create (see 用户手册)")
	storeCode := fs.String("store", "", "store code of the new records (default: none for customers, the city rule for leads)")
	dry := fs.Bool("dry-run", false, "check every row and count what would happen; write nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *file == "" {
		return errors.New("--file is required")
	}
	format := customer.FormatOf(*file)
	if format == "" {
		return errors.New("--file must end in .csv or .xlsx")
	}
	fields := customer.ImportFields()
	if target == "leads" {
		fields = sales.LeadImportFields
	}
	var mapping customer.Mapping
	if *mappingFile != "" {
		data, err := os.ReadFile(*mappingFile)
		if err != nil {
			return err
		}
		if mapping, err = customer.ParseMapping(data, fields); err != nil {
			return fmt.Errorf("--mapping %s: %w", *mappingFile, err)
		}
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	svc, err := app.NewServices(d, &config.Config{}, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	imp := customer.Importer(svc.Customers.Import)
	if target == "leads" {
		imp = svc.Sales.ImportLeads
	}
	var store int64
	if *storeCode != "" {
		st, err := svc.Sites.GetByCode(ctx, *storeCode)
		if err != nil {
			return fmt.Errorf("--store %s: %w", *storeCode, err)
		}
		store = st.ID
	}
	start := time.Now()
	res, err := imp(ctx, identity.System(), f, customer.ImportOptions{Format: format, Policy: customer.ImportPolicy(*policy), Mapping: mapping,
		StoreID: store, DryRun: *dry, OnError: func(e customer.RowError) {
			fmt.Fprintf(stderr, "第 %d 行 %s：%s\n", e.Line, e.Label, e.Message)
		}})
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(stdout, "rows=%d created=%d updated=%d skipped=%d errors=%d dry_run=%t seconds=%.2f rows_per_second=%.0f\n",
		res.Rows, res.Created, res.Updated, res.Skipped, res.ErrorRows, *dry, secs, float64(res.Rows)/max(secs, 1e-9))
	return nil
}
