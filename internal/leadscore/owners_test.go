package leadscore

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/listing/xlsx"
)

// TestOwnerMining scores the generated owners, lists them by kind and
// band as each role may see them, exports an audience, and checks the
// churn evaluation keeps the scorecard when a trained model is no better.
func TestOwnerMining(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		generated(t, d, 2500)
		ctx := context.Background()
		clock := dbtest.NewClock(asOf)
		s := NewService(d, nil, nil, clock.Now)
		sys := identity.System()
		n, err := s.ScoreOwners(ctx, sys, nil)
		if err != nil || n == 0 {
			t.Fatalf("scored %d owners: %v", n, err)
		}
		var owners, rows int
		if err := d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM customers WHERE kind = 'owner'), (SELECT COUNT(*) FROM owner_scores)`).Scan(&owners, &rows); err != nil {
			t.Fatal(err)
		}
		if rows != 3*n || n != owners {
			t.Fatalf("%d owners, %d scored, %d score rows", owners, n, rows)
		}
		for _, k := range OwnerKinds {
			pg, total, err := s.ListOwners(ctx, sys, OwnerFilter{Kind: k.Code})
			if err != nil || total.N != n || len(pg.Items) == 0 {
				t.Fatalf("%s: %d of %d: %v", k.Code, total.N, n, err)
			}
			top := pg.Items[0]
			if len(top.Reasons) == 0 || strings.Contains(top.Mobile, top.Mobile[3:7]) && !strings.Contains(top.Mobile, "****") {
				t.Errorf("%s top owner %+v: want reasons and a masked mobile", k.Code, top)
			}
			for i := 1; i < len(pg.Items); i++ {
				if pg.Items[i].Score > pg.Items[i-1].Score {
					t.Fatalf("%s not sorted by score", k.Code)
				}
			}
		}
		// Bands filter; a sales consultant sees their store's owners only.
		hot, _, err := s.ListOwners(ctx, sys, OwnerFilter{Kind: OwnerReferral, Band: "hot"})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range hot.Items {
			if o.Score < 50 {
				t.Fatalf("hot band holds score %d", o.Score)
			}
		}
		var storeID int64
		var storeOwners int
		if err := d.QueryRowContext(ctx, `SELECT store_id, COUNT(*) FROM customers WHERE kind = 'owner' GROUP BY store_id ORDER BY COUNT(*) DESC LIMIT 1`).Scan(&storeID, &storeOwners); err != nil {
			t.Fatal(err)
		}
		consultant := &identity.User{ID: 1000, Role: identity.RoleSales, SiteID: storeID, Active: true}
		_, total, err := s.ListOwners(ctx, consultant, OwnerFilter{Kind: OwnerChurn})
		if err != nil || total.N != storeOwners {
			t.Fatalf("consultant sees %d owners, store has %d: %v", total.N, storeOwners, err)
		}
		if _, _, err := s.ListOwners(ctx, &identity.User{ID: 5, Role: identity.RoleOwner, Active: true}, OwnerFilter{Kind: OwnerChurn}); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("owner role: %v, want Forbidden", err)
		}
		if _, _, err := s.ListOwners(ctx, sys, OwnerFilter{Kind: "vip"}); apperr.As(err) == nil || apperr.As(err).Fields["kind"] == "" {
			t.Errorf("bad kind: %v", err)
		}
		// Export: the audience's customer ids in the first column.
		var buf bytes.Buffer
		w, err := xlsx.Open("csv", &buf)
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.ExportOwners(ctx, sys, OwnerFilter{Kind: OwnerReferral, Band: "hot"}, w)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
		if err != nil || len(recs) != m+1 || recs[0][0] != "客户编号" && !strings.HasSuffix(recs[0][0], "客户编号") {
			t.Fatalf("export %d rows: %v %v", m, err, recs[:min(2, len(recs))])
		}
		ids, err := s.Audience(ctx, sys, OwnerReferral, 50, 0)
		if err != nil || len(ids) != m {
			t.Fatalf("audience %d, export %d: %v", len(ids), m, err)
		}
		// Churn on history: generated service visits are drawn at random
		// among owners, so nothing predicts them and the scorecard stays.
		v, ev, err := s.TrainChurn(ctx, sys, ChurnHorizon)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("churn: %d owners, %d stayed away; scorecard AUC %.3f, trained %s %.3f", ev.Owners, ev.Churned, ev.Scorecard, v.Family, v.AUC)
		if v.Active || v.Report.Baseline == 0 || len(v.Report.Families) != 2 {
			t.Errorf("churn version %+v report %+v: want the scorecard kept with both AUCs recorded", v, v.Report)
		}
		if _, err := s.ScoreOwners(ctx, &identity.User{ID: 1, Role: identity.RoleSales, SiteID: 1, Active: true}, nil); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("sales scoring owners: %v", err)
		}
	})
}
