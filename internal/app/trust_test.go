package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/server"
)

// The demo's simulated shops post their webhooks with a client that verifies certificates: it
// accepts the certificate this server serves and refuses any other, as a real shop would.
func TestTrustingClientVerifiesTheServersCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	a := &App{Config: config.Config{DataDir: dir, TLSSelfSigned: true}, Now: func() time.Time { return now }}
	c, err := a.trustingClient()
	if err != nil {
		t.Fatal(err)
	}
	own, err := server.SelfSigned(filepath.Join(dir, "tls"), now)
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	ours := httptest.NewUnstartedServer(ok)
	ours.TLS = &tls.Config{Certificates: []tls.Certificate{own}, MinVersion: tls.VersionTLS12}
	ours.StartTLS()
	t.Cleanup(ours.Close)
	other := httptest.NewUnstartedServer(ok)           // with a certificate this server does not serve
	other.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	other.StartTLS()
	t.Cleanup(other.Close)

	for _, tc := range []struct {
		name    string
		url     string
		trusted bool
	}{
		{"this server's certificate", ours.URL, true},
		{"another certificate", other.URL, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if err == nil {
				_ = resp.Body.Close()
			}
			_, unknown := errors.AsType[x509.UnknownAuthorityError](err)
			switch {
			case tc.trusted && err != nil:
				t.Fatalf("refused: %v", err)
			case !tc.trusted && err == nil:
				t.Fatal("accepted a certificate this server does not serve")
			case !tc.trusted && !unknown:
				t.Fatalf("refused for another reason than the certificate: %v", err)
			}
		})
	}
}
