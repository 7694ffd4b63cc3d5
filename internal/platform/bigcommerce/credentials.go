package bigcommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Credentials are what storesync keeps to reach one BigCommerce store: the store hash, an API
// account's access token, and the secret storesync chose for its webhook subscriptions.
type Credentials struct {
	StoreHash     string `json:"store_hash"`               // the store's hash, as in api.bigcommerce.com/stores/HASH
	AccessToken   string `json:"access_token"`             // API account access token (X-Auth-Token)
	WebhookSecret string `json:"webhook_secret,omitempty"` // sent back by the platform in every delivery's headers
}

// CredentialsDoc describes the credentials for the API's reference.
const CredentialsDoc = "`bigcommerce`: `{\"store_hash\": \"abc123\" (from api.bigcommerce.com/stores/abc123), \"access_token\": \"…\" (API account access token), " +
	"\"webhook_secret\": \"…\" (optional: storesync chooses one when it is left out; the store's webhook subscriptions send it back so deliveries can be verified)}`"

// Field names as the API shows them.
const (
	FieldStoreHash     = "credentials.store_hash"
	FieldAccessToken   = "credentials.access_token"
	FieldWebhookSecret = "credentials.webhook_secret"
)

var storeHash = regexp.MustCompile(`^[a-z0-9]{1,64}$`)

// ParseCredentials reads and checks credentials, normalising the store hash. Each error names its
// field; none repeats a secret.
func ParseCredentials(raw []byte) (Credentials, error) {
	var c Credentials
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var f string
		if _, after, ok := strings.Cut(err.Error(), "unknown field "); ok {
			f = ": unknown field " + after + " (known: store_hash, access_token, webhook_secret)"
		}
		return Credentials{}, fmt.Errorf("credentials: want a JSON object with store_hash, access_token and webhook_secret%s", f)
	}
	c.StoreHash = strings.ToLower(strings.TrimSpace(c.StoreHash))
	var errs []error
	if !storeHash.MatchString(c.StoreHash) {
		s := c.StoreHash
		if len(s) > 80 {
			s = s[:80] + "…"
		}
		errs = append(errs, fmt.Errorf("%s %q: want the store hash, letters and digits (abc123 in api.bigcommerce.com/stores/abc123)", FieldStoreHash, s))
	}
	if strings.TrimSpace(c.AccessToken) == "" || len(c.AccessToken) > 1024 {
		errs = append(errs, fmt.Errorf("%s: give the API account's access token (1 to 1024 characters)", FieldAccessToken))
	}
	if len(c.WebhookSecret) > 256 || strings.ContainsAny(c.WebhookSecret, "\r\n") {
		errs = append(errs, fmt.Errorf("%s: at most 256 characters on one line", FieldWebhookSecret))
	}
	return c, errors.Join(errs...)
}

// Marshal returns the credentials as stored: the store package seals them before they are written
// and they are never logged or shown.
func (c Credentials) Marshal() []byte {
	//nolint:gosec // G117: marshalling the token is the point: this is the form sealed at rest
	b, err := json.Marshal(c)
	if err != nil { // every field is a string: encoding cannot fail
		panic("bigcommerce: encoding credentials: " + err.Error())
	}
	return b
}

// DefaultBaseURL is where the store's API answers unless a store says otherwise.
func (c Credentials) DefaultBaseURL() string {
	return "https://api.bigcommerce.com/stores/" + c.StoreHash
}
