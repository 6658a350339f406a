package leadscore

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/db/dbtest"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/sales"
)

// asOf is the reference time of the generated data in these tests.
var asOf = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)

func generated(t *testing.T, d *db.DB, customers int) {
	t.Helper()
	if err := datagen.Generate(context.Background(), d, datagen.Options{Customers: customers, Seed: 11, Months: 24, Now: asOf}); err != nil {
		t.Fatal(err)
	}
}

// TestChosenModelNearTruth trains on generated leads, whose true purchase
// probability the generator knows, and checks that the chosen model ranks
// the held-out (latest) leads within 0.02 AUC of the truth itself.
func TestChosenModelNearTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 12,000 customers")
	}
	d := dbtest.Open(t, db.SQLite)
	generated(t, d, 12000)
	ctx := context.Background()
	rows, err := readLeads(ctx, d, "l.status IN ('converted', 'lost')", 0)
	if err != nil {
		t.Fatal(err)
	}
	f := leadFrame(rows)
	var truth, chosen float64
	_, rep, err := Train(f, TrainOptions{Seed: 1}, func(idx []int, pred []float64) {
		tp := make([]float64, len(idx))
		y := make([]float64, len(idx))
		for k, i := range idx {
			tp[k], y[k] = truthProb(rows[i]), f.Y[i]
		}
		truth, chosen = AUC(tp, y), AUC(pred, y)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range rep.Families {
		t.Logf("%s: validation AUC %.4f (%.2f s)", fr.Family, fr.AUC, fr.Seconds)
	}
	t.Logf("chosen %s %.4f, truth %.4f on %d held-out leads (of %d); top-decile lift %.2f", rep.Best, chosen, truth, rep.NValid, f.Len(), rep.Valid.Lift)
	if truth-chosen > 0.02 {
		t.Errorf("chosen model AUC %.4f is more than 0.02 below the truth's %.4f", chosen, truth)
	}
	if rep.Valid.Lift < 1.8 {
		t.Errorf("top-decile lift %.2f, want ≥ 1.8", rep.Valid.Lift)
	}
}

// TestTrainScoreRollback trains on the CRM's leads, scores the open ones
// with reasons, rescores a lead when the sales service reports a change,
// and rolls back to the first model.
func TestTrainScoreRollback(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		generated(t, d, 2500)
		ctx := context.Background()
		clock := dbtest.NewClock(asOf)
		sl := sales.NewService(d, clock.Now, nil)
		s := NewService(d, sl, nil, clock.Now)
		sl.OnLeadChange(s.ChangeListener(func(msg string, args ...any) { t.Errorf("%s %v", msg, args) }))
		sys := identity.System()
		salesUser := &identity.User{ID: 99, Role: identity.RoleSales, SiteID: 1, Active: true}
		if _, err := s.Train(ctx, salesUser, TrainInput{}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("train by sales: %v, want Forbidden", err)
		}
		v1, err := s.Train(ctx, sys, TrainInput{Activate: true, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !v1.Active || v1.NTrain < 1000 || v1.Report.Split != "time" || len(v1.Report.Families) != 2 || len(v1.Report.Valid.Calibration) != 10 {
			t.Fatalf("version %+v report %+v", v1, v1.Report)
		}
		n, err := s.ScoreOpen(ctx, sys, false, nil)
		if err != nil || n == 0 {
			t.Fatalf("scored %d: %v", n, err)
		}
		var open, scored int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(score) FROM leads WHERE status IN ('new', 'contacted', 'qualified')`).Scan(&open, &scored); err != nil {
			t.Fatal(err)
		}
		if open != n || scored != open {
			t.Fatalf("open %d, scored %d, with a score on the lead %d", open, n, scored)
		}
		// A lead with reasons both ways.
		var leadID int64
		var reason string
		if err := d.QueryRowContext(ctx, `SELECT id, score_reason FROM leads WHERE status = 'contacted' AND test_drive = $1 ORDER BY id LIMIT 1`, false).Scan(&leadID, &reason); err != nil {
			t.Fatal(err)
		}
		if reason == "" {
			t.Fatal("no reason line on a scored lead")
		}
		before, err := s.LeadScores(ctx, []int64{leadID})
		if err != nil || before[leadID] == nil {
			t.Fatalf("score of %d: %v", leadID, err)
		}
		t.Logf("lead %d: %d %s", leadID, before[leadID].Score, reason)
		// Stale sweep: nothing changed, nothing to do.
		if n, err := s.ScoreOpen(ctx, sys, true, nil); err != nil || n != 0 {
			t.Fatalf("stale sweep scored %d: %v", n, err)
		}
		// A store visit logged through sales rescores the lead at once.
		clock.Advance(time.Hour)
		if _, err := sl.LogLeadFollowUp(ctx, sys, leadID, sales.FollowUpInput{Channel: "visit", Content: "客户到店看车"}); err != nil {
			t.Fatal(err)
		}
		// The lead was rescored at once from its new facts (one more visit
		// and one more follow-up): its score is what the model gives now.
		after, _ := s.LeadScores(ctx, []int64{leadID})
		var scoredAt time.Time
		if err := d.QueryRowContext(ctx, `SELECT scored_at FROM lead_scores WHERE lead_id = $1`, leadID).Scan(&scoredAt); err != nil {
			t.Fatal(err)
		}
		if !scoredAt.Equal(clock.Now()) {
			t.Errorf("lead scored at %v after the visit at %v: not rescored on the change", scoredAt, clock.Now())
		}
		rows, err := readLeads(ctx, d, "l.id = $1", 0, leadID)
		if err != nil || len(rows) != 1 || rows[0].Visits != 1 {
			t.Fatalf("lead after the visit: %+v %v", rows, err)
		}
		id, m, err := s.activeModel(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := score(m, id, rows)[0].Score; after[leadID].Score != want {
			t.Errorf("stored score %d after the visit, the model gives %d", after[leadID].Score, want)
		}
		for _, r := range after[leadID].Reasons {
			if r.Col == "visits" && r.Text != "到店 1 次" {
				t.Errorf("visit reason %q after one visit", r.Text)
			}
		}
		t.Logf("after a store visit: %d (before %d)", after[leadID].Score, before[leadID].Score)
		// A second model, then a rollback to the first.
		v2, err := s.Train(ctx, sys, TrainInput{Activate: true, Seed: 2, Since: asOf.AddDate(-1, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		// The sweep rescores every open lead with the new model.
		if n, err := s.ScoreOpen(ctx, sys, true, nil); err != nil || n != open {
			t.Fatalf("sweep after a new model scored %d of %d: %v", n, open, err)
		}
		if err := s.Activate(ctx, salesUser, v1.ID); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("rollback by sales: %v", err)
		}
		if err := s.Activate(ctx, sys, v1.ID); err != nil {
			t.Fatal(err)
		}
		vs, err := s.Versions(ctx, sys, "lead")
		if err != nil || len(vs) != 2 || vs[0].ID != v2.ID || vs[0].Active || !vs[1].Active {
			t.Fatalf("versions after rollback: %+v %v", vs, err)
		}
		// After a rollback every open lead is stale (scored by another model).
		if n, err := s.ScoreOpen(ctx, sys, true, nil); err != nil || n != open {
			t.Fatalf("sweep after rollback scored %d of %d: %v", n, open, err)
		}
		if err := s.Activate(ctx, sys, 9999); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("activate unknown: %v", err)
		}
		if math.IsNaN(v2.AUC) {
			t.Error("NaN AUC")
		}
	})
}
