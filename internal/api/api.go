// Package api is storesync's REST surface: the hub API and the back office's Open API under
// /api/v2/ and /api/v1/, described by an OpenAPI 3.1 document generated from the Go types.
//
// Every request under /api/v1/ and /api/v2/ passes one gate (see gate.go): HTTPS unless allowed
// otherwise, a valid API key, write permission for anything but GET and HEAD, one hit counted on the
// key. Handlers read the account from the context and never see an unauthenticated request.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
)

// Version is the version of the API description.
const Version = "2.0.0"

// Deps are what the API needs.
type Deps struct {
	Accounts *account.Service
	// DB keeps the answers of POSTs sent with an Idempotency-Key; without it the header is ignored.
	DB *database.DB
	// AllowHTTP lets API requests in over plain HTTP. AllowHTTPFrom, when set, narrows that to
	// the client addresses it accepts (the demo allows loopback only).
	AllowHTTP     bool
	AllowHTTPFrom func(remoteAddr string) bool
	Logger        *slog.Logger
	Now           func() time.Time
	// Register adds more operations (the back office, stores, ...) to the API.
	Register []func(api huma.API)
}

// New registers the API's routes on mux and returns the huma API, whose OpenAPI document lists
// every operation.
func New(mux *http.ServeMux, d Deps) huma.API {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	install()
	cfg := huma.DefaultConfig("storesync API", Version)
	cfg.CreateHooks = nil // keep "$schema" out of response bodies
	cfg.OpenAPIPath = "/api/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = "/api/schemas"
	cfg.Info.Description = "The storesync hub API and the back office's Open API. Send an API key as " +
		"`Authorization: Bearer ssk_...` or as the user name of HTTP Basic with an empty password. " +
		"A `read` key may only search and read; writes need a `read_write` key. HTTPS only."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API key: ssk_..."},
		"basic":  {Type: "http", Scheme: "basic", Description: "The API key as the user name, empty password."},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}, {"basic": {}}}
	hapi := humago.New(mux, cfg)
	g := &gate{accounts: d.Accounts, allowHTTP: d.AllowHTTP, allowHTTPFrom: d.AllowHTTPFrom, api: hapi, logger: d.Logger}
	idem := &idempotency{db: d.DB, now: d.Now, api: hapi}
	hapi.UseMiddleware(g.middleware, g.checkInput, idem.middleware)

	registerMe(hapi, d.Accounts)
	for _, r := range d.Register {
		r(hapi)
	}
	finishSpec(hapi)
	mux.HandleFunc("GET /api/docs", docsHandler(hapi))
	mux.HandleFunc("/api/", g.unmatched)
	return hapi
}

// MeOutput is the answer of GET /api/v2/me.
type MeOutput struct {
	Body struct {
		Account struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"account"`
		Permission account.Permission `json:"permission" enum:"read,read_write"`
		Key        account.APIKey     `json:"key"`
	}
}

func getMe(accounts *account.Service) func(ctx context.Context, _ *struct{}) (*MeOutput, error) {
	return func(ctx context.Context, _ *struct{}) (*MeOutput, error) {
		p, _ := account.PrincipalFrom(ctx) // the gate put it there
		k, err := accounts.Key(ctx, account.KeyParams{AccountID: p.AccountID, KeyID: p.KeyID})
		if err != nil {
			return nil, err
		}
		out := &MeOutput{}
		out.Body.Account.ID, out.Body.Account.Name = p.AccountID, p.AccountName
		out.Body.Permission, out.Body.Key = p.Permission, k
		return out, nil
	}
}

// unmatched answers what no operation took, as problem+json rather than the dashboard's page. Under
// /api/v1/ and /api/v2/ the gate comes first, as for any operation, so that no client learns
// which paths exist without a key; then a known path with another method is a 405 with Allow, and
// anything else a 404.
func (g *gate) unmatched(w http.ResponseWriter, r *http.Request) {
	ctx := humago.NewContext(nil, r, w)
	answer := func(ctx huma.Context) {
		if allow := allowedMethods(g.api, r.URL.Path); len(allow) > 0 {
			ctx.SetHeader("Allow", strings.Join(allow, ", "))
			_ = huma.WriteErr(g.api, ctx, http.StatusMethodNotAllowed,
				r.Method+" is not an operation of "+r.URL.Path+"; it takes "+strings.Join(allow, ", "))
			return
		}
		_ = huma.WriteErr(g.api, ctx, http.StatusNotFound, "no API operation at "+r.Method+" "+r.URL.Path+"; see /api/docs")
	}
	if strings.HasPrefix(r.URL.Path, "/api/v1/") || strings.HasPrefix(r.URL.Path, "/api/v2/") {
		g.middleware(ctx, answer) //nolint:contextcheck // ctx is the huma.Context wrapping r: its Context() is r.Context()
		return
	}
	answer(ctx)
}
