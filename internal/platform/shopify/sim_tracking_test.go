package shopify_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

func numbers(ts []platform.Tracking) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Number)
	}
	return out
}

// TestFulfillmentTracking ships with two parcels' tracking, then replaces the tracking of the
// fulfilment (UpdateTracking, twice: the same result), and reads it back; the supplier-side
// helpers of the simulator ship one fulfilment per location and add tracking the same way.
func TestFulfillmentTracking(t *testing.T) {
	t.Parallel()
	const domain = "tracking.ship.myshopify.com"
	e := newPushEnv(t, domain, 2)
	c := e.client(t, domain)
	ctx := context.Background()
	o, err := c.CreateOrder(ctx, e.orderInput("track-1"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := c.CreateFulfillment(ctx, platform.FulfillmentInput{OrderID: o.ID,
		Lines:        []platform.FulfillmentLine{{OrderLineID: o.Lines[0].ID, Quantity: 2}},
		Tracking:     platform.Tracking{Company: "UPS", Number: "1Z1", URL: "https://ups.test/1Z1"},
		MoreTracking: []platform.Tracking{{Number: "1Z2", URL: "https://ups.test/1Z2"}}})
	if err != nil || len(fs) != 1 {
		t.Fatalf("create: %+v, %v", fs, err)
	}
	if got := numbers(fs[0].Tracking); !slices.Equal(got, []string{"1Z1", "1Z2"}) || fs[0].Tracking[1].URL != "https://ups.test/1Z2" ||
		fs[0].Tracking[1].Company != "UPS" {
		t.Fatalf("tracking made %+v; want both parcels with their URLs", fs[0].Tracking)
	}
	want := []platform.Tracking{{Company: "DHL", Number: "D1", URL: "https://dhl.test/D1"}, {Number: "D2", URL: "https://dhl.test/D2"}, {Number: "D3"}}
	for run := range 2 {
		f, err := c.UpdateTracking(ctx, platform.UpdateTrackingParams{FulfillmentID: fs[0].ID, Tracking: want, NotifyCustomer: true})
		if err != nil {
			t.Fatalf("update %d: %v", run, err)
		}
		if f.ID != fs[0].ID || f.OrderID != o.ID || !slices.Equal(numbers(f.Tracking), []string{"D1", "D2", "D3"}) ||
			f.Tracking[0].Company != "DHL" || f.Tracking[1].URL != "https://dhl.test/D2" || f.Tracking[2].URL != "" {
			t.Fatalf("update %d: %+v", run, f)
		}
	}
	read, err := c.Fulfillments(ctx, o.ID)
	if err != nil || len(read) != 1 || !slices.Equal(numbers(read[0].Tracking), []string{"D1", "D2", "D3"}) {
		t.Fatalf("read back %+v, %v", read, err)
	}
	if _, err := c.UpdateTracking(ctx, platform.UpdateTrackingParams{FulfillmentID: "gid://shopify/Fulfillment/999999999", Tracking: want}); platform.KindOf(err) != platform.KindInvalidInput {
		t.Fatalf("update of a missing fulfilment: %v; want invalid input", err)
	}

	// The supplier's helpers: the second line moved to the second location ships as its own
	// fulfilment; tracking added later reaches what the client reads.
	o2, err := c.CreateOrder(ctx, e.orderInput("track-2"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.shop.MoveFulfillmentLines(o2.ID, []string{o2.Lines[1].ID}, 1); err != nil {
		t.Fatal(err)
	}
	ids, err := e.sim.Ship(domain, o2.ID, nil, shopifysim.Tracking{Company: "FedEx"})
	if err != nil || len(ids) != 2 {
		t.Fatalf("ship: %v, %v; want two fulfilments (two locations)", ids, err)
	}
	if err := e.sim.AddTracking(domain, ids[1], shopifysim.Tracking{Company: "FedEx", Numbers: []string{"F1", "F2"}, URLs: []string{"https://fedex.test/F1", "https://fedex.test/F2"}}); err != nil {
		t.Fatal(err)
	}
	read, err = c.Fulfillments(ctx, o2.ID)
	if err != nil || len(read) != 2 {
		t.Fatalf("read %+v, %v", read, err)
	}
	if len(read[0].Tracking) != 1 || read[0].Tracking[0].Number != "" || !slices.Equal(numbers(read[1].Tracking), []string{"F1", "F2"}) {
		t.Fatalf("tracking read %+v / %+v", read[0].Tracking, read[1].Tracking)
	}
	if err := e.sim.CancelFulfillment(domain, ids[0]); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := e.shop.Fulfillments(o2.ID); n != 1 {
		t.Fatalf("fulfilments after a cancel: %d; want 1", n)
	}

	// Automatic shipping: an order made through the API ships by itself, with tracking.
	if err := e.sim.SetAutoShip(domain, &shopifysim.AutoShip{Delay: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	o3, err := c.CreateOrder(ctx, e.orderInput("track-3"))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		read, err = c.Fulfillments(ctx, o3.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(read) == 1 && len(read[0].Tracking) == 1 && read[0].Tracking[0].Company == "UPS" && read[0].Tracking[0].URL != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("automatic shipping: %+v", read)
		}
	}
}

// TestFulfillmentSameNumberTwoShipments ships one line in two shipments under one tracking
// number: re-running the first input finds the first shipment, while the second, told the first
// is another shipment's (Exclude), makes its own fulfilment rather than taking the first one.
func TestFulfillmentSameNumberTwoShipments(t *testing.T) {
	t.Parallel()
	const domain = "samenumber.ship.myshopify.com"
	e := newPushEnv(t, domain, 1)
	c := e.client(t, domain)
	ctx := context.Background()
	o, err := c.CreateOrder(ctx, e.orderInput("same-number-1"))
	if err != nil {
		t.Fatal(err)
	}
	in := platform.FulfillmentInput{OrderID: o.ID, Lines: []platform.FulfillmentLine{{OrderLineID: o.Lines[0].ID, Quantity: 1}},
		Tracking: platform.Tracking{Company: "UPS", Number: "1ZSAME"}}
	first, err := c.CreateFulfillment(ctx, in)
	if err != nil || len(first) != 1 {
		t.Fatalf("first shipment: %+v, %v", first, err)
	}
	again, err := c.CreateFulfillment(ctx, in)
	if err != nil || len(again) != 1 || again[0].ID != first[0].ID {
		t.Fatalf("re-run of the first shipment: %+v, %v; want the first fulfilment again", again, err)
	}
	in.Exclude = []string{first[0].ID}
	second, err := c.CreateFulfillment(ctx, in)
	if err != nil || len(second) != 1 || second[0].ID == first[0].ID {
		t.Fatalf("second shipment: %+v, %v; want a fulfilment of its own", second, err)
	}
	read, err := c.Fulfillments(ctx, o.ID)
	if err != nil || len(read) != 2 {
		t.Fatalf("read back %+v, %v; want two fulfilments", read, err)
	}
}
