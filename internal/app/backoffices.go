package app

import (
	"crypto/x509"
	"fmt"
	"os"

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

// trustedCAs is the system's certificate authorities and those of the PEM file (--ca-file).
func trustedCAs(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca-file %s: no PEM certificate in it", file)
	}
	return pool, nil
}
