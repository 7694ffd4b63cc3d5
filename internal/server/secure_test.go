package server_test

import (
	"crypto/tls"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/storesync/storesync/internal/server"
)

func TestPolicy(t *testing.T) {
	t.Parallel()
	loopback := func(a string) bool { return a == "127.0.0.1" || a == "127.0.0.1:1234" }
	cases := []struct {
		name          string
		policy        server.Policy
		tls           bool
		remote        string
		header        http.Header
		secure, allow bool
		client        string
	}{
		{"https", server.Policy{}, true, "198.51.100.1:1234", nil, true, true, "198.51.100.1:1234"},
		{"plain http refused", server.Policy{}, false, "198.51.100.1:1234", nil, false, false, "198.51.100.1:1234"},
		{"forwarding headers ignored without --trust-proxy", server.Policy{},
			false, "198.51.100.1:1234", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-For": {"203.0.113.5"}}, false, false, "198.51.100.1:1234"},
		{"--allow-http", server.Policy{AllowHTTP: true}, false, "198.51.100.1:1234", nil, false, true, "198.51.100.1:1234"},
		{"--allow-http narrowed to loopback, remote client", server.Policy{AllowHTTP: true, AllowHTTPFrom: loopback},
			false, "198.51.100.1:1234", nil, false, false, "198.51.100.1:1234"},
		{"--allow-http narrowed to loopback, local client", server.Policy{AllowHTTP: true, AllowHTTPFrom: loopback},
			false, "127.0.0.1:1234", nil, false, true, "127.0.0.1:1234"},
		{"trusted proxy on https", server.Policy{TrustProxy: true},
			false, "10.0.0.2:555", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-For": {"1.2.3.4, 203.0.113.5"}}, true, true, "203.0.113.5"},
		{"trusted proxy on http", server.Policy{TrustProxy: true},
			false, "10.0.0.2:555", http.Header{"X-Forwarded-Proto": {"http"}}, false, false, "10.0.0.2:555"},
		{"trusted proxy, RFC 7239 Forwarded", server.Policy{TrustProxy: true},
			false, "10.0.0.2:555", http.Header{"Forwarded": {`for=1.1.1.1;proto=http, for="[2001:db8::1]:443";proto=https`}}, true, true, "2001:db8::1"},
		{"trusted proxy, forwarded client checked against --allow-http's narrowing", server.Policy{TrustProxy: true, AllowHTTP: true, AllowHTTPFrom: loopback},
			false, "127.0.0.1:9", http.Header{"X-Forwarded-For": {"203.0.113.5"}}, false, false, "203.0.113.5"},
		{"trusted proxy, garbage address", server.Policy{TrustProxy: true},
			false, "10.0.0.2:555", http.Header{"X-Forwarded-For": {"not-an-ip"}}, false, false, "10.0.0.2:555"},
	}
	for _, tc := range cases {
		r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/login", nil)
		r.RemoteAddr = tc.remote
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		} else {
			r.TLS = nil
		}
		maps.Copy(r.Header, tc.header)
		if got := tc.policy.Secure(r); got != tc.secure {
			t.Errorf("%s: Secure = %t, want %t", tc.name, got, tc.secure)
		}
		if got := tc.policy.Allows(r); got != tc.allow {
			t.Errorf("%s: Allows = %t, want %t", tc.name, got, tc.allow)
		}
		if got := tc.policy.ClientAddr(r); got != tc.client {
			t.Errorf("%s: ClientAddr = %q, want %q", tc.name, got, tc.client)
		}
		// The same answers through the request's context, as the API gate and the dashboard ask.
		var viaCtx bool
		tc.policy.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			viaCtx = server.RequestPolicy{}.Allows(r)
		})).ServeHTTP(httptest.NewRecorder(), r)
		if viaCtx != tc.allow {
			t.Errorf("%s: through Middleware, Allows = %t, want %t", tc.name, viaCtx, tc.allow)
		}
	}
}
