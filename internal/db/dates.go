package db

import "fmt"

// WithinDays returns a condition that timestamp expression later is at
// most days days after timestamp expression earlier (days is an integer
// expression, typically a placeholder). SQLite compares Julian day numbers
// (its time functions read the stored ISO form with its zone offset);
// PostgreSQL adds an interval.
func (d *DB) WithinDays(later, earlier, days string) string {
	if d.Dialect == Postgres {
		return fmt.Sprintf("%s <= %s + CAST(%s AS INTEGER) * INTERVAL '1 day'", later, earlier, days)
	}
	return fmt.Sprintf("julianday(%s) <= julianday(%s) + CAST(%s AS INTEGER)", later, earlier, days)
}
