package identity

import (
	"context"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
)

func TestRolesAndActors(t *testing.T) {
	for _, r := range Roles {
		if !r.Valid() || r.Label() == string(r) || r.Home() != "/"+string(r)+"/" {
			t.Errorf("role %s: valid %v, label %q, home %q", r, r.Valid(), r.Label(), r.Home())
		}
	}
	if RoleSystem.Valid() || Role("king").Valid() {
		t.Error("the system role and unknown roles are not login roles")
	}
	if !RoleSales.Staff() || RoleOwner.Staff() || RoleSystem.Staff() {
		t.Error("Staff: sales, service and admin only")
	}
	var nobody *User
	if nobody.Is(RoleOwner, RoleAdmin) || nobody.IsSystem() || ID(nobody) != 0 {
		t.Error("a nil user has no role and id 0")
	}
	if apperr.CodeOf(Require(nil)) != apperr.Unauthenticated {
		t.Error("Require(nil) must be unauthenticated")
	}
	sys := System()
	if err := Require(sys); err != nil || !sys.IsSystem() || !sys.Is(RoleSystem) || ID(sys) != 0 {
		t.Errorf("system actor: %+v, %v", sys, err)
	}
	sys.Role = RoleAdmin
	if !System().IsSystem() {
		t.Error("changing one System() copy changed the others")
	}
}

func TestContextAndMask(t *testing.T) {
	ctx := context.Background()
	if FromContext(ctx) != nil {
		t.Error("an empty context has no user")
	}
	u := &User{ID: 7, Role: RoleOwner}
	if FromContext(WithUser(ctx, u)) != u {
		t.Error("WithUser/FromContext round trip")
	}
	for in, want := range map[string]string{"13812345678": "138****5678", "": "", "123": "123", "138****5678": "138****5678"} {
		if got := MaskMobile(in); got != want {
			t.Errorf("MaskMobile(%q) = %q, want %q", in, got, want)
		}
	}
}
