package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/dbcopy"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// copyToPostgres implements `nevcrm copy-to-postgres --db nevcrm.db --to
// postgres://...`: the whole SQLite database into an empty PostgreSQL one,
// with a progress line per table on stderr and a verification table on
// stdout (see internal/dbcopy).
func copyToPostgres(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("copy-to-postgres", flag.ContinueOnError)
	fs.SetOutput(stderr)
	src := fs.String("db", "nevcrm.db", "the SQLite file to copy")
	to := fs.String("to", os.Getenv("NEVCRM_COPY_TO"), "the empty PostgreSQL database: postgres:// URL (env NEVCRM_COPY_TO)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if db.IsPostgresURL(*src) {
		return errors.New("copy-to-postgres: --db must be a SQLite file")
	}
	if !db.IsPostgresURL(*to) {
		return errors.New("copy-to-postgres: --to must be a postgres:// URL")
	}
	if _, err := os.Stat(*src); err != nil {
		return fmt.Errorf("copy-to-postgres: %w", err)
	}
	s, err := db.Open(ctx, *src)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := db.Open(ctx, *to)
	if err != nil {
		return err
	}
	defer d.Close()
	start := time.Now()
	last := map[string]time.Time{}
	tables, err := dbcopy.Copy(ctx, s, d, func(table string, done, total int64) {
		if done != total && time.Since(last[table]) < time.Second {
			return
		}
		last[table] = time.Now()
		pct := 100.0
		if total > 0 {
			pct = 100 * float64(done) / float64(total)
		}
		fmt.Fprintf(stderr, "copy %-28s %5.1f%% %s / %s\n", table, pct, listing.Thousands(done), listing.Thousands(total))
	})
	if len(tables) > 0 {
		fmt.Fprintf(stdout, "%-28s %12s %12s  %-26s %s\n", "table", "sqlite", "postgres", "checksum", "ok")
		for _, t := range tables {
			ok := "ok"
			if !t.OK {
				ok = "DIFFERS"
			}
			fmt.Fprintf(stdout, "%-28s %12d %12d  %-26s %s\n", t.Name, t.Rows, t.Copied, t.Checksum, ok)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %d tables in %s; not copied: the job queue and job history (river_*, %v)\n",
		len(tables), time.Since(start).Round(time.Second), dbcopy.Skipped[1:])
	return nil
}
