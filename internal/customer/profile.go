package customer

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
)

// Profile is the part of a customer record the owner sees and edits on
// their own profile page (车主个人中心 › 个人资料).
type Profile struct {
	CustomerID       int64
	Name             string
	Nickname         string
	Mobile           string
	Province         string
	City             string
	PreferredContact string
	ConsentMarketing bool
	ConsentAt        time.Time // when consent was last given or withdrawn; zero: never asked
	CreatedAt        time.Time
}

// ContactLabel is the Chinese name of the preferred contact channel.
func (p *Profile) ContactLabel() string { return label(Contacts, p.PreferredContact) }

// ProfileInput is what the owner may change on their profile.
type ProfileInput struct {
	Name             string
	Nickname         string
	City             string
	PreferredContact string
}

// GetProfile reads customer id's profile through q, or NotFound.
func GetProfile(ctx context.Context, q db.Querier, id int64) (*Profile, error) {
	var p Profile
	var consent sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, name, nickname, mobile, province, city, preferred_contact, consent_marketing, consent_at, created_at
		FROM customers WHERE id = $1`, id).Scan(&p.CustomerID, &p.Name, &p.Nickname, &p.Mobile, &p.Province, &p.City,
		&p.PreferredContact, &p.ConsentMarketing, &consent, &p.CreatedAt)
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "客户档案不存在")
	}
	p.ConsentAt = consent.Time
	return &p, err
}

// CheckProfile trims in and validates it: Invalid naming the field (name,
// nickname, city, preferred_contact).
func CheckProfile(in *ProfileInput) error {
	in.Name = strings.TrimSpace(in.Name)
	in.Nickname = strings.TrimSpace(in.Nickname)
	in.City = strings.TrimSpace(in.City)
	var v apperr.Validator
	n := utf8.RuneCountInString(in.Name)
	v.Check(n >= 2 && n <= 20, "name", "姓名须为 2 到 20 个字")
	v.Check(utf8.RuneCountInString(in.Nickname) <= 20, "nickname", "昵称最多 20 个字")
	v.Check(utf8.RuneCountInString(in.City) <= 20, "city", "城市最多 20 个字")
	ok := false
	for _, o := range Contacts {
		ok = ok || o.Value == in.PreferredContact
	}
	v.Check(ok, "preferred_contact", "请选择联系偏好")
	return v.Err()
}

// UpdateProfile writes the checked input (CheckProfile) to customer id
// through q (the caller's transaction). Callers check who may change it.
func UpdateProfile(ctx context.Context, q db.Querier, id int64, in ProfileInput, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE customers SET name = $1, nickname = $2, city = $3, preferred_contact = $4, updated_at = $5 WHERE id = $6`,
		in.Name, in.Nickname, in.City, in.PreferredContact, now, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = apperr.New(apperr.NotFound, "客户档案不存在")
		}
		return err
	}
	return nil
}

// SetConsent records customer id's marketing consent (given or withdrawn)
// with its time, through q. It reports whether the value changed; an
// unchanged value keeps the earlier date.
func SetConsent(ctx context.Context, q db.Querier, id int64, consent bool, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE customers SET consent_marketing = $1, consent_at = $2, updated_at = $2 WHERE id = $3 AND consent_marketing <> $1`,
		consent, now, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
