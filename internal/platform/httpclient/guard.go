package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrForbiddenTarget is the cause of every refused outgoing connection (errors.Is): the address
// is loopback, private, link-local (cloud metadata), or otherwise not on the public internet.
var ErrForbiddenTarget = errors.New("address not allowed")

// TargetError says which address was refused and why; it wraps ErrForbiddenTarget.
type TargetError struct {
	Addr   string // the IP (and port) dialled, after DNS resolution
	Reason string // "loopback", "private", "link-local (cloud metadata)", ...
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("%s: %s is not public (%s); an operator whose stores live on their own network can allow it with --allow-private-targets",
		ErrForbiddenTarget, e.Addr, e.Reason)
}

func (e *TargetError) Unwrap() error { return ErrForbiddenTarget }

// special lists the ranges that are not the public internet, with the word a person reads.
// IPv4-mapped IPv6 addresses are unmapped before the check, so ::ffff:127.0.0.1 is loopback.
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (cloud metadata)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
	{netip.MustParsePrefix("fc00::/7"), "private (unique local)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// Classify returns why ip is not a public address, or "" when it is.
func Classify(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("") // a zoned address never matches a prefix: drop the zone first
	for _, s := range special {
		if s.prefix.Contains(ip) {
			return s.reason
		}
	}
	return ""
}

// Guard decides which addresses outgoing clients may connect to. Its check runs in the dialer,
// on the IP actually dialled after DNS resolution, so neither a name that resolves to an inside
// address nor one whose answer changes between a check and the connection (DNS rebinding)
// slips through; every redirect dials again through the same check. The zero Guard refuses
// every non-public address. It is safe for concurrent use.
type Guard struct {
	// AllowPrivate turns the check off (--allow-private-targets): stores on the operator's own
	// network.
	AllowPrivate bool
	// RootCAs, when set, are the certificate authorities outgoing HTTPS trusts (--ca-file: the
	// system's and the operator's own); nil: the system's.
	RootCAs *x509.CertPool

	mu    sync.RWMutex
	allow map[string]bool // exact IP:port pairs let through: the built-in simulators
}

// Allow lets connections to one exact address ("127.0.0.1:40123") through whatever it is: the
// wiring calls it for the simulators it starts itself, rather than turning the check off.
func (g *Guard) Allow(hostport string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.allow == nil {
		g.allow = map[string]bool{}
	}
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		hostport = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
	}
	g.allow[hostport] = true
}

// Check refuses a dialled address ("IP:port") that is not public, unless allowed.
func (g *Guard) Check(address string) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &TargetError{Addr: address, Reason: "unparsable"}
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	g.mu.RLock()
	ok := g.allow[ap.String()]
	g.mu.RUnlock()
	if ok {
		return nil
	}
	if r := Classify(ap.Addr()); r != "" {
		return &TargetError{Addr: ap.String(), Reason: r}
	}
	return nil
}

// CheckURL refuses early, with a clear error, a URL whose host is an IP literal or a name that
// is never public (localhost, *.internal, ...). It does not resolve names: the dialer's check is
// the one that holds; this one only answers a person at once.
func (g *Guard) CheckURL(raw string) error {
	if g.AllowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("URL does not parse: %w", err)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.Check(net.JoinHostPort(ip.Unmap().String(), port))
	}
	for _, suffix := range []string{"localhost", "localdomain", "internal", "local", "home.arpa"} {
		if host == suffix || strings.HasSuffix(host, "."+suffix) {
			return &TargetError{Addr: host, Reason: "local-only name"}
		}
	}
	return nil
}

// control is the net.Dialer hook: it sees the address after resolution, before connecting.
func (g *Guard) control(_, address string, _ syscall.RawConn) error { return g.Check(address) }

// ClientOptions shape a guarded client.
type ClientOptions struct {
	Timeout time.Duration // whole request; default 60s
	// MaxRedirects is how many redirects are followed (each dials through the guard again);
	// 0 follows none: the redirect answer itself is returned.
	MaxRedirects int
}

// Client returns an *http.Client whose every connection, redirects included, goes through the
// guard. It uses no proxy from the environment: a proxy would connect anywhere on our behalf.
func (g *Guard) Client(o ClientOptions) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	// net/http's default transport settings, spelled out rather than cloned from
	// http.DefaultTransport, which a program may have replaced or given its own dialer, proxy or
	// TLS settings: nothing here may bypass the guard.
	t := &http.Transport{
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
	if g.RootCAs != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: g.RootCAs, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Timeout: o.Timeout, Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > o.MaxRedirects {
			if o.MaxRedirects == 0 {
				return http.ErrUseLastResponse
			}
			return fmt.Errorf("stopped after %d redirects", o.MaxRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to a %q URL refused", req.URL.Scheme)
		}
		return nil
	}}
}

// DialContext dials through the guard, for clients that build their own transport.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	return d.DialContext(ctx, network, address)
}
