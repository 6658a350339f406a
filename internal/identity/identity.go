// Package identity is the acting user every service call names: who they
// are (id, role, store or service center, customer record) and how a
// request or a background job carries them. It is a leaf: every domain may
// import it, and it imports no domain.
package identity

import (
	"context"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
)

// Role is what a user is allowed to do.
type Role string

// Roles. RoleSystem is not a login role: it is the actor of the command line
// and of background jobs (see System).
const (
	RoleOwner   Role = "owner"
	RoleSales   Role = "sales"
	RoleService Role = "service"
	RoleAdmin   Role = "admin"
	RoleSystem  Role = "system"
)

// Roles lists every login role, owners first.
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
	case RoleSystem:
		return "系统"
	}
	return string(r)
}

// Valid reports whether r is a login role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Staff reports whether r is a staff role (sales, service or admin).
func (r Role) Staff() bool { return r == RoleSales || r == RoleService || r == RoleAdmin }

// Home is the path of the role's workspace.
func (r Role) Home() string { return "/" + string(r) + "/" }

// User is an acting user: an account that logged in, or the system actor.
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
	Perms       []Perm // permissions granted beyond the role (staff only)
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// Perm is a permission an admin grants to a staff account beyond its role.
type Perm string

// Permissions.
const (
	// PermStoreManager lets a sales consultant see the whole store's
	// customers and pipeline and reassign them.
	PermStoreManager Perm = "store_manager"
	// PermModerator lets a staff member moderate the owners' community.
	PermModerator Perm = "moderator"
)

// Perms lists every permission, in the order the admin page shows them.
var Perms = []Perm{PermStoreManager, PermModerator}

// Label is the permission's Chinese name.
func (p Perm) Label() string {
	switch p {
	case PermStoreManager:
		return "门店经理"
	case PermModerator:
		return "社区版主"
	}
	return string(p)
}

// GrantableTo reports whether p may be granted to an account of role r:
// store manager to sales consultants, moderator to sales and service staff.
// An admin holds every permission already and is granted none.
func (p Perm) GrantableTo(r Role) bool {
	switch p {
	case PermStoreManager:
		return r == RoleSales
	case PermModerator:
		return r == RoleSales || r == RoleService
	}
	return false
}

// Can reports whether u holds permission p: an admin and the system actor
// hold every permission; other users hold those granted to them (false for
// nil).
func (u *User) Can(p Perm) bool {
	if u == nil {
		return false
	}
	if u.Role == RoleAdmin || u.Role == RoleSystem {
		return true
	}
	for _, x := range u.Perms {
		if x == p {
			return true
		}
	}
	return false
}

// Is reports whether the user has one of roles (false for nil).
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

// system is the one system actor; System returns a copy so no caller can
// change it for the others.
var system = User{Role: RoleSystem, DisplayName: "系统", Active: true}

// System returns the actor of the command line and of background jobs. It
// has id 0 (audit entries record no user) and may do what an admin may, as
// each service states.
func System() *User {
	u := system
	return &u
}

// IsSystem reports whether u is the system actor.
func (u *User) IsSystem() bool { return u != nil && u.Role == RoleSystem }

// ErrNoActor is returned by every service method called without an actor.
var ErrNoActor = apperr.New(apperr.Unauthenticated, "请先登录")

// Require returns ErrNoActor when actor is nil, so that no service mistakes a
// missing actor for a trusted caller.
func Require(actor *User) error {
	if actor == nil {
		return ErrNoActor
	}
	return nil
}

// ID returns the user's id for the audit log: 0 for nil and the system actor.
func ID(u *User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

type ctxKey struct{}

// WithUser returns ctx carrying the acting user.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}

// FromContext returns the acting user in ctx, or nil for an anonymous visitor.
func FromContext(ctx context.Context) *User {
	u, _ := ctx.Value(ctxKey{}).(*User)
	return u
}

// MaskMobile hides the middle four digits of a mainland mobile number
// ("138****5678"); other values are returned as they are.
func MaskMobile(m string) string {
	if len(m) != 11 {
		return m
	}
	return m[:3] + "****" + m[7:]
}
