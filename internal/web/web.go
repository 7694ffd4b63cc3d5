// Package web is the dashboard: server-rendered pages for people, behind an email and password
// login, with the session in a Secure, HttpOnly, SameSite cookie and cross-origin form posts refused.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// SessionCookie names the dashboard's session cookie.
const SessionCookie = "storesync_session"

// Deps are what the dashboard needs.
type Deps struct {
	Accounts *account.Service
	Stores   *store.Service
	Ingest   *ingest.Service
	Logger   *slog.Logger
}

type dashboard struct {
	Deps
	pages map[string]*template.Template
}

// Register adds the dashboard's routes to mux.
func Register(mux *http.ServeMux, d Deps) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	h := &dashboard{Deps: d, pages: map[string]*template.Template{}}
	for _, p := range []string{"login", "home", "stores"} {
		h.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	cop := http.NewCrossOriginProtection()
	mux.HandleFunc("GET /login", h.loginPage)
	mux.Handle("POST /login", cop.Handler(http.HandlerFunc(h.login)))
	mux.Handle("POST /logout", cop.Handler(http.HandlerFunc(h.logout)))
	mux.Handle("GET /{$}", h.authed(h.home))
	mux.Handle("GET /stores", h.authed(h.stores))
	mux.Handle("POST /keys", cop.Handler(h.authed(h.createKey)))
	mux.Handle("POST /keys/{id}/revoke", cop.Handler(h.authed(h.revokeKey)))
}

var funcs = template.FuncMap{
	"when": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"deref": func(n *int64) int64 { return *n },
}

func (h *dashboard) render(w http.ResponseWriter, r *http.Request, page string, status int, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := h.pages[page].Execute(w, data); err != nil {
		h.Logger.ErrorContext(r.Context(), "rendering page", "page", page, "error", err)
	}
}

type principalHandler func(w http.ResponseWriter, r *http.Request, p account.Principal)

// authed resolves the session cookie, or sends the person to the login page.
func (h *dashboard) authed(next principalHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		p, err := h.Accounts.Session(r.Context(), c.Value)
		if errors.Is(err, account.ErrUnauthenticated) {
			http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1})
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if err != nil {
			h.Logger.ErrorContext(r.Context(), "reading session", "error", err)
			http.Error(w, "cannot read the session right now; try again", http.StatusServiceUnavailable)
			return
		}
		next(w, r.WithContext(account.WithPrincipal(r.Context(), p)), p)
	})
}

func (h *dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, "login", http.StatusOK, map[string]any{})
}

func (h *dashboard) login(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	token, _, err := h.Accounts.Login(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		status, msg := http.StatusUnauthorized, "Wrong email or password."
		if !errors.Is(err, account.ErrUnauthenticated) {
			h.Logger.ErrorContext(r.Context(), "logging in", "error", err)
			status, msg = http.StatusServiceUnavailable, "Cannot log in right now; try again."
		}
		h.render(w, r, "login", status, map[string]any{"Error": msg, "Email": email})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteLaxMode, MaxAge: int(account.SessionTTL / time.Second)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *dashboard) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := h.Accounts.Logout(r.Context(), c.Value); err != nil {
			h.Logger.ErrorContext(r.Context(), "logging out", "error", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
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
	data := map[string]any{"Account": p.AccountName, "Keys": keys, "Users": users}
	if h.Stores != nil {
		stores, err := h.Stores.List(ctx, store.ListParams{AccountID: p.AccountID})
		if err != nil {
			return nil, err
		}
		data["Stores"] = stores
	}
	return data, nil
}

func (h *dashboard) home(w http.ResponseWriter, r *http.Request, p account.Principal) {
	h.homeWith(w, r, p, http.StatusOK, nil)
}

func (h *dashboard) homeWith(w http.ResponseWriter, r *http.Request, p account.Principal, status int, extra map[string]any) {
	data, err := h.homeData(r.Context(), p)
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "reading dashboard", "account", p.AccountName, "error", err)
		http.Error(w, "cannot read the dashboard right now; try again", http.StatusServiceUnavailable)
		return
	}
	for k, v := range extra {
		data[k] = v
	}
	h.render(w, r, "home", status, data)
}

func (h *dashboard) createKey(w http.ResponseWriter, r *http.Request, p account.Principal) {
	k, secret, err := h.Accounts.CreateKey(r.Context(), account.CreateKeyParams{AccountID: p.AccountID,
		Name: r.PostFormValue("name"), Permission: account.Permission(r.PostFormValue("permission"))})
	if errors.Is(err, account.ErrInvalidInput) {
		h.homeWith(w, r, p, http.StatusUnprocessableEntity, map[string]any{"Error": err.Error()})
		return
	}
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "creating API key", "account", p.AccountName, "error", err)
		http.Error(w, "cannot create the key right now; try again", http.StatusServiceUnavailable)
		return
	}
	h.homeWith(w, r, p, http.StatusOK, map[string]any{"NewKey": k, "NewSecret": secret})
}

func (h *dashboard) revokeKey(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = h.Accounts.RevokeKey(r.Context(), p.AccountID, id)
	}
	if err != nil {
		h.homeWith(w, r, p, http.StatusNotFound, map[string]any{"Error": "No such API key in this account."})
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
