package platformtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Run runs the contract suite against h: every subtest makes its own store with h.NewStore, so
// they run in parallel. Where the platform lacks a capability, the suite checks the behaviour its
// Registration declares for it.
func Run(t *testing.T, h Harness) {
	reg := h.Registration()
	if reg.Name == "" {
		t.Fatal("the harness's registration has no platform name")
	}
	s := &suite{h: h, caps: reg.Capabilities}
	t.Run("Shop", s.testShop)
	t.Run("Catalog", s.testCatalog)
	t.Run("Inventory", s.testInventory)
	t.Run("Orders", s.testOrders)
	t.Run("Fulfillments", s.testFulfillments)
	t.Run("Webhooks", s.testWebhooks)
	t.Run("Errors", s.testErrors)
}

type suite struct {
	h    Harness
	caps platform.Capabilities
}

// env is one subtest's store.
type env struct {
	st       platform.Store
	ctl      Control
	ctx      context.Context //nolint:containedctx // the subtest's deadline, for every call it makes
	currency string
	location string // the first location's id
}

// callTimeout bounds each subtest's calls, so a platform that hangs fails the test instead.
const callTimeout = 2 * time.Minute

func (s *suite) newEnv(t *testing.T) *env {
	t.Helper()
	st, ctl := s.h.NewStore(t)
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	t.Cleanup(cancel)
	info, err := st.Shop(ctx)
	if err != nil {
		t.Fatalf("Shop: %v", err)
	}
	locs, err := st.Locations(ctx)
	if err != nil {
		t.Fatalf("Locations: %v", err)
	}
	if len(locs) == 0 {
		t.Fatal("Locations: none")
	}
	return &env{st: st, ctl: ctl, ctx: ctx, currency: info.Currency, location: locs[0].ID}
}

func (e *env) money(minor int64) platform.Money {
	return platform.Money{Amount: minor, Currency: e.currency}
}

// seeded is a product the suite placed on the store, with the variant ids the client reads.
type seeded struct {
	ID       string
	Seed     SeedProduct
	Product  platform.Product // as Product(ID) reads it
	Variants []platform.Variant
}

// seed places a product with n variants behind the client's back (SKUs prefix-1 … prefix-n,
// prices from 1001 minor units up, quantity qty each) and reads it back by id.
func (e *env) seed(t *testing.T, title, prefix string, n, qty int) seeded {
	t.Helper()
	p := SeedProduct{Title: title}
	for i := range n {
		p.Variants = append(p.Variants, SeedVariant{SKU: fmt.Sprintf("%s-%d", prefix, i+1),
			Price: e.money(1001 + int64(i)*37), Quantity: qty})
	}
	id := e.ctl.SeedProduct(t, p)
	got, err := e.st.Product(e.ctx, id)
	if err != nil {
		t.Fatalf("Product(%s) of a seeded product: %v", id, err)
	}
	vs := make([]platform.Variant, len(p.Variants))
	for i, sv := range p.Variants {
		v, ok := variantBySKU(got, sv.SKU)
		if !ok {
			t.Fatalf("seeded product %s has no variant %s: %+v", id, sv.SKU, got.Variants)
		}
		vs[i] = v
	}
	return seeded{ID: id, Seed: p, Product: got, Variants: vs}
}

func variantBySKU(p platform.Product, sku string) (platform.Variant, bool) {
	i := slices.IndexFunc(p.Variants, func(v platform.Variant) bool { return v.SKU == sku })
	if i < 0 {
		return platform.Variant{}, false
	}
	return p.Variants[i], true
}

// allProducts reads every page of products with the given params.
func (e *env) allProducts(t *testing.T, p platform.ListParams) (items []platform.Product, pages int) {
	t.Helper()
	for {
		page, err := e.st.ListProducts(e.ctx, p)
		if err != nil {
			t.Fatalf("ListProducts(%+v): %v", p, err)
		}
		pages++
		if p.Limit > 0 && len(page.Items) > p.Limit {
			t.Fatalf("ListProducts: %d products on a page of at most %d", len(page.Items), p.Limit)
		}
		items = append(items, page.Items...)
		if page.NextCursor == "" {
			return items, pages
		}
		if page.NextCursor == p.Cursor {
			t.Fatalf("ListProducts: the next cursor %q is the one just read", p.Cursor)
		}
		if pages > 1000 {
			t.Fatal("ListProducts: more than 1000 pages")
		}
		p.Cursor = page.NextCursor
	}
}

// allOrders reads every page of orders.
func (e *env) allOrders(t *testing.T, p platform.ListParams) []platform.Order {
	t.Helper()
	var items []platform.Order
	for pages := 1; ; pages++ {
		page, err := e.st.ListOrders(e.ctx, p)
		if err != nil {
			t.Fatalf("ListOrders(%+v): %v", p, err)
		}
		items = append(items, page.Items...)
		if page.NextCursor == "" {
			return items
		}
		if pages > 1000 {
			t.Fatal("ListOrders: more than 1000 pages")
		}
		p.Cursor = page.NextCursor
	}
}

// asError returns err's *platform.Error, failing t when it has none.
func asError(t *testing.T, what string, err error) *platform.Error {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("%s: want a *platform.Error, got %T: %v", what, err, err)
	}
	return pe
}

// wantKind fails t unless err is a *platform.Error of kind.
func wantKind(t *testing.T, what string, err error, kind platform.Kind) *platform.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %s", what, kind)
	}
	pe := asError(t, what, err)
	if pe.Kind != kind {
		t.Fatalf("%s: kind %s, want %s: %v", what, pe.Kind, kind, err)
	}
	return pe
}

func trackingNumbers(fs []platform.Fulfillment) []string {
	var out []string
	for _, f := range fs {
		for _, tr := range f.Tracking {
			out = append(out, tr.Number)
		}
	}
	slices.Sort(out)
	return out
}
