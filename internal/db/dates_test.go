package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestWithinDays checks the dialect helper on both databases, at the
// boundary and across a time zone offset of the stored values.
func TestWithinDays(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		base := time.Date(2026, 11, 1, 2, 0, 0, 500_000_000, time.UTC)
		cases := []struct {
			later time.Time
			days  int
			want  bool
		}{
			{base.AddDate(0, 0, 30), 30, true},
			{base.AddDate(0, 0, 30).Add(time.Second), 30, false},
			{base.Add(time.Hour), 1, true},
			{base.AddDate(0, 0, 2), 1, false},
		}
		for _, c := range cases {
			var n int
			q := `SELECT COUNT(*) FROM (SELECT CAST($1 AS TIMESTAMP) AS a, CAST($2 AS TIMESTAMP) AS b) x WHERE ` + d.WithinDays("x.a", "x.b", "$3")
			if d.Dialect == db.SQLite {
				q = `SELECT COUNT(*) FROM (SELECT $1 AS a, $2 AS b) x WHERE ` + d.WithinDays("x.a", "x.b", "$3")
			}
			if err := d.QueryRowContext(ctx, q, c.later, base, c.days).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if (n == 1) != c.want {
				t.Errorf("%v within %d days of %v: got %v", c.later, c.days, base, n == 1)
			}
		}
	})
}
