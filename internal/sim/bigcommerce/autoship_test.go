package bigcommerce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// A store that ships automatically ships the orders created through its API, after the delay,
// in one shipment with tracking, and leaves the ones its customers place for the merchant.
func TestAutoShipShipsOrdersMadeThroughTheAPI(t *testing.T) {
	e := newTenv(t, StoreConfig{}, Options{})
	pid, vids, err := e.st.AddProduct(SeedProduct{Name: "Mug", Variants: []SeedVariant{{SKU: "MUG-1", Price: "9.50", Quantity: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetAutoShip("store1", &AutoShip{Delay: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetAutoShip("nowhere", &AutoShip{}); err == nil {
		t.Error("automatic shipping was turned on for a store the simulator lacks")
	}
	placed, err := e.st.PlaceOrder("customer@example.com", []OrderLine{{VariantID: vids[0], Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	addr := map[string]any{"first_name": "Ada", "last_name": "Lovelace", "street_1": "1 Main St", "city": "Austin", "state": "Texas",
		"zip": "78701", "country": "United States", "country_iso2": "US", "email": "ada@example.com"}
	resp, b := e.do(t, http.MethodPost, "/v2/orders", "tok", map[string]any{"status_id": 11, "billing_address": addr,
		"products": []map[string]any{{"product_id": pid, "variant_id": vids[0], "quantity": 2}}})
	var created struct {
		ID int64 `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &created) != nil || created.ID == 0 {
		t.Fatalf("creating an order: %d %s", resp.StatusCode, b)
	}
	shipped := func(id int64) (n int, status int, tracking string) {
		e.st.mu.Lock()
		defer e.st.mu.Unlock()
		o := e.st.data.Orders[id]
		for _, sh := range o.Shipments {
			n++
			tracking = sh.TrackingCarrier + " " + sh.TrackingNumber + " " + sh.TrackingLink
		}
		return n, o.StatusID, tracking
	}
	if n, _, _ := shipped(created.ID); n != 0 {
		t.Fatal("the order was shipped before the delay")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, status, tracking := shipped(created.ID)
		if n == 1 {
			number := fmt.Sprintf("1ZBC%012d", created.ID)
			if status != 2 || tracking != "ups "+number+" https://www.ups.com/track?tracknum="+number {
				t.Errorf("the automatic shipment: status %d, tracking %q", status, tracking)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d not shipped automatically within 5s", created.ID)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n, _, _ := shipped(placed); n != 0 {
		t.Errorf("the order a customer placed was shipped automatically: %d shipments", n)
	}
	// Off again: the next order waits for the merchant.
	if err := e.s.SetAutoShip("store1", nil); err != nil {
		t.Fatal(err)
	}
	resp, b = e.do(t, http.MethodPost, "/v2/orders", "tok", map[string]any{"status_id": 11, "billing_address": addr,
		"products": []map[string]any{{"product_id": pid, "variant_id": vids[0], "quantity": 1}}})
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &created) != nil {
		t.Fatalf("creating an order: %d %s", resp.StatusCode, b)
	}
	time.Sleep(200 * time.Millisecond)
	if n, _, _ := shipped(created.ID); n != 0 {
		t.Errorf("an order was shipped with automatic shipping off")
	}
}
