package shopify

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

func pushInput(key string) platform.OrderInput {
	price := platform.Money{Amount: 1000, Currency: "USD"}
	return platform.OrderInput{IdempotencyKey: key, Currency: "USD", Email: "ada@example.com",
		Lines: []platform.OrderLineInput{{VariantID: "gid://shopify/ProductVariant/1", Quantity: 2, UnitPrice: &price}}}
}

func noOrders(w http.ResponseWriter) {
	reply(w, map[string]any{"orders": map[string]any{"nodes": []any{}, "pageInfo": map[string]any{"hasNextPage": false}}})
}

// TestCreateOrderAnswerLost: orderCreate answered 502 is not sent again; the error says the
// outcome is unknown and to look again after the search lag. The next call on the same client
// waits out the lag before searching, and creates only when the search still finds nothing.
func TestCreateOrderAnswerLost(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		switch c.Op {
		case "Orders":
			noOrders(w)
		case "OrderCreate":
			if n == 0 {
				http.Error(w, `{"errors":"Bad Gateway"}`, http.StatusBadGateway)
				return
			}
			reply(w, map[string]any{"orderCreate": map[string]any{"order": orderData("gid://shopify/Order/9"), "userErrors": []any{}}})
		}
	})
	c, sl := f.client(t)
	_, err := c.CreateOrder(context.Background(), pushInput("k1"))
	var pe *platform.Error
	if !asError(err, &pe) || pe.Kind != platform.KindOutcomeUnknown || !pe.Retryable || pe.RetryAfter != DefaultOrderSearchLag || pe.StatusCode != http.StatusBadGateway {
		t.Fatalf("lost answer: %#v", err)
	}
	if n := len(f.opCalls("OrderCreate")); n != 1 {
		t.Fatalf("orderCreate sent %d times after a 502, want 1", n)
	}
	if len(sl.all()) != 0 {
		t.Fatalf("slept %v", sl.all())
	}
	o, err := c.CreateOrder(context.Background(), pushInput("k1"))
	if err != nil || o.ID != "gid://shopify/Order/9" {
		t.Fatalf("second attempt: %+v, %v", o, err)
	}
	if got := sl.all(); len(got) != 1 || got[0] != DefaultOrderSearchLag {
		t.Fatalf("second attempt waited %v before searching, want the lag", got)
	}
	if n := len(f.opCalls("Orders")); n != 2 {
		t.Fatalf("%d searches", n)
	}

	// After a restart the job's UncertainSince stands in for the client's memory: the wait is
	// what remains of the lag since then.
	restarted, sl2 := f.client(t)
	in := pushInput("k2")
	in.UncertainSince = time.Date(2026, 11, 23, 11, 59, 55, 0, time.UTC) // 5 s before the fake's now
	if _, err := restarted.CreateOrder(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if got := sl2.all(); len(got) != 1 || got[0] != 10*time.Second {
		t.Fatalf("waited %v, want the 10 s left of the lag", got)
	}
}

// TestCreateOrderRefusedIsNotInDoubt: answers that say Shopify did not run the create (429, a
// refused document, user errors, a shop unreachable before sending) are not outcome-unknown.
func TestCreateOrderRefusedIsNotInDoubt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, n int)
		kind   platform.Kind
	}{
		{"429 then created", func(w http.ResponseWriter, n int) {
			if n == 0 {
				w.Header().Set("Retry-After", "1.0")
				http.Error(w, `{"errors":"Exceeded"}`, http.StatusTooManyRequests)
				return
			}
			reply(w, map[string]any{"orderCreate": map[string]any{"order": orderData("gid://shopify/Order/9"), "userErrors": []any{}}})
		}, ""},
		{"user errors", func(w http.ResponseWriter, n int) {
			reply(w, map[string]any{"orderCreate": map[string]any{"order": nil, "userErrors": []any{
				map[string]any{"field": []any{"order", "lineItems", "0", "variantId"}, "message": "Variant does not exist"}}}})
		}, platform.KindInvalidInput},
		{"document refused", func(w http.ResponseWriter, n int) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"errors":[{"message":"Field 'x' doesn't exist","extensions":{"code":"undefinedField"}}]}`))
		}, platform.KindInternal},
		{"GraphQL internal error", func(w http.ResponseWriter, n int) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"errors":[{"message":"Internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`))
		}, platform.KindOutcomeUnknown},
		{"500", func(w http.ResponseWriter, n int) {
			http.Error(w, `{"errors":"oops"}`, http.StatusInternalServerError)
		}, platform.KindOutcomeUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, c call, n int) {
				switch c.Op {
				case "Orders":
					noOrders(w)
				case "OrderCreate":
					tc.answer(w, n)
				}
			})
			c, _ := f.client(t)
			_, err := c.CreateOrder(context.Background(), pushInput("k"))
			if platform.KindOf(err) != tc.kind {
				t.Fatalf("got %v, want kind %q", err, tc.kind)
			}
		})
	}
}

func TestMayHaveRunUnreachable(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, c call, n int) { noOrders(w) })
	c, _ := f.client(t, func(cfg *Config) { cfg.BaseURL = "http://127.0.0.1:1/shops/" + testShop })
	_, err := c.CreateOrder(context.Background(), platform.OrderInput{Currency: "USD",
		Lines: []platform.OrderLineInput{{VariantID: "gid://shopify/ProductVariant/1", Quantity: 1}}})
	if k := platform.KindOf(err); k != platform.KindUnavailable {
		t.Fatalf("connection refused before sending: %v (kind %q), want unavailable", err, k)
	}
}

// TestPushMemory: marks expire; a create that ended after the caller looked makes it look again.
func TestPushMemory(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	lag := 10 * time.Second
	var p pushMemory
	if p.begin("a", time.Time{}, now) != beginOK || p.begin("a", time.Time{}, now) != beginBusy {
		t.Fatal("a second create while one is in flight")
	}
	p.end("a", "", true, now, lag) // answer lost
	if _, doubt := p.recall("a", now); !doubt.Equal(now) {
		t.Fatalf("doubt %v", doubt)
	}
	if p.begin("a", time.Time{}, now) != beginChanged {
		t.Fatal("a caller that did not wait out the doubt may create")
	}
	if p.begin("a", now, now.Add(lag)) != beginOK {
		t.Fatal("a caller that waited out the doubt may not create")
	}
	p.end("a", "gid://shopify/Order/1", false, now.Add(lag), lag)
	if id, _ := p.recall("a", now.Add(2*lag)); id != "gid://shopify/Order/1" {
		t.Fatalf("created order forgotten early: %q", id)
	}
	if p.begin("a", now, now.Add(2*lag)) != beginChanged {
		t.Fatal("a create after one that made the order")
	}
	later := now.Add(4 * lag)
	if id, doubt := p.recall("a", later); id != "" || !doubt.IsZero() {
		t.Fatal("mark kept past its time")
	}
	if p.begin("a", time.Time{}, later) != beginOK {
		t.Fatal("an expired mark blocks a create")
	}
	p.end("a", "", false, later, lag) // certainly not made: forgotten
	if len(p.marks) != 0 {
		t.Fatalf("marks %v", p.marks)
	}
}
