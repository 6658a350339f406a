package web

import "github.com/nevcrm/nevcrm/internal/identity"

// Who may open the pages of each workspace.
var (
	owner   = []identity.Role{identity.RoleOwner}
	sales   = []identity.Role{identity.RoleSales, identity.RoleAdmin}
	service = []identity.Role{identity.RoleService, identity.RoleAdmin}
	admin   = []identity.Role{identity.RoleAdmin}
)
