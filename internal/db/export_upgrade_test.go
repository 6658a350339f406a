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
