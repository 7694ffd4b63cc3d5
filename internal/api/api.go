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
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/storesync/storesync/internal/account"
)

// Version is the version of the API description.
const Version = "2.0.0"

// Deps are what the API needs.
type Deps struct {
	Accounts *account.Service
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
	hapi.UseMiddleware(g.middleware)

	registerMe(hapi, d.Accounts)
	for _, r := range d.Register {
		r(hapi)
	}
	mux.HandleFunc("GET /api/docs", docsHandler(hapi))
	// Anything else under /api/ is a problem+json 404, not the dashboard's page.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		_ = huma.WriteErr(hapi, humago.NewContext(nil, r, w), http.StatusNotFound,
			"no API operation at "+r.Method+" "+r.URL.Path+"; see /api/docs")
	})
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

func registerMe(hapi huma.API, accounts *account.Service) {
	huma.Register(hapi, huma.Operation{
		OperationID: "get-me",
		Method:      http.MethodGet,
		Path:        "/api/v2/me",
		Summary:     "Who am I",
		Description: "The account, permission and usage (hits, last use) of the API key sent.",
		Tags:        []string{"Account"},
	}, func(ctx context.Context, _ *struct{}) (*MeOutput, error) {
		p, _ := account.PrincipalFrom(ctx)
		k, err := accounts.Key(ctx, account.KeyParams{AccountID: p.AccountID, KeyID: p.KeyID})
		if err != nil {
			return nil, err
		}
		out := &MeOutput{}
		out.Body.Account.ID, out.Body.Account.Name = p.AccountID, p.AccountName
		out.Body.Permission, out.Body.Key = p.Permission, k
		return out, nil
	})
}
