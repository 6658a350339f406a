// Package listing is the one way to build a long list: keyset pagination
// with opaque cursors over a whitelisted sort, the limit and cursor request
// parameters, a cheap capped count ("共 1,284 条" / "10,000+ 条") and the
// streaming CSV/XLSX export of a filtered set. Domain services build their
// list queries with it; the HTML and JSON transports parse the request with
// it and answer with a Page. It knows no HTTP and no domain.
//
// A list query with this package looks like:
//
//	order, err := sorts.Lookup(filter.Sort)            // whitelisted, never user SQL
//	cur, err := order.Decode(filter.Cursor)            // nil on the first page
//	var w listing.Where
//	w.And("u.role = " + w.Arg(role))                   // the filter
//	total, err := listing.Count(ctx, db, "FROM users u"+w.SQL(), w.Args...)
//	order.After(&w, cur)                               // the keyset condition
//	q := "SELECT ... FROM users u" + w.SQL() + " ORDER BY " + order.OrderBy() +
//		" LIMIT " + w.Arg(limit+1)                     // one extra row: is there a next page?
//	page := listing.NewPage(rows, limit, func(u *User) string { return order.Encode(u.CreatedAt, u.ID) })
package listing

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/nevcrm/nevcrm/internal/apperr"
)

// Limits of a page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Page is one page of a list and the JSON shape every list endpoint
// answers with: {"items": [...], "next_cursor": "..."}. Items is never
// null in JSON (an empty list is []); NextCursor is always present and is
// the empty string on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// MarshalJSON writes the page with items as [] when there are none.
func (p Page[T]) MarshalJSON() ([]byte, error) {
	items := p.Items
	if items == nil {
		items = []T{}
	}
	return json.Marshal(struct {
		Items      []T    `json:"items"`
		NextCursor string `json:"next_cursor"`
	}{items, p.NextCursor})
}

// HasNext reports whether there is a page after this one.
func (p Page[T]) HasNext() bool { return p.NextCursor != "" }

// NewPage makes a page from rows fetched with LIMIT limit+1: when more than
// limit rows came back there is a next page, the extra row is dropped and
// the cursor is made from the last row kept (cursor is typically
// order.Encode of that row's sort key and id).
func NewPage[T any](rows []T, limit int, cursor func(last T) string) Page[T] {
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
		return Page[T]{Items: rows, NextCursor: cursor(rows[limit-1])}
	}
	return Page[T]{Items: rows}
}

// Params are the paging parameters of a list request.
type Params struct {
	Limit  int    // DefaultLimit when the request has none
	Cursor string // opaque; "" for the first page
}

// ParseParams reads limit and cursor from a query string. A limit that is
// not a whole number from 1 to MaxLimit is an apperr.Invalid error on field
// "limit"; a cursor longer than MaxCursorLen or with characters outside
// base64url is one on field "cursor" (its content is checked by
// Order.Decode, which knows the sort).
func ParseParams(q url.Values) (Params, error) {
	p := Params{Cursor: strings.TrimSpace(q.Get("cursor"))}
	var err error
	if p.Limit, err = ParseLimit(q.Get("limit")); err != nil {
		return Params{}, err
	}
	if len(p.Cursor) > MaxCursorLen || strings.Trim(p.Cursor, cursorAlphabet) != "" {
		return Params{}, ErrBadCursor
	}
	return p, nil
}

// ParseLimit parses a limit parameter: "" gives DefaultLimit; anything but a
// whole number from 1 to MaxLimit is an apperr.Invalid error on "limit".
func ParseLimit(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, errBadLimit
	}
	return n, nil
}

// CheckLimit is ParseLimit for a limit already a number (a service's filter
// field): 0 gives DefaultLimit, below 0 or above MaxLimit is Invalid.
func CheckLimit(n int) (int, error) {
	if n == 0 {
		return DefaultLimit, nil
	}
	if n < 1 || n > MaxLimit {
		return 0, errBadLimit
	}
	return n, nil
}

var errBadLimit = apperr.Field("limit", "每页条数须为 1 到 "+strconv.Itoa(MaxLimit)+" 之间的整数")
