package app_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// linkEnv is an app serving over HTTP beside the Shopify simulator, with three accounts: the
// reseller (the env's account, owning the destinations), the supplier (owning the source) and a
// stranger; each has an API key.
type linkEnv struct {
	*ingestEnv
	supplier, stranger            int64
	key, supplierKey, strangerKey string
}

func newLinkEnv(t *testing.T, u string) *linkEnv {
	t.Helper()
	e := &linkEnv{ingestEnv: newIngestEnv(t, u, nil)}
	ctx := context.Background()
	mk := func(name string) (int64, string) {
		id := e.account
		if name != "" {
			a, err := e.a.Accounts.CreateAccount(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			id = a.ID
		}
		_, key, err := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: id, Name: "ops", Permission: account.PermissionReadWrite})
		if err != nil {
			t.Fatal(err)
		}
		return id, key
	}
	_, e.key = mk("")
	e.supplier, e.supplierKey = mk("supplier")
	e.stranger, e.strangerKey = mk("stranger")
	e.start(t)
	return e
}

// shop adds a simulator shop as a store of the account, and returns it with its platform client.
func (e *linkEnv) shop(t *testing.T, accountID int64, domain string) (store.Store, platform.Store) {
	t.Helper()
	if _, err := e.sim.AddShop(shopifysim.ShopConfig{Domain: domain, Name: domain, AccessToken: "shpat_" + domain, APISecret: "s"}); err != nil {
		t.Fatal(err)
	}
	st, err := e.a.Stores.Save(context.Background(), store.SaveParams{AccountID: accountID, Name: domain, Platform: shopify.Platform,
		BaseURL: e.simURL + "/shops/" + domain, Credentials: shopify.Credentials{ShopDomain: domain, AccessToken: "shpat_" + domain, APISecret: "s"}.Marshal()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.a.Stores.Client(st)
	if err != nil {
		t.Fatal(err)
	}
	return st, c
}

func (e *linkEnv) call(t *testing.T, key, method, path string, body any, out any) int {
	t.Helper()
	code, raw := apiCall(t, e.srv, key, method, path, body, out)
	if code >= 300 {
		t.Logf("%s %s: %d %s", method, path, code, raw)
	}
	return code
}

func (e *linkEnv) connect(t *testing.T, dst, src store.Store) int64 {
	t.Helper()
	var c struct{ ID int64 }
	if code := e.call(t, e.key, "POST", "/api/v2/connections", map[string]any{"destination_store_id": dst.ID, "source_store_key": src.Key}, &c); code != 201 {
		t.Fatalf("connecting: %d", code)
	}
	return c.ID
}

type apiRun struct {
	ID        int64                      `json:"id"`
	Requested int64                      `json:"requested"`
	Done      int64                      `json:"done"`
	Failed    int64                      `json:"failed"`
	State     string                     `json:"state"`
	Errors    []struct{ Message string } `json:"errors"`
}

// run starts an import or map and waits for it to end.
func (e *linkEnv) run(t *testing.T, conn int64, path string, body any) apiRun {
	t.Helper()
	var r apiRun
	if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/%s", conn, path), body, &r); code != 202 {
		t.Fatalf("POST %s: %d", path, code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d/imports/%d", conn, r.ID), nil, &r); code != 200 {
			t.Fatalf("GET run: %d", code)
		}
		if r.State == "completed" || r.State == "failed" {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("run %d never ended: %+v", r.ID, r)
	return r
}

func usdOf(minor int64) platform.Money { return platform.Money{Amount: minor, Currency: "USD"} }

func variant(sku string, price int64, opt string) platform.VariantInput {
	return platform.VariantInput{SKU: sku, Price: usdOf(price), Options: []string{opt}, Tracked: true}
}

func product(t *testing.T, c platform.Store, title string, vs ...platform.VariantInput) platform.Product {
	t.Helper()
	p, err := c.SetProduct(context.Background(), platform.ProductInput{Title: title, Status: platform.ProductActive, Vendor: "Acme",
		Options: []string{"Size"}, Variants: vs})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func catalogOf(t *testing.T, c platform.Store) []platform.Product {
	t.Helper()
	var out []platform.Product
	cursor := ""
	for range 100 {
		pg, err := c.ListProducts(context.Background(), platform.ListParams{Cursor: cursor, Limit: 250})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pg.Items...)
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	return out
}

type apiLink struct {
	Identifier     string `json:"identifier"`
	SourceQuantity *int64 `json:"source_quantity"`
	Source         struct {
		ProductID string `json:"product_id"`
		VariantID string `json:"variant_id"`
	} `json:"source"`
	Destination struct {
		ProductID string                   `json:"product_id"`
		VariantID string                   `json:"variant_id"`
		Price     *struct{ Amount string } `json:"price"`
	} `json:"destination"`
}

func (e *linkEnv) links(t *testing.T, conn int64) []apiLink {
	t.Helper()
	var out []apiLink
	for page := 1; page < 100; page++ {
		var pg struct {
			Data []apiLink `json:"data"`
			Next *string   `json:"next"`
		}
		if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d/product-links?page=%d", conn, page), nil, &pg); code != 200 {
			t.Fatalf("links: %d", code)
		}
		out = append(out, pg.Data...)
		if pg.Next == nil {
			break
		}
	}
	return out
}

// Import through the API against the simulator: prices follow the price rule exactly, an import
// run again creates nothing twice, the links carry both sides' ids and the quantity read; the
// source's account and a stranger are refused; a blocked connection imports nothing (409).
func TestImportThroughTheAPI(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, srcC := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, dstC := e.shop(t, e.account, "reseller.myshopify.com")
		mug := product(t, srcC, "Mug", variant("MUG-S", 1000, "S"), variant("MUG-L", 799, "L"))
		capProduct := product(t, srcC, "Cap", variant("CAP", 2000, "One"))
		conn := e.connect(t, dst, src)
		settings := map[string]any{"identifier": "sku", "buffer": 0,
			"attributes": map[string]bool{"title": true, "description": true, "images": true, "vendor": true, "product_type": true, "tags": true,
				"price": true, "compare_at_price": true, "weight": true, "options": true, "variants": true},
			"price": map[string]any{"markup": map[string]any{"kind": "percent", "percent": "25"}, "rounding": "0.99", "rounding_mode": "up",
				"compare_at": map[string]any{"rule": "none"}}}
		if code := e.call(t, e.key, "PUT", fmt.Sprintf("/api/v2/connections/%d/settings", conn), settings, nil); code != 200 {
			t.Fatalf("settings: %d", code)
		}

		var browse struct {
			Data []struct {
				ID     string `json:"id"`
				Linked bool   `json:"linked"`
			} `json:"data"`
		}
		if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d/source-products?q=mug-l", conn), nil, &browse); code != 200 ||
			len(browse.Data) != 1 || browse.Data[0].ID != mug.ID || browse.Data[0].Linked {
			t.Fatalf("searching the source for mug-l: %d %+v", code, browse.Data)
		}

		r := e.run(t, conn, "imports", map[string]any{"source_product_ids": []string{mug.ID}})
		if r.State != "completed" || r.Done != 1 || r.Failed != 0 || r.Requested != 1 {
			t.Fatalf("import: %+v", r)
		}
		got := catalogOf(t, dstC)
		if len(got) != 1 || got[0].Title != "Mug" || len(got[0].Variants) != 2 {
			t.Fatalf("destination after the import: %+v", got)
		}
		// 10.00 × 1.25 = 12.50, up to .99: 12.99; 7.99 × 1.25 = 9.9875 → 9.99 (already .99).
		want := map[string]int64{"MUG-S": 1299, "MUG-L": 999}
		for _, v := range got[0].Variants {
			if v.Price != usdOf(want[v.SKU]) {
				t.Errorf("destination %s price %s; want %d minor units", v.SKU, v.Price, want[v.SKU])
			}
		}
		links := e.links(t, conn)
		if len(links) != 2 || links[0].Source.ProductID != mug.ID || links[0].Destination.ProductID != got[0].ID ||
			links[0].SourceQuantity == nil || links[0].Identifier == "" || links[0].Destination.Price == nil {
			t.Fatalf("links after the import: %+v", links)
		}

		// Import everything, twice: the mug is updated in place, the cap created once.
		for range 2 {
			if r := e.run(t, conn, "imports", map[string]any{"all": true}); r.State != "completed" || r.Done != 2 || r.Failed != 0 {
				t.Fatalf("import all: %+v", r)
			}
		}
		got = catalogOf(t, dstC)
		titles := []string{}
		for _, p := range got {
			titles = append(titles, p.Title)
		}
		sort.Strings(titles)
		if !slices.Equal(titles, []string{"Cap", "Mug"}) {
			t.Fatalf("destination after importing all twice: %v; want Cap and Mug once each", titles)
		}
		if links := e.links(t, conn); len(links) != 3 {
			t.Fatalf("links after importing all twice: %d; want 3", len(links))
		}
		var c struct {
			Counts struct {
				LinkedProducts int64 `json:"linked_products"`
			} `json:"counts"`
		}
		if e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d", conn), nil, &c); c.Counts.LinkedProducts != 2 {
			t.Errorf("linked_products = %d; want 2", c.Counts.LinkedProducts)
		}
		if e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d/source-products", conn), nil, &browse); len(browse.Data) != 2 || !browse.Data[0].Linked || !browse.Data[1].Linked {
			t.Errorf("browse after importing all: %+v; want both linked", browse.Data)
		}
		_ = capProduct

		for _, tc := range []struct {
			name, key string
			want      int
		}{{"stranger", e.strangerKey, 404}, {"source's account", e.supplierKey, 403}} {
			for _, req := range []struct {
				method, path string
				body         any
			}{{"GET", "source-products", nil}, {"POST", "imports", map[string]any{"all": true}}, {"GET", "product-links", nil},
				{"POST", "map", nil}, {"GET", "conflicts", nil}} {
				if code := e.call(t, tc.key, req.method, fmt.Sprintf("/api/v2/connections/%d/%s", conn, req.path), req.body, nil); code != tc.want {
					t.Errorf("%s: %s %s = %d; want %d", tc.name, req.method, req.path, code, tc.want)
				}
			}
		}
		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/imports", conn), map[string]any{}, nil); code != 422 {
			t.Errorf("an import of nothing: %d; want 422", code)
		}

		if code := e.call(t, e.supplierKey, "POST", fmt.Sprintf("/api/v2/connections/%d/block", conn), nil, nil); code != 200 {
			t.Fatalf("blocking: %d", code)
		}
		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/imports", conn), map[string]any{"all": true}, nil); code != 409 {
			t.Errorf("import into a blocked connection: %d; want 409", code)
		}
		if code := e.call(t, e.key, "POST", fmt.Sprintf("/api/v2/connections/%d/map", conn), nil, nil); code != 409 {
			t.Errorf("map of a blocked connection: %d; want 409", code)
		}
		if got := catalogOf(t, dstC); len(got) != 2 {
			t.Errorf("destination after the refused import: %d products; want 2", len(got))
		}
	})
}

// An import of all of a catalog larger than one step runs as a chain of steps, each a job, and
// ends with every product imported once and every variant linked.
func TestImportAllRunsInSteps(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, _ := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, dstC := e.shop(t, e.account, "reseller.myshopify.com")
		if err := e.sim.SeedCatalog("supplier.myshopify.com", 60, 2); err != nil {
			t.Fatal(err)
		}
		conn := e.connect(t, dst, src)
		r := e.run(t, conn, "imports", map[string]any{"all": true})
		if r.State != "completed" || r.Requested != 60 || r.Done != 60 || r.Failed != 0 {
			t.Fatalf("import of 60 products: %+v", r)
		}
		if got := catalogOf(t, dstC); len(got) != 60 {
			t.Errorf("destination has %d products; want 60", len(got))
		}
		if n := len(e.links(t, conn)); n != 120 {
			t.Errorf("%d links; want 120", n)
		}
		var steps int
		if err := e.a.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM river_job WHERE kind = 'linking.import'`).Scan(&steps); err != nil {
			t.Fatal(err)
		}
		if steps < 3 {
			t.Errorf("%d import jobs; want one per step of 25 products (3 or more)", steps)
		}
	})
}

// An import whose store refuses the credentials ends failed at once, saying why, instead of
// retrying for days.
func TestImportFailsWhenTheStoreRefuses(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, srcC := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, _ := e.shop(t, e.account, "reseller.myshopify.com")
		product(t, srcC, "Mug", variant("MUG", 1000, "One"))
		conn := e.connect(t, dst, src)
		e.simRefuses.Store(true)
		r := e.run(t, conn, "imports", map[string]any{"all": true})
		if r.State != "failed" || len(r.Errors) != 1 || r.Errors[0].Message == "" {
			t.Fatalf("import against a store refusing its token: %+v; want failed with the reason", r)
		}
	})
}
