package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
)

// dataFlags declares the --db flag shared by generate, check and export.
func dataFlags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	def := os.Getenv("NEVCRM_DB")
	if def == "" {
		def = "nevcrm.db"
	}
	return fs, fs.String("db", def, "database: SQLite file path or postgres:// URL (env NEVCRM_DB)")
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, dsn string) (*db.DB, error) {
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// runGenerate implements `nevcrm generate`: fill an empty database with
// synthetic data (--scale small|medium|large|<count>, --seed, --months,
// --as-of).
func runGenerate(ctx context.Context, args []string) error {
	fs, dsn := dataFlags("generate")
	scale := fs.String("scale", "small", "small (1,000 customers), medium (100,000), large (1,000,000) or a customer count")
	seed := fs.Int64("seed", 1, "random seed: the same seed and scale give the same data")
	months := fs.Int("months", 24, "months of history")
	asOf := fs.String("as-of", "", "reference time of the data, RFC 3339 (e.g. 2026-06-30T00:00:00Z); default now. "+
		"The same seed, scale, months and as-of give the same data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	n, err := datagen.ScaleCustomers(*scale)
	if err != nil {
		return err
	}
	now, err := parseAsOf(*asOf)
	if err != nil {
		return err
	}
	d, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	start := time.Now()
	err = datagen.Generate(ctx, d, datagen.Options{Customers: n, Seed: *seed, Months: *months, Now: now, Progress: os.Stderr})
	if errors.Is(err, context.Canceled) {
		return errors.New("generate interrupted: the database is marked incomplete (datagen_status=running); delete it and run again")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "generated %d customers in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// parseAsOf parses the --as-of flag: an RFC 3339 time, or now when empty.
func parseAsOf(v string) (time.Time, error) {
	if v == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("generate: --as-of %q: want an RFC 3339 time such as 2026-06-30T00:00:00Z", v)
	}
	return t, nil
}

// runCheck implements `nevcrm check`: verify the invariants of generated
// data and fail when any is violated.
func runCheck(ctx context.Context, args []string) error {
	fs, dsn := dataFlags("check")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	problems, err := datagen.Check(ctx, d)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check: %d problems", len(problems))
	}
	fmt.Println("check: all invariants hold")
	return nil
}

// runExport implements `nevcrm export --format csv --out DIR`.
func runExport(ctx context.Context, args []string) error {
	fs, dsn := dataFlags("export")
	format := fs.String("format", "csv", "output format (csv)")
	out := fs.String("out", "", "output directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.ToLower(*format) != "csv" {
		return fmt.Errorf("export: unknown format %q (supported: csv)", *format)
	}
	if *out == "" {
		return errors.New("export: --out DIR is required")
	}
	d, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	return datagen.ExportCSV(ctx, d, *out)
}
