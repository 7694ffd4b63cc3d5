package platform

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/storesync/storesync/internal/platform/httpclient"
)

// HMACCheck describes a delivery signed with a base64 HMAC-SHA256 of its raw body in a header
// (Shopify's X-Shopify-Hmac-Sha256, WooCommerce's X-WC-Webhook-Signature).
type HMACCheck struct {
	Platform   string // for the error
	Store      string // the store the delivery says it is from, for the error
	Header     string // the signature's header
	Secret     string // the key
	SecretName string // what a person calls the key, for the error: "app secret", "webhook secret"
	MaxBytes   int64  // the body's limit
}

// VerifyHMACSHA256 reads the delivery's body (at most c.MaxBytes) and checks its signature in
// constant time, before anything in it is parsed, and returns the verified body. A missing or
// wrong signature is a *Error of KindAuth (answer 401, keep nothing); a body over the limit wraps
// ErrWebhookTooLarge, and a missing secret ErrNoWebhookSecret.
func VerifyHMACSHA256(r *http.Request, c HMACCheck) ([]byte, error) {
	fail := func(kind Kind, msg string, err error) error {
		return &Error{Platform: c.Platform, Store: c.Store, Op: "verifying webhook", Kind: kind, Message: msg, Err: err}
	}
	if c.Secret == "" {
		return nil, fail(KindAuth, ErrNoWebhookSecret.Error(), ErrNoWebhookSecret)
	}
	sig := r.Header.Get(c.Header)
	if sig == "" {
		return nil, fail(KindAuth, "unsigned webhook (no "+c.Header+")", nil)
	}
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return nil, fail(KindAuth, "malformed signature", err)
	}
	body, err := httpclient.ReadLimited(r.Body, c.MaxBytes)
	var mbe *http.MaxBytesError
	if errors.Is(err, httpclient.ErrTooLarge) || errors.As(err, &mbe) {
		return nil, fail(KindInvalidInput, fmt.Sprintf("body over %d bytes", c.MaxBytes), ErrWebhookTooLarge)
	}
	if err != nil {
		return nil, fail(KindUnavailable, "body cut off while reading", err)
	}
	mac := hmac.New(sha256.New, []byte(c.Secret))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return nil, fail(KindAuth, "signature does not match: wrong "+c.SecretName+" or tampered body", nil)
	}
	return body, nil
}
