package bigcommerce

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/money"
)

// v2Time is v2's date format (RFC 1123 with a numeric zone).
func v2Time(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// v2Money formats minor units as v2 does, with four decimals ("12.5000").
func v2Money(minor int64, cur string) string {
	d, err := money.Digits(cur)
	if err != nil {
		d = 2
	}
	s := money.FormatDigits(minor, d)
	if !strings.Contains(s, ".") {
		s += "."
	}
	if d < 4 {
		s += strings.Repeat("0", 4-d)
	}
	return s
}

// minor reads an amount as minor units of cur: a decimal string or JSON number.
func minor(s, cur string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	d, err := money.Digits(cur)
	if err != nil {
		return 0, false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	n, err := money.ParseDigits(s, d)
	return n, err == nil
}

func (st *Store) orderView(o *Order) map[string]any {
	base := "https://api.bigcommerce.com/stores/" + st.cfg.Hash + "/v2/orders/" + itoa64(o.ID)
	var shipped int64
	var items int64
	for _, p := range o.Products {
		shipped += p.QuantityShipped
		items += p.Quantity
	}
	return map[string]any{
		"id": o.ID, "customer_id": o.CustomerID, "date_created": v2Time(o.Created), "date_modified": v2Time(o.Modified),
		"date_shipped": "", "status_id": o.StatusID, "status": statusNames[o.StatusID],
		"subtotal_ex_tax": o.SubtotalExTax, "subtotal_inc_tax": o.SubtotalExTax, "subtotal_tax": v2Money(0, o.CurrencyCode),
		"shipping_cost_ex_tax": o.ShippingCostIncTax, "shipping_cost_inc_tax": o.ShippingCostIncTax,
		"total_ex_tax": o.TotalIncTax, "total_inc_tax": o.TotalIncTax, "total_tax": o.TotalTax,
		"items_total": items, "items_shipped": shipped, "payment_method": "Manual", "payment_status": o.PaymentStatus,
		"refunded_amount": v2Money(0, o.CurrencyCode), "currency_code": o.CurrencyCode, "default_currency_code": o.CurrencyCode,
		"discount_amount": o.DiscountAmount, "coupon_discount": v2Money(0, o.CurrencyCode),
		"customer_message": o.CustomerMessage, "staff_notes": o.StaffNotes, "is_deleted": false,
		"billing_address": o.BillingAddress, "order_source": "external",
		"products":           map[string]string{"url": base + "/products", "resource": "/orders/" + itoa64(o.ID) + "/products"},
		"shipping_addresses": map[string]string{"url": base + "/shipping_addresses", "resource": "/orders/" + itoa64(o.ID) + "/shippingaddresses"},
	}
}

func (s *Sim) listOrders(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	page, limit, ok := paging(w, r, true)
	if !ok {
		return
	}
	q := r.URL.Query()
	var minCreated, minModified time.Time
	for key, dst := range map[string]*time.Time{"min_date_created": &minCreated, "min_date_modified": &minModified} {
		if v := q.Get(key); v != "" {
			t, ok := parseDate(v)
			if !ok {
				writeV2Error(w, http.StatusBadRequest, "The field '"+key+"' is not a valid date.")
				return
			}
			*dst = t
		}
	}
	sortBy := q.Get("sort")
	if sortBy != "" && sortBy != "id" && sortBy != "id:asc" && sortBy != "id:desc" && sortBy != "date_created:asc" && sortBy != "date_created:desc" && sortBy != "date_modified:asc" && sortBy != "date_modified:desc" {
		writeV2Error(w, http.StatusBadRequest, "The field 'sort' is invalid.")
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var match []*Order
	for _, id := range sortedIDs(st.data.Orders) {
		o := st.data.Orders[id]
		if e := q.Get("email"); e != "" && !strings.EqualFold(o.BillingAddress.Email, e) {
			continue
		}
		if !minCreated.IsZero() && o.Created.Before(minCreated) {
			continue
		}
		if !minModified.IsZero() && o.Modified.Before(minModified) {
			continue
		}
		if sid := q.Get("status_id"); sid != "" && sid != strconv.Itoa(o.StatusID) {
			continue
		}
		match = append(match, o)
	}
	switch sortBy {
	case "id:desc":
		slices.Reverse(match)
	case "date_created:asc", "date_created:desc", "date_modified:asc", "date_modified:desc":
		field, dir, _ := strings.Cut(sortBy, ":")
		sort.SliceStable(match, func(i, j int) bool {
			a, b := match[i].Created, match[j].Created
			if field == "date_modified" {
				a, b = match[i].Modified, match[j].Modified
			}
			if dir == "desc" {
				return a.After(b)
			}
			return a.Before(b)
		})
	}
	from, to, _ := pageOf(len(match), page, limit)
	if from == to {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	out := make([]map[string]any, 0, to-from)
	for _, o := range match[from:to] {
		out = append(out, st.orderView(o))
	}
	writeJSON(w, http.StatusOK, out)
}

func (st *Store) orderOf(w http.ResponseWriter, r *http.Request) *Order {
	id, ok := pathID(w, r, "id", true)
	if !ok {
		return nil
	}
	o := st.data.Orders[id]
	if o == nil {
		writeV2Error(w, http.StatusNotFound, "The requested resource was not found.")
	}
	return o
}

func (s *Sim) getOrder(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	if o := st.orderOf(w, r); o != nil {
		writeJSON(w, http.StatusOK, st.orderView(o))
	}
}

// sub pages a v2 sub-resource list, answering 204 when the page is empty.
func sub[T any](w http.ResponseWriter, r *http.Request, items []T) {
	page, limit, ok := paging(w, r, true)
	if !ok {
		return
	}
	from, to, _ := pageOf(len(items), page, limit)
	if from == to {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, items[from:to])
}

func (s *Sim) orderProducts(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	if o := st.orderOf(w, r); o != nil {
		sub(w, r, o.Products)
	}
}

func (s *Sim) orderAddresses(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	if o := st.orderOf(w, r); o != nil {
		sub(w, r, o.ShippingAddresses)
	}
}

type orderIn struct {
	CustomerID         int64       `json:"customer_id"`
	StatusID           *int        `json:"status_id"`
	BillingAddress     *Address    `json:"billing_address"`
	ShippingAddresses  []Address   `json:"shipping_addresses"`
	Products           []lineIn    `json:"products"`
	StaffNotes         *string     `json:"staff_notes"`
	CustomerMessage    *string     `json:"customer_message"`
	ShippingCostIncTax json.Number `json:"shipping_cost_inc_tax"`
	DiscountAmount     json.Number `json:"discount_amount"`
}

type lineIn struct {
	ProductID   int64       `json:"product_id"`
	VariantID   int64       `json:"variant_id"`
	Name        string      `json:"name"`
	SKU         string      `json:"sku"`
	Quantity    int64       `json:"quantity"`
	PriceIncTax json.Number `json:"price_inc_tax"`
	PriceExTax  json.Number `json:"price_ex_tax"`
}

func (s *Sim) createOrder(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	var in orderIn
	if !decode(w, r, true, &in) {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	o, msg := st.newOrder(in, s.now())
	if o == nil {
		writeV2Error(w, http.StatusBadRequest, msg)
		return
	}
	s.hooks.emit(st, "store/order/created", map[string]any{"type": "order", "id": o.ID})
	st.shipLater(o)
	writeJSON(w, http.StatusCreated, st.orderView(o))
}

// newOrder makes an order from a create's body, taking its stock from the first location; nil
// and the v2 message when the body is refused.
func (st *Store) newOrder(in orderIn, now time.Time) (*Order, string) {
	cur := st.cfg.Currency
	if in.BillingAddress == nil {
		return nil, "The field 'billing_address' is invalid: it is required."
	}
	if len(in.Products) == 0 {
		return nil, "The field 'products' is invalid: at least one product is required."
	}
	status := 1
	if in.StatusID != nil {
		if _, ok := statusNames[*in.StatusID]; !ok {
			return nil, "The field 'status_id' is invalid."
		}
		status = *in.StatusID
	}
	now = now.UTC().Truncate(time.Second)
	o := &Order{ID: st.nextID(), CustomerID: in.CustomerID, Created: now, Modified: now, StatusID: status, CurrencyCode: cur,
		BillingAddress: *in.BillingAddress, StaffNotes: deref(in.StaffNotes), CustomerMessage: deref(in.CustomerMessage)}
	o.BillingAddress.ID, o.BillingAddress.OrderID = 0, 0
	for _, a := range in.ShippingAddresses {
		a.ID, a.OrderID = st.nextID(), o.ID
		a.CostIncTax = v2Money(0, cur)
		o.ShippingAddresses = append(o.ShippingAddresses, &a)
	}
	if len(o.ShippingAddresses) == 0 {
		a := *in.BillingAddress
		a.ID, a.OrderID = st.nextID(), o.ID
		o.ShippingAddresses = []*Address{&a}
	}
	var subtotal int64
	type take struct {
		v *Variant
		q int64
	}
	var takes []take
	for i, l := range in.Products {
		field := "products[" + itoa(i) + "]"
		if l.Quantity <= 0 {
			return nil, "The field '" + field + ".quantity' is invalid."
		}
		line := &OrderProduct{ID: st.nextID(), OrderID: o.ID, OrderAddressID: o.ShippingAddresses[0].ID, Quantity: l.Quantity, Name: l.Name, SKU: l.SKU,
			ProductOptions: []ProductOption{}}
		price := l.PriceIncTax.String()
		if l.ProductID > 0 {
			p := st.data.Products[l.ProductID]
			if p == nil {
				return nil, "The field '" + field + ".product_id' is invalid: product " + itoa64(l.ProductID) + " not found."
			}
			var v *Variant
			switch {
			case l.VariantID > 0:
				i := slices.IndexFunc(p.Variants, func(v *Variant) bool { return v.ID == l.VariantID })
				if i < 0 {
					return nil, "The field '" + field + ".variant_id' is invalid: not a variant of product " + itoa64(p.ID) + "."
				}
				v = p.Variants[i]
			case len(p.Variants) == 1:
				v = p.Variants[0]
			default:
				return nil, "The field '" + field + "' is invalid: the product has options, name a variant_id."
			}
			line.ProductID, line.VariantID, line.Name, line.SKU, line.UPC = p.ID, v.ID, p.Name, v.SKU, v.UPC
			for _, ov := range v.OptionValues {
				line.ProductOptions = append(line.ProductOptions, ProductOption{DisplayName: ov.OptionDisplayName, DisplayValue: ov.Label})
			}
			if price == "" {
				price = p.Price.String()
				if v.Price != nil {
					price = v.Price.String()
				}
			}
			if p.Tracking != "none" {
				takes = append(takes, take{v, l.Quantity})
			}
		} else if l.Name == "" || price == "" {
			return nil, "The field '" + field + "' is invalid: a custom product needs a name and price_inc_tax."
		}
		m, ok := minor(price, cur)
		if !ok {
			return nil, "The field '" + field + ".price_inc_tax' is invalid."
		}
		line.PriceIncTax, line.PriceExTax = v2Money(m, cur), v2Money(m, cur)
		subtotal += m * l.Quantity
		o.Products = append(o.Products, line)
	}
	ship, ok1 := minor(in.ShippingCostIncTax.String(), cur)
	disc, ok2 := minor(in.DiscountAmount.String(), cur)
	if !ok1 || !ok2 {
		return nil, "The field 'shipping_cost_inc_tax' or 'discount_amount' is invalid."
	}
	o.SubtotalExTax, o.ShippingCostIncTax, o.TotalTax = v2Money(subtotal, cur), v2Money(ship, cur), v2Money(0, cur)
	o.DiscountAmount, o.TotalIncTax = v2Money(disc, cur), v2Money(subtotal+ship-disc, cur)
	o.PaymentStatus = paymentStatus(status)
	for _, t := range takes {
		if st.data.Levels[t.v.ID] == nil {
			st.data.Levels[t.v.ID] = map[int64]int64{}
		}
		st.data.Levels[t.v.ID][1] -= t.q
	}
	st.data.Orders[o.ID] = o
	return o, ""
}

func paymentStatus(status int) string {
	switch status {
	case 2, 3, 8, 9, 10, 11:
		return "captured"
	case 4:
		return "refunded"
	case 14:
		return "partially refunded"
	case 7:
		return "pending"
	}
	return ""
}

func (s *Sim) updateOrder(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	var in orderIn
	if !decode(w, r, true, &in) {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.orderOf(w, r)
	if o == nil {
		return
	}
	if in.StatusID != nil {
		if _, ok := statusNames[*in.StatusID]; !ok {
			writeV2Error(w, http.StatusBadRequest, "The field 'status_id' is invalid.")
			return
		}
		if *in.StatusID == 5 && o.StatusID != 5 {
			// A cancelled order's stock goes back to the first location.
			for _, l := range o.Products {
				if p := st.data.Products[l.ProductID]; p != nil && p.Tracking != "none" && st.data.Levels[l.VariantID] != nil {
					st.data.Levels[l.VariantID][1] += l.Quantity - l.QuantityShipped
				}
			}
		}
		st.setStatus(o, *in.StatusID)
	}
	if in.StaffNotes != nil {
		o.StaffNotes = *in.StaffNotes
	}
	if in.CustomerMessage != nil {
		o.CustomerMessage = *in.CustomerMessage
	}
	o.Modified = s.now().UTC().Truncate(time.Second)
	s.hooks.emit(st, "store/order/updated", map[string]any{"type": "order", "id": o.ID})
	writeJSON(w, http.StatusOK, st.orderView(o))
}

func (s *Sim) listShipments(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	if o := st.orderOf(w, r); o != nil {
		sub(w, r, o.Shipments)
	}
}

type shipmentIn struct {
	OrderAddressID   int64          `json:"order_address_id"`
	TrackingNumber   *string        `json:"tracking_number"`
	TrackingCarrier  *string        `json:"tracking_carrier"`
	ShippingProvider *string        `json:"shipping_provider"`
	Comments         *string        `json:"comments"`
	Items            []ShipmentItem `json:"items"`
}

func (s *Sim) createShipment(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	var in shipmentIn
	if !decode(w, r, true, &in) {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.orderOf(w, r)
	if o == nil {
		return
	}
	if !slices.ContainsFunc(o.ShippingAddresses, func(a *Address) bool { return a.ID == in.OrderAddressID }) {
		writeV2Error(w, http.StatusBadRequest, "The field 'order_address_id' is invalid.")
		return
	}
	if len(in.Items) == 0 {
		writeV2Error(w, http.StatusBadRequest, "The field 'items' is invalid: at least one item is required.")
		return
	}
	if o.StatusID == 5 {
		writeV2Error(w, http.StatusBadRequest, "The order is cancelled: it cannot be shipped.")
		return
	}
	want := map[int64]int64{}
	for _, it := range in.Items {
		want[it.OrderProductID] += it.Quantity
	}
	for id, q := range want {
		i := slices.IndexFunc(o.Products, func(p *OrderProduct) bool { return p.ID == id })
		if i < 0 || o.Products[i].OrderAddressID != in.OrderAddressID {
			writeV2Error(w, http.StatusBadRequest, "The field 'items.order_product_id' is invalid: "+itoa64(id)+" is not a product of this address.")
			return
		}
		if q <= 0 || q > o.Products[i].Quantity-o.Products[i].QuantityShipped {
			writeV2Error(w, http.StatusBadRequest, "The field 'items.quantity' is invalid: more than is left to ship of "+itoa64(id)+".")
			return
		}
	}
	now := s.now()
	sh := &Shipment{ID: st.nextID(), OrderID: o.ID, OrderAddressID: in.OrderAddressID, DateCreated: v2Time(now),
		TrackingNumber: deref(in.TrackingNumber), TrackingCarrier: deref(in.TrackingCarrier), ShippingProvider: deref(in.ShippingProvider),
		Comments: deref(in.Comments)}
	sh.TrackingLink = trackingLink(sh.TrackingCarrier, sh.TrackingNumber)
	for _, it := range in.Items {
		p := o.Products[slices.IndexFunc(o.Products, func(p *OrderProduct) bool { return p.ID == it.OrderProductID })]
		p.QuantityShipped += it.Quantity
		sh.Items = append(sh.Items, ShipmentItem{OrderProductID: p.ID, ProductID: p.ProductID, Quantity: it.Quantity})
	}
	o.Shipments = append(o.Shipments, sh)
	all := true
	for _, p := range o.Products {
		if p.QuantityShipped < p.Quantity {
			all = false
		}
	}
	o.Modified = now.UTC().Truncate(time.Second)
	if all {
		st.setStatus(o, 2)
	} else {
		st.setStatus(o, 3)
	}
	s.hooks.emit(st, "store/shipment/created", map[string]any{"type": "shipment", "id": sh.ID, "orderId": o.ID})
	s.hooks.emit(st, "store/order/updated", map[string]any{"type": "order", "id": o.ID})
	writeJSON(w, http.StatusCreated, sh)
}

func trackingLink(carrier, number string) string {
	if number == "" {
		return ""
	}
	switch carrier {
	case "ups":
		return "https://www.ups.com/track?tracknum=" + number
	case "usps":
		return "https://tools.usps.com/go/TrackConfirmAction?tLabels=" + number
	case "fedex":
		return "https://www.fedex.com/fedextrack/?trknbr=" + number
	}
	return ""
}

func (s *Sim) updateShipment(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	var in shipmentIn
	if !decode(w, r, true, &in) {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.orderOf(w, r)
	if o == nil {
		return
	}
	sid, ok := pathID(w, r, "sid", true)
	if !ok {
		return
	}
	i := slices.IndexFunc(o.Shipments, func(s *Shipment) bool { return s.ID == sid })
	if i < 0 {
		writeV2Error(w, http.StatusNotFound, "The requested resource was not found.")
		return
	}
	sh := o.Shipments[i]
	if in.TrackingNumber != nil {
		sh.TrackingNumber = *in.TrackingNumber
	}
	if in.TrackingCarrier != nil {
		sh.TrackingCarrier = *in.TrackingCarrier
	}
	if in.ShippingProvider != nil {
		sh.ShippingProvider = *in.ShippingProvider
	}
	if in.Comments != nil {
		sh.Comments = *in.Comments
	}
	sh.TrackingLink = trackingLink(sh.TrackingCarrier, sh.TrackingNumber)
	s.hooks.emit(st, "store/shipment/updated", map[string]any{"type": "shipment", "id": sh.ID, "orderId": o.ID})
	writeJSON(w, http.StatusOK, sh)
}

// setStatus moves an order to a status, emitting store/order/statusUpdated when it changes. The
// caller holds st.mu.
func (st *Store) setStatus(o *Order, status int) {
	prev := o.StatusID
	o.StatusID = status
	if ps := paymentStatus(status); ps != "" {
		o.PaymentStatus = ps
	}
	if prev != status {
		st.sim.hooks.emit(st, "store/order/statusUpdated", map[string]any{"type": "order", "id": o.ID,
			"status": map[string]any{"previous_status_id": prev, "new_status_id": status}})
	}
}
