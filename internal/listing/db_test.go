package listing_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// createItems makes the scratch table the keyset and count tests page over
// (indexes as a list table would have them).
func createItems(t testing.TB, d *db.DB) {
	t.Helper()
	ddl := []string{
		`CREATE TABLE items (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0, name TEXT NOT NULL, at DATETIME NOT NULL)`,
		`CREATE INDEX items_grp ON items (grp, id)`,
		`CREATE INDEX items_seq ON items (seq, id)`,
		`CREATE INDEX items_name ON items (name, id)`,
		`CREATE INDEX items_at ON items (at, id)`,
	}
	if d.Dialect == db.Postgres {
		ddl[0] = `CREATE TABLE items (id BIGINT PRIMARY KEY, grp BIGINT NOT NULL, seq BIGINT NOT NULL DEFAULT 0, name TEXT NOT NULL, at TIMESTAMPTZ NOT NULL)`
	}
	for _, q := range ddl {
		if _, err := d.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// fillItems inserts rows 1..n in one statement (a recursive series, the same
// SQL on both databases): grp = id % 7 (large ties), seq = id / 3 (ties of
// three), one name and one time for all.
func fillItems(t testing.TB, d *db.DB, n int) {
	t.Helper()
	_, err := d.Exec(`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < CAST($1 AS INTEGER))
		INSERT INTO items (id, grp, seq, name, at) SELECT n, n % 7, n / 3, 'x', $2 FROM s`, n, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
}

func TestCount(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		createItems(t, d)
		fillItems(t, d, listing.CountCap+50)
		cases := []struct {
			name      string
			fromWhere string
			args      []any
			want      listing.Total
		}{
			{"whole table", "FROM items", nil, listing.Total{N: listing.CountCap, Capped: true}},
			{"exactly the cap", "FROM items WHERE id <= $1", []any{listing.CountCap}, listing.Total{N: listing.CountCap}},
			{"one over the cap", "FROM items WHERE id <= $1", []any{listing.CountCap + 1}, listing.Total{N: listing.CountCap, Capped: true}},
			{"a group", "FROM items t WHERE t.grp = $1", []any{3}, listing.Total{N: (listing.CountCap + 50 + 4) / 7}},
			{"nothing", "FROM items WHERE grp = $1 AND id < $2", []any{3, 3}, listing.Total{N: 0}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := listing.Count(ctx, d, tc.fromWhere, tc.args...)
				if err != nil || got != tc.want {
					t.Fatalf("Count = %+v, %v; want %+v", got, err, tc.want)
				}
			})
		}
		got, _ := listing.Count(ctx, d, "FROM items")
		if got.Label() != "10,000+ 条" {
			t.Errorf("label = %q", got.Label())
		}
		// Inside a transaction too.
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			got, err := listing.Count(ctx, tx, "FROM items WHERE id <= $1", 1284)
			if err == nil && got.Label() != "共 1,284 条" {
				err = fmt.Errorf("label in tx = %q", got.Label())
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

type item struct {
	id   int64
	grp  int64
	name string
	at   time.Time
}

// key returns the item's sort key under o.
func (it item) key(o listing.Order) any {
	switch o.Kind {
	case listing.KeyInt:
		return it.grp
	case listing.KeyString:
		return it.name
	}
	return it.at
}

// fetch reads one page of items after cursor (as an API request would
// pass it) under o, with an optional filter on grp.
func fetch(ctx context.Context, t testing.TB, d *db.DB, o listing.Order, grp int64, cursor string, limit int) listing.Page[item] {
	t.Helper()
	c, err := o.Decode(cursor)
	if err != nil {
		t.Fatal(err)
	}
	var w listing.Where
	if grp >= 0 {
		w.And("t.grp <> " + w.Arg(grp))
	}
	o.After(&w, c)
	q := `SELECT t.id, t.grp, t.name, t.at FROM items t` + w.SQL() + ` ORDER BY ` + o.OrderBy() + ` LIMIT ` + w.Arg(limit+1)
	rows, err := d.QueryContext(ctx, q, w.Args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.grp, &it.name, &it.at); err != nil {
			t.Fatal(err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return listing.NewPage(out, limit, func(last item) string { return o.Encode(last.key(o), last.id) })
}

// A keyset walk over every sort, both directions, with many ties on the
// sort key, returns every row exactly once and in the order of one ORDER BY
// over the whole table.
func TestKeysetWalk(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		createItems(t, d)
		base := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
		names := []string{"王芳", "李娜", "Zhang", "zhang", "张伟", "", "a'b", "王"}
		const n = 700
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, `INSERT INTO items (id, grp, name, at) VALUES ($1, $2, $3, $4)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := 1; i <= n; i++ {
				// Ties: 5 groups, 8 names, 40 distinct times (some with a
				// fraction of a second, some whole seconds); ids interleave
				// so that a tie's rows are not inserted together.
				id := int64((i*389)%n + 1)
				at := base.Add(time.Duration(i%40) * 1500 * time.Millisecond)
				if _, err := st.ExecContext(ctx, id, int64(i%5), names[i%len(names)], at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		orders := []listing.Order{
			byTime,
			{Name: "created_asc", Key: "t.at", ID: "t.id", Kind: listing.KeyTime},
			byName,
			{Name: "name_desc", Key: "t.name", ID: "t.id", Kind: listing.KeyString, Desc: true},
			byNumber,
			{Name: "grp_desc", Key: "t.grp", ID: "t.id", Kind: listing.KeyInt, Desc: true},
		}
		for _, o := range orders {
			for _, grp := range []int64{-1, 2} {
				for _, limit := range []int{1, 7, 50, 200} {
					if limit == 1 && grp >= 0 {
						continue
					}
					t.Run(fmt.Sprintf("%s/filter %d/limit %d", o.Name, grp, limit), func(t *testing.T) {
						all := fetch(ctx, t, d, o, grp, "", n+1)
						if all.HasNext() {
							t.Fatal("whole table does not fit one page")
						}
						want := make([]int64, len(all.Items))
						for i, it := range all.Items {
							want[i] = it.id
						}
						var got []int64
						cursor, pages := "", 0
						for {
							p := fetch(ctx, t, d, o, grp, cursor, limit)
							pages++
							for _, it := range p.Items {
								got = append(got, it.id)
							}
							if !p.HasNext() {
								break
							}
							if len(p.Items) != limit {
								t.Fatalf("page %d has %d items and a next cursor", pages, len(p.Items))
							}
							cursor = p.NextCursor
							if pages > n+1 {
								t.Fatal("walk does not end")
							}
						}
						if !slices.Equal(got, want) {
							t.Fatalf("walk (%d pages) gave %d ids, want %d in the ORDER BY order", pages, len(got), len(want))
						}
						seen := map[int64]bool{}
						for _, id := range got {
							if seen[id] {
								t.Fatalf("id %d twice", id)
							}
							seen[id] = true
						}
						wantRows := n
						if grp >= 0 {
							wantRows = n - n/5
						}
						if len(seen) != wantRows {
							t.Fatalf("walk saw %d rows, want %d", len(seen), wantRows)
						}
					})
				}
			}
		}
		// The time order is chronological (not just consistent).
		p := fetch(ctx, t, d, orders[1], -1, "", n)
		for i := 1; i < len(p.Items); i++ {
			if p.Items[i].at.Before(p.Items[i-1].at) {
				t.Fatalf("created_asc not chronological at %d: %v after %v", i, p.Items[i].at, p.Items[i-1].at)
			}
		}
	})
}
