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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nevcrm/nevcrm/internal/account"
	"github.com/nevcrm/nevcrm/internal/assistant"
	"github.com/nevcrm/nevcrm/internal/booking"
	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/community"
	"github.com/nevcrm/nevcrm/internal/config"
	"github.com/nevcrm/nevcrm/internal/content"
	"github.com/nevcrm/nevcrm/internal/customer"
	"github.com/nevcrm/nevcrm/internal/datagen"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/inventory"
	"github.com/nevcrm/nevcrm/internal/jobs"
	"github.com/nevcrm/nevcrm/internal/leadscore"
	"github.com/nevcrm/nevcrm/internal/llm"
	"github.com/nevcrm/nevcrm/internal/notify"
	"github.com/nevcrm/nevcrm/internal/privacy"
	"github.com/nevcrm/nevcrm/internal/report"
	"github.com/nevcrm/nevcrm/internal/sales"
	"github.com/nevcrm/nevcrm/internal/site"
	"github.com/nevcrm/nevcrm/internal/support"
	"github.com/nevcrm/nevcrm/internal/telemetry"
	"github.com/nevcrm/nevcrm/internal/vehicle"
	"github.com/nevcrm/nevcrm/internal/workorder"
)

// Services are the domain services, built once per process and shared by
// the web and API handlers, the command line and background jobs.
type Services struct {
	Accounts  *account.Service
	Customers *customer.Service
	Sites     *site.Service
	Vehicles  *vehicle.Service
	Booking   *booking.Service
	Content   *content.Service
	Reports   *report.Service
	// Customer360 reads a customer's vehicles and timeline across areas.
	Customer360 *report.Customer360
	Notify      *notify.Service
	Sales       *sales.Service // the sales pipeline: leads, opportunities, orders, test drives
	Jobs        *jobs.Service  // the job queue; workers run only when started
	Inventory   *inventory.Service
	WorkOrders  *workorder.Service
	Community   *community.Service // the owners' community (车友圈)
	Campaigns   *campaign.Service  // marketing campaigns; publishing runs as a job
	Support     *support.Service   // knowledge base, support tickets, feedback
	Assistant   *assistant.Service // the owners' smart customer service
	Privacy     *privacy.Service   // the owners' privacy center: export and deletion requests
	// LeadScores trains the lead models and scores leads (rescoring a lead
	// when the sales service reports a change).
	LeadScores *leadscore.Service
}

// NewServices builds every service on d with cfg's clock (nil: time.Now)
// and the job queue with every kind of job registered (workers are not
// started: see jobs.Service.Start).
func NewServices(d *db.DB, cfg *config.Config, logger *slog.Logger) (*Services, error) {
	now := cfg.Now
	s := &Services{
		Accounts:  account.NewService(d, now),
		Customers: customer.NewService(d, now),
		Sites:     site.NewService(d),
		Vehicles:  vehicle.NewService(d),
		Booking:   booking.NewService(d, now),
		Content:   content.NewService(d, now),
		Reports:   report.NewService(d, now),
		Notify:    notify.NewService(d, now),
		Inventory: inventory.NewService(d, now),
	}
	s.Customer360 = report.NewCustomer360(d, s.Customers)
	s.Sales = sales.NewService(d, now, s.Accounts.HashBuyerPassword)
	s.WorkOrders = workorder.NewService(d, s.Booking, now)
	s.Community = community.NewService(d, s.Vehicles, now)
	// A repair appointment is completed only once its work order is.
	s.Booking.BeforeComplete(workorder.CheckAppointment)
	// Deliveries print a bind code; a car that changes hands loses its
	// previous owner's open appointments.
	s.Vehicles.SetClock(now)
	s.Sales.SetBindCodeIssuer(s.Vehicles.IssueBindCode)
	s.Vehicles.OnTransfer(booking.CancelForTransfer)
	// An approved deletion request anonymises each area's part, in one transaction.
	s.Privacy = privacy.NewService(d, now)
	s.Privacy.OnErase("booking", booking.CancelForErase)
	s.Privacy.OnErase("customer", customer.Erase)
	s.Privacy.OnErase("account", account.EraseOwner)
	s.Privacy.OnErase("notify", notify.EraseUser)
	s.Privacy.OnErase("community", community.Erase)
	s.Privacy.OnErase("leadscore", leadscore.Erase)
	s.Privacy.OnErase("assistant", assistant.Erase)
	s.Privacy.OnErase("support", support.Erase)
	privacySections.Do(func() {
		privacy.AddSection(privacy.Section{Name: "assistant_messages", Title: "智能客服对话",
			Columns: []privacy.Column{{Key: "conversation_id", Title: "会话号"}, {Key: "sender", Title: "发送方"}, {Key: "body", Title: "内容"}, {Key: "created_at", Title: "时间"}},
			Query: `SELECT m.conversation_id, m.sender, m.body, m.created_at FROM assistant_messages m JOIN assistant_conversations c ON c.id = m.conversation_id
				WHERE c.customer_id = $1 ORDER BY m.created_at, m.id`})
		privacy.AddSection(privacy.Section{Name: "support_tickets", Title: "客服工单",
			Columns: []privacy.Column{{Key: "id", Title: "工单号"}, {Key: "category", Title: "分类"}, {Key: "subject", Title: "主题"}, {Key: "status", Title: "状态"},
				{Key: "created_at", Title: "创建时间"}, {Key: "resolved_at", Title: "解决时间"}},
			Query: `SELECT id, category, subject, status, created_at, resolved_at FROM support_tickets WHERE customer_id = $1 ORDER BY created_at, id`})
		privacy.AddSection(privacy.Section{Name: "feedback", Title: "评价、投诉与建议",
			Columns: []privacy.Column{{Key: "kind", Title: "类型"}, {Key: "category", Title: "分类"}, {Key: "rating", Title: "评分"}, {Key: "comment", Title: "内容"}, {Key: "created_at", Title: "时间"}},
			Query:   `SELECT kind, category, COALESCE(rating, 0), comment, created_at FROM feedback WHERE customer_id = $1 ORDER BY created_at, id`})
	})
	// Parts lines are issued from and returned to the center's stock in the work order's transaction.
	s.WorkOrders.UseStock(s.Inventory)
	s.Campaigns = campaign.NewService(d, now, s.Accounts, s.Sales, s.WorkOrders)
	s.WorkOrders.OnCancel(s.Campaigns.ReturnCouponTx)
	s.Sales.OnOrder(s.Campaigns.OrderPlacedTx)
	// A merge of two customer records moves each area's records in its
	// transaction, through the package that owns them.
	s.Customers.OnMerge([]string{"users"}, account.MergeCustomer)
	s.Customers.OnMerge([]string{"vehicles", "charging_sessions", "vehicle_ownerships"}, vehicle.MergeCustomer)
	s.Customers.OnMerge([]string{"appointments", "battery_swaps"}, booking.MergeCustomer)
	s.Customers.OnMerge([]string{"leads", "opportunities", "test_drives", "vehicle_orders", "follow_ups"}, sales.MergeCustomer)
	s.Customers.OnMerge([]string{"work_orders", "work_order_ratings"}, workorder.MergeCustomer)
	s.Customers.OnMerge([]string{"privacy_requests"}, privacy.MergeCustomer)
	s.Customers.OnMerge(campaign.MergeTables, campaign.MergeCustomer)
	s.Customers.OnMerge([]string{"support_tickets", "feedback"}, support.MergeCustomer)
	s.Customers.OnMerge([]string{"assistant_conversations"}, assistant.MergeCustomer)
	s.Customers.OnMerge([]string{"posts", "comments", "post_likes", "post_favorites", "community_profiles", "community_mutes"}, community.MergeCustomer)
	s.Support = support.NewService(d, now)
	var err error
	s.Assistant, err = assistant.NewService(d, now, assistant.Deps{Support: s.Support, Booking: s.Booking, Vehicles: s.Vehicles,
		Sites: s.Sites, WorkOrders: s.WorkOrders, Customers: s.Customers})
	if err != nil {
		return nil, err
	}
	// The assistant lists the campaigns the owner can join.
	s.Assistant.Campaigns = ownerCampaigns(s.Campaigns)
	// The optional model that phrases the assistant's answers.
	env := map[string]string{"NEVCRM_LLM_URL": cfg.LLMURL, "NEVCRM_LLM_MODEL": cfg.LLMModel, "NEVCRM_LLM_KEY": cfg.LLMKey}
	if lc, ok, err := llm.FromEnv(func(k string) string { return env[k] }); err != nil {
		return nil, err
	} else if ok {
		s.Assistant.Writer = assistant.LLMWriter{Client: llm.New(lc)}
	}
	s.Jobs, err = newJobs(cfg, logger, d, s)
	if err != nil {
		return s, err
	}
	s.LeadScores = leadscore.NewService(d, s.Sales, s.Jobs, now)
	s.Customers.OnMerge([]string{"owner_scores"}, leadscore.MergeCustomer)
	rescore := s.LeadScores.ChangeListener(logger.Warn)
	s.Sales.OnLeadChange(func(ctx context.Context, leadID int64) {
		rescore(ctx, leadID)
		if err := s.Campaigns.LeadChanged(ctx, leadID); err != nil {
			logger.Warn("campaign effect cache", "lead", leadID, "err", err)
		}
	})
	registerLeadJobs(s.Jobs, s.LeadScores)
	return s, nil
}

// privacySections adds the assistant's and support's parts of the privacy
// export once per process (the list is global to package privacy).
var privacySections sync.Once

// App is a configured server.
type App struct {
	Config *config.Config
	DB     *db.DB
	Logger *slog.Logger
	*Services
	Handler http.Handler
	// Metrics is the server's Prometheus registry and HTTP instruments
	// (see MetricsHandler and SetQueueDepth).
	Metrics *telemetry.Metrics
	table   []httpx.Route
}

// New opens the database, migrates it (unless disabled), refuses a stale
// schema and an unfinished data generation (ErrIncompleteData), turns on demo
// logins and loads the demo data when asked, builds the handler and, when
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
	if err := checkGeneration(ctx, d); err != nil {
		return nil, err
	}
	s, err := NewServices(d, cfg, logger)
	if err != nil {
		return nil, err
	}
	// Posts loaded without search entries or hot scores get them.
	if res, err := community.Backfill(ctx, d); err != nil {
		return nil, fmt.Errorf("community backfill: %w", err)
	} else if res.Indexed+res.Scored > 0 {
		logger.Info("community backfill", "indexed", res.Indexed, "scored", res.Scored)
	}
	a := &App{Config: cfg, DB: d, Logger: logger, Services: s,
		Metrics: telemetry.New(telemetry.Options{DB: d.DB, Logger: logger})}
	a.SetQueueDepth(s.Jobs.QueueDepth)
	if cfg.Demo {
		// Demo mode: accounts marked account.DemoHash log in with DemoPassword.
		if err := a.Accounts.SetDemoPassword(DemoPassword); err != nil {
			return nil, err
		}
		if err := LoadDemo(ctx, d, a.Services, logger); err != nil {
			return nil, fmt.Errorf("demo data: %w", err)
		}
	}
	// The default operations catalogue and part categories, into empty tables.
	if err := workorder.EnsureDefaults(ctx, d); err != nil {
		return nil, fmt.Errorf("work-order defaults: %w", err)
	}
	// The starting knowledge base, into an empty one.
	if err := support.EnsureDefaults(ctx, d, s.Support.Now()); err != nil {
		return nil, fmt.Errorf("knowledge-base defaults: %w", err)
	}
	h, err := a.routes()
	if err != nil {
		return nil, err
	}
	a.Handler = h
	if cfg.Worker {
		if err := a.Jobs.Start(ctx); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// ErrIncompleteData is returned by New for a database whose data generation
// did not complete (datagen_status is "running": the run was interrupted, or
// is still going on): such a database lacks rows, indexes and constraints.
var ErrIncompleteData = errors.New("refusing to serve: the data generation in this database did not complete")

// checkGeneration refuses a database with an unfinished data generation, with
// or without --demo. A database no generator touched (real data) passes.
func checkGeneration(ctx context.Context, d *db.DB) error {
	status, err := datagen.Status(ctx, d)
	if err != nil {
		return fmt.Errorf("read the data generation status: %w", err)
	}
	if status != "" && !strings.HasPrefix(status, "complete") {
		return incomplete(status)
	}
	return nil
}

// incomplete is ErrIncompleteData with the status found and what to do.
func incomplete(status string) error {
	return fmt.Errorf("%w (datagen_status=%s): it was interrupted or is still running; "+
		"delete the database (or drop and recreate the PostgreSQL database) and run nevcrm generate again", ErrIncompleteData, status)
}

// Run serves on ln until ctx is cancelled, then shuts down gracefully,
// letting requests in flight finish (at most 15 s).
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	return a.serve(ctx, ln, a.Handler)
}

// MetricsHandler is what the metrics listener (--metrics-addr) serves:
// GET /metrics in the Prometheus text format (with the bearer token when
// NEVCRM_METRICS_TOKEN is set) and 404 for anything else.
func (a *App) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler(a.Config.MetricsToken))
	return mux
}

// RunMetrics serves MetricsHandler on ln until ctx is cancelled, like Run.
func (a *App) RunMetrics(ctx context.Context, ln net.Listener) error {
	return a.serve(ctx, ln, a.MetricsHandler())
}

// SetQueueDepth makes f the source of the job-queue depth gauge
// (nevcrm_job_queue_depth{queue}), read at each scrape. The job queue
// registers it when it starts; until then the gauge is absent.
func (a *App) SetQueueDepth(f telemetry.QueueDepthFunc) { a.Metrics.SetQueueDepth(f) }

func (a *App) serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
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

// ownerCampaigns is the assistant's view of the campaigns an owner can
// join now (campaign.Service.OwnerCampaigns), dates in Asia/Shanghai.
func ownerCampaigns(c *campaign.Service) func(context.Context, *identity.User) ([]assistant.CampaignInfo, error) {
	return func(ctx context.Context, actor *identity.User) ([]assistant.CampaignInfo, error) {
		current, _, err := c.OwnerCampaigns(ctx, actor)
		if err != nil {
			return nil, err
		}
		out := make([]assistant.CampaignInfo, 0, len(current))
		for _, it := range current {
			from, to := it.StartsAt.In(site.Shanghai), it.EndsAt.In(site.Shanghai)
			out = append(out, assistant.CampaignInfo{Title: it.Name, Joined: it.Mine != nil,
				When: fmt.Sprintf("%d月%d日-%d月%d日", from.Month(), from.Day(), to.Month(), to.Day()),
				URL:  "/owner/campaigns/" + strconv.FormatInt(it.ID, 10)})
		}
		return out, nil
	}
}
