package bigcommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// What a merchant, a customer or the platform does to a store behind a client's back: tests
// and the contract suite set stores up and check them with these.

// SeedVariant is one variant of a SeedProduct.
type SeedVariant struct {
	SKU      string
	UPC      string
	Price    string // decimal in the store's currency
	Quantity int64  // at the first location
	Option   string // the value of the product's one option ("" for a product without options)
}

// SeedProduct is a product placed on a store directly.
type SeedProduct struct {
	Name     string
	Option   string // the option's name when the variants have values ("Size")
	Variants []SeedVariant
}

// AddProduct adds a product and returns its id and its variants' ids; stock is tracked.
func (st *Store) AddProduct(sp SeedProduct) (int64, []int64, error) { return st.addProduct(sp, true) }

// addProduct adds a product; check refuses a name or SKU another product holds (a seeded
// catalog's are unique by construction, and checking each against all is quadratic).
func (st *Store) addProduct(sp SeedProduct, check bool) (int64, []int64, error) {
	if sp.Name == "" || len(sp.Variants) == 0 {
		return 0, nil, errors.New("a seeded product needs a name and a variant")
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var skus []string
	for _, v := range sp.Variants {
		skus = append(skus, v.SKU)
	}
	if check {
		if msg, bad := st.conflicts(0, sp.Name, skus); bad {
			return 0, nil, errors.New(msg)
		}
	}
	now := st.sim.now().UTC().Truncate(time.Second)
	p := &Product{ID: st.nextID(), Name: sp.Name, Type: "physical", Weight: "1", Price: json.Number(sp.Variants[0].Price), RetailPrice: "0", SalePrice: "0",
		Tracking: "product", IsVisible: true, Availability: "available", CustomURL: CustomURL{URL: "/" + slug(sp.Name) + "/"}, DateCreated: now, DateModified: now}
	var ids []int64
	if sp.Option == "" {
		if len(sp.Variants) != 1 {
			return 0, nil, errors.New("several variants need an option")
		}
		p.SKU, p.UPC = sp.Variants[0].SKU, sp.Variants[0].UPC
		p.Variants = []*Variant{{ID: st.nextID(), ProductID: p.ID, OptionValues: []OptionValue{}}}
		st.syncBase(p)
	} else {
		p.Tracking = "variant"
		for _, sv := range sp.Variants {
			price, sku, upc := json.Number(sv.Price), sv.SKU, sv.UPC
			v := &Variant{ID: st.nextID(), ProductID: p.ID}
			st.applyVariant(p, v, variantIn{SKU: &sku, UPC: &upc, Price: &price, OptionValues: []OptionValue{{OptionDisplayName: sp.Option, Label: sv.Option}}})
			p.Variants = append(p.Variants, v)
		}
	}
	for i, v := range p.Variants {
		st.data.Levels[v.ID] = map[int64]int64{1: sp.Variants[i].Quantity}
		ids = append(ids, v.ID)
	}
	st.data.Products[p.ID] = p
	return p.ID, ids, nil
}

// SetQuantity sets a variant's quantity at a location, as the merchant would in the control panel.
func (st *Store) SetQuantity(variantID, locationID, q int64) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	p, v := st.variantByID(variantID)
	if v == nil {
		return fmt.Errorf("no variant %d", variantID)
	}
	if st.location(locationID) == nil {
		return fmt.Errorf("no location %d", locationID)
	}
	if st.data.Levels[v.ID] == nil {
		st.data.Levels[v.ID] = map[int64]int64{}
	}
	st.data.Levels[v.ID][locationID] = q
	p.DateModified = st.sim.now().UTC().Truncate(time.Second)
	return nil
}

// Quantity is a variant's quantity at a location.
func (st *Store) Quantity(variantID, locationID int64) (int64, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, v := st.variantByID(variantID); v == nil {
		return 0, fmt.Errorf("no variant %d", variantID)
	}
	return st.data.Levels[variantID][locationID], nil
}

// AddLocation adds an inventory location.
func (st *Store) AddLocation(label string) int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	l := &Location{ID: st.nextID(), Code: strings.ToUpper(slug(label)), Label: label, Enabled: true, TypeID: "PHYSICAL"}
	st.data.Locations = append(st.data.Locations, l)
	return l.ID
}

// OrderLine is a line of an order a customer places.
type OrderLine struct {
	VariantID int64
	Quantity  int64
}

// PlaceOrder places a paid order (Awaiting Fulfillment) with a shipping address, as a customer
// checking out would, and returns its id.
func (st *Store) PlaceOrder(email string, lines []OrderLine) (int64, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	addr := Address{FirstName: "Ada", LastName: "Lovelace", Street1: "12 Analytical Row", City: "Austin", State: "Texas", Zip: "78701",
		Country: "United States", CountryISO2: "US", Phone: "+1 512 555 0100", Email: email}
	status := 11
	in := orderIn{StatusID: &status, BillingAddress: &addr, ShippingAddresses: []Address{addr}}
	for _, l := range lines {
		p, v := st.variantByID(l.VariantID)
		if v == nil {
			return 0, fmt.Errorf("no variant %d", l.VariantID)
		}
		in.Products = append(in.Products, lineIn{ProductID: p.ID, VariantID: v.ID, Quantity: l.Quantity})
	}
	o, msg := st.newOrder(in, st.sim.now())
	if o == nil {
		return 0, errors.New(msg)
	}
	st.sim.hooks.emit(st, "store/order/created", map[string]any{"type": "order", "id": o.ID})
	return o.ID, nil
}

// Ship ships every open line of an order in one shipment with the first tracking number; the
// others are added to its comments, the way a merchant notes further parcels.
func (st *Store) Ship(orderID int64, carrier string, numbers []string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.data.Orders[orderID]
	if o == nil {
		return fmt.Errorf("no order %d", orderID)
	}
	now := st.sim.now()
	sh := &Shipment{ID: st.nextID(), OrderID: o.ID, OrderAddressID: o.ShippingAddresses[0].ID, DateCreated: v2Time(now), TrackingCarrier: carrier}
	if len(numbers) > 0 {
		sh.TrackingNumber = numbers[0]
	}
	if len(numbers) > 1 {
		sh.Comments = "More tracking numbers: " + strings.Join(numbers[1:], ", ")
	}
	sh.TrackingLink = trackingLink(carrier, sh.TrackingNumber)
	for _, p := range o.Products {
		if q := p.Quantity - p.QuantityShipped; q > 0 {
			p.QuantityShipped += q
			sh.Items = append(sh.Items, ShipmentItem{OrderProductID: p.ID, ProductID: p.ProductID, Quantity: q})
		}
	}
	if len(sh.Items) == 0 {
		return fmt.Errorf("order %d has nothing left to ship", orderID)
	}
	o.Shipments = append(o.Shipments, sh)
	o.Modified = now.UTC().Truncate(time.Second)
	st.setStatus(o, 2)
	st.sim.hooks.emit(st, "store/shipment/created", map[string]any{"type": "shipment", "id": sh.ID, "orderId": o.ID})
	return nil
}

// OrdersNoting counts orders whose staff notes contain s.
func (st *Store) OrdersNoting(s string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, o := range st.data.Orders {
		if strings.Contains(o.StaffNotes, s) {
			n++
		}
	}
	return n
}

// OrdersTagged counts orders carrying tag in the tags line of their staff notes, where storesync
// keeps an order's tags ("storesync tags: a, b").
func (st *Store) OrdersTagged(tag string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, o := range st.data.Orders {
		for line := range strings.SplitSeq(o.StaffNotes, "\n") {
			rest, ok := strings.CutPrefix(strings.TrimSpace(line), "storesync tags: ")
			if ok && slices.Contains(strings.Split(rest, ", "), tag) {
				n++
				break
			}
		}
	}
	return n
}

// OrderCount is how many orders the store has.
func (st *Store) OrderCount() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.data.Orders)
}

func (s *Sim) rand(hash, purpose string) *rand.Rand {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d/%s/%s", s.opts.Seed, hash, purpose)
	return rand.New(rand.NewPCG(h.Sum64(), uint64(s.opts.Seed))) //nolint:gosec // G115: the seed's bits are the stream's; a negative seed wraps as intended
}

var (
	adjectives = []string{"Harbor", "Summit", "Cedar", "Lumen", "Granite", "Willow", "Copper", "Atlas", "Meadow", "Drift"}
	nouns      = []string{"Jacket", "Mug", "Backpack", "Lantern", "Scarf", "Notebook", "Bottle", "Beanie", "Tote", "Candle"}
	sizes      = []string{"XS", "S", "M", "L", "XL", "XXL"}
)

// SeedCatalog adds n products of v variants each (at most 6), with stock, named from the seed.
func (s *Sim) SeedCatalog(hash string, n, v int) error {
	st, err := s.Store(hash)
	if err != nil {
		return err
	}
	rnd := s.rand(hash, "catalog")
	v = min(max(v, 1), len(sizes))
	for i := range n {
		sp := SeedProduct{Name: fmt.Sprintf("%s %s %d", adjectives[rnd.IntN(len(adjectives))], nouns[rnd.IntN(len(nouns))], i+1)}
		if v > 1 {
			sp.Option = "Size"
		}
		for j := range v {
			sv := SeedVariant{SKU: fmt.Sprintf("%s-%04d-%d", strings.ToUpper(hash[:min(4, len(hash))]), i+1, j+1),
				Price: fmt.Sprintf("%d.%02d", 5+rnd.IntN(120), rnd.IntN(100)), Quantity: int64(rnd.IntN(60))}
			if v > 1 {
				sv.Option = sizes[j]
			}
			sp.Variants = append(sp.Variants, sv)
		}
		if _, _, err := st.addProduct(sp, false); err != nil {
			return fmt.Errorf("seeding %s: %w", hash, err)
		}
	}
	return nil
}

// OrderGenerator places random orders on a store at Rate orders a second.
type OrderGenerator struct {
	Rate     float64
	MaxLines int // default 3
	Limit    int // stop after this many (0: until ctx is done)
}

// GenerateOrders places orders until ctx is done or g.Limit is reached, returning how it ended
// (nil at the limit, ctx's error otherwise). A store without products gets no orders.
func (s *Sim) GenerateOrders(ctx context.Context, hash string, g OrderGenerator) error {
	st, err := s.Store(hash)
	if err != nil {
		return err
	}
	if g.Rate <= 0 {
		return errors.New("order generator: rate must be positive")
	}
	if g.MaxLines <= 0 {
		g.MaxLines = 3
	}
	rnd := s.rand(hash, "orders")
	tick := time.NewTicker(time.Duration(float64(time.Second) / g.Rate))
	defer tick.Stop()
	for made := 0; g.Limit == 0 || made < g.Limit; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		st.mu.Lock()
		var vids []int64
		for _, id := range sortedIDs(st.data.Products) {
			for _, v := range st.data.Products[id].Variants {
				vids = append(vids, v.ID)
			}
		}
		st.mu.Unlock()
		if len(vids) == 0 {
			continue
		}
		var lines []OrderLine
		for range 1 + rnd.IntN(g.MaxLines) {
			lines = append(lines, OrderLine{VariantID: vids[rnd.IntN(len(vids))], Quantity: int64(1 + rnd.IntN(3))})
		}
		if _, err := st.PlaceOrder(fmt.Sprintf("customer%d@example.com", rnd.IntN(1000)), lines); err != nil {
			return err
		}
		made++
	}
	return nil
}
