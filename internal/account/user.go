// Package account holds users, roles, passwords, server-side sessions and
// login throttling.
package account

import (
	"database/sql"
	"regexp"
	"time"
	"unicode/utf8"
)

// Role is what a user is allowed to do.
type Role string

// Roles.
const (
	RoleOwner   Role = "owner"
	RoleSales   Role = "sales"
	RoleService Role = "service"
	RoleAdmin   Role = "admin"
)

// Roles lists every role, owners first.
var Roles = []Role{RoleOwner, RoleSales, RoleService, RoleAdmin}

// Label is the role's Chinese name.
func (r Role) Label() string {
	switch r {
	case RoleOwner:
		return "车主"
	case RoleSales:
		return "销售顾问"
	case RoleService:
		return "服务顾问"
	case RoleAdmin:
		return "管理员"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Home is the path of the role's dashboard.
func (r Role) Home() string { return "/" + string(r) + "/" }

// User is an account that can log in.
type User struct {
	ID          int64
	Username    string // empty for owners who log in by mobile
	Mobile      string
	DisplayName string
	Role        Role
	CustomerID  int64 // owners: their customer record; 0 otherwise
	SiteID      int64 // staff: their store or service center; 0 otherwise
	SiteName    string
	Active      bool
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// Is reports whether the user has one of roles.
func (u *User) Is(roles ...Role) bool {
	if u == nil {
		return false
	}
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// MaskedMobile returns the mobile number with its middle four digits hidden.
func MaskedMobile(m string) string {
	if len(m) != 11 {
		return m
	}
	return m[:3] + "****" + m[7:]
}

var (
	mobileRE   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	usernameRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{2,31}$`)
)

// ValidMobile reports whether m is a mainland China mobile number.
func ValidMobile(m string) bool { return mobileRE.MatchString(m) }

// ValidUsername reports whether u is a valid staff login name: 3-32 lower-case
// letters, digits, '_', '.', '-', starting with a letter.
func ValidUsername(u string) bool { return usernameRE.MatchString(u) }

func validName(n string) bool {
	l := utf8.RuneCountInString(n)
	return l >= 2 && l <= 20
}

func validPassword(p string) bool { return len(p) >= 8 && len(p) <= 72 }

const userColumns = `u.id, COALESCE(u.username, ''), COALESCE(u.mobile, ''), u.display_name, u.role,
	COALESCE(u.customer_id, 0), COALESCE(u.site_id, 0), COALESCE(s.name, ''), u.active, u.created_at, u.last_login_at`

const userFrom = ` FROM users u LEFT JOIN sites s ON s.id = u.site_id `

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var last sql.NullTime
	if err := row.Scan(&u.ID, &u.Username, &u.Mobile, &u.DisplayName, &u.Role,
		&u.CustomerID, &u.SiteID, &u.SiteName, &u.Active, &u.CreatedAt, &last); err != nil {
		return nil, err
	}
	u.LastLoginAt = last.Time
	return &u, nil
}
