package woocommerce_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/platform/woocommerce"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
)

// clock is a settable clock shared by the simulator and the client.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	sim    *woocommercesim.Sim
	store  *woocommercesim.Store
	srv    *httptest.Server
	client *woocommerce.Client
	clock  *clock
	cfg    woocommerce.Config
	slept  *[]time.Duration
}

type envOpts struct {
	tracking bool
	batch    int
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	sim, err := woocommercesim.New(woocommercesim.Options{Now: clk.Now, SyncWebhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		// The simulator first: closing it releases calls held by a Hang fault.
		if err := sim.Close(); err != nil {
			t.Error(err)
		}
		srv.Close()
	})
	st, err := sim.AddStore(woocommercesim.StoreConfig{Name: "acme", ConsumerKey: "ck_test", ConsumerSecret: "cs_test",
		ShipmentTracking: o.tracking, BatchLimit: o.batch})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{sim: sim, store: st, srv: srv, clock: clk, slept: new([]time.Duration)}
	var mu sync.Mutex
	e.cfg = woocommerce.Config{
		BaseURL: woocommercesim.BaseURL(srv.URL, "acme"), ConsumerKey: "ck_test", ConsumerSecret: "cs_test",
		HTTPClient: srv.Client(), Now: clk.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			*e.slept = append(*e.slept, d)
			mu.Unlock()
			clk.Add(d)
			return ctx.Err()
		},
		Backoff: httpclient.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond},
	}
	e.client = e.newClient(t)
	return e
}

func (e *env) newClient(t testing.TB) *woocommerce.Client {
	t.Helper()
	c, err := woocommerce.New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) seedSimple(t testing.TB, sku string, qty int64) int64 {
	t.Helper()
	id, _, err := e.store.Seed(woocommercesim.SeedProduct{Name: "Product " + sku, Variants: []woocommercesim.SeedVariant{{SKU: sku, Price: "10.00", Quantity: qty}}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
