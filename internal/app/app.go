// Package app wires configuration, database, services and the HTTP layers
// into one server. Run and Close are used by the binary and by end-to-end
// tests alike.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/api"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/content"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/report"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/web"
)

// App is a configured server.
type App struct {
	Config   *config.Config
	DB       *db.DB
	Logger   *slog.Logger
	Accounts *account.Service
	Booking  *booking.Service
	Jobs     *jobs.Service // workers started by New when Config.Worker
	Handler  http.Handler
	table    []httpx.Route
}

// New opens the database, migrates it (unless disabled) and refuses a stale
// schema, loads the demo data when asked, builds the handler and, when
// cfg.Worker, starts the background-job workers (Close stops them).
func New(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*App, error) {
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, logger, d)
	if err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg *config.Config, logger *slog.Logger, d *db.DB) (*App, error) {
	if cfg.Migrate || cfg.Demo {
		if err := d.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	if err := d.CheckSchema(ctx); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, DB: d, Logger: logger,
		Accounts: account.NewService(d, cfg.Now),
		Booking:  booking.NewService(d, cfg.Now),
	}
	if cfg.Demo {
		if err := LoadDemo(ctx, d, logger); err != nil {
			return nil, fmt.Errorf("demo data: %w", err)
		}
	}
	w, err := web.New(web.Deps{
		Accounts: a.Accounts, Sites: site.NewService(d), Vehicles: vehicle.NewService(d), Booking: a.Booking,
		Content: content.NewService(d, cfg.Now), Reports: report.NewService(d, cfg.Now), Logger: logger, TrustProxy: cfg.TrustProxy, Demo: cfg.Demo,
	})
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	j := api.New(api.Deps{Accounts: a.Accounts, Sites: site.NewService(d), Vehicles: vehicle.NewService(d), Booking: a.Booking,
		Logger: logger, TrustProxy: cfg.TrustProxy})
	a.Handler = a.routes(w, j)
	if a.Jobs, err = newJobs(cfg, logger, d, a.Accounts); err != nil {
		return nil, err
	}
	if cfg.Worker {
		if err := a.Jobs.Start(ctx); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Run serves on ln until ctx is cancelled, then shuts down gracefully,
// letting requests in flight finish (at most 15 s).
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close stops the job workers (waiting up to 10 s for running jobs) and
// releases the database.
func (a *App) Close() error {
	return errors.Join(a.stopJobs(), a.DB.Close())
}
