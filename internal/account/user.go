// Package account holds login accounts (the users table), passwords,
// server-side sessions and login throttling. The acting user itself is
// identity.User.
package account

import (
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nevcrm/nevcrm/internal/identity"
)

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

// ValidPassword reports whether p has 8 to 72 characters (Unicode code
// points, not bytes: "8 到 72 个字符" on every form means what the user counts).
// 72 characters are at most 288 bytes of UTF-8, well below the 1,024-byte cap
// that Login applies before any work.
func ValidPassword(p string) bool {
	n := utf8.RuneCountInString(p)
	return n >= 8 && n <= 72
}

const userColumns = `u.id, COALESCE(u.username, ''), COALESCE(u.mobile, ''), u.display_name, u.role,
	COALESCE(u.customer_id, 0), COALESCE(u.site_id, 0), COALESCE(s.name, ''), u.active, u.permissions, u.created_at, u.last_login_at`

const userFrom = ` FROM users u LEFT JOIN sites s ON s.id = u.site_id `

// scanUser scans userColumns, then into extra any further columns.
func scanUser(row interface{ Scan(...any) error }, extra ...any) (*identity.User, error) {
	var u identity.User
	var last sql.NullTime
	var perms string
	dest := append([]any{&u.ID, &u.Username, &u.Mobile, &u.DisplayName, &u.Role,
		&u.CustomerID, &u.SiteID, &u.SiteName, &u.Active, &perms, &u.CreatedAt, &last}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.LastLoginAt = last.Time
	u.Perms = parsePerms(perms)
	return &u, nil
}

// parsePerms reads users.permissions: known permission names separated by
// commas (unknown names are ignored).
func parsePerms(s string) []identity.Perm {
	var out []identity.Perm
	for _, p := range identity.Perms {
		if slices.Contains(strings.Split(s, ","), string(p)) {
			out = append(out, p)
		}
	}
	return out
}

// formatPerms is the users.permissions value of perms, in identity.Perms
// order.
func formatPerms(perms []identity.Perm) string {
	var names []string
	for _, p := range identity.Perms {
		if slices.Contains(perms, p) {
			names = append(names, string(p))
		}
	}
	return strings.Join(names, ",")
}
