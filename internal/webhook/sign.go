package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers (https://www.standardwebhooks.com), which receivers' libraries
// verify without storesync-specific code.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"

	secretPrefix = "whsec_"
)

// ErrBadSignature is returned by Verify for a request that was not signed with the secret, or too
// long ago.
var ErrBadSignature = errors.New("webhook signature does not verify")

func secretKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil {
		return nil, fmt.Errorf("webhook secret is not base64: %w", err)
	}
	return key, nil
}

// Sign returns the webhook-signature header value for a message: "v1," and the base64 HMAC-SHA256,
// keyed by the secret, of id "." unix-seconds "." body.
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, timestamp.Unix(), body)), nil
}

func mac(key []byte, id string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id + "." + strconv.FormatInt(unix, 10) + "."))
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a received webhook's headers against secret, the way a receiver must: one of the
// space-separated v1 signatures matches, and the timestamp is within tolerance of now (which
// defeats replays of old messages).
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := secretKey(secret)
	if err != nil {
		return err
	}
	id, ts := h.Get(HeaderID), h.Get(HeaderTimestamp)
	unix, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return fmt.Errorf("%w: missing %s or %s", ErrBadSignature, HeaderID, HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %s is %s from now", ErrBadSignature, ts, d)
	}
	want := mac(key, id, unix, body)
	for sig := range strings.FieldsSeq(h.Get(HeaderSignature)) {
		v, b64, ok := strings.Cut(sig, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrBadSignature
}
