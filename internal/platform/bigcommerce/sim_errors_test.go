package bigcommerce_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
	"github.com/storesync/storesync/internal/platform/httpclient"
	bcsim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

func TestErrorKinds(t *testing.T) {
	e := newEnv(t, bcsim.StoreConfig{}, bcsim.Options{})
	ctx := t.Context()
	bad := e.client(t, func(c *bigcommerceConfig) { c.AccessToken = "wrong" })
	_, err := bad.Shop(ctx)
	if pe, ok := asPlatformError(err); !ok || pe.Kind != platform.KindAuth || pe.StatusCode != http.StatusUnauthorized || pe.Retryable {
		t.Fatalf("wrong token: %v", err)
	}
	// Faults: 5xx are retried; so is a 429; a 401/403/404 is not.
	for _, tc := range []struct {
		status int
		n      int
		kind   platform.Kind
	}{{500, 2, ""}, {503, 2, ""}, {429, 2, ""}, {500, 9, platform.KindUnavailable}, {403, 1, platform.KindForbidden}, {404, 1, platform.KindNotFound}, {401, 1, platform.KindAuth}} {
		_ = e.sim.FailNext(testHash, tc.n, tc.status)
		_, err := e.c.Locations(ctx)
		if platform.KindOf(err) != tc.kind {
			t.Fatalf("%d×%d: %v, want kind %q", tc.n, tc.status, err, tc.kind)
		}
		_ = e.sim.FailNext(testHash, 0, 0)
		if tc.n == 9 {
			// drain what the retries left
			for range 5 {
				_, _ = e.c.Locations(ctx)
			}
		}
	}
	// A v2 refusal keeps the platform's message; a v3 refusal its field errors.
	_, err = e.c.CreateFulfillment(ctx, platform.FulfillmentInput{OrderID: "notanid"})
	if platform.KindOf(err) != platform.KindInvalidInput {
		t.Fatalf("bad id: %v", err)
	}
	_, vids := seedOne(t, e, 1)
	_, err = e.c.InventoryLevels(ctx, "77", []string{vid(vids[0])})
	if platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("unknown location: %v", err)
	}
	// A call that hangs is cut by the client's timeout and retried.
	e2 := e.client(t, func(c *bigcommerceConfig) {
		c.HTTPClient = &httpTimeoutClient{timeout: 100 * time.Millisecond, base: e.srv.Client()}
		c.Backoff = httpclient.Backoff{Base: time.Millisecond, Max: time.Millisecond, MaxAttempts: 2}
	})
	_ = e.sim.SetFaultHook(testHash, func(method, path string) bcsim.Fault { return bcsim.Fault{Hang: true} })
	_, err = e2.Locations(ctx)
	if pe, ok := asPlatformError(err); !ok || pe.Kind != platform.KindUnavailable || !pe.Retryable {
		t.Fatalf("timeout: %v", err)
	}
	_ = e.sim.SetFaultHook(testHash, nil)
}

// TestRateLimitPacing: two clients of one store share its budget; together they make many more
// calls than the quota without a single 429, by waiting for the window to reset.
func TestRateLimitPacing(t *testing.T) {
	e := newEnv(t, bcsim.StoreConfig{Quota: 15, Window: 400 * time.Millisecond}, bcsim.Options{})
	ctx := t.Context()
	lim := bigcommerce.NewLimiter(nil)
	a := e.client(t, func(c *bigcommerceConfig) { c.Limiter = lim })
	b := e.client(t, func(c *bigcommerceConfig) { c.Limiter = lim })
	if _, err := a.Shop(ctx); err != nil { // the first answer tells the budget
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			_, err := c.Locations(ctx)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if th := e.store.Throttled(); th != 0 {
		t.Fatalf("%d calls throttled, want 0", th)
	}
	if st := lim.Stats(); st.Waits == 0 || st.Quota != 15 {
		t.Fatalf("limiter %+v: want waits and the quota learned", st)
	}
	// Without a shared budget the store's 429s are retried after the reset it announces.
	_ = e.sim.FailNext(testHash, 1, 429)
	if _, err := a.Locations(ctx); err != nil {
		t.Fatalf("after a 429: %v", err)
	}
}
