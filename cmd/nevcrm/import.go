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
)

const importUsage = `用法:
  nevcrm import customers --file F.csv|F.xlsx [--policy skip|update] [--store 门店编码] [--dry-run] [--db ...]`

// importCmd implements `nevcrm import customers`: the same import as the
// customer list's 导入客户, as the system actor, printing the counts and
// every rejected row (line, field, reason) on stderr.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "customers" {
		fmt.Fprintln(stderr, importUsage)
		return errors.New("nevcrm import: only customers can be imported (leads: see 用户手册)")
	}
	fs, dsn := dataFlags("import customers")
	fs.SetOutput(stderr)
	file := fs.String("file", "", "CSV (UTF-8) or Excel file, header row first (the export's column names)")
	policy := fs.String("policy", "skip", "a row whose mobile has a customer record: skip or update")
	storeCode := fs.String("store", "", "store code of the new customers (default: none)")
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
	var store int64
	if *storeCode != "" {
		st, err := svc.Sites.GetByCode(ctx, *storeCode)
		if err != nil {
			return fmt.Errorf("--store %s: %w", *storeCode, err)
		}
		store = st.ID
	}
	start := time.Now()
	res, err := svc.Customers.Import(ctx, identity.System(), f, customer.ImportOptions{Format: format, Policy: customer.ImportPolicy(*policy),
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
