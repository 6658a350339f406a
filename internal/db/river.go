package db

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// RiverDriver returns the River job-queue driver for this database: the
// SQLite driver on SQLite, the database/sql PostgreSQL driver (poll only,
// through pgx's stdlib adapter) on PostgreSQL. Both work on the handle's
// own *sql.DB pool. The river_* tables belong to internal/jobs; they are
// created here, by River's own migrator, so that one Migrate and one
// CheckSchema cover the whole schema.
func (d *DB) RiverDriver() riverdriver.Driver[*sql.Tx] {
	if d.Dialect == Postgres {
		return riverdatabasesql.New(d.DB)
	}
	return riversqlite.New(d.DB)
}

func (d *DB) riverMigrator() (*rivermigrate.Migrator[*sql.Tx], error) {
	return rivermigrate.New(d.RiverDriver(), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
}

// migrateRiver applies River's pending migrations.
func (d *DB) migrateRiver(ctx context.Context) error {
	m, err := d.riverMigrator()
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("apply job-queue migrations: %w", err)
	}
	return nil
}

// checkRiver returns ErrSchemaOutdated (wrapped) when River migrations are
// pending.
func (d *DB) checkRiver(ctx context.Context) error {
	m, err := d.riverMigrator()
	if err != nil {
		return err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("read job-queue schema version: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("%w (job queue: %v)", ErrSchemaOutdated, res.Messages)
	}
	return nil
}
