package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/storesync/storesync/internal/account"
)

const httpsOnly = "This dashboard takes passwords over HTTPS only, so that they and the session cannot be read on the way. " +
	"Open it with https://, or start the server with TLS (--tls-cert/--tls-key or --tls-self-signed); behind a " +
	"TLS-terminating proxy, start it with --trust-proxy."

// refuseHTTP answers a request that came over plain HTTP where the server does not allow it: the
// same rule as the API's.
func (h *dashboard) refuseHTTP(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, "login", http.StatusForbidden, map[string]any{"Error": httpsOnly, "NoForm": true})
}

func (h *dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	if !h.Transport.Allows(r) {
		h.refuseHTTP(w, r)
		return
	}
	h.render(w, r, "login", http.StatusOK, map[string]any{})
}

func (h *dashboard) login(w http.ResponseWriter, r *http.Request) {
	if !h.Transport.Allows(r) {
		h.refuseHTTP(w, r)
		return
	}
	email := r.PostFormValue("email")
	token, _, err := h.Accounts.Login(r.Context(), account.LoginParams{Email: email, Password: r.PostFormValue("password"),
		ClientAddr: h.Transport.ClientAddr(r)})
	var throttled *account.ThrottledError
	switch {
	case errors.As(err, &throttled):
		secs := int(math.Ceil(throttled.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		h.render(w, r, "login", http.StatusTooManyRequests, map[string]any{"Email": email,
			"Error": "Too many failed logins: " + throttled.Reason + ". Try again in " + (time.Duration(secs) * time.Second).String() + "."})
		return
	case errors.Is(err, account.ErrUnauthenticated):
		h.render(w, r, "login", http.StatusUnauthorized, map[string]any{"Error": "Wrong email or password.", "Email": email})
		return
	case err != nil:
		h.Logger.ErrorContext(r.Context(), "logging in", "error", err)
		h.render(w, r, "login", http.StatusServiceUnavailable, map[string]any{"Error": "Cannot log in right now; try again.", "Email": email})
		return
	}
	http.SetCookie(w, h.sessionCookie(r, token, int(account.SessionTTL/time.Second)))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *dashboard) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := h.Accounts.Logout(r.Context(), c.Value); err != nil {
			h.Logger.ErrorContext(r.Context(), "logging out", "error", err)
		}
	}
	http.SetCookie(w, h.sessionCookie(r, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// sessionCookie is the session cookie with value, or its removal when maxAge is -1: HttpOnly and
// SameSite=Lax always, Secure whenever the request came over HTTPS (every request but the plain
// HTTP ones the server's transport policy lets through).
func (h *dashboard) sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	//nolint:gosec // G124: Secure is decided per request; a plain HTTP request the transport policy allows would never send a Secure cookie back
	return &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: h.Transport.Secure(r), SameSite: http.SameSiteLaxMode}
}
