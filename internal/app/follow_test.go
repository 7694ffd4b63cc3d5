package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/linking"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	"github.com/storesync/storesync/internal/store"
)

// followEnv is a linkEnv with one source store (the supplier's) and two destinations in two
// other accounts (the reseller's and the stranger's), each connected to it with its own settings.
type followEnv struct {
	*linkEnv
	src     store.Store
	srcC    platform.Store
	dst     [2]store.Store
	dstC    [2]platform.Store
	conn    [2]int64
	keys    [2]string
	domains [2]string
}

func newFollowEnv(t *testing.T, u string) *followEnv {
	t.Helper()
	e := &followEnv{linkEnv: newLinkEnv(t, u), domains: [2]string{"reseller.myshopify.com", "other.myshopify.com"}}
	e.keys = [2]string{e.key, e.strangerKey}
	e.src, e.srcC = e.shop(t, e.supplier, "supplier.myshopify.com")
	for i, acc := range []int64{e.account, e.stranger} {
		e.dst[i], e.dstC[i] = e.shop(t, acc, e.domains[i])
		var c struct{ ID int64 }
		if code := e.call(t, e.keys[i], "POST", "/api/v2/connections", map[string]any{"destination_store_id": e.dst[i].ID, "source_store_key": e.src.Key}, &c); code != 201 {
			t.Fatalf("connecting destination %d: %d", i, code)
		}
		e.conn[i] = c.ID
	}
	return e
}

// settings puts a connection's settings: every attribute follows but title when title is false,
// with a percent markup and a rounding.
func (e *followEnv) settings(t *testing.T, i int, title bool, percent, rounding string) {
	t.Helper()
	s := map[string]any{"identifier": "sku", "buffer": 0,
		"attributes": map[string]bool{"title": title, "description": true, "images": true, "vendor": true, "product_type": true, "tags": true,
			"price": true, "compare_at_price": true, "weight": true, "options": true, "variants": true},
		"price": map[string]any{"markup": map[string]any{"kind": "percent", "percent": percent}, "rounding": rounding, "rounding_mode": "up",
			"compare_at": map[string]any{"rule": "none"}}}
	if code := e.call(t, e.keys[i], "PUT", fmt.Sprintf("/api/v2/connections/%d/settings", e.conn[i]), s, nil); code != 200 {
		t.Fatalf("settings of connection %d: %d", i, code)
	}
}

// importAll imports every source product into destination i and waits for the run to end.
func (e *followEnv) importAll(t *testing.T, i int) {
	t.Helper()
	var r apiRun
	if code := e.call(t, e.keys[i], "POST", fmt.Sprintf("/api/v2/connections/%d/imports", e.conn[i]), map[string]any{"all": true}, &r); code != 202 {
		t.Fatalf("import into destination %d: %d", i, code)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		e.call(t, e.keys[i], "GET", fmt.Sprintf("/api/v2/connections/%d/imports/%d", e.conn[i], r.ID), nil, &r)
		if r.State == "completed" {
			return
		}
		if r.State == "failed" {
			t.Fatalf("import into destination %d failed: %+v", i, r)
		}
	}
	t.Fatalf("import into destination %d never ended", i)
}

// productSets is how many productSet calls each destination shop has answered.
func (e *followEnv) productSets(t *testing.T) [2]int64 {
	t.Helper()
	var out [2]int64
	for i, d := range e.domains {
		sh, err := e.sim.Shop(d)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = sh.ProductSets()
	}
	return out
}

// changed tells the hub that a source product changed, as a webhook or a reconciliation does.
func (e *followEnv) changed(t *testing.T, productID string) {
	t.Helper()
	err := e.a.DB.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		return e.a.Follow.SourceChanged(ctx, tx, linking.SourceChangedParams{SourceStoreID: e.src.ID, SourceProductID: productID})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// settle waits until no follow job is waiting or running.
func (e *followEnv) settle(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var n int64
		if err := e.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = 'linking.follow'
			AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("follow jobs still pending after 60 s")
}

// destProduct is destination i's only product.
func (e *followEnv) destProduct(t *testing.T, i int) platform.Product {
	t.Helper()
	got := catalogOf(t, e.dstC[i])
	if len(got) != 1 {
		t.Fatalf("destination %d holds %d products; want 1", i, len(got))
	}
	p, err := e.dstC[i].Product(context.Background(), got[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func priceOf(p platform.Product, sku string) int64 {
	for _, v := range p.Variants {
		if v.SKU == sku {
			return v.Price.Amount
		}
	}
	return -1
}

// edit sets the source product's title and the price of its first variant, keeping the rest.
func (e *followEnv) edit(t *testing.T, p platform.Product, title string, price int64, status platform.ProductStatus) platform.Product {
	t.Helper()
	in := platform.ProductInput{ID: p.ID, Title: title, Status: status, Options: p.Options}
	for i, v := range p.Variants {
		vi := platform.VariantInput{ID: v.ID, SKU: v.SKU, Barcode: v.Barcode, Price: v.Price, Options: v.Options, Tracked: true}
		if i == 0 {
			vi.Price = usdOf(price)
		}
		in.Variants = append(in.Variants, vi)
	}
	out, err := e.srcC.SetProduct(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	out, err = e.srcC.Product(context.Background(), out.ID)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func delta(now, before [2]int64) [2]int64 { return [2]int64{now[0] - before[0], now[1] - before[1]} }

// Changes follow, over HTTP against the simulator on both databases: a source title and price
// change reaches both destinations (in two accounts) with only what each follows and its price
// rule; ten quick edits make one productSet per destination product; a change of nothing
// followed, or a run again, writes nothing; a blocked connection is left as it is; an archived
// source product makes its destination products drafts with no stock, saying why on the links.
func TestChangesFollow(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newFollowEnv(t, u)
		ctx := context.Background()
		mug := product(t, e.srcC, "Mug", variant("MUG-S", 1000, "S"), variant("MUG-L", 799, "L"))
		e.settings(t, 0, true, "25", "0.99")
		e.settings(t, 1, false, "0", "none")
		e.importAll(t, 0)
		e.importAll(t, 1)
		mug, _ = e.srcC.Product(ctx, mug.ID)

		// Title and price: destination 0 follows both (12.00 × 1.25 = 15.00 → 15.99), destination 1
		// the price only (12.00), keeping its title.
		before := e.productSets(t)
		mug = e.edit(t, mug, "Mug v2", 1200, "")
		e.changed(t, mug.ID)
		e.settle(t)
		d0, d1 := e.destProduct(t, 0), e.destProduct(t, 1)
		if d0.Title != "Mug v2" || priceOf(d0, "MUG-S") != 1599 || priceOf(d0, "MUG-L") != 999 {
			t.Errorf("destination 0 after the change: %q, MUG-S %d, MUG-L %d; want \"Mug v2\", 1599, 999", d0.Title, priceOf(d0, "MUG-S"), priceOf(d0, "MUG-L"))
		}
		if d1.Title != "Mug" || priceOf(d1, "MUG-S") != 1200 || priceOf(d1, "MUG-L") != 799 {
			t.Errorf("destination 1 (title not followed) after the change: %q, MUG-S %d, MUG-L %d; want \"Mug\", 1200, 799", d1.Title, priceOf(d1, "MUG-S"), priceOf(d1, "MUG-L"))
		}
		if d := delta(e.productSets(t), before); d != [2]int64{1, 1} {
			t.Errorf("productSet calls for one change: %v; want one per destination", d)
		}
		var recorded int64
		var synced *time.Time
		if err := e.a.DB.QueryRow(ctx, `SELECT destination_price_amount, synced_at FROM product_links WHERE connection_id = $1 AND identifier = 'MUG-S'`,
			e.conn[0]).Scan(&recorded, &synced); err != nil || recorded != 1599 || synced == nil {
			t.Errorf("link of MUG-S on destination 0: price %d, synced_at %v, %v; want 1599 and a time", recorded, synced, err)
		}

		// Ten edits in about a second: one write per destination product, with the last price.
		before = e.productSets(t)
		for i := range 10 {
			mug = e.edit(t, mug, "Mug v2", 1300+int64(i), "")
			e.changed(t, mug.ID)
			time.Sleep(80 * time.Millisecond)
		}
		e.settle(t)
		if d := delta(e.productSets(t), before); d != [2]int64{1, 1} {
			t.Errorf("productSet calls for ten quick edits: %v; want one per destination", d)
		}
		if p := priceOf(e.destProduct(t, 1), "MUG-S"); p != 1309 {
			t.Errorf("destination 1 MUG-S after ten edits: %d; want 1309", p)
		}

		// A change of the title only: destination 1 does not follow it, so nothing is written there.
		before = e.productSets(t)
		mug = e.edit(t, mug, "Mug v3", 1309, "")
		e.changed(t, mug.ID)
		e.settle(t)
		if d := delta(e.productSets(t), before); d != [2]int64{1, 0} {
			t.Errorf("productSet calls for a title change: %v; want 1 on destination 0, none on destination 1", d)
		}

		// Told again with nothing changed: nothing is written.
		before = e.productSets(t)
		e.changed(t, mug.ID)
		e.settle(t)
		if d := delta(e.productSets(t), before); d != [2]int64{0, 0} {
			t.Errorf("productSet calls for a run again: %v; want none", d)
		}

		// Blocked by the source: destination 1 is left as it is.
		if code := e.call(t, e.supplierKey, "POST", fmt.Sprintf("/api/v2/connections/%d/block", e.conn[1]), nil, nil); code != 200 {
			t.Fatalf("blocking: %d", code)
		}
		before = e.productSets(t)
		mug = e.edit(t, mug, "Mug v3", 1500, "")
		e.changed(t, mug.ID)
		e.settle(t)
		if d := delta(e.productSets(t), before); d != [2]int64{1, 0} {
			t.Errorf("productSet calls with destination 1 blocked: %v; want 1 on destination 0 only", d)
		}
		if p := priceOf(e.destProduct(t, 1), "MUG-S"); p != 1309 {
			t.Errorf("blocked destination 1 MUG-S: %d; want 1309 untouched", p)
		}

		// Archived at the source: destination 0's product becomes a draft with no stock, and says why.
		dsh, _ := e.sim.Shop(e.domains[0])
		d0 = e.destProduct(t, 0)
		var changes []platform.InventoryChange
		for _, v := range d0.Variants {
			changes = append(changes, platform.InventoryChange{InventoryItemID: v.InventoryItemID, LocationID: dsh.LocationID(), Quantity: 7})
		}
		if _, err := e.dstC[0].SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: "stock-before", Changes: changes}); err != nil {
			t.Fatal(err)
		}
		mug = e.edit(t, mug, "Mug v3", 1500, platform.ProductArchived)
		e.changed(t, mug.ID)
		e.settle(t)
		if d0 = e.destProduct(t, 0); d0.Status != platform.ProductDraft {
			t.Errorf("destination 0 after the source was archived: %s; want draft", d0.Status)
		}
		for _, sku := range []string{"MUG-S", "MUG-L"} {
			if n, ok := dsh.Available(sku); !ok || n != 0 {
				t.Errorf("destination 0 stock of %s after the source was archived: %d (%v); want 0", sku, n, ok)
			}
		}
		var reason string
		var qty *int64
		if err := e.a.DB.QueryRow(ctx, `SELECT follow_reason, destination_quantity FROM product_links WHERE connection_id = $1 AND identifier = 'MUG-L'`,
			e.conn[0]).Scan(&reason, &qty); err != nil || reason != linking.ReasonSourceArchived || qty == nil || *qty != 0 {
			t.Errorf("link of MUG-L after the source was archived: %q, %v, %v; want the reason and 0", reason, qty, err)
		}
		if d1 = e.destProduct(t, 1); d1.Status != platform.ProductActive {
			t.Errorf("blocked destination 1 after the source was archived: %s; want active, untouched", d1.Status)
		}

		// Told again: nothing more is written.
		before = e.productSets(t)
		e.changed(t, mug.ID)
		e.settle(t)
		if d := delta(e.productSets(t), before); d != [2]int64{0, 0} {
			t.Errorf("productSet calls for an archived product told again: %v; want none", d)
		}
	})
}

// Changes follow from the source's own webhooks: the simulator delivers products/update to the
// app, ingest hands each processed one to the follow, and ten quick title edits reach the
// destination as one productSet.
func TestChangesFollowWebhooks(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newSyncEnv(t, u)
		ctx := context.Background()
		src, _ := e.shop(t, "wsource", 1)
		dst, _ := e.shop(t, "wdest", 0)
		e.waitSubscribed(t, src)
		c, err := e.a.Connections.Connect(ctx, connection.ConnectParams{AccountID: dst.AccountID, DestinationStoreID: dst.ID, SourceStoreKey: src.Key})
		if err != nil {
			t.Fatal(err)
		}
		run, err := e.a.Linking.StartImport(ctx, linking.ImportParams{AccountID: dst.AccountID, ConnectionID: c.ID, All: true})
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); run.State != linking.RunCompleted; time.Sleep(50 * time.Millisecond) {
			if run, err = e.a.Linking.GetRun(ctx, linking.RunParams{AccountID: dst.AccountID, ConnectionID: c.ID, ID: run.ID}); err != nil || run.State == linking.RunFailed || time.Now().After(deadline) {
				t.Fatalf("import: %+v %v", run, err)
			}
		}
		srcC, dstC := e.client(t, src), e.client(t, dst)
		sp := catalogOf(t, srcC)[0]
		dsh, _ := e.sim.Shop("wdest.myshopify.com")
		before := dsh.ProductSets()
		for i := range 10 {
			in := platform.ProductInput{ID: sp.ID, Title: fmt.Sprint("Edit ", i), Options: sp.Options}
			for _, v := range sp.Variants {
				in.Variants = append(in.Variants, platform.VariantInput{ID: v.ID, SKU: v.SKU, Barcode: v.Barcode, Price: v.Price,
					CompareAtPrice: v.CompareAtPrice, Options: v.Options, Tracked: v.Tracked, AllowBackorder: v.AllowBackorder})
			}
			if _, err := srcC.SetProduct(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		var title string
		for deadline := time.Now().Add(30 * time.Second); title != "Edit 9" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			title = catalogOf(t, dstC)[0].Title
		}
		if title != "Edit 9" {
			t.Fatalf("destination title %q; want the source's last, \"Edit 9\"", title)
		}
		if err := e.sim.WebhooksIdle(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second) // any follow job a late webhook made has run
		if n := dsh.ProductSets() - before; n != 1 {
			t.Errorf("productSet calls on the destination for ten quick edits: %d; want 1", n)
		}
	})
}

// deleteProduct deletes a product of the source shop through the simulator's productDelete.
func (e *followEnv) deleteProduct(t *testing.T, id string) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": `mutation($id: ID!) { productDelete(input: {id: $id}) { deletedProductId userErrors { message } } }`,
		"variables": map[string]any{"id": id}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, e.simURL+"/shops/supplier.myshopify.com/admin/api/"+shopify.APIVersion+"/graphql.json", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", "shpat_supplier.myshopify.com")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte(`"deletedProductId":"`+id+`"`)) {
		t.Fatalf("deleting %s: %d %s", id, resp.StatusCode, raw)
	}
}

// A source product deleted: every destination product linked to it becomes a draft with no
// stock, its links say why, and being told again writes nothing more.
func TestDeletedSourceFollows(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newFollowEnv(t, u)
		ctx := context.Background()
		capProduct := product(t, e.srcC, "Cap", variant("CAP-1", 2000, "One"), variant("CAP-2", 2100, "Two"))
		for i := range 2 {
			e.settings(t, i, true, "0", "none")
			e.importAll(t, i)
			dsh, _ := e.sim.Shop(e.domains[i])
			var changes []platform.InventoryChange
			for _, v := range e.destProduct(t, i).Variants {
				changes = append(changes, platform.InventoryChange{InventoryItemID: v.InventoryItemID, LocationID: dsh.LocationID(), Quantity: 4})
			}
			if _, err := e.dstC[i].SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: "stock", Changes: changes}); err != nil {
				t.Fatal(err)
			}
		}
		e.deleteProduct(t, capProduct.ID)
		before := e.productSets(t)
		e.changed(t, capProduct.ID)
		e.settle(t)
		if d := delta(e.productSets(t), before); d != [2]int64{1, 1} {
			t.Errorf("productSet calls after the delete: %v; want one per destination (the draft)", d)
		}
		for i := range 2 {
			if p := e.destProduct(t, i); p.Status != platform.ProductDraft {
				t.Errorf("destination %d after the source product was deleted: %s; want draft", i, p.Status)
			}
			dsh, _ := e.sim.Shop(e.domains[i])
			for _, sku := range []string{"CAP-1", "CAP-2"} {
				if n, ok := dsh.Available(sku); !ok || n != 0 {
					t.Errorf("destination %d stock of %s: %d (%v); want 0", i, sku, n, ok)
				}
			}
			var links struct {
				Data []struct {
					FollowReason        string `json:"follow_reason"`
					DestinationQuantity *int64 `json:"destination_quantity"`
				} `json:"data"`
			}
			if code := e.call(t, e.keys[i], "GET", fmt.Sprintf("/api/v2/connections/%d/product-links", e.conn[i]), nil, &links); code != 200 || len(links.Data) != 2 {
				t.Fatalf("links of destination %d: %d, %d links", i, code, len(links.Data))
			}
			for _, l := range links.Data {
				if l.FollowReason != linking.ReasonSourceDeleted || l.DestinationQuantity == nil || *l.DestinationQuantity != 0 {
					t.Errorf("a link of destination %d: follow_reason %q, destination_quantity %v; want the delete's reason and 0", i, l.FollowReason, l.DestinationQuantity)
				}
			}
		}
		before = e.productSets(t)
		e.changed(t, capProduct.ID)
		e.settle(t)
		if d := delta(e.productSets(t), before); d != [2]int64{0, 0} {
			t.Errorf("productSet calls when told of the delete again: %v; want none", d)
		}
	})
}
