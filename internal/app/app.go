// Package app is storesync's composition root: it turns a Config into an open database, the
// services of every domain, the job queue and the HTTP handler, in one place, with no globals.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/bolink"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/fulfilment"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/linking"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/reconcile"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/syncrun"
	"github.com/storesync/storesync/internal/syncsched"
	"github.com/storesync/storesync/internal/webhook"
)

// App is a running storesync: database, services and job queue.
type App struct {
	Config      config.Config
	Logger      *slog.Logger
	DB          *database.DB
	Accounts    *account.Service
	Jobs        *jobs.Client
	Webhooks    *webhook.Service
	BackOffice  *backoffice.Service
	Stores      *store.Service
	Ingest      *ingest.Service
	Connections *connection.Service
	Linking     *linking.Service
	Follow      *linking.Follower // source product changes carried to destinations
	Links       *catalog.LinkStore
	Inventory   *inventory.Service
	Reconcile   *reconcile.Service // reconciliation runs: what webhooks missed, found and fixed
	Orders      *orders.Service    // destination orders, their eligibility per source
	Fulfilment  *fulfilment.Service
	// BackOfficeLinks are the stores' back-office links: their orders made jobs with sales orders.
	BackOfficeLinks *bolink.Service
	Decoration      *decoration.Service // stores' logos and products' decoration, for their orders' sales order lines
	// SyncRuns run the sync cycle: orders in, orders to the back office, data in, data out.
	SyncRuns *syncrun.Service
	// SyncSchedules start runs on their slots (each account has a daily one by default).
	SyncSchedules *syncsched.Service
	Metrics       *server.Metrics
	Now           func() time.Time
	// Targets guards every outgoing connection (stores, webhook endpoints); the simulators the
	// app starts itself are allowed on it by address.
	Targets *httpclient.Guard

	workers *river.Workers
}

// Options change how Open builds the App.
type Options struct {
	// Work makes the job queue work jobs (serve, demo); otherwise it only inserts them (CLI commands
	// that run beside a server).
	Work bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewLogger makes the process's logger: text on a terminal, JSON otherwise, unless format says.
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// Open connects to the database, brings its schema up to date, and builds every service.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger, opts Options) (*App, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	db, err := database.Open(ctx, database.Options{URL: cfg.DB, Logger: logger})
	if err != nil {
		return nil, err
	}
	// Before anything is migrated: PostgreSQL without a key refuses to start.
	key, err := secretKey(cfg, logger)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	box := secret.NewBox(key)
	res, err := db.Migrate(ctx)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	// Secrets kept in plain text (before encryption existed) are sealed now; a secret sealed
	// with another key stops the start here, naming that key.
	if n, err := resealAll(ctx, db, box); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("encrypting the secrets in the database with key %s: %w", key.ID(), err)
	} else if n > 0 {
		logger.Info("encrypted secrets kept in plain text", "count", n, "key_id", key.ID())
		if err := forgetFreedPages(ctx, db); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	if len(res.Applied) > 0 || len(res.RiverApplied) > 0 {
		logger.Info("database migrated", "db", database.Redact(cfg.DB), "version", res.Version,
			"applied", strings.Join(res.Applied, ","), "job_queue_versions", fmt.Sprint(res.RiverApplied))
	}
	a := &App{Config: cfg, Logger: logger, DB: db, Now: opts.Now, Metrics: server.NewMetrics(),
		Targets: &httpclient.Guard{AllowPrivate: cfg.AllowPrivateTargets}}
	if cfg.CAFile != "" {
		pool, err := trustedCAs(cfg.CAFile)
		if err != nil {
			_ = db.Close()
			return nil, err
		}
		a.Targets.RootCAs = pool
	}
	if opts.Work {
		a.workers = river.NewWorkers()
	}
	a.Jobs, err = jobs.New(db, a.workers, jobs.Config{
		MaxWorkers:           cfg.Workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobRescueAfter,
		Logger:               logger,
		PeriodicJobs:         periodicJobs(opts.Work),
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("starting the job queue: %w", err)
	}
	// The workers bundle is read when the queue starts, so domains add their workers now.
	a.Webhooks = webhook.NewService(db, a.Jobs, a.Targets.Client(httpclient.ClientOptions{Timeout: 15 * time.Second}), opts.Now, logger).
		WithSealer(box).WithTargetCheck(a.Targets.CheckURL)
	a.Accounts = account.NewService(db, opts.Now).WithEvents(a.Webhooks)
	a.BackOffice = backoffice.NewService(db, opts.Now)
	a.Stores = store.NewService(db, newPlatforms(logger, opts.Now, a.Targets), box, opts.Now)
	a.Decoration = decoration.NewService(db, opts.Now)
	a.Connections = connection.NewService(db, a.Stores, a.Webhooks, opts.Now)
	a.Linking = linking.NewService(linking.Config{DB: db, Connections: a.Connections, Stores: a.Stores, Jobs: a.Jobs, Now: opts.Now, Logger: logger})
	a.Connections.OnTransit(a.Linking.OnTransit) // a disconnect's product work, decided in its transaction
	// A store still a side of a syncing connection is not deleted: the connection would end silently.
	a.Stores.GuardDelete(func(ctx context.Context, tx database.Tx, p store.DeleteParams) error {
		return a.Connections.RefuseStoreDelete(ctx, tx, p.AccountID, p.ID)
	})
	a.Follow = linking.NewFollower(a.Linking, linking.FollowConfig{})
	a.Ingest = ingest.NewService(db, a.Jobs, a.Stores, ingest.Config{PublicURL: cfg.PublicURL,
		MaxBodyBytes: cfg.WebhookMaxBodyBytes, Retention: cfg.Retention, Now: opts.Now, Logger: logger})
	// Saving or verifying a store subscribes its webhooks, in the saving transaction.
	a.Stores.OnSaved(a.Ingest.SubscribeTx)
	a.Links = a.Linking.Links()
	a.Inventory = inventory.NewService(db, a.Jobs, a.Stores, a.Connections, a.Links,
		inventory.Config{Now: opts.Now, Logger: logger})
	// A change of the inventory rule (settings, a link's buffer, syncing again) decides the
	// quantities again in its transaction; items just linked get their source levels read.
	a.Connections.OnTransit(a.Inventory.OnTransit)
	a.Connections.OnSettings(a.Inventory.OnSettings)
	a.Linking.OnLinkBuffer(a.Inventory.RedecideLink)
	a.Links.OnLinked(a.Inventory.OnLinked)
	// A processed webhook reaches the domains in the transaction that marks it processed.
	a.Ingest.OnEvent(a.Inventory.OnEvent)
	a.Reconcile = reconcile.NewService(reconcile.Config{DB: db, Jobs: a.Jobs, Connections: a.Connections, Stores: a.Stores,
		Links: a.Links, Inventory: a.Inventory, Follower: a.Follow, Announcer: a.Follow,
		AttemptBudget: cfg.JobTimeout / 3, StreamTimeout: max(cfg.JobTimeout, cfg.JobRescueAfter-cfg.JobTimeout),
		Now: opts.Now, Logger: logger})
	a.Ingest.OnEvent(func(ctx context.Context, tx database.Tx, p ingest.EventParams) error {
		return a.Follow.OnSourceEvent(ctx, tx, p.Store, p.Event)
	})
	a.BackOfficeLinks = bolink.NewService(db, a.Jobs, a.Stores, backOffices{builtIn: a.BackOffice, guard: a.Targets}, box,
		bolink.Config{Now: opts.Now, Logger: logger, Decorations: lineDecorations{},
			Rewind: func(ctx context.Context, tx database.Tx, storeID int64, since time.Time) error { // a.Orders is made next
				return a.Orders.Rewind(ctx, tx, storeID, since)
			}})
	a.Orders = orders.NewService(db, a.Jobs, a.Stores, orders.Config{Now: opts.Now, Logger: logger, Reservations: orderReservations{a.Inventory},
		Keeper: a.BackOfficeLinks, OnKept: a.BackOfficeLinks.OnKept, // a store's orders into its back office
		OnPolled: func(ctx context.Context, tx database.Tx, st store.Store, o platform.Order) error { // reserve what a dropped webhook did not
			return a.Inventory.OrderChanged(ctx, tx, inventory.OrderChangedParams{AccountID: st.AccountID, StoreID: st.ID, OrderID: o.ID, Order: &o, UpdatedAt: o.UpdatedAt})
		}})
	a.Ingest.OnEvent(func(ctx context.Context, tx database.Tx, p ingest.EventParams) error {
		return a.Orders.OnEvent(ctx, tx, p.Store, p.Event)
	})
	a.Connections.OnTransit(func(ctx context.Context, tx database.Tx, c connection.Connection, _ connection.Action) error {
		return a.Orders.Redecide(ctx, tx, c.Destination.ID, c.ID) // reasons follow the connection's state
	})
	// A source's fulfilments of pushed orders flow back to the destination orders.
	a.Fulfilment = fulfilment.NewService(db, a.Jobs, a.Stores, fulfilment.Config{Now: opts.Now, Logger: logger,
		OnApplied: a.Orders.RequestRefresh}) // the destination order is read again once it got a fulfilment
	a.Orders.ShowFulfillments(a.Fulfilment)
	// The same poll finds source orders cancelled while their webhook was lost.
	a.Fulfilment.OnSourceOrder(func(ctx context.Context, tx database.Tx, p fulfilment.SourceOrderParams) error {
		return a.Orders.SourceOrderChanged(ctx, tx, p.Source, p.Order)
	})
	a.Ingest.OnEvent(func(ctx context.Context, tx database.Tx, p ingest.EventParams) error {
		return a.Fulfilment.OnEvent(ctx, tx, p.Store, p.Event)
	})
	a.Links.OnLinked(func(ctx context.Context, tx database.Tx, l catalog.Linked) error {
		return a.Orders.OnLinked(ctx, tx, l.ConnectionID, l.DestinationVariantIDs) // kept orders' lines now linked
	})
	stock := backOfficeStock{bo: a.BackOffice}
	a.SyncRuns = syncrun.NewService(syncrun.Config{DB: db, Jobs: a.Jobs, Logger: logger, Now: opts.Now, Sealer: box,
		FeedClient: a.Targets.Client(httpclient.ClientOptions{Timeout: 5 * time.Minute}), FeedURLCheck: a.Targets.CheckURL,
		// Just under the rescue delay: a run whose process died goes on after that long.
		SliceTimeout: max(cfg.JobTimeout, cfg.JobRescueAfter-time.Second)})
	a.SyncRuns.UseSteps(map[int]syncrun.Step{
		syncrun.StepOrdersIn:  syncrun.OrdersIn{DB: db, Orders: a.Orders},
		syncrun.StepOrdersOut: syncrun.OrdersOut{DB: db, Stock: stock},
		syncrun.StepDataIn:    syncrun.DataIn{Service: a.SyncRuns, Items: stock},
		syncrun.StepDataOut:   syncrun.DataOut{DB: db, Stores: a.Stores, Stock: stock, External: a.BackOfficeLinks},
	})
	a.SyncSchedules = syncsched.NewService(db, scheduledRuns{a.SyncRuns}, syncsched.Config{Now: opts.Now, Logger: logger})
	if a.workers != nil {
		a.SyncRuns.AddWorkers(a.workers)
		a.SyncSchedules.AddWorkers(a.workers)
		a.Webhooks.AddWorkers(a.workers)
		a.Ingest.AddWorkers(a.workers)
		a.Linking.AddWorkers(a.workers)
		a.Follow.AddWorkers(a.workers)
		a.Inventory.AddWorkers(a.workers)
		a.Reconcile.AddWorkers(a.workers)
		a.Orders.AddWorkers(a.workers)
		a.Fulfilment.AddWorkers(a.workers)
		a.BackOfficeLinks.AddWorkers(a.workers)
		webhook.NewPruner(db, cfg.Retention, opts.Now, logger).AddWorker(a.workers)
	}
	_ = a.Metrics.Register(server.NewGaugeFunc("storesync_jobs", "Durable jobs in the queue, by state.", "state", a.Jobs.CountByState))
	return a, nil
}

// periodicJobs are the jobs the leader enqueues on schedule: only a process that works jobs has them.
func periodicJobs(work bool) []*river.PeriodicJob {
	if !work {
		return nil
	}
	return []*river.PeriodicJob{ingest.PeriodicPrune(), webhook.PeriodicPrune(), reconcile.PeriodicSchedule(), orders.PeriodicPoll(),
		fulfilment.PeriodicPoll(), syncsched.PeriodicTick()}
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Ready reports whether the database and the job queue answer, for /readyz.
func (a *App) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return errors.Join(a.DB.Ping(ctx), a.Jobs.Ping(ctx))
}

// SeedDemo fills the demo account with sample data from every domain. Safe to run on every start.
func (a *App) SeedDemo(ctx context.Context, accountID int64) error {
	if err := backoffice.SeedDemo(ctx, a.DB, accountID, a.Now); err != nil {
		return fmt.Errorf("seeding the back office: %w", err)
	}
	return nil
}

// orderReservations gives the order push the inventory's reservations (internal/orders does not
// import internal/inventory).
type orderReservations struct{ inv *inventory.Service }

func (r orderReservations) MarkPushed(ctx context.Context, tx database.Tx, p orders.ReservedLines) error {
	_, err := r.inv.MarkPushed(ctx, tx, inventory.MarkPushedParams{AccountID: p.AccountID, DestinationStoreID: p.DestinationStoreID,
		OrderID: p.OrderID, LineIDs: p.LineIDs, At: p.At})
	return err
}

func (r orderReservations) Release(ctx context.Context, tx database.Tx, p orders.ReservedLines) error {
	_, err := r.inv.Release(ctx, tx, inventory.ReleaseParams{AccountID: p.AccountID, DestinationStoreID: p.DestinationStoreID,
		OrderID: p.OrderID, LineIDs: p.LineIDs, Reason: p.Reason})
	return err
}
