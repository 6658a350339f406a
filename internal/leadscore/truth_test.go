package leadscore

import (
	"context"
	"os"
	"time"

	"github.com/nevcrm/nevcrm/internal/identity"
	"testing"

	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
)

// truthProb is the generator's true conversion probability of lead r.
func truthProb(r *leadRow) float64 {
	f := datagen.LeadFeatures{Source: r.Source, TestDrive: r.TestDrive, StoreVisits: r.Visits, Tier1City: datagen.Tier1City(r.City),
		Campaign: r.Campaign, ResponseMinutes: max(r.RespMins, 0)}
	if r.BudgetFen > 0 && r.PriceFen > 0 {
		f.BudgetRatio = float64(r.BudgetFen) / float64(r.PriceFen)
	}
	return datagen.ConversionProbability(f)
}

func TestExperimentOnFile(t *testing.T) {
	path := os.Getenv("LS_DB")
	if path == "" {
		t.Skip("LS_DB not set")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := readLeads(ctx, d, "l.status IN ('converted', 'lost')", 0)
	if err != nil {
		t.Fatal(err)
	}
	f := leadFrame(rows)
	var truthAUC float64
	m, rep, err := Train(f, TrainOptions{Seed: 1}, func(idx []int, pred []float64) {
		tp := make([]float64, len(idx))
		y := make([]float64, len(idx))
		for k, i := range idx {
			tp[k] = truthProb(rows[i])
			y[k] = f.Y[i]
		}
		truthAUC = AUC(tp, y)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rows %d pos %d truth %.4f", f.Len(), rep.NPos, truthAUC)
	for _, fr := range rep.Families {
		t.Logf("%s auc %.4f in %.2fs", fr.Family, fr.AUC, fr.Seconds)
	}
	t.Logf("best %s lift %.2f top %.3f base %.3f cal %+v", rep.Best, rep.Valid.Lift, rep.Valid.TopPrecision, rep.Valid.BaseRate, rep.Valid.Calibration)
	_ = m
}

func TestExperimentOwnersOnFile(t *testing.T) {
	path := os.Getenv("LS_DB")
	if path == "" {
		t.Skip("LS_DB not set")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := NewService(d, nil, nil, func() time.Time { return asOf })
	ev, err := s.EvaluateChurn(ctx, identity.System(), 180*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("owners %d churned %d scorecard %.4f", ev.Owners, ev.Churned, ev.Scorecard)
	for _, fr := range ev.Report.Families {
		t.Logf("%s %.4f", fr.Family, fr.AUC)
	}
	start := time.Now()
	n, err := s.ScoreOwners(ctx, identity.System(), nil)
	t.Logf("scored %d owners in %s: %v", n, time.Since(start), err)
}
