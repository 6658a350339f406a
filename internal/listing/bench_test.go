package listing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/listing"
)

// BenchmarkDeepPage compares reading one 50-row page deep in a 200,000-row
// SQLite table (the page starting at row 190,001) with a keyset condition
// against OFFSET, for a sort key with ties of three rows (seq, the usual
// case: a creation time, a name) and for one with seven values (grp, the
// worst case: SQLite seeks on the key only and steps over the rows tied
// with the cursor's key, see docs/系统设计.md). Run:
//
//	go test -run '^$' -bench DeepPage ./internal/listing/
func BenchmarkDeepPage(b *testing.B) {
	const rows, deep, limit = 200000, 190000, 50
	d := dbtest.Open(b, db.SQLite)
	createItems(b, d)
	fillItems(b, d, rows)
	ctx := context.Background()
	read := func(b *testing.B, q string, args ...any) {
		r, err := d.QueryContext(ctx, q, args...)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for r.Next() {
			n++
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
		if n != limit+1 && n != limit {
			b.Fatalf("page of %d rows", n)
		}
	}
	for _, o := range []listing.Order{
		{Name: "seq", Key: "t.seq", ID: "t.id", Kind: listing.KeyInt},
		{Name: "grp", Key: "t.grp", ID: "t.id", Kind: listing.KeyInt},
	} {
		// The cursor of the row just before the page: what the previous
		// page's next_cursor would be.
		var key, id int64
		if err := d.QueryRow(`SELECT `+o.Key+`, t.id FROM items t ORDER BY `+o.OrderBy()+` LIMIT 1 OFFSET $1`, deep-1).Scan(&key, &id); err != nil {
			b.Fatal(err)
		}
		cursor := o.Encode(key, id)
		explain(b, d, o, cursor)
		b.Run(o.Name+"/keyset", func(b *testing.B) {
			for b.Loop() {
				c, err := o.Decode(cursor)
				if err != nil {
					b.Fatal(err)
				}
				var w listing.Where
				o.After(&w, c)
				read(b, `SELECT t.id, t.grp, t.name FROM items t`+w.SQL()+` ORDER BY `+o.OrderBy()+` LIMIT `+w.Arg(limit+1), w.Args...)
			}
		})
		b.Run(o.Name+"/offset", func(b *testing.B) {
			for b.Loop() {
				read(b, `SELECT t.id, t.grp, t.name FROM items t ORDER BY `+o.OrderBy()+` LIMIT $1 OFFSET $2`, limit, deep)
			}
		})
	}
}

// explain logs SQLite's plan for the keyset page, which must search the
// sort's index rather than scan the table.
func explain(b *testing.B, d *db.DB, o listing.Order, cursor string) {
	c, _ := o.Decode(cursor)
	var w listing.Where
	o.After(&w, c)
	r, err := d.Query(`EXPLAIN QUERY PLAN SELECT t.id FROM items t`+w.SQL()+` ORDER BY `+o.OrderBy()+` LIMIT 51`, w.Args...)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var plan []string
	for r.Next() {
		var id, parent, notused int
		var detail string
		if err := r.Scan(&id, &parent, &notused, &detail); err != nil {
			b.Fatal(err)
		}
		plan = append(plan, detail)
	}
	p := strings.Join(plan, "; ")
	b.Logf("%s keyset plan: %s", o.Name, p)
	if !strings.Contains(p, "SEARCH") || strings.Contains(p, "TEMP B-TREE") {
		b.Fatalf("keyset page does not search an index in order: %s", p)
	}
}
