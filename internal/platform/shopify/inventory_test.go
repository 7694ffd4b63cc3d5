package shopify

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

func changes(n int, expected bool) []platform.InventoryChange {
	out := make([]platform.InventoryChange, n)
	for i := range out {
		out[i] = platform.InventoryChange{InventoryItemID: fmt.Sprintf("gid://shopify/InventoryItem/%d", i), LocationID: "gid://shopify/Location/1", Quantity: int64(i)}
		if expected {
			e := int64(100 + i)
			out[i].Expected = &e
		}
	}
	return out
}

// TestSetInventoryBatches checks that N changes take ⌈N/250⌉ calls, each with its own
// @idempotent key derived from the job, and that an absent expected value is sent as an
// explicit null (Shopify requires the field).
func TestSetInventoryBatches(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		reply(w, map[string]any{"inventorySetQuantities": map[string]any{"inventoryAdjustmentGroup": map[string]any{"id": "gid://shopify/InventoryAdjustmentGroup/1"}, "userErrors": []any{}}})
	})
	c, _ := f.client(t)
	in := changes(601, false)
	in = append(in, in[0]) // a duplicate pair: the last one wins
	res, err := c.SetInventory(context.Background(), platform.SetInventoryParams{IdempotencyKey: "job-42", Changes: in})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.opCalls("InventorySetQuantities")
	if res.Calls != 3 || len(calls) != 3 || res.Applied != 601 || res.Conflicts != 0 {
		t.Fatalf("result %+v, %d calls", res, len(calls))
	}
	keys := map[string]bool{}
	for i, cl := range calls {
		qs := cl.Vars["input"].(map[string]any)["quantities"].([]any)
		if want := []int{250, 250, 101}[i]; len(qs) != want {
			t.Errorf("call %d carries %d quantities, want %d", i, len(qs), want)
		}
		q0 := qs[0].(map[string]any)
		if v, ok := q0["changeFromQuantity"]; !ok || v != nil {
			t.Errorf("changeFromQuantity not an explicit null: %v", q0)
		}
		keys[cl.Vars["idempotencyKey"].(string)] = true
	}
	if len(keys) != 3 {
		t.Fatalf("idempotency keys not distinct per batch: %v", keys)
	}
	// The same job run again sends the same keys: Shopify applies each once.
	if _, err := c.SetInventory(context.Background(), platform.SetInventoryParams{IdempotencyKey: "job-42", Changes: in}); err != nil {
		t.Fatal(err)
	}
	for _, cl := range f.opCalls("InventorySetQuantities")[3:] {
		if !keys[cl.Vars["idempotencyKey"].(string)] {
			t.Fatalf("re-run used a new key %v", cl.Vars["idempotencyKey"])
		}
	}
	if _, err := c.SetInventory(context.Background(), platform.SetInventoryParams{Changes: in}); platform.KindOf(err) != platform.KindInvalidInput {
		t.Fatalf("missing key accepted: %v", err)
	}
}

// TestSetInventoryStale answers CHANGE_FROM_QUANTITY_STALE for one item; the client re-reads it
// and sends the batch again with the fresh quantity under a new key.
func TestSetInventoryStale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reread   bool
		wantLast int // quantities in the last call
		skipped  int
	}{
		{"reread and retry", true, 3, 0},
		{"skip stale", false, 2, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, c call, n int) {
				switch c.Op {
				case "InventorySetQuantities":
					var ue []any
					if n == 0 {
						ue = []any{map[string]any{"code": "CHANGE_FROM_QUANTITY_STALE", "field": []any{"input", "quantities", "1", "changeFromQuantity"}, "message": "The specified compare quantity does not match the current quantity."}}
					}
					reply(w, map[string]any{"inventorySetQuantities": map[string]any{"inventoryAdjustmentGroup": nil, "userErrors": ue}})
				case "InventoryLevels":
					// Every compared quantity is read again (Shopify may name only the first stale one).
					ids := c.Vars["ids"].([]any)
					if !slices.Contains(ids, any("gid://shopify/InventoryItem/1")) || c.Vars["locationId"] != "gid://shopify/Location/1" {
						t.Errorf("re-read %v", c.Vars)
					}
					var nodes []any
					for _, id := range ids {
						q := 5
						if id == "gid://shopify/InventoryItem/1" {
							q = 7
						}
						nodes = append(nodes, map[string]any{"id": id, "sku": "S", "tracked": true, "inventoryLevel": map[string]any{
							"id": "gid://shopify/InventoryLevel/1", "updatedAt": "2026-11-23T10:00:00Z",
							"quantities": []any{map[string]any{"name": "available", "quantity": q}, map[string]any{"name": "on_hand", "quantity": q + 2}}}})
					}
					reply(w, map[string]any{"nodes": nodes})
				}
			})
			c, _ := f.client(t)
			res, err := c.SetInventory(context.Background(), platform.SetInventoryParams{IdempotencyKey: "job-7", Changes: changes(3, true), RereadOnConflict: tc.reread})
			if err != nil {
				t.Fatal(err)
			}
			calls := f.opCalls("InventorySetQuantities")
			if len(calls) != 2 || res.Calls != 2 || res.Conflicts != 1 || len(res.Skipped) != tc.skipped {
				t.Fatalf("result %+v after %d calls", res, len(calls))
			}
			if calls[0].Vars["idempotencyKey"] == calls[1].Vars["idempotencyKey"] {
				t.Fatal("re-sent a changed batch under the same key")
			}
			qs := calls[1].Vars["input"].(map[string]any)["quantities"].([]any)
			if len(qs) != tc.wantLast {
				t.Fatalf("last call carries %d quantities", len(qs))
			}
			if tc.reread {
				if got := qs[1].(map[string]any)["changeFromQuantity"]; got != 7.0 {
					t.Fatalf("stale item sent with changeFromQuantity %v, want the re-read 7", got)
				}
				// The others are read again too: the answer may have named only the first stale.
				if got := qs[0].(map[string]any)["changeFromQuantity"]; got != 5.0 {
					t.Fatalf("other item sent with changeFromQuantity %v, want its re-read 5", got)
				}
			}
		})
	}
}

func TestIdempotencyKeyShape(t *testing.T) {
	t.Parallel()
	five, six := int64(5), int64(6)
	chunk := []platform.InventoryChange{{InventoryItemID: "i1", LocationID: "l1", Quantity: 3, Expected: &five}}
	a, b := idempotencyKey("job", 0, 0, chunk), idempotencyKey("job", 0, 1, chunk)
	if a == b || a != idempotencyKey("job", 0, 0, chunk) || len(a) != 36 || a[14] != '8' {
		t.Fatalf("keys %q %q", a, b)
	}
	// A later attempt of the same job whose re-read found another quantity sends other input:
	// it must not reuse the key (Shopify refuses a key reused with different parameters).
	fresh := []platform.InventoryChange{{InventoryItemID: "i1", LocationID: "l1", Quantity: 3, Expected: &six}}
	if c := idempotencyKey("job", 0, 1, fresh); c == b {
		t.Fatalf("key %q reused for other expected values", c)
	}
	if c := idempotencyKey("job", 0, 0, []platform.InventoryChange{{InventoryItemID: "i1", LocationID: "l1", Quantity: 4, Expected: &five}}); c == a {
		t.Fatalf("key %q reused for another quantity", c)
	}
}

func TestUserErrorKinds(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Shop: testShop, AccessToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		code      string
		kind      platform.Kind
		retryable bool
	}{
		{"CHANGE_FROM_QUANTITY_STALE", platform.KindConflict, false},
		{"IDEMPOTENCY_CONCURRENT_REQUEST", platform.KindUnavailable, true},
		{"IDEMPOTENCY_KEY_PARAMETER_MISMATCH", platform.KindInternal, false},
		{"OPERATION_IN_PROGRESS", platform.KindUnavailable, true},
		{"INVALID_LOCATION", platform.KindInvalidInput, false},
	}
	for _, tc := range tests {
		err := c.userErrorsToError("x", []userError{{Code: tc.code, Field: []string{"input", "a"}, Message: "m"}})
		var pe *platform.Error
		if !asError(err, &pe) || pe.Kind != tc.kind || pe.Retryable != tc.retryable || pe.Fields[0].Field != "input.a" {
			t.Errorf("%s: %+v", tc.code, err)
		}
	}
	if c.userErrorsToError("x", nil) != nil {
		t.Error("no user errors gave an error")
	}
}
