package server

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// Policy is the one rule for whether a request may carry credentials (an API key, a password, a
// session cookie): over HTTPS always; over plain HTTP only when the operator allowed it
// (--allow-http, which the demo narrows to loopback clients). Behind a TLS-terminating proxy
// (--trust-proxy) a request counts as HTTPS when the proxy says so (X-Forwarded-Proto or
// Forwarded), and the client's address is the one the proxy reports. The API gate and the
// dashboard both ask it, so they cannot disagree.
type Policy struct {
	// AllowHTTP lets requests in over plain HTTP.
	AllowHTTP bool
	// AllowHTTPFrom, when set, narrows AllowHTTP to the client addresses it accepts.
	AllowHTTPFrom func(clientAddr string) bool
	// TrustProxy believes the forwarding headers. Only set it when every request reaches this
	// server through the proxy, which must overwrite those headers: anyone reaching the port
	// directly could otherwise claim to be on HTTPS.
	TrustProxy bool
}

// Secure reports whether the request reached storesync, or the trusted proxy in front, over TLS.
func (p Policy) Secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return p.TrustProxy && strings.EqualFold(forwardedProto(r.Header), "https")
}

// ClientAddr is the address of the client: the one the trusted proxy reports, else the peer's.
func (p Policy) ClientAddr(r *http.Request) string {
	if p.TrustProxy {
		if a := forwardedFor(r.Header); a != "" {
			return a
		}
	}
	return r.RemoteAddr
}

// Allows reports whether the request may carry credentials.
func (p Policy) Allows(r *http.Request) bool {
	return p.Secure(r) || p.AllowHTTP && (p.AllowHTTPFrom == nil || p.AllowHTTPFrom(p.ClientAddr(r)))
}

type policyKey struct{}

// Middleware hands the policy to every request below it, so that handlers built without it (the
// API gate, the dashboard) apply the server's rule through RequestPolicy.
func (p Policy) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), policyKey{}, p)))
	})
}

// RequestPolicy applies the policy the server's Middleware put on the request, or Fallback where
// there is none (a handler mounted alone, in a test).
type RequestPolicy struct{ Fallback Policy }

func (rp RequestPolicy) of(r *http.Request) Policy {
	if p, ok := r.Context().Value(policyKey{}).(Policy); ok {
		return p
	}
	return rp.Fallback
}

// Secure is Policy.Secure of the request's policy.
func (rp RequestPolicy) Secure(r *http.Request) bool { return rp.of(r).Secure(r) }

// ClientAddr is Policy.ClientAddr of the request's policy.
func (rp RequestPolicy) ClientAddr(r *http.Request) string { return rp.of(r).ClientAddr(r) }

// Allows is Policy.Allows of the request's policy.
func (rp RequestPolicy) Allows(r *http.Request) bool { return rp.of(r).Allows(r) }

// forwardedProto reads the scheme the proxy was reached by: Forwarded's proto (RFC 7239), else
// X-Forwarded-Proto. With several hops the last is the one our proxy added.
func forwardedProto(h http.Header) string {
	if v := lastForwarded(h, "proto"); v != "" {
		return v
	}
	return lastListItem(h.Values("X-Forwarded-Proto"))
}

// forwardedFor reads the client address the proxy saw: the last "for" of Forwarded, else the last
// address of X-Forwarded-For (earlier ones are whatever the client chose to send).
func forwardedFor(h http.Header) string {
	v := lastForwarded(h, "for")
	if v == "" {
		v = lastListItem(h.Values("X-Forwarded-For"))
	}
	v = strings.Trim(v, `"`)
	if host, _, err := net.SplitHostPort(v); err == nil {
		v = host
	}
	v = strings.Trim(v, "[]")
	if net.ParseIP(v) == nil {
		return ""
	}
	return v
}

func lastForwarded(h http.Header, param string) string {
	elems := strings.Split(strings.Join(h.Values("Forwarded"), ","), ",")
	last := strings.TrimSpace(elems[len(elems)-1])
	for pair := range strings.SplitSeq(last, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if ok && strings.EqualFold(k, param) {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

func lastListItem(values []string) string {
	items := strings.Split(strings.Join(values, ","), ",")
	return strings.TrimSpace(items[len(items)-1])
}
