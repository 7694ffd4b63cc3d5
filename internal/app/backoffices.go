package app

import (
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/backofficeapi"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// backOffices opens the back offices stores' links name: the account's own, or an external one
// over the Open API v2 through the guard (no private address unless the operator allows it).
type backOffices struct {
	builtIn *backoffice.Service
	guard   *httpclient.Guard
}

func (b backOffices) BuiltIn(accountID int64) platform.BackOffice {
	return backoffice.Target(b.builtIn, accountID)
}

func (b backOffices) External(baseURL, apiKey string) (platform.BackOffice, error) {
	return backofficeapi.New(backofficeapi.Config{BaseURL: baseURL, APIKey: apiKey, Guard: b.guard})
}
