package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nevcrm/nevcrm/internal/app"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/leadscore"
)

const leadsUsage = `用法:
  nevcrm leads import-history --file F.csv --outcome 列名 [--id 列名] [--exclude 列1,列2] [--db ...]
  nevcrm leads train [--source crm|history] [--cv 5] [--history ID] [--no-activate] [--db ...]
  nevcrm leads score [--stale] [--owners] [--db ...]`

// leads implements `nevcrm leads ...`: history import, training and
// scoring, as the system actor.
func leads(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, leadsUsage)
		return errors.New("missing leads command")
	}
	fs, dsn := dataFlags("leads " + args[0])
	fs.SetOutput(stderr)
	var run func(svc *app.Services) error
	switch args[0] {
	case "import-history":
		file := fs.String("file", "", "CSV export of closed leads (UTF-8, header row)")
		outcome := fs.String("outcome", "", "outcome column (1/0, yes/no, 是/否, converted/lost)")
		id := fs.String("id", "", "id column (optional)")
		exclude := fs.String("exclude", "", "columns to leave out, comma separated (filled after the outcome)")
		run = func(svc *app.Services) error {
			if *file == "" || *outcome == "" {
				return errors.New("--file and --outcome are required")
			}
			f, err := os.Open(*file)
			if err != nil {
				return err
			}
			defer f.Close()
			var ex []string
			for _, e := range strings.Split(*exclude, ",") {
				if e = strings.TrimSpace(e); e != "" {
					ex = append(ex, e)
				}
			}
			im, err := svc.LeadScores.ImportHistory(ctx, identity.System(), f, leadscore.HistoryInput{FileName: *file, Outcome: *outcome, IDCol: *id, Exclude: ex})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "import=%d rows=%d converted=%d skipped=%d seconds=%.2f\n", im.ID, im.Rows, im.Positive, im.Skipped, im.Seconds)
			for _, c := range im.Columns {
				use := "used"
				if !c.Used {
					use = "not used: " + c.Why
				}
				fmt.Fprintf(stdout, "  %-24s %-6s filled=%d levels=%d %s\n", c.Name, c.KindLabel(), c.Fill, c.Level, use)
			}
			return nil
		}
	case "train":
		source := fs.String("source", "crm", "crm (this system's closed leads, time split) or history (the imported history, k-fold CV)")
		cv := fs.Int("cv", 5, "folds of the cross-validation for --source history")
		hist := fs.Int64("history", 0, "history import id (default: the latest)")
		noActivate := fs.Bool("no-activate", false, "keep the current model active")
		run = func(svc *app.Services) error {
			v, err := svc.LeadScores.Train(ctx, identity.System(), leadscore.TrainInput{Source: *source, Folds: *cv, HistoryID: *hist,
				Activate: !*noActivate, Progress: func(step string) { fmt.Fprintln(stderr, step) }})
			if err != nil {
				return err
			}
			r := v.Report
			for _, f := range r.Families {
				fmt.Fprintf(stdout, "family=%s auc=%.4f seconds=%.2f\n", f.Family, f.AUC, f.Seconds)
			}
			fmt.Fprintf(stdout, "model=%d chosen=%s rows=%d converted=%d top_decile_precision=%.4f lift=%.2f split=%s active=%t\n",
				v.ID, v.Family, v.NTrain, v.NPos, r.Valid.TopPrecision, r.Valid.Lift, r.Split, v.Active)
			if v.Active && v.Target == "lead" {
				start := time.Now()
				n, err := svc.LeadScores.ScoreOpen(ctx, identity.System(), false, nil)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "scored=%d seconds=%.2f\n", n, time.Since(start).Seconds())
			}
			fmt.Fprintf(stdout, "best_auc=%.4f\n", v.AUC)
			return nil
		}
	case "score":
		stale := fs.Bool("stale", false, "only leads changed since their last score")
		owners := fs.Bool("owners", false, "also evaluate churn on history and score every owner (referral, second car, churn)")
		run = func(svc *app.Services) error {
			start := time.Now()
			n, err := svc.LeadScores.ScoreOpen(ctx, identity.System(), *stale, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "scored=%d seconds=%.2f\n", n, time.Since(start).Seconds())
			if !*owners {
				return nil
			}
			start = time.Now()
			v, ev, err := svc.LeadScores.TrainChurn(ctx, identity.System(), leadscore.ChurnHorizon)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "churn_owners=%d churned=%d scorecard_auc=%.4f", ev.Owners, ev.Churned, ev.Scorecard)
			for _, f := range ev.Report.Families {
				fmt.Fprintf(stdout, " %s_auc=%.4f", f.Family, f.AUC)
			}
			fmt.Fprintf(stdout, " model_active=%t seconds=%.2f\n", v.Active, time.Since(start).Seconds())
			start = time.Now()
			m, err := svc.LeadScores.ScoreOwners(ctx, identity.System(), nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "owners_scored=%d seconds=%.2f\n", m, time.Since(start).Seconds())
			return nil
		}
	default:
		fmt.Fprintln(stderr, leadsUsage)
		return fmt.Errorf("unknown leads command %q", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	d, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	svc, err := app.NewServices(d, &config.Config{}, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	return run(svc)
}
