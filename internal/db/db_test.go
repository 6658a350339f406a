package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

func TestMigrateAndCheckSchema(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := dbtest.OpenEmpty(t, dialect)
			if err := d.CheckSchema(ctx); !errors.Is(err, db.ErrSchemaOutdated) {
				t.Fatalf("CheckSchema on empty database = %v, want ErrSchemaOutdated", err)
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := d.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after migrate: %v", err)
			}
			// Migrating twice is a no-op.
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCheckSchemaSeesJobQueue: a database whose goose migrations are current
// but whose River (job-queue) migrations are not is refused too.
func TestCheckSchemaSeesJobQueue(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `DELETE FROM river_migration WHERE version = (SELECT MAX(version) FROM river_migration)`); err != nil {
			t.Fatal(err)
		}
		err := d.CheckSchema(ctx)
		if !errors.Is(err, db.ErrSchemaOutdated) || !strings.Contains(err.Error(), "job queue") {
			t.Fatalf("CheckSchema with a River migration missing = %v, want ErrSchemaOutdated naming the job queue", err)
		}
	})
}

func TestUniqueViolationDetected(t *testing.T) {
	t.Parallel()
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := `INSERT INTO parts (sku, name, category, price_fen, cost_fen) VALUES ($1, $2, $3, $4, $5)`
		if _, err := d.ExecContext(ctx, q, "P-1", "刹车片", "制动", 100, 50); err != nil {
			t.Fatal(err)
		}
		_, err := d.ExecContext(ctx, q, "P-1", "刹车片", "制动", 100, 50)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
	})
}

// TestMigrateFillsOlderMissingMigration: areas land their migrations out of
// number order, so a database may hold 00012 and 00014 but not 00013. The
// schema check names the missing migration and Migrate applies it.
func TestMigrateFillsOlderMissingMigration(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d := dbtest.OpenEmpty(t, dialect)
			if err := d.MigrateTo(ctx, 12); err != nil {
				t.Fatal(err)
			}
			if err := d.ApplyOnly(ctx, 14); err != nil {
				t.Fatal(err)
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatalf("Migrate with 00013 missing: %v", err)
			}
			if err := d.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after filling the gap: %v", err)
			}
		})
	}
}

// TestCheckSchemaSeesOlderMissingMigration: the newest migration being
// applied does not hide an older one that is not. 00022 (indexes only) is
// the one left out: later migrations read columns that 00013 adds.
func TestCheckSchemaSeesOlderMissingMigration(t *testing.T) {
	ctx := context.Background()
	d := dbtest.OpenEmpty(t, db.SQLite)
	if err := d.MigrateTo(ctx, 21); err != nil {
		t.Fatal(err)
	}
	versions, err := d.MigrationVersions()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		if v < 23 {
			continue
		}
		if err := d.ApplyOnly(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	err = d.CheckSchema(ctx)
	if !errors.Is(err, db.ErrSchemaOutdated) || !strings.Contains(err.Error(), "pending migrations: 22") {
		t.Fatalf("CheckSchema with 00022 missing = %v, want ErrSchemaOutdated naming 22", err)
	}
}
