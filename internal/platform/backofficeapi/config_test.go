package backofficeapi

import (
	"errors"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// The base URL must be https:// unless insecure is allowed, and may not point inside the network
// unless the operator's guard allows it, as for the stores' clients.
func TestConfigRefusesInsecureAndPrivate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"public https", Config{BaseURL: "https://bo.example.com/", APIKey: "k"}, true},
		{"plain http", Config{BaseURL: "http://bo.example.com", APIKey: "k"}, false},
		{"plain http allowed", Config{BaseURL: "http://bo.example.com", APIKey: "k", AllowInsecure: true}, true},
		{"loopback", Config{BaseURL: "https://127.0.0.1:8443", APIKey: "k"}, false},
		{"local name", Config{BaseURL: "https://bo.internal", APIKey: "k"}, false},
		{"loopback allowed", Config{BaseURL: "http://127.0.0.1:8080", APIKey: "k", AllowInsecure: true,
			Guard: &httpclient.Guard{AllowPrivate: true}}, true},
		{"no key", Config{BaseURL: "https://bo.example.com"}, false},
		{"not a URL", Config{BaseURL: "bo.example.com", APIKey: "k"}, false},
		{"query", Config{BaseURL: "https://bo.example.com/?x=1", APIKey: "k"}, false},
	} {
		_, err := New(c.cfg)
		if c.ok != (err == nil) {
			t.Errorf("%s: New = %v", c.name, err)
		}
		if err != nil {
			if pe, ok := errors.AsType[*platform.Error](err); !ok || pe.Kind != platform.KindInvalidInput || len(pe.Fields) == 0 {
				t.Errorf("%s: %v is not invalid input naming a field", c.name, err)
			}
		}
	}
}

func TestFieldOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ location, message, want string }{
		{"body.primary_rep", "is not the email of a user of this account", "primary_rep"},
		{"body.lines[0].unit_price", "must be a decimal amount", "lines[0].unit_price"},
		{"body", "expected required property store_id to be present", "store_id"},
		{"body.ship_to", "expected required property city to be present", "ship_to.city"},
		{"header.Idempotency-Key", "was already used", "header.Idempotency-Key"},
		{"query.page", "expected number >= 1", "query.page"},
	} {
		if got := fieldOf(c.location, c.message); got != c.want {
			t.Errorf("fieldOf(%q, %q) = %q, want %q", c.location, c.message, got, c.want)
		}
	}
}
