package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// StoreOut is a store as the API shows it: never its credentials.
type StoreOut struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Platform   string    `json:"platform" enum:"shopify"`
	ShopDomain string    `json:"shop_domain"`
	BaseURL    string    `json:"base_url"`
	StoreKey   string    `json:"store_key" doc:"public key another account enters to connect to this store"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func storeOut(s store.Store) StoreOut {
	return StoreOut{ID: s.ID, Name: s.Name, Platform: string(s.Platform), ShopDomain: s.ShopDomain, BaseURL: s.BaseURL,
		StoreKey: s.Key, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

type storeList struct {
	Body struct {
		Data []StoreOut `json:"data"`
	}
}

type saveStoreInput struct {
	Body struct {
		Name        string `json:"name" minLength:"1" maxLength:"200"`
		Platform    string `json:"platform" enum:"shopify"`
		ShopDomain  string `json:"shop_domain" pattern:"^[a-z0-9][a-z0-9-]*\\.myshopify\\.com$" doc:"NAME.myshopify.com"`
		BaseURL     string `json:"base_url,omitempty" format:"uri" doc:"where the shop answers; default https://<shop_domain>"`
		AccessToken string `json:"access_token" minLength:"1" writeOnly:"true" doc:"Admin API access token; never shown again"`
		APISecret   string `json:"api_secret,omitempty" writeOnly:"true" doc:"app secret that signs the shop's webhooks"`
	}
}

type saveStoreOutput struct {
	Location string `header:"Location"`
	Body     struct {
		ID       int64  `json:"id"`
		Location string `json:"location"`
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

// Stores adds the operations that list, add and verify an account's stores.
func Stores(svc *store.Service) func(huma.API) {
	return func(hapi huma.API) {
		tags := []string{"Stores"}
		huma.Register(hapi, huma.Operation{OperationID: "list-stores", Method: http.MethodGet, Path: "/api/v2/stores",
			Summary: "List stores", Tags: tags},
			func(ctx context.Context, _ *struct{}) (*storeList, error) {
				p, _ := account.PrincipalFrom(ctx)
				list, err := svc.List(ctx, p.AccountID)
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
			Summary: "Add a store (or update the one with the same shop domain)", DefaultStatus: http.StatusCreated, Tags: tags},
			func(ctx context.Context, in *saveStoreInput) (*saveStoreOutput, error) {
				p, _ := account.PrincipalFrom(ctx)
				s, err := svc.Save(ctx, store.SaveParams{AccountID: p.AccountID, Name: in.Body.Name, Platform: store.Platform(in.Body.Platform),
					ShopDomain: in.Body.ShopDomain, BaseURL: in.Body.BaseURL, AccessToken: in.Body.AccessToken, APISecret: in.Body.APISecret})
				if errors.Is(err, store.ErrInvalidInput) {
					return nil, huma.Error422UnprocessableEntity(err.Error())
				}
				if err != nil {
					return nil, err
				}
				out := &saveStoreOutput{}
				out.Location = fmt.Sprintf("/api/v2/stores/%d", s.ID)
				out.Body.ID, out.Body.Location = s.ID, out.Location
				return out, nil
			})
		huma.Register(hapi, huma.Operation{OperationID: "verify-store", Method: http.MethodPost, Path: "/api/v2/stores/{id}/verify",
			Summary: "Verify a store's connection", Description: "Asks the store's platform who the store is, with its credentials.",
			Tags: tags, Errors: []int{404, 422, 502}},
			func(ctx context.Context, in *storeIDInput) (*verifyOutput, error) {
				p, _ := account.PrincipalFrom(ctx)
				info, err := svc.Verify(ctx, p.AccountID, in.ID)
				var perr *platform.Error
				switch {
				case errors.Is(err, database.ErrNotFound):
					return nil, huma.Error404NotFound(fmt.Sprintf("no store %d in this account", in.ID))
				case errors.As(err, &perr):
					return nil, huma.Error502BadGateway("the store answered with an error: " + strings.TrimPrefix(err.Error(), "verifying store "))
				case err != nil:
					return nil, err
				}
				out := &verifyOutput{}
				out.Body.Name, out.Body.Domain, out.Body.Currency, out.Body.Plan = info.Name, info.Domain, info.Currency, info.Plan
				return out, nil
			})
	}
}
