package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// provider returns the goose provider for this dialect. Migrations of
// different areas may land out of number order (an area's branch numbered
// 00013 may land after 00015), so a database that already has later
// migrations still receives a missing earlier one instead of being refused.
func (d *DB) provider() (*goose.Provider, error) {
	dir, gooseDialect := "migrations/sqlite", goose.DialectSQLite3
	if d.Dialect == Postgres {
		dir, gooseDialect = "migrations/postgres", goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gooseDialect, d.DB, sub, goose.WithAllowOutofOrder(true))
}

// Migrate applies every pending migration: the project's goose migrations
// (migrations/sqlite or migrations/postgres), then River's (the job queue's
// river_* tables, see river.go).
func (d *DB) Migrate(ctx context.Context) error {
	p, err := d.provider()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return d.migrateRiver(ctx)
}

// ErrSchemaOutdated is returned by CheckSchema when migrations are pending.
var ErrSchemaOutdated = errors.New("database schema is out of date: run `nevcrm migrate`")

// CheckSchema returns ErrSchemaOutdated (wrapped with the versions) when any
// embedded migration is not applied (also one older than the newest applied
// one) or River's job-queue migrations are pending, so that serve and worker
// refuse to start on a stale or half-migrated schema.
func (d *DB) CheckSchema(ctx context.Context) error {
	p, err := d.provider()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	status, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	var pending []string
	for _, m := range status {
		if m.State == goose.StatePending {
			pending = append(pending, strconv.FormatInt(m.Source.Version, 10))
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w (pending migrations: %s)", ErrSchemaOutdated, strings.Join(pending, ", "))
	}
	return d.checkRiver(ctx)
}

// SchemaVersion returns the newest applied migration version.
func (d *DB) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := d.provider()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
