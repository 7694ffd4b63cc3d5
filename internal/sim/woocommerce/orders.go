package woocommercesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/money"
)

var orderStatuses = []string{"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft"}

// reducesStock: an order in these statuses holds its stock (wc_maybe_reduce_stock_levels).
func reducesStock(status string) bool {
	return status == "processing" || status == "completed" || status == "on-hold"
}

func (st *Store) money(minor int64) string {
	s, err := money.Format(minor, st.data.Config.Currency)
	if err != nil {
		return strconv.FormatInt(minor, 10)
	}
	return s
}

func (st *Store) parseMoney(s string) (int64, error) {
	return money.Parse(s, st.data.Config.Currency)
}

func (st *Store) routeOrders(w http.ResponseWriter, r *http.Request, res []string, body fields) {
	m := r.Method
	if len(res) == 0 {
		switch m {
		case http.MethodGet:
			st.listOrders(w, r)
		case http.MethodPost:
			o, code, err := st.createOrder(body)
			if err != nil {
				writeError(w, http.StatusBadRequest, code, err.Error())
				return
			}
			writeJSON(w, http.StatusCreated, st.renderOrder(o))
		default:
			noRoute(w)
		}
		return
	}
	oid, err := strconv.ParseInt(res[0], 10, 64)
	o := st.data.Orders[oid]
	if err != nil || o == nil {
		writeError(w, http.StatusNotFound, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
		return
	}
	if len(res) >= 2 {
		switch res[1] {
		case "notes":
			st.routeNotes(w, r, o, res[2:], body)
		case "refunds":
			st.routeRefunds(w, r, o, res[2:], body)
		default:
			noRoute(w)
		}
		return
	}
	switch m {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, st.renderOrder(o))
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		if code, err := st.applyOrder(o, body); err != nil {
			writeError(w, http.StatusBadRequest, code, err.Error())
			return
		}
		o.Modified = st.sim.now()
		st.emit("order.updated", func() any { return st.renderOrder(o) })
		writeJSON(w, http.StatusOK, st.renderOrder(o))
	case http.MethodDelete:
		out := st.renderOrder(o)
		if r.URL.Query().Get("force") != "true" {
			st.setStatus(o, "trash")
		} else {
			delete(st.data.Orders, oid)
		}
		st.emit("order.deleted", func() any { return map[string]any{"id": oid} })
		writeJSON(w, http.StatusOK, out)
	default:
		noRoute(w)
	}
}

func (st *Store) listOrders(w http.ResponseWriter, r *http.Request) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	after, ok := modifiedAfter(w, r, "modified_after")
	if !ok {
		return
	}
	created, ok := modifiedAfter(w, r, "after")
	if !ok {
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	include := idList(q.Get("include"))
	search := strings.ToLower(q.Get("search"))
	var list []*Order
	for _, o := range st.data.Orders {
		switch {
		case status == "" || status == "any":
			if o.Status == "trash" || o.Status == "checkout-draft" {
				continue
			}
		case !slices.Contains(strings.Split(status, ","), o.Status):
			continue
		}
		if include != nil && !include[o.ID] {
			continue
		}
		if !after.IsZero() && !o.Modified.After(after) {
			continue
		}
		if !created.IsZero() && !o.Created.After(created) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(o.Billing.Email+" "+o.Billing.FirstName+" "+o.Billing.LastName), search) {
			continue
		}
		list = append(list, o)
	}
	sortBy(list, q.Get("orderby"), q.Get("order"), func(o *Order) (int64, int64) { return o.ID, o.Created.Unix() })
	writePage(w, list, page, per, func(o *Order) any { return st.renderOrder(o) })
}

func decodeAddress(body fields, k string, dst *Address) error {
	raw, ok := body[k]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%s is not of type object", k)
	}
	return nil
}

func (st *Store) createOrder(body fields) (*Order, string, error) {
	now := st.sim.now()
	o := &Order{Status: "pending", Currency: st.data.Config.Currency, Created: now, Modified: now}
	if c, ok, _ := body.str("currency"); ok && c != "" {
		if _, err := money.Digits(c); err != nil {
			return nil, "rest_invalid_param", fmt.Errorf("currency is not a valid currency code")
		}
		o.Currency = strings.ToUpper(c)
	}
	if raw, ok := body["coupon_lines"]; ok {
		var cs []struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(raw, &cs)
		if len(cs) > 0 {
			return nil, "woocommerce_rest_invalid_coupon", fmt.Errorf("Coupon \"%s\" does not exist!", cs[0].Code) //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
		}
	}
	var items []struct {
		ProductID   int64  `json:"product_id"`
		VariationID int64  `json:"variation_id"`
		Quantity    int64  `json:"quantity"`
		Subtotal    string `json:"subtotal"`
		Total       string `json:"total"`
		Meta        []Meta `json:"meta_data"`
	}
	if raw, ok := body["line_items"]; ok {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, "rest_invalid_param", fmt.Errorf("line_items is not of type array")
		}
	}
	for i, it := range items {
		p := st.data.Products[it.ProductID]
		if p == nil {
			return nil, "woocommerce_rest_invalid_product_id", fmt.Errorf("Product ID provided is invalid.") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
		}
		if it.Quantity <= 0 {
			return nil, "woocommerce_rest_invalid_product_quantity", fmt.Errorf("Product quantity must be a positive float.") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
		}
		li := LineItem{ID: st.nextID(), Name: p.Name, ProductID: p.ID, Quantity: it.Quantity, SKU: p.SKU, Meta: it.Meta}
		unit := price(p.Stock)
		if it.VariationID != 0 {
			j := slices.IndexFunc(p.Variations, func(v *Variation) bool { return v.ID == it.VariationID })
			if j < 0 {
				return nil, "woocommerce_rest_invalid_variation_id", fmt.Errorf("Variation ID provided is invalid.") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
			}
			v := p.Variations[j]
			li.VariationID, li.SKU, unit = v.ID, v.SKU, price(v.Stock)
			var opts []string
			for _, a := range v.Attributes {
				opts = append(opts, a.Option)
				li.Meta = append(li.Meta, Meta{ID: st.nextID(), Key: slugify(a.Name), Value: jsonString(a.Option)})
			}
			li.Name = p.Name + " - " + strings.Join(opts, ", ")
		}
		var err error
		if it.Subtotal != "" {
			li.Subtotal, err = st.parseMoney(it.Subtotal)
		} else {
			var u int64
			u, err = st.parseMoney(orZero(unit))
			li.Subtotal = u * it.Quantity
		}
		if err != nil {
			return nil, "rest_invalid_param", fmt.Errorf("line_items[%d][subtotal] is not a valid amount", i)
		}
		li.Total = li.Subtotal
		if it.Total != "" {
			if li.Total, err = st.parseMoney(it.Total); err != nil {
				return nil, "rest_invalid_param", fmt.Errorf("line_items[%d][total] is not a valid amount", i)
			}
		}
		o.Lines = append(o.Lines, li)
	}
	if raw, ok := body["shipping_lines"]; ok {
		var sl []struct {
			MethodTitle string `json:"method_title"`
			MethodID    string `json:"method_id"`
			Total       string `json:"total"`
		}
		if err := json.Unmarshal(raw, &sl); err != nil {
			return nil, "rest_invalid_param", fmt.Errorf("shipping_lines is not of type array")
		}
		for _, s := range sl {
			t, err := st.parseMoney(orZero(s.Total))
			if err != nil {
				return nil, "rest_invalid_param", fmt.Errorf("shipping_lines total is not a valid amount")
			}
			o.ShippingLines = append(o.ShippingLines, ShippingLine{ID: st.nextID(), MethodTitle: s.MethodTitle, MethodID: s.MethodID, Total: t})
		}
	}
	if raw, ok := body["fee_lines"]; ok {
		var fl []struct {
			Name  string `json:"name"`
			Total string `json:"total"`
		}
		if err := json.Unmarshal(raw, &fl); err != nil {
			return nil, "rest_invalid_param", fmt.Errorf("fee_lines is not of type array")
		}
		for _, f := range fl {
			neg := strings.HasPrefix(f.Total, "-")
			t, err := st.parseMoney(orZero(strings.TrimPrefix(f.Total, "-")))
			if err != nil {
				return nil, "rest_invalid_param", fmt.Errorf("fee_lines total is not a valid amount")
			}
			if neg {
				t = -t
			}
			o.Fees = append(o.Fees, FeeLine{ID: st.nextID(), Name: f.Name, Total: t})
		}
	}
	status := o.Status
	if s, ok, _ := body.str("status"); ok {
		status = s
	}
	if paid, _, _ := body.boolean("set_paid"); paid {
		status = "processing"
		t := now
		o.Paid = &t
	}
	delete(body, "status")
	if code, err := st.applyOrder(o, body); err != nil {
		return nil, code, err
	}
	o.ID = st.nextID()
	st.data.Orders[o.ID] = o
	if code, err := st.transition(o, status); err != nil {
		delete(st.data.Orders, o.ID)
		return nil, code, err
	}
	st.emit("order.created", func() any { return st.renderOrder(o) })
	return o, "", nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func jsonString(s string) json.RawMessage {
	b, err := json.Marshal(s)
	if err != nil { // cannot happen: json.Marshal encodes every string (invalid UTF-8 as U+FFFD)
		panic(err)
	}
	return b
}

// applyOrder sets an order's plain fields and its status.
func (st *Store) applyOrder(o *Order, body fields) (string, error) {
	if err := decodeAddress(body, "billing", &o.Billing); err != nil {
		return "rest_invalid_param", err
	}
	if err := decodeAddress(body, "shipping", &o.Shipping); err != nil {
		return "rest_invalid_param", err
	}
	if o.Billing.Email != "" && !strings.Contains(o.Billing.Email, "@") {
		return "rest_invalid_param", fmt.Errorf("Invalid parameter(s): billing") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
	}
	if v, ok, _ := body.str("customer_note"); ok {
		o.CustomerNote = v
	}
	if v, ok, _ := body.integer("customer_id"); ok {
		o.CustomerID = v
	}
	if v, ok, _ := body.str("payment_method"); ok {
		o.PaymentMethod = v
	}
	if v, ok, _ := body.str("transaction_id"); ok {
		o.TransactionID = v
	}
	if raw, ok := body["meta_data"]; ok {
		if err := st.applyMeta(&o.Meta, raw); err != nil {
			return "rest_invalid_param", err
		}
	}
	if s, ok, _ := body.str("status"); ok {
		return st.transition(o, s)
	}
	return "", nil
}

// transition changes an order's status with what WooCommerce does alongside: stock reduced
// when the order is placed and restored when cancelled, the completion date.
func (st *Store) transition(o *Order, status string) (string, error) {
	if !slices.Contains(orderStatuses, status) {
		return "rest_invalid_param", fmt.Errorf("status is not one of %s", strings.Join(orderStatuses, ", "))
	}
	st.setStatus(o, status)
	return "", nil
}

func (st *Store) setStatus(o *Order, status string) {
	now := st.sim.now()
	if status == o.Status && o.ID != 0 && status != "pending" {
		return
	}
	if status != o.Status {
		o.Notes = append(o.Notes, Note{ID: st.nextID(), Author: "system", Created: now,
			Note: fmt.Sprintf("Order status changed from %s to %s.", label(o.Status), label(status))})
	}
	o.Status = status
	o.Modified = now
	if (status == "processing" || status == "completed") && o.Paid == nil {
		t := now
		o.Paid = &t
	}
	if status == "completed" && o.Completed == nil {
		t := now
		o.Completed = &t
	}
	switch {
	case reducesStock(status) && !o.StockReduced:
		st.adjustStock(o, -1)
		o.StockReduced = true
	case (status == "cancelled" || status == "pending" || status == "failed") && o.StockReduced:
		st.adjustStock(o, 1)
		o.StockReduced = false
	}
}

func label(s string) string {
	if s == "" {
		return "Pending payment"
	}
	return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "-", " ")
}

// adjustStock changes the managed stock of the order's items by sign × quantity.
func (st *Store) adjustStock(o *Order, sign int64) {
	for _, li := range o.Lines {
		p := st.data.Products[li.ProductID]
		if p == nil {
			continue
		}
		s := &p.Stock
		if li.VariationID != 0 {
			j := slices.IndexFunc(p.Variations, func(v *Variation) bool { return v.ID == li.VariationID })
			if j < 0 {
				continue
			}
			if p.Variations[j].ManageStock {
				s = &p.Variations[j].Stock
				p.Variations[j].Modified = st.sim.now()
			}
		}
		if !s.ManageStock {
			continue
		}
		q := int64(0)
		if s.StockQuantity != nil {
			q = *s.StockQuantity
		}
		q += sign * li.Quantity
		s.StockQuantity = &q
		p.Modified = st.sim.now()
		st.emit("product.updated", func() any { return st.renderProduct(p) })
	}
}

func (st *Store) orderTotal(o *Order) int64 {
	var t int64
	for _, l := range o.Lines {
		t += l.Total
	}
	for _, s := range o.ShippingLines {
		t += s.Total
	}
	for _, f := range o.Fees {
		t += f.Total
	}
	return t
}

// renderOrder is an order as GET /orders/<id> answers it.
func (st *Store) renderOrder(o *Order) map[string]any {
	lines := []map[string]any{}
	var discount int64
	for _, l := range o.Lines {
		unit := float64(0)
		if l.Quantity > 0 {
			f, _ := strconv.ParseFloat(st.money(l.Subtotal), 64)
			unit = f / float64(l.Quantity)
		}
		discount += l.Subtotal - l.Total
		lines = append(lines, map[string]any{"id": l.ID, "name": l.Name, "product_id": l.ProductID, "variation_id": l.VariationID,
			"quantity": l.Quantity, "tax_class": "", "subtotal": st.money(l.Subtotal), "subtotal_tax": st.money(0),
			"total": st.money(l.Total), "total_tax": st.money(0), "taxes": []any{}, "meta_data": metaJSON(l.Meta),
			"sku": l.SKU, "price": unit, "parent_name": nil})
	}
	ship := []map[string]any{}
	var shipTotal int64
	for _, s := range o.ShippingLines {
		shipTotal += s.Total
		ship = append(ship, map[string]any{"id": s.ID, "method_title": s.MethodTitle, "method_id": s.MethodID,
			"total": st.money(s.Total), "total_tax": st.money(0), "taxes": []any{}, "meta_data": []any{}})
	}
	fees := []map[string]any{}
	for _, f := range o.Fees {
		fees = append(fees, map[string]any{"id": f.ID, "name": f.Name, "tax_class": "", "tax_status": "none",
			"total": st.money(f.Total), "total_tax": st.money(0), "taxes": []any{}, "meta_data": []any{}})
	}
	refunds := []map[string]any{}
	for _, r := range o.Refunds {
		refunds = append(refunds, map[string]any{"id": r.ID, "reason": r.Reason, "total": "-" + st.money(r.Amount)})
	}
	billing := o.Billing
	shipping := o.Shipping
	shipping.Email = ""
	return map[string]any{
		"id": o.ID, "parent_id": 0, "number": strconv.FormatInt(o.ID, 10), "order_key": "wc_order_" + strconv.FormatInt(o.ID*7919, 36),
		"created_via": "rest-api", "version": "9.4.0", "status": o.Status, "currency": o.Currency,
		"date_created": gmt(o.Created), "date_created_gmt": gmt(o.Created),
		"date_modified": gmt(o.Modified), "date_modified_gmt": gmt(o.Modified),
		"discount_total": st.money(discount), "discount_tax": st.money(0), "shipping_total": st.money(shipTotal),
		"shipping_tax": st.money(0), "cart_tax": st.money(0), "total": st.money(st.orderTotal(o)), "total_tax": st.money(0),
		"prices_include_tax": false, "customer_id": o.CustomerID, "customer_note": o.CustomerNote,
		"billing": billing, "shipping": shipping, "payment_method": o.PaymentMethod, "payment_method_title": o.PaymentMethod,
		"transaction_id": o.TransactionID, "date_paid": gmtPtr(o.Paid), "date_paid_gmt": gmtPtr(o.Paid),
		"date_completed": gmtPtr(o.Completed), "date_completed_gmt": gmtPtr(o.Completed),
		"meta_data": metaJSON(o.Meta), "line_items": lines, "tax_lines": []any{}, "shipping_lines": ship,
		"fee_lines": fees, "coupon_lines": []any{}, "refunds": refunds, "set_paid": false,
		"customer_ip_address": "", "customer_user_agent": "", "cart_hash": "",
		"_links": links(st.sim.siteURL(st.data.Config.Name), "orders", o.ID),
	}
}

func (st *Store) routeNotes(w http.ResponseWriter, r *http.Request, o *Order, res []string, body fields) {
	render := func(n Note) map[string]any {
		return map[string]any{"id": n.ID, "author": n.Author, "date_created": gmt(n.Created), "date_created_gmt": gmt(n.Created),
			"note": n.Note, "customer_note": n.CustomerNote}
	}
	if len(res) == 0 {
		switch r.Method {
		case http.MethodGet:
			typ := r.URL.Query().Get("type")
			out := []any{}
			for _, n := range slices.Backward(o.Notes) { // newest first
				if (typ == "customer" && !n.CustomerNote) || (typ == "internal" && n.CustomerNote) {
					continue
				}
				out = append(out, render(n))
			}
			writeJSON(w, http.StatusOK, out)
		case http.MethodPost:
			text, _, _ := body.str("note")
			if strings.TrimSpace(text) == "" {
				writeError(w, http.StatusBadRequest, "woocommerce_rest_invalid_order_note", "Cannot create order note, please try again.")
				return
			}
			cust, _, _ := body.boolean("customer_note")
			n := Note{ID: st.nextID(), Author: "storesync", Note: text, CustomerNote: cust, Created: st.sim.now()}
			o.Notes = append(o.Notes, n)
			writeJSON(w, http.StatusCreated, render(n))
		default:
			noRoute(w)
		}
		return
	}
	nid, _ := strconv.ParseInt(res[0], 10, 64)
	i := slices.IndexFunc(o.Notes, func(n Note) bool { return n.ID == nid })
	if i < 0 || len(res) != 1 {
		writeError(w, http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid resource ID.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, render(o.Notes[i]))
	case http.MethodDelete:
		if r.URL.Query().Get("force") != "true" {
			writeError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
			return
		}
		out := render(o.Notes[i])
		o.Notes = slices.Delete(o.Notes, i, i+1)
		writeJSON(w, http.StatusOK, out)
	default:
		noRoute(w)
	}
}

func (st *Store) routeRefunds(w http.ResponseWriter, r *http.Request, o *Order, res []string, body fields) {
	if len(res) != 0 || (r.Method != http.MethodPost && r.Method != http.MethodGet) {
		noRoute(w)
		return
	}
	render := func(rf Refund) map[string]any {
		return map[string]any{"id": rf.ID, "date_created_gmt": gmt(rf.At), "amount": st.money(rf.Amount), "reason": rf.Reason,
			"refunded_payment": rf.API, "line_items": []any{}, "meta_data": []any{}}
	}
	if r.Method == http.MethodGet {
		out := []any{}
		for _, rf := range o.Refunds {
			out = append(out, render(rf))
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	amt, _, _ := body.str("amount")
	a, err := st.parseMoney(amt)
	if err != nil || a <= 0 {
		writeError(w, http.StatusBadRequest, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.")
		return
	}
	var refunded int64
	for _, rf := range o.Refunds {
		refunded += rf.Amount
	}
	if refunded+a > st.orderTotal(o) {
		writeError(w, http.StatusInternalServerError, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
		return
	}
	reason, _, _ := body.str("reason")
	api, _, _ := body.boolean("api_refund")
	rf := Refund{ID: st.nextID(), Amount: a, Reason: reason, API: api, At: st.sim.now()}
	o.Refunds = append(o.Refunds, rf)
	if refunded+a == st.orderTotal(o) {
		st.setStatus(o, "refunded")
	}
	o.Modified = st.sim.now()
	st.emit("order.updated", func() any { return st.renderOrder(o) })
	writeJSON(w, http.StatusCreated, render(rf))
}

func (st *Store) routeTracking(w http.ResponseWriter, r *http.Request, res []string, body fields) {
	// orders/<id>/shipment-trackings[/<tracking_id>]
	if len(res) < 3 || res[0] != "orders" || res[2] != "shipment-trackings" {
		noRoute(w)
		return
	}
	oid, _ := strconv.ParseInt(res[1], 10, 64)
	o := st.data.Orders[oid]
	if o == nil {
		writeError(w, http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
		return
	}
	render := func(t Tracking) map[string]any {
		return map[string]any{"tracking_id": t.ID, "tracking_provider": t.Provider, "tracking_link": t.Link,
			"tracking_number": t.Number, "date_shipped": t.Shipped}
	}
	if len(res) == 3 {
		switch r.Method {
		case http.MethodGet:
			out := []any{}
			for _, t := range o.Trackings {
				out = append(out, render(t))
			}
			writeJSON(w, http.StatusOK, out)
		case http.MethodPost:
			num, _, _ := body.str("tracking_number")
			if strings.TrimSpace(num) == "" {
				writeError(w, http.StatusBadRequest, "woocommerce_rest_shipment_tracking_invalid_tracking_number", "Tracking number is required.")
				return
			}
			prov, _, _ := body.str("tracking_provider")
			if custom, _, _ := body.str("custom_tracking_provider"); custom != "" {
				prov = custom
			}
			link, _, _ := body.str("custom_tracking_link")
			shipped, _, _ := body.str("date_shipped")
			t := Tracking{ID: fmt.Sprintf("%x", st.nextID()*2654435761), Provider: prov, Link: link, Number: num, Shipped: shipped}
			o.Trackings = append(o.Trackings, t)
			o.Notes = append(o.Notes, Note{ID: st.nextID(), Author: "system", Created: st.sim.now(),
				Note: "Tracking number added: " + num})
			o.Modified = st.sim.now()
			writeJSON(w, http.StatusCreated, render(t))
		default:
			noRoute(w)
		}
		return
	}
	i := slices.IndexFunc(o.Trackings, func(t Tracking) bool { return t.ID == res[3] })
	if i < 0 {
		writeError(w, http.StatusNotFound, "woocommerce_rest_order_invalid_tracking_id", "Invalid tracking ID.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, render(o.Trackings[i]))
	case http.MethodDelete:
		out := render(o.Trackings[i])
		o.Trackings = slices.Delete(o.Trackings, i, i+1)
		o.Modified = st.sim.now()
		writeJSON(w, http.StatusOK, out)
	default:
		noRoute(w)
	}
}
