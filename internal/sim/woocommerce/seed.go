package woocommercesim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// SeedVariant is one sellable item of a seeded product.
type SeedVariant struct {
	SKU      string
	Barcode  string
	Price    string // decimal, in the store's currency
	Quantity int64
	Options  []string // values of the product's options, for a variable product
}

// SeedProduct is a product placed on the store directly (as a merchant would in the admin).
type SeedProduct struct {
	Name     string
	Options  []string // none: a simple product with one variant
	Variants []SeedVariant
}

// Seed adds a product and returns the ids of the product and of each variant as the REST API
// names them (the product's for a simple product, the variation's otherwise).
func (st *Store) Seed(sp SeedProduct) (int64, []int64, error) {
	if len(sp.Variants) == 0 {
		return 0, nil, fmt.Errorf("seeding %q: no variants", sp.Name)
	}
	if len(sp.Options) == 0 && len(sp.Variants) > 1 {
		return 0, nil, fmt.Errorf("seeding %q: several variants need options", sp.Name)
	}
	st.mu.Lock()
	defer func() {
		hooks := st.pending
		st.pending = nil
		st.mu.Unlock()
		st.sim.send(hooks)
	}()
	now := st.sim.now()
	p := &Product{ID: st.nextID(), Name: sp.Name, Type: "simple", Status: "publish", Created: now, Modified: now, Stock: Stock{Backorders: "no"}}
	p.Slug = st.uniqueSlug(slugify(sp.Name), p.ID)
	stock := func(v SeedVariant) Stock {
		q := v.Quantity
		return Stock{SKU: v.SKU, GlobalUniqueID: v.Barcode, RegularPrice: v.Price, ManageStock: true, StockQuantity: &q, Backorders: "no"}
	}
	var ids []int64
	if len(sp.Options) == 0 {
		p.Stock = stock(sp.Variants[0])
		ids = append(ids, p.ID)
	} else {
		p.Type = "variable"
		for i, name := range sp.Options {
			a := Attribute{Name: name, Position: i, Visible: true, Variation: true}
			for _, v := range sp.Variants {
				if i < len(v.Options) && !slices.Contains(a.Options, v.Options[i]) {
					a.Options = append(a.Options, v.Options[i])
				}
			}
			p.Attributes = append(p.Attributes, a)
		}
		for j, sv := range sp.Variants {
			v := &Variation{ID: st.nextID(), Stock: stock(sv), MenuOrder: j, Created: now, Modified: now}
			for i, name := range sp.Options {
				if i < len(sv.Options) {
					v.Attributes = append(v.Attributes, VarAttribute{Name: name, Option: sv.Options[i]})
				}
			}
			p.Variations = append(p.Variations, v)
			ids = append(ids, v.ID)
		}
	}
	st.data.Products[p.ID] = p
	st.emit("product.created", func() any { return st.renderProduct(p) })
	return p.ID, ids, nil
}

// SeedCatalog adds n products, each with the given number of variants (1: simple products), with SKUs
// NAME-P-V and stock.
func (st *Store) SeedCatalog(n, variants int, seed int64) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed)) //nolint:gosec // G115: the seed's bits are taken as they are; a negative seed is a valid seed
	sizes := []string{"XS", "S", "M", "L", "XL", "XXL"}
	for i := range n {
		sp := SeedProduct{Name: fmt.Sprintf("%s %s", adjectives[rng.IntN(len(adjectives))], nouns[rng.IntN(len(nouns))])}
		if variants > 1 {
			sp.Options = []string{"Size"}
		}
		for j := range max(variants, 1) {
			v := SeedVariant{SKU: fmt.Sprintf("%s-%d-%d", st.Config().Name, i+1, j+1),
				Price: strconv.Itoa(5+rng.IntN(95)) + ".00", Quantity: int64(rng.IntN(50))}
			if variants > 1 {
				v.Options = []string{sizes[j%len(sizes)] + suffix(j/len(sizes))}
			}
			sp.Variants = append(sp.Variants, v)
		}
		if _, _, err := st.Seed(sp); err != nil {
			return err
		}
	}
	return nil
}

func suffix(n int) string {
	if n == 0 {
		return ""
	}
	return " " + strconv.Itoa(n+1)
}

var (
	adjectives = []string{"Classic", "Organic", "Rugged", "Everyday", "Heritage", "Coastal", "Alpine", "Urban"}
	nouns      = []string{"Tee", "Hoodie", "Tote", "Mug", "Cap", "Blanket", "Notebook", "Backpack"}
)

// OrderLine is one line of an order a customer places.
type OrderLine struct {
	ProductID, VariationID int64
	Quantity               int64
}

// PlaceOrder places a paid order with a shipping address, as a customer checking out would.
func (st *Store) PlaceOrder(lines []OrderLine) (int64, error) {
	st.mu.Lock()
	defer func() {
		hooks := st.pending
		st.pending = nil
		st.mu.Unlock()
		st.sim.send(hooks)
	}()
	var items []map[string]any
	for _, l := range lines {
		items = append(items, map[string]any{"product_id": l.ProductID, "variation_id": l.VariationID, "quantity": l.Quantity})
	}
	addr := map[string]any{"first_name": "Ada", "last_name": "Lovelace", "address_1": "12 Analytical Way", "city": "London",
		"postcode": "N1 7GU", "country": "GB", "email": "ada@example.com", "phone": "+44 20 7946 0000"}
	body := fields{}
	for k, v := range map[string]any{"line_items": items, "billing": addr, "shipping": addr, "set_paid": true,
		"payment_method": "stripe", "transaction_id": "ch_" + newDeliveryID()[:16],
		"shipping_lines": []map[string]any{{"method_id": "flat_rate", "method_title": "Flat rate", "total": "5.00"}}} {
		body[k] = mustJSON(v)
	}
	o, _, err := st.createOrder(body)
	if err != nil {
		return 0, err
	}
	o.Meta = append(o.Meta, Meta{ID: st.nextID(), Key: "_created_via_checkout", Value: jsonString("yes")})
	return o.ID, nil
}

// OrderGenerator places orders of random products at Rate a second.
type OrderGenerator struct {
	Rate float64
	Seed int64
	// Variants, when set, is asked before each order for the items its line may pick, as the REST
	// API's clients name them ("12" for a simple product, "12:34" for a variation): the demo's
	// synced products. Items the store does not have are ignored; none left, the line picks from
	// the whole catalog.
	Variants func() []string
}

// GenerateOrders places orders until ctx is done.
func (st *Store) GenerateOrders(ctx context.Context, g OrderGenerator) error {
	if g.Rate <= 0 {
		return fmt.Errorf("order generator: rate must be positive")
	}
	rng := rand.New(rand.NewPCG(uint64(g.Seed), 0x0de5)) //nolint:gosec // G115: the seed's bits are taken as they are; a negative seed is a valid seed
	tick := time.NewTicker(time.Duration(float64(time.Second) / g.Rate))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		var only []OrderLine
		if g.Variants != nil {
			only = parseItems(g.Variants())
		}
		var lines []OrderLine
		st.mu.Lock()
		ids := make([]int64, 0, len(st.data.Products))
		for id, p := range st.data.Products {
			if p.Status == "publish" {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		if l, ok := st.pickItem(only, rng); ok {
			lines = append(lines, l)
		} else if len(ids) > 0 {
			p := st.data.Products[ids[rng.IntN(len(ids))]]
			l := OrderLine{ProductID: p.ID, Quantity: int64(1 + rng.IntN(3))}
			if p.Type == "variable" {
				if len(p.Variations) == 0 {
					st.mu.Unlock()
					continue
				}
				l.VariationID = p.Variations[rng.IntN(len(p.Variations))].ID
			}
			lines = append(lines, l)
		}
		st.mu.Unlock()
		if len(lines) == 0 {
			continue
		}
		if _, err := st.PlaceOrder(lines); err != nil {
			st.sim.log.Info("generated order refused", "store", st.Config().Name, "err", err)
		}
	}
}
