// Package web is the dashboard: server-rendered pages for people, behind an email and password
// login, with the session in a Secure, HttpOnly, SameSite cookie and cross-origin form posts refused.
// Every form posts, then redirects to a page (post-redirect-get), so a refresh never repeats an
// action; what the action did is shown once on that page, from the session's flash.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/bolink"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/linking"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/reconcile"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/syncrun"
	"github.com/storesync/storesync/internal/syncsched"
)

//go:embed templates/*.html
var templateFS embed.FS

// SessionCookie names the dashboard's session cookie.
const SessionCookie = "storesync_session"

// Transport is the server's rule for requests carrying credentials (server.Policy): whether one
// may, whether it came over HTTPS (the cookie is then Secure), and the client's address.
type Transport interface {
	Allows(r *http.Request) bool
	Secure(r *http.Request) bool
	ClientAddr(r *http.Request) string
}

// tlsOnly is the rule when none is given: HTTPS only, the peer's address.
type tlsOnly struct{}

func (tlsOnly) Allows(r *http.Request) bool       { return r.TLS != nil }
func (tlsOnly) Secure(r *http.Request) bool       { return r.TLS != nil }
func (tlsOnly) ClientAddr(r *http.Request) string { return r.RemoteAddr }

// Deps are what the dashboard needs.
type Deps struct {
	Accounts *account.Service
	Stores   *store.Service
	Ingest   *ingest.Service
	// Connections, when set, adds the Connections pages.
	Connections *connection.Service
	// Linking, when set with Connections, adds the pages of a connection's products.
	Linking *linking.Service
	// Reconcile, when set with Connections, adds "Reconcile now" and the last runs to a
	// connection's page.
	Reconcile *reconcile.Service
	// Inventory, when set with Connections, shows a connection's held reservations.
	Inventory *inventory.Service
	// Orders, when set, adds the Orders pages.
	Orders *orders.Service
	// BackOfficeLinks, when set, adds each store's back-office page and the orders' back-office
	// status.
	BackOfficeLinks *bolink.Service
	// BackOffice, when set, adds the pages that browse the built-in back office: jobs, a job's
	// orders, contacts.
	BackOffice *backoffice.Service
	// Decoration, when set, adds a store's Logos page and its products' decoration pages.
	Decoration *decoration.Service
	// SyncRuns, when set, adds the sync pages (Sync All, the runs and their progress), the
	// supplier feeds pages and each store's "Stock comes from" form.
	SyncRuns *syncrun.Service
	// SyncSchedules, when set with SyncRuns, adds the schedule editor.
	SyncSchedules *syncsched.Service
	Logger        *slog.Logger
	// Transport decides about plain HTTP, as the API does; nil means HTTPS only.
	Transport Transport
	// Problem answers the paths of machines (API, webhooks) that match no route, as
	// application/problem+json; nil means plain text.
	Problem func(w http.ResponseWriter, status int, detail string)
}

type dashboard struct {
	Deps
	pages map[string]*template.Template
}

// Register adds the dashboard's routes to mux, and its 404 and 405 pages for every path no other
// route answers.
func Register(mux *http.ServeMux, d Deps) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Transport == nil {
		d.Transport = tlsOnly{}
	}
	h := &dashboard{Deps: d, pages: map[string]*template.Template{}}
	for _, p := range []string{"login", "home", "stores", "keys", "revoke", "error"} {
		h.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	cop := http.NewCrossOriginProtection()
	mux.HandleFunc("GET /login", h.loginPage)
	mux.Handle("POST /login", cop.Handler(http.HandlerFunc(h.login)))
	mux.Handle("POST /logout", cop.Handler(http.HandlerFunc(h.logout)))
	mux.Handle("GET /{$}", h.authed(h.home))
	h.storeRoutes(mux, cop)
	h.connectionRoutes(mux, cop)
	h.linkingRoutes(mux, cop)
	h.reconcileRoutes(mux, cop)
	h.orderRoutes(mux, cop)
	h.orderSettingsRoutes(mux, cop)
	h.backOfficeRoutes(mux, cop)
	h.backOfficeBrowseRoutes(mux)
	h.decorationRoutes(mux, cop)
	h.syncRoutes(mux, cop)     // sync.go
	h.scheduleRoutes(mux, cop) // sync_schedules.go
	mux.Handle("GET /keys", h.authed(h.keys))
	mux.Handle("POST /keys", cop.Handler(h.authed(h.createKey)))
	mux.Handle("GET /keys/{id}/revoke", h.authed(h.confirmRevoke))
	mux.Handle("POST /keys/{id}/revoke", cop.Handler(h.authed(h.revokeKey)))
	mux.Handle("/", h.unmatched(mux))
}

var funcs = template.FuncMap{
	"when": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"deref":      func(n *int64) int64 { return *n },
	"pathEscape": url.PathEscape, // a platform's id as one path segment
	"stepNames":  func() map[int]string { return syncrun.StepNames },
}

// render writes a page. On a GET of a logged-in session it shows, once, the flash the last action
// left.
func (h *dashboard) render(w http.ResponseWriter, r *http.Request, page string, status int, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	if token, ok := r.Context().Value(tokenKey{}).(string); ok && r.Method == http.MethodGet {
		f, err := h.Accounts.TakeFlash(r.Context(), token)
		if err != nil {
			h.Logger.WarnContext(r.Context(), "reading the session's message", "error", err)
		}
		if f.Message != "" {
			data["Flash"] = f
		}
	}
	h.addSyncBar(r, page, data)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Cache-Control", "no-store") // pages show keys and account data
	w.WriteHeader(status)
	if err := h.pages[page].Execute(w, data); err != nil {
		h.Logger.ErrorContext(r.Context(), "rendering page", "page", page, "error", err)
	}
}

// fail shows an error page in the layout.
func (h *dashboard) fail(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	data := map[string]any{"Status": status, "Title": title, "Message": msg}
	if p, ok := account.PrincipalFrom(r.Context()); ok {
		data["Account"] = p.AccountName
	}
	h.render(w, r, "error", status, data)
}

// flash keeps a message for the session's next page, then sends the browser there (303).
func (h *dashboard) flash(w http.ResponseWriter, r *http.Request, to string, f account.Flash) {
	token, _ := r.Context().Value(tokenKey{}).(string)
	if err := h.Accounts.SetFlash(r.Context(), account.FlashParams{Token: token, Flash: f}); err != nil {
		h.Logger.ErrorContext(r.Context(), "keeping the session's message", "error", err)
	}
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		to = "/" // only this site's own pages: never a redirect elsewhere
	}
	http.Redirect(w, r, to, http.StatusSeeOther) //nolint:gosec // G710: to is checked just above to be a path of this site
}

type principalHandler func(w http.ResponseWriter, r *http.Request, p account.Principal)

type tokenKey struct{}

// authed resolves the session cookie, or sends the person to the login page.
func (h *dashboard) authed(next principalHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.Transport.Allows(r) {
			h.refuseHTTP(w, r)
			return
		}
		c, err := r.Cookie(SessionCookie)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		p, err := h.Accounts.Session(r.Context(), c.Value)
		if errors.Is(err, account.ErrUnauthenticated) {
			http.SetCookie(w, h.sessionCookie(r, "", -1))
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if err != nil {
			h.Logger.ErrorContext(r.Context(), "reading session", "error", err)
			h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the session right now; try again.")
			return
		}
		ctx := context.WithValue(account.WithPrincipal(r.Context(), p), tokenKey{}, c.Value)
		next(w, r.WithContext(ctx), p)
	})
}

func (h *dashboard) homeData(ctx context.Context, p account.Principal) (map[string]any, error) {
	keys, err := h.Accounts.ListKeys(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	users, err := h.Accounts.ListUsers(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	active := 0
	for _, k := range keys {
		if k.RevokedAt == nil {
			active++
		}
	}
	data := map[string]any{"Account": p.AccountName, "ActiveKeys": active, "Users": users}
	if h.Stores != nil {
		stores, err := h.Stores.List(ctx, store.ListParams{AccountID: p.AccountID})
		if err != nil {
			return nil, err
		}
		data["Stores"] = stores
	}
	if h.Ingest != nil { // a store whose webhooks cannot work shows as broken on the overview
		states, err := h.Ingest.States(ctx, p.AccountID)
		if err != nil {
			return nil, err
		}
		data["WebhookStates"] = states
	}
	return data, nil
}

func (h *dashboard) home(w http.ResponseWriter, r *http.Request, p account.Principal) {
	data, err := h.homeData(r.Context(), p)
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "reading dashboard", "account", p.AccountName, "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the dashboard right now; try again.")
		return
	}
	h.render(w, r, "home", http.StatusOK, data)
}
