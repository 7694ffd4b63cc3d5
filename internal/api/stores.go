package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// StoreOut is a store as the API shows it: never its credentials.
type StoreOut struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Platform  string    `json:"platform"`
	Address   string    `json:"address" doc:"the store's name on its platform, for display (Shopify: its myshopify.com domain)"`
	BaseURL   string    `json:"base_url"`
	StoreKey  string    `json:"store_key" doc:"public key another account enters to connect to this store"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func storeOut(s store.Store) StoreOut {
	return StoreOut{ID: s.ID, Name: s.Name, Platform: string(s.Platform), Address: s.Address, BaseURL: s.BaseURL,
		StoreKey: s.Key, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

type storeList struct {
	Body struct {
		Data []StoreOut `json:"data"`
	}
}

// storeBody is what POST and PUT take. Credentials are the platform's own fields, described by
// platform in the operation's description.
type storeBody struct {
	Name        string         `json:"name" minLength:"1" maxLength:"200"`
	Platform    string         `json:"platform" minLength:"1" maxLength:"40" doc:"the store's platform; see the operation's description"`
	BaseURL     string         `json:"base_url,omitempty" format:"uri" maxLength:"2048" doc:"where the store answers; default: the platform's own address for the credentials"`
	Credentials map[string]any `json:"credentials" writeOnly:"true" doc:"the platform's credentials (see the operation's description); verified with the platform before the store is saved, encrypted at rest, never shown again"`
}

// credentials re-encodes the credentials the body was decoded with, for the platform to parse.
func (b storeBody) credentials() ([]byte, error) {
	raw, err := json.Marshal(b.Credentials)
	if err != nil {
		return nil, huma.Error422UnprocessableEntity("validation failed", &huma.ErrorDetail{
			Location: "body.credentials", Message: "cannot be encoded as JSON: " + err.Error()})
	}
	return raw, nil
}

type saveStoreInput struct {
	Body storeBody
}

type updateStoreInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body storeBody
}

type saveStoreOutput struct {
	Location string `header:"Location"`
	Body     struct {
		ID       int64  `json:"id"`
		Location string `json:"location"`
	}
}

type storeOutput struct {
	Body StoreOut
}

type deleteStoreOutput struct {
	Body struct {
		ID                      int64 `json:"id"`
		ReceivedWebhooksDeleted int64 `json:"received_webhooks_deleted" doc:"webhooks the store had sent, deleted with it"`
	}
}

type storeIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type verifyOutput struct {
	Body struct {
		Name     string `json:"name"`
		Domain   string `json:"domain"`
		Currency string `json:"currency"`
		Plan     string `json:"plan"`
	}
}

// remedies say what to do about each kind of platform failure, in our words: an error shown to
// a person never repeats what the remote server answered.
var remedies = map[platform.Kind]string{
	platform.KindAuth:         "the store refused its credentials: update them",
	platform.KindForbidden:    "the credentials lack a permission: grant the app the scopes it needs",
	platform.KindNotFound:     "the platform does not know this store: check its address",
	platform.KindRateLimited:  "the store is over its rate limit: try again later",
	platform.KindUnavailable:  "the store cannot be reached or is down: try again later",
	platform.KindInvalidInput: "the store refused the request",
	platform.KindConflict:     "the store changed meanwhile: try again",
	platform.KindInternal:     "the store answered something unexpected",

	platform.KindOutcomeUnknown: "the store's answer was lost: storesync looks again before repeating the change",
}

// platformDetail describes a platform failure without the remote answer's text.
func platformDetail(st string, perr *platform.Error) string {
	msg := fmt.Sprintf("%s: %s", st, remedies[perr.Kind])
	if perr.StatusCode != 0 && perr.StatusCode != http.StatusOK {
		msg += fmt.Sprintf(" (HTTP %d)", perr.StatusCode)
	}
	return msg
}

// storeError says which store was not found and, for a store that could not be verified, what
// its platform said in our words; every other error goes to the one mapper (errors.go).
func storeError(err error, id int64) error {
	var perr *platform.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, database.ErrNotFound):
		return huma.Error404NotFound(fmt.Sprintf("no store %d in this account", id))
	case errors.Is(err, store.ErrUnverified) && errors.As(err, &perr):
		return huma.Error502BadGateway("the store could not be verified, so nothing was saved: " + platformDetail(perr.Store, perr))
	}
	return err
}

// platformsDoc lists each platform's credentials for the operations' descriptions.
func platformsDoc(svc *store.Service) string {
	var b strings.Builder
	b.WriteString("`platform` is one of the platforms below; `credentials` holds its fields:\n")
	for _, p := range svc.Platforms() {
		b.WriteString("\n- " + p.CredentialsDoc)
	}
	b.WriteString("\n\nThe credentials are verified with the platform first: credentials it refuses are a 422 naming the field, " +
		"and a platform that cannot be reached is a 502; in both cases nothing is saved.")
	return b.String()
}

// Stores adds the operations that list, add, read, replace, delete and verify an account's stores.
func Stores(svc *store.Service) func(huma.API) {
	return func(hapi huma.API) {
		tags := []string{"Stores"}
		creds := platformsDoc(svc)
		huma.Register(hapi, huma.Operation{OperationID: "list-stores", Method: http.MethodGet, Path: "/api/v2/stores",
			Summary: "List stores", Tags: tags},
			func(ctx context.Context, _ *struct{}) (*storeList, error) {
				list, err := svc.List(ctx, store.ListParams{AccountID: AccountID(ctx)})
				if err != nil {
					return nil, err
				}
				out := &storeList{}
				out.Body.Data = make([]StoreOut, 0, len(list))
				for _, s := range list {
					out.Body.Data = append(out.Body.Data, storeOut(s))
				}
				return out, nil
			})
		huma.Register(hapi, huma.Operation{OperationID: "save-store", Method: http.MethodPost, Path: "/api/v2/stores",
			Summary:     "Add a store (or update the one with the same platform and address)",
			Description: creds, DefaultStatus: http.StatusCreated, Tags: tags, Errors: []int{422, 502}},
			func(ctx context.Context, in *saveStoreInput) (*saveStoreOutput, error) {
				raw, err := in.Body.credentials()
				if err != nil {
					return nil, err
				}
				s, err := svc.Save(ctx, store.SaveParams{AccountID: AccountID(ctx), Name: in.Body.Name, Platform: store.Platform(in.Body.Platform),
					BaseURL: in.Body.BaseURL, Credentials: raw})
				if err != nil {
					return nil, storeError(err, 0)
				}
				out := &saveStoreOutput{}
				out.Location = fmt.Sprintf("/api/v2/stores/%d", s.ID)
				out.Body.ID, out.Body.Location = s.ID, out.Location
				return out, nil
			})
		huma.Register(hapi, huma.Operation{OperationID: "get-store", Method: http.MethodGet, Path: "/api/v2/stores/{id}",
			Summary: "Read a store", Tags: tags, Errors: []int{404}},
			func(ctx context.Context, in *storeIDInput) (*storeOutput, error) {
				s, err := svc.Get(ctx, store.GetParams{AccountID: AccountID(ctx), ID: in.ID})
				if err != nil {
					return nil, storeError(err, in.ID)
				}
				return &storeOutput{Body: storeOut(s)}, nil
			})
		huma.Register(hapi, huma.Operation{OperationID: "update-store", Method: http.MethodPut, Path: "/api/v2/stores/{id}",
			Summary: "Replace a store's name, address and credentials",
			Description: "Every field is given again, credentials included. The store keeps its id and store key; " +
				"its platform cannot change.\n\n" + creds,
			Tags: tags, Errors: []int{404, 422, 502}},
			func(ctx context.Context, in *updateStoreInput) (*storeOutput, error) {
				raw, err := in.Body.credentials()
				if err != nil {
					return nil, err
				}
				s, err := svc.Update(ctx, store.UpdateParams{AccountID: AccountID(ctx), ID: in.ID, Name: in.Body.Name,
					Platform: store.Platform(in.Body.Platform), BaseURL: in.Body.BaseURL, Credentials: raw})
				if err != nil {
					return nil, storeError(err, in.ID)
				}
				return &storeOutput{Body: storeOut(s)}, nil
			})
		huma.Register(hapi, huma.Operation{OperationID: "delete-store", Method: http.MethodDelete, Path: "/api/v2/stores/{id}",
			Summary: "Delete a store and what was kept of it",
			Description: "Deletes the store, its credentials, and every webhook it sent (received_webhooks_deleted counts them). " +
				"The platform is not told: the webhook subscriptions it holds for the store are answered 404 from then on, and " +
				"platforms drop them. A store that is a side of a connection still connected, or whose disconnect is still " +
				"running, is not deleted (409, naming each connection): its destination disconnects it first (keeping or " +
				"deleting its products), its source blocks it. Connections blocked or disconnected are deleted with the store, " +
				"with their product links.",
			Tags: tags, Errors: []int{404, 409}},
			func(ctx context.Context, in *storeIDInput) (*deleteStoreOutput, error) {
				d, err := svc.Delete(ctx, store.DeleteParams{AccountID: AccountID(ctx), ID: in.ID})
				if err != nil {
					return nil, storeError(err, in.ID)
				}
				out := &deleteStoreOutput{}
				out.Body.ID, out.Body.ReceivedWebhooksDeleted = in.ID, d.ReceivedWebhooks
				return out, nil
			})
		huma.Register(hapi, huma.Operation{OperationID: "verify-store", Method: http.MethodPost, Path: "/api/v2/stores/{id}/verify",
			Summary: "Verify a store's connection", Description: "Asks the store's platform who the store is, with its credentials.",
			Tags: tags, Errors: []int{404, 422, 502}},
			func(ctx context.Context, in *storeIDInput) (*verifyOutput, error) {
				info, err := svc.Verify(ctx, store.VerifyParams{AccountID: AccountID(ctx), ID: in.ID})
				var perr *platform.Error
				switch {
				case errors.Is(err, database.ErrNotFound):
					return nil, huma.Error404NotFound(fmt.Sprintf("no store %d in this account", in.ID))
				case errors.As(err, &perr):
					return nil, huma.Error502BadGateway("the store answered with an error: " + platformDetail(perr.Store, perr))
				case err != nil:
					return nil, err
				}
				out := &verifyOutput{}
				out.Body.Name, out.Body.Domain, out.Body.Currency, out.Body.Plan = info.Name, info.Domain, info.Currency, info.Plan
				return out, nil
			})
	}
}
