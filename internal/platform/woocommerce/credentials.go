package woocommerce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Credentials are what storesync keeps to reach one WooCommerce store: the site's address and a
// REST API key pair (WooCommerce → Settings → Advanced → REST API, read/write).
type Credentials struct {
	StoreURL       string `json:"store_url"`       // https://shop.example.com (the WordPress site)
	ConsumerKey    string `json:"consumer_key"`    // ck_…
	ConsumerSecret string `json:"consumer_secret"` // cs_…
	// WebhookSecret signs the webhooks storesync subscribes; empty: derived from the consumer
	// secret, so it never needs to be stored apart.
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

// CredentialsDoc describes the credentials for the API's reference.
const CredentialsDoc = "`woocommerce`: `{\"store_url\": \"https://shop.example.com\", \"consumer_key\": \"ck_…\", \"consumer_secret\": \"cs_…\" " +
	"(a read/write REST API key), \"webhook_secret\": \"…\" (optional: the secret storesync signs its webhook subscriptions with; derived from the consumer secret when empty)}`"

// Field names as the API shows them.
const (
	FieldStoreURL       = "credentials.store_url"
	FieldConsumerKey    = "credentials.consumer_key"
	FieldConsumerSecret = "credentials.consumer_secret"
	FieldWebhookSecret  = "credentials.webhook_secret"
)

// ParseCredentials reads and checks credentials, normalising the store URL. Each error names its
// field; none repeats a secret.
func ParseCredentials(raw []byte) (Credentials, error) {
	var c Credentials
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var f string
		if _, after, ok := strings.Cut(err.Error(), "unknown field "); ok {
			f = ": unknown field " + after + " (known: store_url, consumer_key, consumer_secret, webhook_secret)"
		}
		return Credentials{}, fmt.Errorf("credentials: want a JSON object with store_url, consumer_key and consumer_secret%s", f)
	}
	var errs []error
	u, err := normaliseStoreURL(c.StoreURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s %q: %w", FieldStoreURL, truncateText(c.StoreURL, 80), err))
	}
	c.StoreURL = u
	c.ConsumerKey = strings.TrimSpace(c.ConsumerKey)
	if c.ConsumerKey == "" || len(c.ConsumerKey) > 256 || strings.ContainsAny(c.ConsumerKey, " :\t\r\n") {
		errs = append(errs, fmt.Errorf("%s: give the REST API consumer key (ck_…, 1 to 256 characters, no spaces or colons)", FieldConsumerKey))
	}
	if strings.TrimSpace(c.ConsumerSecret) == "" || len(c.ConsumerSecret) > 256 {
		errs = append(errs, fmt.Errorf("%s: give the REST API consumer secret (cs_…, 1 to 256 characters)", FieldConsumerSecret))
	}
	if len(c.WebhookSecret) > 1024 {
		errs = append(errs, fmt.Errorf("%s: at most 1024 characters", FieldWebhookSecret))
	}
	return c, errors.Join(errs...)
}

func normaliseStoreURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("give the store's address, https://HOST[/PATH]")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return strings.TrimRight(s, "/"), errors.New("want https://HOST[/PATH] without credentials, query or fragment")
	}
	if u.Scheme != "https" {
		return strings.TrimRight(s, "/"), errors.New("want https: consumer keys are sent with every request")
	}
	u.Host = strings.ToLower(u.Host)
	return strings.TrimRight(u.String(), "/"), nil
}

// Marshal returns the credentials as stored: the store package seals them before they are written
// and they are never logged or shown.
func (c Credentials) Marshal() []byte {
	b, err := json.Marshal(c)
	if err != nil { // every field is a string: encoding cannot fail
		panic("woocommerce: encoding credentials: " + err.Error())
	}
	return b
}

// DefaultBaseURL is where the store answers unless a store says otherwise.
func (c Credentials) DefaultBaseURL() string { return c.StoreURL }

// Domain is the store's host, for display.
func (c Credentials) Domain() string {
	u, err := url.Parse(c.StoreURL)
	if err != nil {
		return c.StoreURL
	}
	return u.Host + strings.TrimRight(u.Path, "/")
}

// SigningSecret is the secret storesync gives its webhook subscriptions: WebhookSecret, or one
// derived from the consumer secret.
func (c Credentials) SigningSecret() string {
	if c.WebhookSecret != "" {
		return c.WebhookSecret
	}
	return DeriveWebhookSecret(c.ConsumerSecret)
}

// DeriveWebhookSecret is the webhook secret storesync chooses for a consumer secret.
func DeriveWebhookSecret(consumerSecret string) string {
	m := hmac.New(sha256.New, []byte(consumerSecret))
	m.Write([]byte("storesync webhook secret v1"))
	return "whsec_" + hex.EncodeToString(m.Sum(nil))
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
