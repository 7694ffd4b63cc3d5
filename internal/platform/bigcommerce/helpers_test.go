package bigcommerce_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform/bigcommerce"
	"github.com/storesync/storesync/internal/platform/httpclient"
	bcsim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

type env struct {
	sim   *bcsim.Sim
	store *bcsim.Store
	srv   *httptest.Server
	c     *bigcommerce.Client
	cfg   bigcommerce.Config
}

const (
	testHash   = "abc123"
	testToken  = "tok_test"
	testSecret = "whsec_test"
)

func newEnv(t *testing.T, sc bcsim.StoreConfig, opts bcsim.Options) *env {
	t.Helper()
	s, err := bcsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Hash == "" {
		sc.Hash = testHash
	}
	if sc.AccessToken == "" {
		sc.AccessToken = testToken
	}
	if sc.Quota == 0 {
		// A large quota in a short window: tests that do not test the limit never reach it,
		// and a simulated 429 (which announces the window's reset) costs under a second.
		sc.Quota, sc.Window = 100000, 500*time.Millisecond
	}
	st, err := s.AddStore(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	cfg := bigcommerce.Config{StoreHash: sc.Hash, AccessToken: sc.AccessToken, WebhookSecret: testSecret,
		BaseURL: srv.URL + bcsim.StorePath(sc.Hash), HTTPClient: srv.Client(),
		Backoff: httpclient.Backoff{Base: time.Millisecond, Max: 20 * time.Millisecond, MaxAttempts: 4}}
	c, err := bigcommerce.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sim: s, store: st, srv: srv, c: c, cfg: cfg}
}

func (e *env) client(t *testing.T, mod func(*bigcommerce.Config)) *bigcommerce.Client {
	t.Helper()
	cfg := e.cfg
	mod(&cfg)
	c, err := bigcommerce.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
