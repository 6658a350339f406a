package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/audit"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
)

// TestRecordAndHistory: entries carry the request's address and id, and a
// record's history lists them newest first, skipping the given actions.
func TestRecordAndHistory(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := audit.WithMeta(context.Background(), audit.Meta{IP: "203.0.113.9", RequestID: "req-1"})
		now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
		for i, action := range []string{"create_staff", "login", "update_user", "login", "disable_user"} {
			detail := map[string]any{"step": i}
			if action == "disable_user" {
				detail["reason"] = "离职"
			}
			if err := audit.Record(ctx, d, now.Add(time.Duration(i)*time.Minute), audit.Entry{Action: action, Entity: "users", EntityID: 42, Detail: detail}); err != nil {
				t.Fatal(err)
			}
		}
		if err := audit.Record(ctx, d, now, audit.Entry{Action: "update_user", Entity: "users", EntityID: 43}); err != nil {
			t.Fatal(err)
		}
		h, err := audit.History(ctx, d, "users", 42, 10, "login")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range h {
			got = append(got, e.Action)
		}
		if len(h) != 3 || got[0] != "disable_user" || got[2] != "create_staff" {
			t.Fatalf("history = %v, want disable_user, update_user, create_staff", got)
		}
		if h[0].Detail["reason"] != "离职" || h[0].IP != "203.0.113.9" || h[0].Label() != "停用账号" || h[0].UserName != "" {
			t.Errorf("newest entry = %+v", h[0])
		}
		if h, _ := audit.History(ctx, d, "users", 42, 2); len(h) != 2 {
			t.Errorf("limit 2 gave %d entries", len(h))
		}
	})
}
