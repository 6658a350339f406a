package listing

import (
	"context"
	"database/sql"
	"strconv"
)

// CountCap is where counting stops: a list shows the exact count up to it
// and "10,000+" above it.
const CountCap = 10000

// AllStoresCountCap is the lower cap of a list that spans every store (an
// admin without a store filter) over a million customers: "1,000+ 条".
// Counting 10,000 matches of two common conditions there reads some
// 100,000 index entries or row lookups, about 100 ms; 1,000 reads a tenth
// (docs/测试说明.md §4.0a).
const AllStoresCountCap = 1000

// Queryer is satisfied by *sql.DB, *sql.Tx and *db.DB.
type Queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Total is the result count of a filtered list.
type Total struct {
	N      int  // the exact count, or the cap (CountCap unless CountUpTo) when Capped
	Capped bool // more than the cap rows match
}

// Count counts the rows of fromWhere (the "FROM ... WHERE ..." part of the
// list query, with $n placeholders for args) up to CountCap+1, as
// SELECT COUNT(*) FROM (SELECT 1 fromWhere LIMIT 10001): the cost is bounded
// by CountCap rows however large the table. fromWhere is SQL written in
// code; request text belongs in args.
func Count(ctx context.Context, q Queryer, fromWhere string, args ...any) (Total, error) {
	return CountUpTo(ctx, q, CountCap, fromWhere, args...)
}

// CountUpTo is Count with another cap: a list over a million rows counts
// to a lower cap where reaching 10,000 matches of two common conditions
// costs more than a page may (docs/测试说明.md §4.0a).
func CountUpTo(ctx context.Context, q Queryer, limit int, fromWhere string, args ...any) (Total, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 AS one `+fromWhere+
		` LIMIT `+strconv.Itoa(limit+1)+`) capped`, args...).Scan(&n)
	if err != nil {
		return Total{}, err
	}
	if n > limit {
		return Total{N: limit, Capped: true}, nil
	}
	return Total{N: n}, nil
}

// Label is the count as a list page shows it: "共 1,284 条", or
// "10,000+ 条" when capped (at CountCap).
func (t Total) Label() string {
	if t.Capped {
		return Thousands(int64(t.N)) + "+ 条"
	}
	return "共 " + Thousands(int64(t.N)) + " 条"
}

// Thousands formats n with commas between groups of three digits: 1284 →
// "1,284".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
