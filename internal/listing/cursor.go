package listing

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
)

// KeyKind is the Go type of a sort key: what a cursor carries and what
// Decode checks it carries.
type KeyKind uint8

// Key kinds.
const (
	KeyInt    KeyKind = iota + 1 // int64 (also int)
	KeyString                    // string
	KeyTime                      // time.Time, kept to the nanosecond in UTC
)

// Order is one whitelisted sort of a list: a NOT NULL key column with a
// unique id column as the tie-break, both in the same direction. Key and ID
// are SQL written in code (e.g. "u.created_at", "u.id"), never taken from a
// request; requests name an Order by Name only.
type Order struct {
	Name  string // the value of the sort parameter, e.g. "created_desc"
	Label string // Chinese name for the sort menu, e.g. "最近创建"
	Key   string // SQL expression of the sort key; must be NOT NULL
	ID    string // SQL expression of the unique tie-break, e.g. "u.id"
	Kind  KeyKind
	Desc  bool
}

// OrderBy returns the ORDER BY list, e.g. "u.created_at DESC, u.id DESC".
func (o Order) OrderBy() string {
	dir := " ASC"
	if o.Desc {
		dir = " DESC"
	}
	return o.Key + dir + ", " + o.ID + dir
}

// After adds to w the keyset condition for the rows that follow cursor c in
// this order: (key, id) > ($n, $n+1), or < for a descending order, with the
// two values as arguments after those already in w. A nil c (the first
// page) adds nothing. The row-value comparison is a range on an index of
// (key, id) in both SQLite and PostgreSQL.
func (o Order) After(w *Where, c *Cursor) {
	if c == nil {
		return
	}
	op := " > "
	if o.Desc {
		op = " < "
	}
	w.And("(" + o.Key + ", " + o.ID + ")" + op + "(" + w.Arg(c.Key) + ", " + w.Arg(c.ID) + ")")
}

// Orders is the whitelist of a list's sorts; the first is the default.
type Orders []Order

// Lookup returns the order named name, the default for "", and an
// apperr.Invalid error on field "sort" for any other name.
func (os Orders) Lookup(name string) (Order, error) {
	name = strings.TrimSpace(name)
	if name == "" && len(os) > 0 {
		return os[0], nil
	}
	for _, o := range os {
		if o.Name == name {
			return o, nil
		}
	}
	return Order{}, apperr.Field("sort", "不支持的排序方式")
}

// Cursor is the position after the last row of a page: that row's sort key
// and id, under the sort it was made for.
type Cursor struct {
	Sort string
	Key  any // int64, string or time.Time (UTC), as the Order's Kind says
	ID   int64
}

// MaxCursorLen bounds the length of a cursor parameter.
const MaxCursorLen = 1024

// cursorAlphabet is base64url without padding.
const cursorAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// ErrBadCursor is the answer to a cursor that was not made by this package
// for the list's current sort (edited, truncated, from another sort, from
// another list).
var ErrBadCursor = apperr.Field("cursor", "翻页位置无效或已过期，请从第一页重新查看")

// The wire form of a cursor is base64url(payload || check) where payload is
// the JSON {"v":1,"s":sort,"k":key,"i":id} and check the first 8 bytes of
// SHA-256(cursorDomain || payload). The check is not a secret: it catches a
// cursor that was edited by hand, cut short or garbled on the way; it is no
// signature. Nothing relies on a cursor for access: every page applies the
// caller's filter and permissions again, so a forged cursor can only move
// to a position within rows the caller may see anyway.
const (
	cursorVersion = 1
	cursorDomain  = "nevcrm/listing/cursor/v1\x00"
	checkLen      = 8
)

type wireCursor struct {
	V int             `json:"v"`
	S string          `json:"s"`
	K json.RawMessage `json:"k"`
	I int64           `json:"i"`
}

// Encode returns the cursor for the row with sort key key and id id under
// this order. key must be of the order's Kind (int64 or int, string,
// time.Time); Encode panics otherwise, since that is a programming error.
func (o Order) Encode(key any, id int64) string {
	var k []byte
	var err error
	switch o.Kind {
	case KeyInt:
		switch v := key.(type) {
		case int64:
			k = strconv.AppendInt(nil, v, 10)
		case int:
			k = strconv.AppendInt(nil, int64(v), 10)
		}
	case KeyString:
		if v, ok := key.(string); ok {
			k, err = json.Marshal(v)
		}
	case KeyTime:
		if v, ok := key.(time.Time); ok {
			k, err = json.Marshal(v.UTC().Format(time.RFC3339Nano))
		}
	}
	if k == nil || err != nil {
		panic(fmt.Sprintf("listing: sort %q: key %T does not match its kind", o.Name, key))
	}
	payload, err := json.Marshal(wireCursor{V: cursorVersion, S: o.Name, K: k, I: id})
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(append([]byte(cursorDomain), payload...))
	return base64.RawURLEncoding.EncodeToString(append(payload, sum[:checkLen]...))
}

// Decode parses a cursor made by Encode for this order. "" gives nil (the
// first page). A cursor that does not decode, fails its check, names
// another sort or carries a key of another kind gives ErrBadCursor
// (apperr.Invalid on field "cursor").
func (o Order) Decode(s string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxCursorLen {
		return nil, ErrBadCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) <= checkLen {
		return nil, ErrBadCursor
	}
	payload, check := raw[:len(raw)-checkLen], raw[len(raw)-checkLen:]
	sum := sha256.Sum256(append([]byte(cursorDomain), payload...))
	if !bytes.Equal(sum[:checkLen], check) {
		return nil, ErrBadCursor
	}
	var w wireCursor
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil || w.V != cursorVersion || w.S != o.Name || w.I <= 0 {
		return nil, ErrBadCursor
	}
	c := &Cursor{Sort: w.S, ID: w.I}
	switch o.Kind {
	case KeyInt:
		n, err := strconv.ParseInt(string(w.K), 10, 64)
		if err != nil {
			return nil, ErrBadCursor
		}
		c.Key = n
	case KeyString:
		var v string
		if err := json.Unmarshal(w.K, &v); err != nil || !utf8.ValidString(v) {
			return nil, ErrBadCursor
		}
		c.Key = v
	case KeyTime:
		var v string
		if err := json.Unmarshal(w.K, &v); err != nil {
			return nil, ErrBadCursor
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, ErrBadCursor
		}
		c.Key = t.UTC()
	default:
		return nil, ErrBadCursor
	}
	return c, nil
}

// Where collects the AND-ed conditions of a query and their arguments, with
// $n placeholders numbered in the order the arguments were added.
type Where struct {
	conds []string
	Args  []any
}

// Arg appends v to the arguments and returns its placeholder, e.g. "$3".
func (w *Where) Arg(v any) string {
	w.Args = append(w.Args, v)
	return "$" + strconv.Itoa(len(w.Args))
}

// And adds a condition, written with placeholders from Arg.
func (w *Where) And(cond string) { w.conds = append(w.conds, cond) }

// SQL returns " WHERE c1 AND c2 ..." (with a leading space), or "" when
// there is no condition.
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// Clone returns a copy that can be extended without changing w.
func (w *Where) Clone() *Where {
	return &Where{conds: append([]string(nil), w.conds...), Args: append([]any(nil), w.Args...)}
}
