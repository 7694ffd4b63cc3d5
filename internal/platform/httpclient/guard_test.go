package httpclient_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform/httpclient"
)

// Every address that is not the public internet is refused by the dialer, after resolution
// and on redirects, with an error that says which address and why; --allow-private-targets
// (AllowPrivate) lets them all through, and Allow lets one exact address through.
func TestGuardRefusesInsideAddresses(t *testing.T) {
	t.Parallel()
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("secret")) }))
	t.Cleanup(inside.Close)
	_, port, _ := net.SplitHostPort(inside.Listener.Addr().String())
	// An allowed front that redirects to the inside server: the redirect is dialled anew.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inside.URL+"/meta", http.StatusFound)
	}))
	t.Cleanup(front.Close)

	tests := []struct {
		name, url, reason string
	}{
		{"loopback", inside.URL, "loopback"},
		{"localhost by name", "http://localhost:" + port, "loopback"},
		{"10.x", "http://10.1.2.3:" + port, "private"},
		{"metadata", "http://169.254.169.254/latest/meta-data/", "link-local"},
		{"IPv6 loopback", "http://[::1]:" + port, "loopback"},
		{"IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]:" + port, "loopback"},
		{"IPv4-mapped metadata", "http://[::ffff:a9fe:a9fe]/", "link-local"},
		{"redirect to loopback", front.URL, "loopback"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := &httpclient.Guard{}
			g.Allow(front.Listener.Addr().String())
			c := g.Client(httpclient.ClientOptions{Timeout: 5 * time.Second, MaxRedirects: 3})
			resp, err := get(t, c, tc.url)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET %s answered %d; want refused", tc.url, resp.StatusCode)
			}
			var te *httpclient.TargetError
			if !errors.Is(err, httpclient.ErrForbiddenTarget) || !errors.As(err, &te) || !strings.Contains(te.Reason, tc.reason) {
				t.Fatalf("GET %s: %v; want a refusal naming %q", tc.url, err, tc.reason)
			}
			if !strings.Contains(err.Error(), "--allow-private-targets") {
				t.Errorf("error does not say how to allow it: %v", err)
			}
			if err := g.CheckURL(tc.url); tc.name != "redirect to loopback" && err == nil {
				t.Errorf("CheckURL(%s) accepted it", tc.url)
			}
		})
	}
	t.Run("allowed with the option", func(t *testing.T) {
		t.Parallel()
		g := &httpclient.Guard{AllowPrivate: true}
		c := g.Client(httpclient.ClientOptions{Timeout: 5 * time.Second, MaxRedirects: 3})
		for _, u := range []string{inside.URL, "http://[::ffff:127.0.0.1]:" + port, front.URL} {
			resp, err := get(t, c, u)
			if err != nil {
				t.Fatalf("GET %s with AllowPrivate: %v", u, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", u, resp.StatusCode)
			}
		}
	})
	t.Run("no redirects followed unless asked", func(t *testing.T) {
		t.Parallel()
		g := &httpclient.Guard{}
		g.Allow(front.Listener.Addr().String())
		resp, err := get(t, g.Client(httpclient.ClientOptions{Timeout: 5 * time.Second}), front.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Errorf("status %d; want the 302 itself", resp.StatusCode)
		}
	})
}

func TestClassifyPublic(t *testing.T) {
	t.Parallel()
	g := &httpclient.Guard{}
	for _, a := range []string{"[fe80::1%eth0]:80", "[::ffff:10.0.0.1]:80", "[64:ff9b::7f00:1]:80", "0.0.0.0:80", "[fd00::1]:443", "100.64.1.1:80"} {
		if err := g.Check(a); err == nil {
			t.Errorf("inside %s allowed", a)
		}
	}
	for _, a := range []string{"8.8.8.8:443", "[2606:4700::1111]:443", "23.227.38.65:443"} {
		if err := g.Check(a); err != nil {
			t.Errorf("public %s refused: %v", a, err)
		}
	}
}

// get is c.Get with the test's context.
func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}
