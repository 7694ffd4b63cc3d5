package shopifysim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (sh *Shop) newProduct(title, handle string, now time.Time) *product {
	p := &product{ID: sh.data.newID(), Title: title, Handle: handle, Status: "ACTIVE",
		Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	pub := now
	p.PublishedAt = &pub
	sh.data.Products[p.ID] = p
	return p
}

// replaceVariants makes the product's variants exactly specs: a spec matches an existing variant
// by id, else by option values; unmatched variants are deleted with their inventory.
func (sh *Shop) replaceVariants(rc *reqCtx, p *product, specs []variantSpec, now time.Time) error {
	existing := map[int64]*variant{}
	byTitle := map[string]*variant{}
	for _, id := range p.VariantIDs {
		v := sh.data.Variants[id]
		existing[id] = v
		byTitle[v.Title] = v
	}
	if len(p.Options) == 0 && len(specs) > 0 {
		for i, name := range specs[0].optionNames {
			if name == "" {
				name = fmt.Sprintf("Option%d", i+1)
			}
			p.Options = append(p.Options, option{Name: name})
		}
		if len(p.Options) == 0 {
			p.Options = []option{{Name: "Title"}}
		}
	}
	keep := make([]int64, 0, len(specs))
	used := map[int64]bool{}
	for i, s := range specs {
		var v *variant
		if s.id != 0 {
			if v = existing[s.id]; v == nil {
				return fmt.Errorf("variant %s does not belong to product %s", gid("ProductVariant", s.id), gid("Product", p.ID))
			}
		} else if m := byTitle[s.title]; m != nil && !used[m.ID] {
			v = m
		}
		if v == nil {
			v = sh.newVariant(p, now)
		}
		used[v.ID] = true
		v.Title, v.OptionValues, v.Position = s.title, s.values, i+1
		if s.skuSet {
			v.SKU = s.sku
		}
		if s.bcSet {
			v.Barcode = s.barcode
		}
		if s.hasPrice {
			v.Price = s.price
		}
		if s.policy != "" {
			v.InventoryPolicy = s.policy
		}
		if s.compareAtSet {
			v.CompareAtPrice = s.compareAt
		}
		if s.weight != nil {
			sh.data.Items[v.InventoryItemID].Weight = s.weight
		}
		v.UpdatedAt = now
		for j, val := range s.values {
			if j < len(p.Options) && !slices.Contains(p.Options[j].Values, val) {
				p.Options[j].Values = append(p.Options[j].Values, val)
			}
		}
		for locID, q := range s.quantities {
			if sh.data.Locations[locID] == nil {
				return fmt.Errorf("location %s does not exist", gid("Location", locID))
			}
			l := sh.level(v.InventoryItemID, locID, now)
			if s.quantityName == "on_hand" {
				q -= l.Committed
			}
			if l.Available != q {
				l.Available, l.UpdatedAt = q, now
				if rc != nil {
					rc.emit(sh.inventoryLevelEvent(l))
				}
			}
		}
		keep = append(keep, v.ID)
	}
	for id, v := range existing {
		if !used[id] {
			delete(sh.data.Items, v.InventoryItemID)
			delete(sh.data.Variants, id)
		}
	}
	p.VariantIDs = keep
	return nil
}

func (sh *Shop) newVariant(p *product, now time.Time) *variant {
	v := &variant{ID: sh.data.newID(), ProductID: p.ID, CreatedAt: now, UpdatedAt: now}
	it := &inventoryItem{ID: sh.data.newID(), VariantID: v.ID, Tracked: true,
		Levels: map[int64]*inventoryLevel{}, CreatedAt: now, UpdatedAt: now}
	v.InventoryItemID = it.ID
	sh.data.Variants[v.ID] = v
	sh.data.Items[it.ID] = it
	sh.level(it.ID, sh.primaryLocation().ID, now)
	return v
}

// level returns the item's inventory level at a location, stocking the item there if needed.
func (sh *Shop) level(itemID, locID int64, now time.Time) *inventoryLevel {
	it := sh.data.Items[itemID]
	l := it.Levels[locID]
	if l == nil {
		l = &inventoryLevel{ItemID: itemID, LocationID: locID, CreatedAt: now, UpdatedAt: now}
		it.Levels[locID] = l
	}
	return l
}

var (
	seedAdjectives = []string{"Classic", "Organic", "Vintage", "Everyday", "Premium", "Rugged", "Soft", "Modern", "Heritage", "Light"}
	seedNouns      = []string{"T-Shirt", "Hoodie", "Mug", "Tote Bag", "Cap", "Notebook", "Water Bottle", "Socks", "Backpack", "Candle"}
	seedVendors    = []string{"Northwind Supply", "Maple & Co", "Blue Harbor", "Fieldstone Goods"}
	seedColors     = []string{"Black", "White", "Navy", "Olive", "Sand", "Red", "Grey", "Teal"}
	seedSizes      = []string{"XS", "S", "M", "L", "XL", "XXL"}
)

// SeedCatalog adds products with realistic titles, unique SKUs and EAN-13 barcodes, prices,
// weights, two images each and stock at the shop's first location. It emits no webhooks: it sets a shop up, it is not a change
// a client should see.
func (s *Sim) SeedCatalog(domain string, products, variantsPerProduct int) error {
	sh, err := s.Shop(domain)
	if err != nil {
		return err
	}
	if products < 0 || variantsPerProduct < 1 || variantsPerProduct > 2048 {
		return fmt.Errorf("seeding %s: want products >= 0 and 1..2048 variants per product", domain)
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	now := s.now()
	r := sh.catRand
	loc := sh.primaryLocation().ID
	for range products {
		title := seedAdjectives[r.IntN(len(seedAdjectives))] + " " + seedNouns[r.IntN(len(seedNouns))]
		p := sh.newProduct(title, "", now)
		p.Handle = fmt.Sprintf("%s-%d", handleize(title), p.ID)
		p.Vendor = seedVendors[r.IntN(len(seedVendors))]
		p.ProductType = strings.Fields(title)[1]
		p.Description = "<p>" + title + " from " + p.Vendor + ".</p>"
		p.Tags = []string{"seed", strings.ToLower(p.ProductType)}
		base := int64(500 + r.IntN(9500)) // 5.00 .. 99.99
		specs := make([]variantSpec, 0, variantsPerProduct)
		names := []string{"Color", "Size"}
		for i := range variantsPerProduct {
			values := []string{seedColors[i/len(seedSizes)%len(seedColors)], seedSizes[i%len(seedSizes)]}
			if i >= len(seedColors)*len(seedSizes) {
				values[0] = fmt.Sprintf("Style %d", i/len(seedSizes))
			}
			sp := variantSpec{title: strings.Join(values, " / "), values: values, optionNames: names,
				sku: fmt.Sprintf("SKU-%d-%03d", p.ID%1_000_000, i+1), skuSet: true,
				barcode: ean13(r.Int64N(1_000_000_000_000)), bcSet: true,
				price: base + int64(i%3)*100, hasPrice: true,
				quantities: map[int64]int{loc: r.IntN(100)}, quantityName: "available"}
			specs = append(specs, sp)
		}
		if err := sh.replaceVariants(nil, p, specs, now); err != nil {
			return fmt.Errorf("seeding %s: %w", domain, err)
		}
		// Two images and a weight per variant, derived from ids rather than drawn, so the
		// random values above stay what they were before images and weights were seeded.
		for _, view := range []string{"front", "back"} {
			id := sh.data.newID()
			src := fmt.Sprintf("https://images.example/%s-%s.jpg", p.Handle, view)
			p.Images = append(p.Images, image{ID: id, URL: sh.cdnURL(src, id), Alt: title + " " + view, CreatedAt: now, UpdatedAt: now})
		}
		for _, vid := range p.VariantIDs {
			v := sh.data.Variants[vid]
			sh.data.Items[v.InventoryItemID].Weight = &weight{Value: strconv.FormatInt(100+v.ID%900, 10), Unit: "GRAMS"}
		}
	}
	sh.changed()
	return nil
}

// ean13 renders a 12-digit number with its EAN-13 check digit.
func ean13(n int64) string {
	digits := fmt.Sprintf("%012d", n)
	sum := 0
	for i, c := range digits {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return digits + strconv.Itoa((10-sum%10)%10)
}
