package db

import "context"

// MigrateTo applies the project's migrations up to and including version v.
func (d *DB) MigrateTo(ctx context.Context, v int64) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, v)
	return err
}

// ApplyOnly applies the single migration v (for tests of out-of-order upgrades).
func (d *DB) ApplyOnly(ctx context.Context, v int64) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	_, err = p.ApplyVersion(ctx, v, true)
	return err
}

// LatestMigration returns the newest embedded migration's version.
func (d *DB) LatestMigration() (int64, error) {
	p, err := d.provider()
	if err != nil {
		return 0, err
	}
	src := p.ListSources()
	return src[len(src)-1].Version, nil
}

// MigrationVersions returns the embedded migrations' versions, oldest
// first (numbers are assigned ahead, so there may be gaps).
func (d *DB) MigrationVersions() ([]int64, error) {
	p, err := d.provider()
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, s := range p.ListSources() {
		out = append(out, s.Version)
	}
	return out, nil
}
