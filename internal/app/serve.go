package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/api/boapi"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/syncrun"
	"github.com/storesync/storesync/internal/web"
)

// ServeOptions tune Serve.
type ServeOptions struct {
	// AllowHTTPFrom narrows --allow-http to some client addresses (the demo: loopback only).
	AllowHTTPFrom func(remoteAddr string) bool
	// Ready is called with the server's base URL once it listens.
	Ready func(baseURL string)
}

// Handler builds the whole HTTP surface: API, dashboard, health and metrics, inside the middleware.
func (a *App) Handler(opts ServeOptions) http.Handler {
	mux := http.NewServeMux()
	api.New(mux, api.Deps{
		Accounts:      a.Accounts,
		DB:            a.DB,
		AllowHTTP:     a.Config.AllowHTTP,
		AllowHTTPFrom: opts.AllowHTTPFrom,
		Logger:        a.Logger,
		Now:           a.Now,
		Register:      a.apiModules(),
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Ready(r.Context()); err != nil {
			a.Logger.WarnContext(r.Context(), "not ready", "error", err)
			server.WriteProblem(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", a.Metrics.Handler())
	api.InboundWebhooks(mux, a.Ingest, a.Logger)
	a.registerDashboard(mux)
	return server.Wrap(mux, a.Logger, a.Metrics, a.Config.MaxBodyBytes,
		server.RouteLimit{Prefix: api.InboundWebhooksPrefix, MaxBytes: a.Ingest.MaxBodyBytes()},
		server.RouteLimit{Prefix: api.FeedUploadsPrefix, MaxBytes: syncrun.MaxUploadBytes},
		server.RouteLimit{Prefix: web.FeedUploadsPrefix, MaxBytes: syncrun.MaxUploadBytes + 1<<20}) // the form's multipart overhead
}

// apiModules lists the domains that add operations to the API.
func (a *App) apiModules() []func(huma.API) {
	return []func(huma.API){
		api.Webhooks(a.Webhooks),
		api.Stores(a.Stores),
		api.ReceivedWebhooks(a.Ingest),
		api.Connections(a.Connections),
		api.Linking(a.Linking),
		api.Reconcile(a.Reconcile),
		api.Reservations(a.Inventory),
		api.Orders(a.Orders, a.BackOfficeLinks),
		api.BackOfficeLinks(a.BackOfficeLinks),
		api.Decoration(a.Decoration),
		api.SyncRuns(a.SyncRuns),
		api.InventoryMasters(a.SyncRuns),
		api.SupplierFeeds(a.SyncRuns),
		api.SyncSchedules(a.SyncSchedules),
		func(h huma.API) { boapi.Register(h, a.BackOffice) },
	}
}

// Policy is the server's rule for plain HTTP and proxies, which the API and the dashboard share.
func (a *App) Policy(opts ServeOptions) server.Policy {
	return server.Policy{AllowHTTP: a.Config.AllowHTTP, AllowHTTPFrom: opts.AllowHTTPFrom, TrustProxy: a.Config.TrustProxy}
}

// HTTPHandler is Handler under the server's Policy: what Serve serves.
func (a *App) HTTPHandler(opts ServeOptions) http.Handler {
	return a.Policy(opts).Middleware(a.Handler(opts))
}

// Serve starts the job queue and the HTTP server, and runs until ctx ends; then it stops taking
// requests, lets those in flight finish, and lets running jobs finish, up to the shutdown timeout.
func (a *App) Serve(ctx context.Context, opts ServeOptions) error {
	cert, err := certificate(a.Config, a.Now())
	if err != nil {
		return err
	}
	srv, err := server.Listen(ctx, a.Config.Addr, a.HTTPHandler(opts), cert, a.Config.ShutdownTimeout, a.Logger)
	if err != nil {
		return err
	}
	if err := a.Jobs.Start(ctx); err != nil {
		return fmt.Errorf("starting the job queue: %w", err)
	}
	url := baseURL(srv.Addr(), cert != nil)
	a.Logger.Info("serving", "url", url, "db", a.Config.String())
	if cert == nil && !a.Config.AllowHTTP {
		a.Logger.Warn("serving plain HTTP: the API refuses requests until TLS is set (--tls-cert/--tls-key or --tls-self-signed) or --allow-http is given")
	}
	if opts.Ready != nil {
		opts.Ready(url)
	}
	serveErr := srv.Serve(ctx)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.ShutdownTimeout)
	defer cancel()
	jobsErr := a.Jobs.Stop(sctx)
	if jobsErr != nil {
		jobsErr = fmt.Errorf("stopping the job queue: %w", jobsErr)
	}
	a.Logger.Info("stopped")
	return errors.Join(serveErr, jobsErr)
}

func baseURL(addr net.Addr, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// IsLoopback reports whether a client address (HOST:PORT) is on this machine.
func IsLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (a *App) registerDashboard(mux *http.ServeMux) {
	web.Register(mux, web.Deps{Accounts: a.Accounts, Stores: a.Stores, Ingest: a.Ingest, Connections: a.Connections, Linking: a.Linking, Inventory: a.Inventory, Reconcile: a.Reconcile, Orders: a.Orders, BackOfficeLinks: a.BackOfficeLinks, BackOffice: a.BackOffice, Decoration: a.Decoration, SyncRuns: a.SyncRuns, SyncSchedules: a.SyncSchedules, Logger: a.Logger,
		Transport: server.RequestPolicy{Fallback: a.Policy(ServeOptions{})}, Problem: server.WriteProblem})
}
