package shopify_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// TestSetProductCreateKeyExactlyOnce creates a product with a CreateKey while Shopify runs the
// productSet but the answer is lost (502, a timeout, a cut connection) and its products search
// shows new products only after a lag. Each retry runs on a new client (a restart: nothing
// remembered) with UncertainSince the time the previous attempt failed: the shop ends with exactly
// one product carrying the key, and the shop's own product with the same handle is untouched.
func TestSetProductCreateKeyExactlyOnce(t *testing.T) {
	t.Parallel()
	modes := map[string]shopifysim.CallFaultMode{
		"lost answer": shopifysim.LoseResponse, "timeout": shopifysim.TimeoutAfter, "connection cut": shopifysim.ResetAfter,
	}
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			domain := "keyed-" + strings.ReplaceAll(name, " ", "-") + ".myshopify.com"
			e := newPushEnv(t, domain, 1)
			ctx := context.Background()
			in := platform.ProductInput{Title: "Mug", Handle: "mug", Status: platform.ProductActive, Options: []string{"Size"},
				Variants: []platform.VariantInput{{SKU: "MUG-S", Price: platform.Money{Amount: 1000, Currency: "USD"}, Options: []string{"S"}}}}
			own, err := e.client(t, domain).SetProduct(ctx, in) // the shop's own, no key
			if err != nil {
				t.Fatal(err)
			}
			e.sim.SetFaults(domain, shopifysim.Faults{SearchLag: searchLag, Timeout: 100 * time.Millisecond})
			e.sim.AddCallFault(domain, shopifysim.CallFault{Field: "productSet", Calls: []int{1}, Mode: mode})
			in.CreateKey = "import:1:" + domain
			in.Variants[0].SKU = "IMPORTED"
			var got platform.Product
			attempts := 0
			for {
				attempts++
				got, err = e.client(t, domain).SetProduct(ctx, in)
				if err == nil {
					break
				}
				if attempts > 50 {
					t.Fatalf("still failing after %d attempts: %v", attempts, err)
				}
				if platform.KindOf(err) == platform.KindOutcomeUnknown {
					in.UncertainSince = time.Now()
				}
				time.Sleep(jobBackoff)
			}
			page, err := e.client(t, domain).ListProducts(ctx, platform.ListParams{})
			if err != nil {
				t.Fatal(err)
			}
			keyed := 0
			for _, p := range page.Items {
				if slices.Contains(p.Tags, shopify.KeyTag(in.CreateKey)) {
					keyed++
					if p.ID != got.ID {
						t.Errorf("product %s carries the key; the create answered %s", p.ID, got.ID)
					}
				}
				if p.ID == own.ID && (len(p.Variants) != 1 || p.Variants[0].SKU != "MUG-S" || len(p.Tags) != 0) {
					t.Errorf("the shop's own product was changed: %+v", p)
				}
			}
			if keyed != 1 || len(page.Items) != 4 || attempts < 2 || got.ID == own.ID || len(got.Variants) != 1 {
				t.Fatalf("%d keyed products of %d after %d attempts (answer %+v); want exactly 1 of 4 (2 seeded, the shop's own, ours)", keyed, len(page.Items), attempts, got)
			}
			// A later run finds it again and creates nothing.
			again, err := e.client(t, domain).SetProduct(ctx, in)
			if err != nil || again.ID != got.ID {
				t.Fatalf("re-run: %+v, %v", again, err)
			}
		})
	}
}
