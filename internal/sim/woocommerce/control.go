package woocommercesim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The store's own side, for tests and the contract suite: what a merchant does in the admin.

func (st *Store) stockOf(productID, variationID int64) (*Stock, *Product, error) {
	p := st.data.Products[productID]
	if p == nil {
		return nil, nil, fmt.Errorf("store %s: no product %d", st.data.Config.Name, productID)
	}
	if variationID == 0 {
		return &p.Stock, p, nil
	}
	i := slices.IndexFunc(p.Variations, func(v *Variation) bool { return v.ID == variationID })
	if i < 0 {
		return nil, nil, fmt.Errorf("store %s: product %d has no variation %d", st.data.Config.Name, productID, variationID)
	}
	return &p.Variations[i].Stock, p, nil
}

// SetStock sets an item's managed stock quantity.
func (st *Store) SetStock(productID, variationID, quantity int64) error {
	st.mu.Lock()
	defer func() {
		hooks := st.pending
		st.pending = nil
		st.mu.Unlock()
		st.sim.send(hooks)
	}()
	s, p, err := st.stockOf(productID, variationID)
	if err != nil {
		return err
	}
	s.ManageStock = true
	s.StockQuantity = &quantity
	p.Modified = st.sim.now()
	for _, v := range p.Variations {
		if v.ID == variationID {
			v.Modified = p.Modified
		}
	}
	st.emit("product.updated", func() any { return st.renderProduct(p) })
	return nil
}

// StockQuantity is an item's stock quantity (0 when not managed).
func (st *Store) StockQuantity(productID, variationID int64) (int64, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, _, err := st.stockOf(productID, variationID)
	if err != nil {
		return 0, err
	}
	if !s.ManageStock || s.StockQuantity == nil {
		return 0, nil
	}
	return *s.StockQuantity, nil
}

// Ship completes an order with tracking numbers, as the merchant would: Shipment Tracking items
// where the store has the extension, a note otherwise.
func (st *Store) Ship(orderID int64, carrier string, numbers []string) error {
	st.mu.Lock()
	defer func() {
		hooks := st.pending
		st.pending = nil
		st.mu.Unlock()
		st.sim.send(hooks)
	}()
	o := st.data.Orders[orderID]
	if o == nil {
		return fmt.Errorf("store %s: no order %d", st.data.Config.Name, orderID)
	}
	now := st.sim.now()
	if st.data.Config.ShipmentTracking {
		for _, n := range numbers {
			o.Trackings = append(o.Trackings, Tracking{ID: fmt.Sprintf("%x", st.nextID()*2654435761), Provider: carrier, Number: n, Shipped: now.Format("2006-01-02")})
		}
	} else if len(numbers) > 0 {
		o.Notes = append(o.Notes, Note{ID: st.nextID(), Author: "merchant", Created: now, CustomerNote: true,
			Note: "Shipped by " + carrier + "\nTracking number: " + strings.Join(numbers, "\nTracking number: ")})
	}
	st.setStatus(o, "completed")
	st.emit("order.updated", func() any { return st.renderOrder(o) })
	return nil
}

// OrdersWithMeta counts orders with a meta entry of key whose value is value, or, for a
// comma-separated list, contains it.
func (st *Store) OrdersWithMeta(key, value string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, o := range st.data.Orders {
		for _, m := range o.Meta {
			var s string
			if m.Key != key || json.Unmarshal(m.Value, &s) != nil {
				continue
			}
			if s == value || slices.Contains(strings.Split(s, ","), value) {
				n++
				break
			}
		}
	}
	return n
}

// Resource is the payload WooCommerce delivers for topic about id: the order or product as
// the REST API renders it, or {"id": id} for a delete.
func (st *Store) Resource(topic string, id int64) ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	resource, event, _ := strings.Cut(topic, ".")
	if event == "deleted" {
		return json.Marshal(map[string]any{"id": id})
	}
	switch resource {
	case "order":
		if o := st.data.Orders[id]; o != nil {
			return json.Marshal(st.renderOrder(o))
		}
	case "product":
		if p := st.data.Products[id]; p != nil {
			return json.Marshal(st.renderProduct(p))
		}
	default:
		return nil, fmt.Errorf("topic %q: the simulator renders orders and products", topic)
	}
	return nil, fmt.Errorf("store %s: no %s %d", st.data.Config.Name, resource, id)
}

// SiteURL is the store's home URL (X-WC-Webhook-Source).
func (st *Store) SiteURL() string { return st.sim.siteURL(st.Config().Name) }
