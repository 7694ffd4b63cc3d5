package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// deleteStore deletes a store through the API and returns the status and the answer's body.
func (e *linkEnv) deleteStore(t *testing.T, key string, id int64) (int, string) {
	t.Helper()
	return apiCall(t, e.srv, key, http.MethodDelete, fmt.Sprintf("/api/v2/stores/%d", id), nil, nil)
}

// A store that is a side of a connection still connected is not deleted: 409 naming each
// connection and what to do (its destination disconnects, its source blocks), and nothing
// changes; once its destination disconnected it (or its source blocked it), the store goes,
// and the connection with it. Another account's store is not found, whatever its connections.
func TestDeletingAStoreOfAConnection(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, _ := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst1, _ := e.shop(t, e.account, "reseller-one.myshopify.com")
		dst2, _ := e.shop(t, e.account, "reseller-two.myshopify.com")
		c1, c2 := e.connect(t, dst1, src), e.connect(t, dst2, src)

		code, body := e.deleteStore(t, e.key, dst1.ID)
		if code != 409 || !strings.Contains(body, fmt.Sprintf("%d (from supplier.myshopify.com: disconnect it)", c1)) {
			t.Fatalf("deleting a connected destination: %d %s; want 409 naming connection %d", code, body, c1)
		}
		code, body = e.deleteStore(t, e.supplierKey, src.ID)
		if code != 409 || !strings.Contains(body, fmt.Sprintf("%d (to reseller-one.myshopify.com: block it)", c1)) ||
			!strings.Contains(body, fmt.Sprintf("%d (to reseller-two.myshopify.com: block it)", c2)) {
			t.Fatalf("deleting a connected source: %d %s; want 409 naming connections %d and %d", code, body, c1, c2)
		}
		if code, _ := e.deleteStore(t, e.strangerKey, src.ID); code != 404 {
			t.Errorf("a stranger deleting the source: %d; want 404", code)
		}
		for _, c := range []int64{c1, c2} {
			var got struct{ State string }
			if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d", c), nil, &got); code != 200 || got.State != "connected" {
				t.Fatalf("connection %d after the refused deletes: %d %s; want it connected", c, code, got.State)
			}
		}

		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/disconnect", c1), map[string]any{"products": "keep"}, nil); code != 200 {
			t.Fatalf("disconnect: %d", code)
		}
		e.awaitAction(t, c1)
		if code, body := e.deleteStore(t, e.key, dst1.ID); code != 200 {
			t.Fatalf("deleting a destination once disconnected: %d %s", code, body)
		}
		if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d", c1), nil, nil); code != 404 {
			t.Errorf("the deleted destination's connection: %d; want 404", code)
		}
		code, body = e.deleteStore(t, e.supplierKey, src.ID)
		if code != 409 || strings.Contains(body, fmt.Sprintf("%d (", c1)) || !strings.Contains(body, fmt.Sprintf("%d (", c2)) {
			t.Fatalf("deleting the source with one connection left: %d %s; want 409 naming only %d", code, body, c2)
		}
		if code := e.call(t, e.supplierKey, "POST", fmt.Sprintf("/api/v2/connections/%d/block", c2), nil, nil); code != 200 {
			t.Fatalf("block: %d", code)
		}
		if code, body := e.deleteStore(t, e.supplierKey, src.ID); code != 200 {
			t.Fatalf("deleting a source once its destinations are blocked: %d %s", code, body)
		}
		if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d", c2), nil, nil); code != 404 {
			t.Errorf("the deleted source's connection: %d; want 404", code)
		}
	})
}
