package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// The fulfilment half of the fault test: the suppliers ship the source orders made while the
// child is killed, and afterwards every source fulfilment is on its destination exactly once.

// Ways a supplier ships a source order in the fault test.
const (
	shipNone      = "not shipped"
	shipFull      = "shipped whole"
	shipPartial   = "shipped in part"
	shipTwoSteps  = "shipped in two fulfilments"
	shipLocations = "shipped from two locations"
)

// simLine is a line of an order as the simulator holds it.
type simLine struct {
	ID       string `json:"id"`
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// simFulfillment is a fulfilment of an order as the simulator holds it.
type simFulfillment struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	TrackingInfo []struct {
		Company string `json:"company"`
		Number  string `json:"number"`
		URL     string `json:"url"`
	} `json:"trackingInfo"`
	FulfillmentLineItems struct {
		Nodes []struct {
			Quantity int     `json:"quantity"`
			LineItem simLine `json:"lineItem"`
		} `json:"nodes"`
	} `json:"fulfillmentLineItems"`
}

// key is what a destination fulfilment must repeat of a source fulfilment: the lines (by SKU,
// the identifier of the connection) with their quantities, and every tracking number with its
// carrier and URL, in order.
func (f simFulfillment) key() string {
	// Quantities by SKU: an order may carry one SKU on two lines (a customer adding it twice),
	// and which of them a shipment's quantity goes to is the destination's choice, not part
	// of what must be repeated.
	bySKU := map[string]int{}
	for _, l := range f.FulfillmentLineItems.Nodes {
		bySKU[l.LineItem.SKU] += l.Quantity
	}
	var lines []string
	for sku, n := range bySKU {
		lines = append(lines, fmt.Sprintf("%s×%d", sku, n))
	}
	slices.Sort(lines)
	var tracking []string
	for _, t := range f.TrackingInfo {
		tracking = append(tracking, t.Company+" "+t.Number+" "+t.URL)
	}
	return strings.Join(lines, ",") + " | " + strings.Join(tracking, "; ")
}

const faultOrderRead = `query($id: ID!) {
  order(id: $id) {
    lineItems(first: 10) { nodes { id sku quantity } }
    fulfillments(first: 5) { id status trackingInfo(first: 5) { company number url }
      fulfillmentLineItems(first: 10) { nodes { quantity lineItem { id sku quantity } } } }
  }
}`

// simOrder reads an order's lines and its fulfilments that are not cancelled, in-process.
func (h *faultHarness) simOrder(domain, id string) ([]simLine, []simFulfillment, error) {
	data, err := h.sim.Exec(context.Background(), domain, faultOrderRead, map[string]any{"id": id})
	if err != nil {
		return nil, nil, err
	}
	var out struct {
		Order *struct {
			LineItems struct {
				Nodes []simLine `json:"nodes"`
			} `json:"lineItems"`
			Fulfillments []simFulfillment `json:"fulfillments"`
		} `json:"order"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, nil, err
	}
	if out.Order == nil {
		return nil, nil, fmt.Errorf("no order %s on %s", id, domain)
	}
	var fs []simFulfillment
	for _, f := range out.Order.Fulfillments {
		if f.Status != "CANCELLED" {
			fs = append(fs, f)
		}
	}
	return out.Order.LineItems.Nodes, fs, nil
}

// lateTracking is tracking a supplier adds to a fulfilment after shipping it.
type lateTracking struct {
	domain, fulfillmentID string
	tracking              shopifysim.Tracking
}

// parcels makes the tracking of a shipment: a carrier and n numbers with their URLs, unique to
// (part, step).
func parcels(rnd *rand.Rand, part, step, n int) shopifysim.Tracking {
	carrier := []string{"UPS", "FedEx", "DHL"}[rnd.IntN(3)]
	t := shopifysim.Tracking{Company: carrier}
	for k := range n {
		number := fmt.Sprintf("SS%05d%d%c", part, step, 'A'+k)
		t.Numbers = append(t.Numbers, number)
		t.URLs = append(t.URLs, "https://track.example.com/"+strings.ToLower(carrier)+"/"+number)
	}
	return t
}

// shipPart ships one source order as a supplier would, picked by rnd: not at all, whole, in part
// (one unit of its first line), in two fulfilments (its first line, then the rest), or from two
// locations (its last line moved to the second location, then everything in one go: one
// fulfilment per location with the same tracking). A tenth of the fulfilments get their tracking
// again later with one more parcel (late).
func (h *faultHarness) shipPart(rnd *rand.Rand, i int, p pushedPart, late *[]lateTracking) (string, error) {
	domain, id := p.source.domain, p.sourceOrder.ID
	lines, _, err := h.simOrder(domain, id)
	if err != nil {
		return "", err
	}
	units := 0
	for _, l := range lines {
		units += l.Quantity
	}
	kind := shipFull
	switch r := rnd.IntN(100); {
	case r < 15:
		return shipNone, nil
	case r < 35 && units > 1:
		kind = shipPartial
	case r < 55 && len(lines) > 1:
		kind = shipLocations
	case r < 70 && len(lines) > 1:
		kind = shipTwoSteps
	}
	var made []string
	ship := func(step int, ls map[string]int) error {
		t := parcels(rnd, i, step, 1+rnd.IntN(2))
		ids, err := h.sim.Ship(domain, id, ls, t)
		if err != nil {
			return fmt.Errorf("%s of %s (%s): %w", id, domain, kind, err)
		}
		for _, fid := range ids {
			made = append(made, fid)
			if rnd.IntN(10) == 0 {
				more := t
				more.Numbers = append(slices.Clone(t.Numbers), t.Numbers[0]+"X")
				more.URLs = append(slices.Clone(t.URLs), t.URLs[0]+"X")
				*late = append(*late, lateTracking{domain: domain, fulfillmentID: fid, tracking: more})
			}
		}
		return nil
	}
	switch kind {
	case shipPartial:
		err = ship(0, map[string]int{lines[0].ID: 1})
	case shipLocations:
		if err := p.source.sh.MoveFulfillmentLines(id, []string{lines[len(lines)-1].ID}, 1); err != nil {
			return "", err
		}
		err = ship(0, nil)
		if err == nil && len(made) != 2 {
			err = fmt.Errorf("%s of %s shipped from two locations as %v; want two fulfilments", id, domain, made)
		}
	case shipTwoSteps:
		if err = ship(0, map[string]int{lines[0].ID: lines[0].Quantity}); err == nil {
			err = ship(1, nil)
		}
	default:
		err = ship(0, nil)
	}
	return kind, err
}

// shipWhileKilling ships the source orders at the rate, then adds the late tracking, while
// killing the child every 2 to 5 s and starting it again; then it starts the child that runs to
// the end. It returns how many parts were shipped each way and how many got late tracking.
func (h *faultHarness) shipWhileKilling(t *testing.T, parts []pushedPart, rate float64) (map[string]int, int) {
	t.Helper()
	shipRnd, killRnd := rand.New(rand.NewPCG(10, 2000)), rand.New(rand.NewPCG(10, 3000))
	kinds := map[string]int{}
	var late []lateTracking
	done := make(chan error, 1)
	go func() {
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
		for i, p := range parts {
			<-tick.C
			kind, err := h.shipPart(shipRnd, i, p, &late)
			if err != nil {
				done <- err
				return
			}
			kinds[kind]++
		}
		for _, l := range late {
			<-tick.C
			if err := h.sim.AddTracking(l.domain, l.fulfillmentID, l.tracking); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			h.kill(t)
			h.start(t)
			return kinds, len(late)
		case <-time.After(time.Duration(2000+killRnd.IntN(3000)) * time.Millisecond):
			h.kill(t)
			h.start(t)
		}
	}
}

// shippedOrder is a destination order with pushed parts, compared with its sources.
type shippedOrder struct {
	order placedOrder
	parts []pushedPart
}

func shippedOrders(parts []pushedPart) []shippedOrder {
	var out []shippedOrder
	for _, p := range parts {
		if n := len(out); n > 0 && out[n-1].order.id == p.order.id && out[n-1].order.dest == p.order.dest {
			out[n-1].parts = append(out[n-1].parts, p)
			continue
		}
		out = append(out, shippedOrder{order: p.order, parts: []pushedPart{p}})
	}
	return out
}

// fulfilmentState compares, for every order with pushed parts, the destination's fulfilments
// with its sources' (one to one by lines and tracking) and the hub's fulfilment status with the
// destination's; it returns the differences, and counts the source fulfilments and parts shipped.
func (h *faultHarness) fulfilmentState(t *testing.T, orders []shippedOrder) (problems []string, sourceFulfilments, shippedParts int) {
	t.Helper()
	status := map[string]string{}
	rows, err := h.a.DB.Query(context.Background(), `SELECT store_id, platform_order_id, fulfillment_status FROM orders`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var storeID int64
		var id, st string
		if err := rows.Scan(&storeID, &id, &st); err != nil {
			t.Fatal(err)
		}
		status[fmt.Sprintf("%d %s", storeID, id)] = st
	}
	rows.Close()
	for _, o := range orders {
		want := map[string]int{}
		for _, p := range o.parts {
			_, fs, err := h.simOrder(p.source.domain, p.sourceOrder.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) > 0 {
				shippedParts++
			}
			for _, f := range fs {
				want[f.key()]++
				sourceFulfilments++
			}
		}
		lines, fs, err := h.simOrder(o.order.dest.domain, o.order.id)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		shipped := map[string]int{}
		for _, f := range fs {
			got[f.key()]++
			for _, l := range f.FulfillmentLineItems.Nodes {
				shipped[l.LineItem.ID] += l.Quantity
			}
		}
		name := o.order.dest.st.Name + " " + o.order.name
		for k, n := range want {
			if got[k] != n {
				problems = append(problems, fmt.Sprintf("%s: %d destination fulfilments of [%s]; want %d", name, got[k], k, n))
			}
		}
		for k, n := range got {
			if want[k] == 0 {
				problems = append(problems, fmt.Sprintf("%s: %d destination fulfilments of [%s], which no source made", name, n, k))
			}
		}
		total, done, some := 0, 0, false
		for _, l := range lines {
			total++
			if shipped[l.ID] >= l.Quantity {
				done++
			}
			some = some || shipped[l.ID] > 0
		}
		wantStatus := "unfulfilled"
		switch {
		case total > 0 && done == total:
			wantStatus = "fulfilled"
		case some:
			wantStatus = "partially_fulfilled"
		}
		if st := status[fmt.Sprintf("%d %s", o.order.dest.st.ID, o.order.id)]; st != wantStatus {
			problems = append(problems, fmt.Sprintf("%s: the hub says %s; the destination's fulfilments make it %s%s", name, st, wantStatus,
				h.orderHistory(t, o.order.dest.st.ID, o.order.id)))
		}
	}
	return problems, sourceFulfilments, shippedParts
}

// fulfilmentJobsLeft counts the hub's fulfilment work not done (applies, polls, reads, webhooks).
func (h *faultHarness) fulfilmentJobsLeft(t *testing.T) int {
	t.Helper()
	var n int
	if err := h.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM river_job
		WHERE kind IN ('fulfilment_apply', 'fulfilment_poll', 'fulfilment_read', 'fulfilment_poll_tick', 'inbound_webhook')
		AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitShipped waits, up to within, until every destination matches its sources and the hub has
// no fulfilment work left, the simulator having sent every webhook. The fulfilment poll runs
// every 5 minutes (and at the child's start); while something is missing and no poll is waiting,
// it is requested every 15 s, as the fulfilment tests do.
func (h *faultHarness) waitShipped(t *testing.T, orders []shippedOrder, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	var problems []string
	var left int
	lastPoll := time.Now()
	for deadline, rounds := time.Now().Add(within), 0; ; rounds++ {
		problems, _, _ = h.fulfilmentState(t, orders)
		left = h.fulfilmentJobsLeft(t)
		if len(problems) == 0 && left == 0 {
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := h.sim.WebhooksIdle(wctx)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if h.fulfilmentJobsLeft(t) == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			h.logJobs(t)
			for _, p := range problems[:min(len(problems), 20)] {
				t.Log(p)
			}
			h.logFulfilments(t)
			t.Fatalf("after %s: %d differences between the destinations and their sources, %d fulfilment jobs left", within, len(problems), left)
		}
		if len(problems) > 0 && time.Since(lastPoll) > 15*time.Second {
			for _, s := range h.sources {
				if err := h.a.Fulfilment.RequestPoll(ctx, s.st.ID); err != nil {
					t.Fatal(err)
				}
			}
			lastPoll = time.Now()
		}
		if rounds%10 == 0 {
			t.Logf("waiting: %d differences between the destinations and their sources, %d fulfilment jobs left", len(problems), left)
		}
		time.Sleep(time.Second)
	}
}

// checkShipped asserts, once the hub is quiet, that every source fulfilment reached its
// destination exactly once (nothing lost, nothing twice, none made up), with the hub's order
// status agreeing, that orders not pushed have no fulfilment, and that the hub recorded every
// source fulfilment as applied.
func (h *faultHarness) checkShipped(t *testing.T, placed []placedOrder, orders []shippedOrder) {
	t.Helper()
	problems, sourceFulfilments, shipped := h.fulfilmentState(t, orders)
	for _, p := range problems {
		t.Error(p)
	}
	withParts := map[string]bool{}
	for _, o := range orders {
		withParts[o.order.id] = true
	}
	for _, p := range placed {
		if withParts[p.id] {
			continue
		}
		if _, fs, err := h.simOrder(p.dest.domain, p.id); err != nil || len(fs) > 0 {
			t.Errorf("%s order %s (%s, not pushed): %d destination fulfilments (%v); want none", p.dest.st.Name, p.name, p.kind, len(fs), err)
		}
	}
	var kept, applied, destIDs int
	if err := h.a.DB.QueryRow(context.Background(), `SELECT COUNT(*), COUNT(CASE WHEN state = 'applied' THEN 1 END),
			COUNT(CASE WHEN destination_fulfilment_ids <> '[]' THEN 1 END) FROM source_fulfilments`).Scan(&kept, &applied, &destIDs); err != nil {
		t.Fatal(err)
	}
	if kept != sourceFulfilments || applied != kept || destIDs != kept {
		t.Errorf("the hub kept %d source fulfilments, %d applied, %d with their destination fulfilment; want all %d", kept, applied, destIDs, sourceFulfilments)
	}
	var tracked int
	if err := h.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM source_fulfilments WHERE tracking_applied_at > applied_at`).Scan(&tracked); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d source fulfilments of %d shipped parts (%d orders) each on its destination once; %d tracking updates applied after the fulfilment",
		sourceFulfilments, shipped, len(orders), tracked)
}

// logFulfilments logs the hub's source fulfilments that are not applied, and the failures on the
// orders' timelines: what a failing run needs to be understood.
func (h *faultHarness) logFulfilments(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	rows, err := h.a.DB.Query(ctx, `SELECT f.order_id, f.source_order_id, f.source_fulfilment_id, f.status, f.state, f.error, f.sending,
			f.lines, f.destination_lines, f.destination_fulfilment_ids, f.tracking
		FROM source_fulfilments f WHERE f.state <> 'applied' OR f.destination_fulfilment_ids = '[]' ORDER BY f.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var orderID int64
		var so, sf, status, state, msg, sending, lines, destLines, destIDs, tracking string
		if err := rows.Scan(&orderID, &so, &sf, &status, &state, &msg, &sending, &lines, &destLines, &destIDs, &tracking); err != nil {
			t.Fatal(err)
		}
		t.Logf("hub: order %d source order %s fulfilment %s: %s %s error %q sending %q lines %s destination lines %s ids %s tracking %s",
			orderID, so, sf, status, state, msg, sending, lines, destLines, destIDs, tracking)
	}
	rows.Close()
	rows, err = h.a.DB.Query(ctx, `SELECT order_id, kind, detail FROM order_events WHERE kind IN ('fulfillment_failed', 'fulfillment_cancelled') ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var orderID int64
		var kind, detail string
		if err := rows.Scan(&orderID, &kind, &detail); err != nil {
			t.Fatal(err)
		}
		t.Logf("hub: order %d %s: %s", orderID, kind, detail)
	}
	rows.Close()
}

// orderHistory is what a failing run needs of one hub order: its stamp and timeline.
func (h *faultHarness) orderHistory(t *testing.T, storeID int64, platformID string) string {
	t.Helper()
	ctx := context.Background()
	var id, version int64
	var stamp *time.Time
	if err := h.a.DB.QueryRow(ctx, `SELECT id, version, platform_updated_at FROM orders WHERE store_id = $1 AND platform_order_id = $2`,
		storeID, platformID).Scan(&id, &version, &stamp); err != nil {
		return fmt.Sprintf(" (hub order unreadable: %v)", err)
	}
	var out strings.Builder
	fmt.Fprintf(&out, " (hub order %d version %d stamped %v; timeline:", id, version, stamp)
	rows, err := h.a.DB.Query(ctx, `SELECT kind, detail, at FROM order_events WHERE order_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, detail string
		var at time.Time
		if err := rows.Scan(&kind, &detail, &at); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, " [%s %s %s]", at.Format("15:04:05.000"), kind, detail)
	}
	var refreshes int
	_ = h.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'orders_refresh'`).Scan(&refreshes)
	fmt.Fprintf(&out, "; %d refresh jobs in all)", refreshes)
	return out.String()
}
