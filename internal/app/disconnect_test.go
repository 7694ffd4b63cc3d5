package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/linking"
	"github.com/storesync/storesync/internal/platform"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

type apiDisconnect struct {
	State            string `json:"state"`
	DisconnectAction *struct {
		Products string `json:"products"`
		Status   string `json:"status"`
		Total    int64  `json:"total"`
		Done     int64  `json:"done"`
		Failed   int64  `json:"failed"`
		Error    string `json:"error"`
	} `json:"disconnect_action"`
	Counts struct {
		LinkedProducts int64 `json:"linked_products"`
	} `json:"counts"`
}

// awaitAction reads the connection until its disconnect action is no longer pending.
func (e *linkEnv) awaitAction(t *testing.T, conn int64) apiDisconnect {
	t.Helper()
	var c apiDisconnect
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d", conn), nil, &c); code != 200 {
			t.Fatalf("GET connection: %d", code)
		}
		if c.DisconnectAction != nil && c.DisconnectAction.Status != "pending" {
			return c
		}
	}
	t.Fatalf("the disconnect action of connection %d never ended: %+v", conn, c.DisconnectAction)
	return c
}

// linksState reads the links with their ended_at, as (active, ended) counts.
func (e *linkEnv) linksState(t *testing.T, conn int64) (active, ended int) {
	t.Helper()
	var pg struct {
		Data []struct {
			EndedAt     *time.Time `json:"ended_at"`
			EndedReason string     `json:"ended_reason"`
		} `json:"data"`
	}
	for page := 1; page < 100; page++ {
		pg.Data = nil
		if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d/product-links?page=%d", conn, page), nil, &pg); code != 200 {
			t.Fatalf("links: %d", code)
		}
		if len(pg.Data) == 0 {
			break
		}
		for _, l := range pg.Data {
			switch {
			case l.EndedAt == nil:
				active++
			case l.EndedReason == "":
				t.Errorf("an ended link without its reason")
			default:
				ended++
			}
		}
	}
	return active, ended
}

// stock is every destination variant's available quantity at the store's first location.
func stock(t *testing.T, c platform.Store) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	locs, err := c.Locations(ctx)
	if err != nil || len(locs) == 0 {
		t.Fatalf("locations: %v", err)
	}
	var items []string
	for _, p := range catalogOf(t, c) {
		for _, v := range p.Variants {
			items = append(items, v.InventoryItemID)
		}
	}
	levels, err := c.InventoryLevels(ctx, locs[0].ID, items)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, l := range levels {
		out[l.InventoryItemID] = l.Available
	}
	return out
}

// rerunLost puts the last disconnect of the connection back as it was before any of its steps'
// transactions committed, while their effects on the store stay done (a crash after every call,
// before every commit), and runs its job again.
func (e *linkEnv) rerunLost(t *testing.T, conn int64) {
	t.Helper()
	ctx := context.Background()
	err := e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var seq int64
		if err := tx.QueryRow(ctx, `SELECT disconnect_seq FROM connections WHERE id = $1`, conn).Scan(&seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE disconnect_items SET state = 'pending' WHERE connection_id = $1 AND seq = $2`, conn, seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE connections SET disconnect_status = 'pending', disconnect_done = 0, disconnect_failed = 0 WHERE id = $1`, conn); err != nil {
			return err
		}
		return e.a.Jobs.Insert(ctx, tx, linking.DisconnectArgs{ConnectionID: conn, AccountID: e.account, Seq: seq, Step: 1000}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Disconnect keep with zero_stock, reconnect, disconnect delete, over HTTP against the simulator:
// the products stay with stock 0 and the links end (kept as history); the reconnect restores
// them; the delete removes the products from the destination; each action ends done with its
// progress; and each job run again after a lost commit finds its work done and changes nothing.
func TestDisconnectKeepReconnectDelete(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		ctx := context.Background()
		src, srcC := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, dstC := e.shop(t, e.account, "reseller.myshopify.com")
		var ids []string
		for i := range 5 {
			p := product(t, srcC, fmt.Sprintf("Product %d", i), variant(fmt.Sprintf("SKU-%d-A", i), 1000, "A"), variant(fmt.Sprintf("SKU-%d-B", i), 1200, "B"))
			ids = append(ids, p.ID)
		}
		conn := e.connect(t, dst, src)
		if r := e.run(t, conn, "imports", map[string]any{"source_product_ids": ids}); r.State != "completed" || r.Done != 5 {
			t.Fatalf("import: %+v", r)
		}
		// stock on the destination, to be set to 0
		locs, err := dstC.Locations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var changes []platform.InventoryChange
		for item := range stock(t, dstC) {
			changes = append(changes, platform.InventoryChange{InventoryItemID: item, LocationID: locs[0].ID, Quantity: 7})
		}
		if _, err := dstC.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: "test-stock", Reason: "correction", Changes: changes}); err != nil {
			t.Fatal(err)
		}
		if s := stock(t, dstC); len(s) != 10 {
			t.Fatalf("destination items: %d; want 10", len(s))
		}

		// keep + zero_stock
		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/disconnect", conn), map[string]any{"products": "keep", "zero_stock": true}, nil); code != 200 {
			t.Fatalf("disconnect keep: %d", code)
		}
		c := e.awaitAction(t, conn)
		if a := c.DisconnectAction; c.State != "disconnected" || a.Status != "done" || a.Total != 5 || a.Done != 5 || a.Failed != 0 {
			t.Fatalf("after disconnect keep: %s %+v", c.State, a)
		}
		if c.Counts.LinkedProducts != 0 {
			t.Errorf("linked_products = %d after the disconnect; want 0", c.Counts.LinkedProducts)
		}
		if n := len(catalogOf(t, dstC)); n != 5 {
			t.Fatalf("destination products after keep: %d; want 5", n)
		}
		for item, q := range stock(t, dstC) {
			if q != 0 {
				t.Errorf("destination item %s: stock %d after zero_stock; want 0", item, q)
			}
		}
		if active, ended := e.linksState(t, conn); active != 0 || ended != 10 {
			t.Fatalf("links after keep: %d active, %d ended; want 0 and 10", active, ended)
		}
		e.rerunLost(t, conn)
		if c := e.awaitAction(t, conn); c.DisconnectAction.Done != 5 || c.DisconnectAction.Failed != 0 {
			t.Fatalf("keep run again: %+v", c.DisconnectAction)
		}

		// reconnect: the links are restored by identifier; one product whose SKU a person changed
		// meanwhile is a conflict, not a link
		dp := catalogOf(t, dstC)
		var changed platform.Product
		for _, p := range dp {
			if p.Title == "Product 4" {
				changed = p
			}
		}
		in := platform.ProductInput{ID: changed.ID, Title: changed.Title, Options: []string{"Size"}, Variants: []platform.VariantInput{
			{ID: changed.Variants[0].ID, SKU: "RENAMED", Price: changed.Variants[0].Price, Options: []string{"A"}, Tracked: true},
			{ID: changed.Variants[1].ID, SKU: changed.Variants[1].SKU, Price: changed.Variants[1].Price, Options: []string{"B"}, Tracked: true}}}
		if _, err := dstC.SetProduct(ctx, in); err != nil {
			t.Fatal(err)
		}
		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/reconnect", conn), nil, nil); code != 200 {
			t.Fatalf("reconnect: %d", code)
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			active, ended := e.linksState(t, conn)
			if active == 8 && ended == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("links after reconnect: %d active, %d ended; want 8 and 2", active, ended)
			}
		}
		var conflicts struct {
			Data []struct {
				Kind             string   `json:"kind"`
				SourceProductIDs []string `json:"source_product_ids"`
			} `json:"data"`
		}
		if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d/conflicts", conn), nil, &conflicts); code != 200 ||
			len(conflicts.Data) != 1 || len(conflicts.Data[0].SourceProductIDs) != 1 || conflicts.Data[0].SourceProductIDs[0] != ids[4] {
			t.Fatalf("conflicts after reconnect: %d %+v", code, conflicts.Data)
		}

		// delete: the 4 linked products go; the one left unlinked stays
		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/disconnect", conn), map[string]any{"products": "delete"}, nil); code != 200 {
			t.Fatalf("disconnect delete: %d", code)
		}
		c = e.awaitAction(t, conn)
		if a := c.DisconnectAction; a.Products != "delete" || a.Status != "done" || a.Total != 4 || a.Done != 4 || a.Failed != 0 {
			t.Fatalf("after disconnect delete: %+v", a)
		}
		left := catalogOf(t, dstC)
		if len(left) != 1 || left[0].ID != changed.ID {
			t.Fatalf("destination after delete: %d products; want only the unlinked one", len(left))
		}
		e.rerunLost(t, conn)
		if c := e.awaitAction(t, conn); c.DisconnectAction.Done != 4 || c.DisconnectAction.Failed != 0 {
			t.Fatalf("delete run again: %+v", c.DisconnectAction)
		}
		if n := len(catalogOf(t, dstC)); n != 1 {
			t.Fatalf("destination after the delete ran again: %d products; want 1", n)
		}
		if active, ended := e.linksState(t, conn); active != 0 || ended != 10 {
			t.Fatalf("links after delete: %d active, %d ended; want 0 and 10 (history)", active, ended)
		}
	})
}

// A reconnect while a delete disconnect is still running cancels the steps left: the job stops
// before its next product, the action is cancelled, and what it did is counted exactly (the
// products deleted are the steps done; the rest stay on the destination).
func TestReconnectCancelsARunningDisconnect(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, srcC := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, dstC := e.shop(t, e.account, "reseller.myshopify.com")
		var ids []string
		for i := range 6 {
			ids = append(ids, product(t, srcC, fmt.Sprintf("Product %d", i), variant(fmt.Sprintf("SKU-%d", i), 1000, "A")).ID)
		}
		conn := e.connect(t, dst, src)
		if r := e.run(t, conn, "imports", map[string]any{"source_product_ids": ids}); r.State != "completed" || r.Done != 6 {
			t.Fatalf("import: %+v", r)
		}
		e.sim.SetFaults("reseller.myshopify.com", shopifysim.Faults{Latency: 250 * time.Millisecond})
		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/disconnect", conn), map[string]any{"products": "delete"}, nil); code != 200 {
			t.Fatalf("disconnect delete: %d", code)
		}
		time.Sleep(600 * time.Millisecond)
		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/reconnect", conn), nil, nil); code != 200 {
			t.Fatalf("reconnect: %d", code)
		}
		c := e.awaitAction(t, conn)
		time.Sleep(time.Second) // the job stops at its next product; give it time to (wrongly) go on
		e.sim.SetFaults("reseller.myshopify.com", shopifysim.Faults{})
		left := len(catalogOf(t, dstC))
		e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d", conn), nil, &c)
		a := c.DisconnectAction
		if a.Status != "cancelled" || c.State != "connected" || a.Total != 6 || a.Done >= 6 || a.Failed != 0 {
			t.Fatalf("after the reconnect: %s %+v", c.State, a)
		}
		if int64(left) != 6-a.Done {
			t.Fatalf("destination has %d products with %d steps done; want %d", left, a.Done, 6-a.Done)
		}
	})
}

// A delete disconnect whose destination store refuses the credentials ends at once, done with
// every product failed and the reason, instead of pending while the job retries for days.
func TestDisconnectEndsWhenTheStoreRefuses(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, srcC := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, _ := e.shop(t, e.account, "reseller.myshopify.com")
		mug := product(t, srcC, "Mug", variant("MUG", 1000, "One"))
		hat := product(t, srcC, "Cap", variant("CAP", 1000, "One"))
		conn := e.connect(t, dst, src)
		if r := e.run(t, conn, "imports", map[string]any{"source_product_ids": []string{mug.ID, hat.ID}}); r.State != "completed" || r.Done != 2 {
			t.Fatalf("import: %+v", r)
		}
		e.simRefuses.Store(true)
		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/disconnect", conn), map[string]any{"products": "delete"}, nil); code != 200 {
			t.Fatalf("disconnect delete: %d", code)
		}
		a := e.awaitAction(t, conn).DisconnectAction
		if a.Status != "done" || a.Total != 2 || a.Done != 0 || a.Failed != 2 || a.Error == "" {
			t.Fatalf("disconnect against a store refusing its token: %+v; want done with 2 failed and the reason", a)
		}
	})
}
