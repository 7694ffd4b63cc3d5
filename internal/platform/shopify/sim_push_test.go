package shopify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// Scaled-down figures of the real ones: Shopify's search lags by seconds (the simulator's by
// searchLag here), the client waits clientLag (15 s by default), and the durable job's first
// retry comes after jobBackoff (5 s in internal/jobs), inside the lag.
const (
	searchLag  = 400 * time.Millisecond
	clientLag  = 600 * time.Millisecond
	jobBackoff = 50 * time.Millisecond
)

type pushEnv struct {
	sim   *shopifysim.Sim
	shop  *shopifysim.Shop
	srv   *httptest.Server
	items []string // variant ids
}

func newPushEnv(t *testing.T, domain string, locations int) *pushEnv {
	t.Helper()
	sim, err := shopifysim.New(shopifysim.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	sh, err := sim.AddShop(shopifysim.ShopConfig{Domain: domain, AccessToken: simToken, APISecret: simSecret, Locations: locations})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SeedCatalog(domain, 2, 1); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	e := &pushEnv{sim: sim, shop: sh, srv: srv}
	page, err := e.client(t, domain).ListProducts(context.Background(), platform.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page.Items {
		e.items = append(e.items, p.Variants[0].ID)
	}
	return e
}

// client is a new client, as after a restart: it remembers nothing of earlier calls.
func (e *pushEnv) client(t *testing.T, domain string) *shopify.Client {
	t.Helper()
	c, err := shopify.New(shopify.Config{
		Shop: domain, AccessToken: simToken, APISecret: simSecret, BaseURL: e.srv.URL + "/shops/" + domain,
		HTTPClient: e.srv.Client(), OrderSearchLag: clientLag,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *pushEnv) orderInput(key string) platform.OrderInput {
	return platform.OrderInput{
		IdempotencyKey: key, Currency: "USD", Email: "ada@example.com", Tags: []string{"dest-store", "#1001"},
		ShippingAddress: &platform.Address{FirstName: "Ada", Address1: "1 Loop St", City: "London", CountryCode: "GB", Zip: "N1"},
		Lines:           []platform.OrderLineInput{{VariantID: e.items[0], Quantity: 2}, {VariantID: e.items[1], Quantity: 1}},
		FinancialStatus: platform.FinancialPaid,
	}
}

// runPush is the durable push job: it calls CreateOrder until it succeeds, waiting after each
// failure its own backoff or, when it honours it, the RetryAfter the error asks for. After an
// outcome-unknown failure it records when (UncertainSince), as the job does durably. Each attempt
// gets a client from newClient: a new one is a process restarted between attempts.
func runPush(newClient func() *shopify.Client, in platform.OrderInput, honour bool) (platform.Order, int, error) {
	c := newClient()
	deadline := time.Now().Add(10 * time.Second)
	for attempt := 1; ; attempt++ {
		o, err := c.CreateOrder(context.Background(), in)
		if err == nil {
			return o, attempt, nil
		}
		if !platform.IsRetryable(err) || time.Now().After(deadline) {
			return o, attempt, fmt.Errorf("attempt %d: %w", attempt, err)
		}
		wait := jobBackoff
		if pe, ok := errors.AsType[*platform.Error](err); ok {
			if platform.KindOf(err) == platform.KindOutcomeUnknown {
				in.UncertainSince = time.Now()
			}
			if honour {
				wait = max(wait, pe.RetryAfter)
			}
		}
		time.Sleep(wait)
		c = newClient()
	}
}

// TestCreateOrderExactlyOnceWhenAnswerLost creates a push's order while Shopify runs the create
// but the answer is lost (502, a timeout, a cut connection) and its search shows new orders only
// after a lag: the retried push finds the first order, and the shop holds exactly one. The job
// either honours the error's RetryAfter or retries at its own, shorter backoff; the process may
// restart between attempts (a new client each time).
func TestCreateOrderExactlyOnceWhenAnswerLost(t *testing.T) {
	t.Parallel()
	modes := map[string]shopifysim.CallFaultMode{
		"lost answer": shopifysim.LoseResponse, "timeout": shopifysim.TimeoutAfter, "connection cut": shopifysim.ResetAfter,
	}
	for name, mode := range modes {
		for _, honour := range []bool{true, false} {
			t.Run(name+map[bool]string{true: ", honours RetryAfter", false: ", hasty job"}[honour], func(t *testing.T) {
				t.Parallel()
				domain := strings.ReplaceAll(name, " ", "-") + map[bool]string{true: "-h", false: "-x"}[honour] + ".myshopify.com"
				e := newPushEnv(t, domain, 1)
				e.sim.SetFaults(domain, shopifysim.Faults{SearchLag: searchLag, Timeout: 100 * time.Millisecond})
				e.sim.AddCallFault(domain, shopifysim.CallFault{Field: "orderCreate", Calls: []int{1}, Mode: mode})
				in := e.orderInput("push-" + domain)
				o, attempts, err := runPush(func() *shopify.Client { return e.client(t, domain) }, in, honour)
				if err != nil {
					t.Fatal(err)
				}
				if n := e.shop.OrdersTagged(shopify.PushTag(in.IdempotencyKey)); n != 1 {
					t.Fatalf("%d orders carry the push tag after %d attempts, want exactly 1", n, attempts)
				}
				if attempts < 2 || o.ID == "" || len(o.Lines) != 2 {
					t.Fatalf("order %+v after %d attempts", o, attempts)
				}
				// The order is found again by a later run, with no create.
				again, err := e.client(t, domain).CreateOrder(context.Background(), in)
				if err != nil || again.ID != o.ID || e.shop.OrdersTagged(shopify.PushTag(in.IdempotencyKey)) != 1 {
					t.Fatalf("re-run: %+v, %v", again, err)
				}
			})
		}
	}
}

// TestCreateOrderSameClientWithoutUncertainSince retries on the same client, as a job runner
// that keeps the process but records nothing: the client remembers the create it sent.
func TestCreateOrderSameClientWithoutUncertainSince(t *testing.T) {
	t.Parallel()
	const domain = "same-client.myshopify.com"
	e := newPushEnv(t, domain, 1)
	e.sim.SetFaults(domain, shopifysim.Faults{SearchLag: searchLag})
	e.sim.AddCallFault(domain, shopifysim.CallFault{Field: "orderCreate", Calls: []int{1}, Mode: shopifysim.LoseResponse})
	c := e.client(t, domain)
	in := e.orderInput("push-same")
	for attempt := 1; ; attempt++ {
		_, err := c.CreateOrder(context.Background(), in)
		if err == nil {
			break
		}
		if attempt > 100 {
			t.Fatalf("still failing: %v", err)
		}
		time.Sleep(jobBackoff)
	}
	if n := e.shop.OrdersTagged(shopify.PushTag(in.IdempotencyKey)); n != 1 {
		t.Fatalf("%d orders carry the push tag, want exactly 1", n)
	}
	// A create that succeeded is remembered too: a second push of the same key inside the lag
	// (the job failed after the create, say) finds it by id, not by the lagging search.
	in2 := e.orderInput("push-same-2")
	first, err := c.CreateOrder(context.Background(), in2)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.CreateOrder(context.Background(), in2)
	if err != nil || second.ID != first.ID || e.shop.OrdersTagged(shopify.PushTag(in2.IdempotencyKey)) != 1 {
		t.Fatalf("second create inside the lag: %+v, %v", second, err)
	}
}

// TestCreateFulfillmentPartialFailure ships an order's lines from two locations (one fulfilment
// each); the second fulfillmentCreate fails. The error names the part that failed and the one
// made; the retry creates only the missing fulfilment, and a further run creates nothing.
func TestCreateFulfillmentPartialFailure(t *testing.T) {
	t.Parallel()
	for name, mode := range map[string]shopifysim.CallFaultMode{"refused": shopifysim.FailBefore, "lost answer": shopifysim.LoseResponse} {
		for _, allLines := range []bool{false, true} {
			t.Run(name+map[bool]string{false: ", lines named", true: ", everything open"}[allLines], func(t *testing.T) {
				t.Parallel()
				domain := strings.ReplaceAll(name, " ", "-") + map[bool]string{false: "-l", true: "-a"}[allLines] + ".ship.myshopify.com"
				e := newPushEnv(t, domain, 2)
				c := e.client(t, domain)
				ctx := context.Background()
				o, err := c.CreateOrder(ctx, e.orderInput("ship-"+domain))
				if err != nil {
					t.Fatal(err)
				}
				if err := e.shop.MoveFulfillmentLines(o.ID, []string{o.Lines[1].ID}, 1); err != nil {
					t.Fatal(err)
				}
				in := platform.FulfillmentInput{OrderID: o.ID, Tracking: platform.Tracking{Company: "UPS", Number: "1Z1", URL: "https://ups.test/1Z1"}}
				if !allLines {
					in.Lines = []platform.FulfillmentLine{{OrderLineID: o.Lines[0].ID, Quantity: 2}, {OrderLineID: o.Lines[1].ID, Quantity: 1}}
				}
				e.sim.AddCallFault(domain, shopifysim.CallFault{Field: "fulfillmentCreate", Calls: []int{2}, Mode: mode})

				fs, err := c.CreateFulfillment(ctx, in)
				if err == nil || !platform.IsRetryable(err) {
					t.Fatalf("first run: %+v, %v; want a retryable error", fs, err)
				}
				if len(fs) != 1 || !strings.Contains(err.Error(), fs[0].ID) || !strings.Contains(err.Error(), "1 of 2") {
					t.Fatalf("first run reported %+v with %v: want the one made, named in the error", fs, err)
				}
				wantAfterFirst := map[shopifysim.CallFaultMode]int{shopifysim.FailBefore: 1, shopifysim.LoseResponse: 2}[mode]
				if n, _, _ := e.shop.Fulfillments(o.ID); n != wantAfterFirst {
					t.Fatalf("%d fulfilments after the first run, want %d", n, wantAfterFirst)
				}

				for run := range 2 {
					fs, err = c.CreateFulfillment(ctx, in)
					if err != nil {
						t.Fatalf("retry %d: %v", run, err)
					}
					n, shipped, _ := e.shop.Fulfillments(o.ID)
					if len(fs) != 2 || n != 2 || shipped[o.Lines[0].ID] != 2 || shipped[o.Lines[1].ID] != 1 {
						t.Fatalf("retry %d: reported %d, shop has %d shipping %v; want 2 shipping every line once", run, len(fs), n, shipped)
					}
					for _, f := range fs {
						if len(f.Tracking) != 1 || f.Tracking[0].Number != "1Z1" || len(f.Lines) != 1 {
							t.Fatalf("retry %d: fulfilment %+v", run, f)
						}
					}
				}
			})
		}
	}
}

// TestCreateOrderConcurrentSameKey runs the same push five times at once on one client (a job
// picked up twice, say) while the search lags: one order is made, every run returns it.
func TestCreateOrderConcurrentSameKey(t *testing.T) {
	t.Parallel()
	const domain = "concurrent.myshopify.com"
	e := newPushEnv(t, domain, 1)
	e.sim.SetFaults(domain, shopifysim.Faults{SearchLag: searchLag})
	c := e.client(t, domain)
	in := e.orderInput("push-concurrent")
	ids := make(chan string, 5)
	errs := make(chan error, 5)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			o, _, err := runPush(func() *shopify.Client { return c }, in, true)
			ids <- o.ID
			errs <- err
		})
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var first string
	for id := range ids {
		if first == "" {
			first = id
		}
		if id != first {
			t.Fatalf("runs returned orders %s and %s", first, id)
		}
	}
	if n := e.shop.OrdersTagged(shopify.PushTag(in.IdempotencyKey)); n != 1 {
		t.Fatalf("%d orders carry the push tag, want exactly 1", n)
	}
}
