package api

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/server"
)

// gate admits a request to an API operation: HTTPS, a valid key, the right permission, one hit.
type gate struct {
	accounts      *account.Service
	allowHTTP     bool
	allowHTTPFrom func(remoteAddr string) bool
	api           huma.API
	logger        *slog.Logger
}

func (g *gate) middleware(ctx huma.Context, next func(huma.Context)) {
	ctx = huma.WithContext(ctx, withLogger(ctx.Context(), g.logger)) // for the error mapper
	// The server's one rule (server.Policy), shared with the dashboard; the gate's own settings
	// apply when the API is mounted without it.
	r, _ := humago.Unwrap(ctx)
	if !(server.RequestPolicy{Fallback: server.Policy{AllowHTTP: g.allowHTTP, AllowHTTPFrom: g.allowHTTPFrom}}).Allows(r) {
		_ = huma.WriteErr(g.api, ctx, http.StatusForbidden,
			"plain HTTP is refused: the API takes requests over HTTPS only, because API keys must not travel in clear text")
		return
	}
	secret, ok := keyFromHeader(ctx.Header("Authorization"))
	if !ok {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="storesync", Basic realm="storesync"`)
		_ = huma.WriteErr(g.api, ctx, http.StatusUnauthorized,
			"missing API key: send it as \"Authorization: Bearer ssk_...\" or as the user name of HTTP Basic with an empty password")
		return
	}
	p, err := g.accounts.AuthenticateKey(ctx.Context(), secret)
	if errors.Is(err, account.ErrUnauthenticated) {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="storesync", error="invalid_token"`)
		_ = huma.WriteErr(g.api, ctx, http.StatusUnauthorized, "invalid API key: "+strings.TrimPrefix(err.Error(), "unauthenticated: "))
		return
	}
	if err != nil {
		g.logger.ErrorContext(ctx.Context(), "checking API key", "error", err)
		_ = huma.WriteErr(g.api, ctx, http.StatusServiceUnavailable, "cannot check the API key right now; try again")
		return
	}
	if m := ctx.Method(); m != http.MethodGet && m != http.MethodHead && !p.Permission.CanWrite() {
		_ = huma.WriteErr(g.api, ctx, http.StatusForbidden,
			"this API key is read-only: "+m+" needs a key with permission read_write")
		return
	}
	next(huma.WithContext(ctx, account.WithPrincipal(ctx.Context(), p)))
}

// keyFromHeader takes the API key from "Bearer KEY" or from Basic credentials "KEY:" (empty password).
func keyFromHeader(h string) (string, bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "bearer":
		return rest, rest != ""
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return "", false
		}
		user, pass, _ := strings.Cut(string(raw), ":")
		if pass != "" {
			return "", false
		}
		return user, user != ""
	}
	return "", false
}
