package shopify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Credentials are what storesync keeps to reach one shop: the platform-defined content of a
// store's (encrypted) credentials.
type Credentials struct {
	ShopDomain  string `json:"shop_domain"`          // NAME.myshopify.com
	AccessToken string `json:"access_token"`         // Admin API access token
	APISecret   string `json:"api_secret,omitempty"` // app secret: the key of webhook HMACs
}

// CredentialsDoc describes the credentials for the API's reference.
const CredentialsDoc = "`shopify`: `{\"shop_domain\": \"NAME.myshopify.com\", \"access_token\": \"shpat_…\" (Admin API access token), " +
	"\"api_secret\": \"…\" (the app secret that signs the shop's webhooks; optional, but without it no webhook is accepted)}`"

// Field names as the API shows them.
const (
	FieldShopDomain  = "credentials.shop_domain"
	FieldAccessToken = "credentials.access_token"
)

var shopDomain = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*\.myshopify\.com$`)

// ParseCredentials reads and checks credentials, normalising the shop domain. Each error names
// its field; none repeats a secret.
func ParseCredentials(raw []byte) (Credentials, error) {
	var c Credentials
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var f string
		if _, after, ok := strings.Cut(err.Error(), "unknown field "); ok {
			f = ": unknown field " + after + " (known: shop_domain, access_token, api_secret)"
		}
		return Credentials{}, fmt.Errorf("credentials: want a JSON object with shop_domain, access_token and api_secret%s", f)
	}
	c.ShopDomain = strings.ToLower(strings.TrimSpace(c.ShopDomain))
	var errs []error
	if !shopDomain.MatchString(c.ShopDomain) || len(c.ShopDomain) > 255 {
		errs = append(errs, fmt.Errorf("%s %q: want NAME.myshopify.com", FieldShopDomain, truncateText(c.ShopDomain, 80)))
	}
	if strings.TrimSpace(c.AccessToken) == "" || len(c.AccessToken) > 1024 {
		errs = append(errs, fmt.Errorf("%s: give the Admin API access token (1 to 1024 characters)", FieldAccessToken))
	}
	if len(c.APISecret) > 1024 {
		errs = append(errs, errors.New("credentials.api_secret: at most 1024 characters"))
	}
	return c, errors.Join(errs...)
}

// Marshal returns the credentials as stored: the store package seals them before they are written
// and they are never logged or shown.
func (c Credentials) Marshal() []byte {
	//nolint:gosec // G117: marshalling the access token is the point: this is the form the store seals (encrypts) at rest
	b, err := json.Marshal(c)
	if err != nil { // every field is a string: encoding cannot fail
		panic("shopify: encoding credentials: " + err.Error())
	}
	return b
}

// DefaultBaseURL is where a shop answers unless a store says otherwise.
func (c Credentials) DefaultBaseURL() string { return "https://" + c.ShopDomain }

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
