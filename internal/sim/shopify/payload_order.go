package shopifysim

import (
	"strings"
)

func (sh *Shop) orderEvent(topic string, o *order) *event {
	return sh.newEvent(topic, sh.orderPayload(topic, o))
}

func lowerOrNil(s string) any {
	if s == "" {
		return nil
	}
	return strings.ToLower(s)
}

// orderPayload renders an order in the REST shape of the orders/* webhooks.
func (sh *Shop) orderPayload(topic string, o *order) map[string]any {
	sk := sh.sim.skel
	cur := o.Currency
	p := sk.obj(topic, "")
	sub, ship, total := o.subtotal(), o.shipping(), o.total()
	curSub := o.currentSubtotal()
	curTotal := curSub + ship - o.Discount
	if o.CancelledAt != nil {
		curTotal = 0
	}
	p["id"] = o.ID
	p["admin_graphql_api_id"] = gid("Order", o.ID)
	p["name"] = o.Name
	p["number"] = o.Number - 1000
	p["order_number"] = o.Number
	p["email"] = o.Email
	p["contact_email"] = nilIfEmpty(o.Email)
	p["phone"] = nilIfEmpty(o.Phone)
	p["note"] = nilIfEmpty(o.Note)
	p["tags"] = strings.Join(o.Tags, ", ")
	p["currency"] = cur
	p["presentment_currency"] = cur
	p["financial_status"] = strings.ToLower(o.FinancialStatus)
	p["fulfillment_status"] = map[string]any{"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}[o.fulfillmentStatus()]
	p["cancelled_at"] = restTimeOrNil(o.CancelledAt)
	p["cancel_reason"] = lowerOrNil(o.CancelReason)
	p["closed_at"] = restTimeOrNil(o.ClosedAt)
	p["created_at"] = restTime(o.CreatedAt)
	p["updated_at"] = restTime(o.UpdatedAt)
	p["processed_at"] = restTime(o.ProcessedAt)
	p["confirmed"] = true
	p["test"] = o.Test
	p["source_name"] = o.SourceName
	p["source_identifier"] = nilIfEmpty(o.SourceIdentifier)
	p["token"] = strings.ReplaceAll(newUUID(), "-", "")
	p["order_status_url"] = "https://" + sh.cfg.Domain + "/" + strconvID(shopNumber(sh.cfg.Domain)) + "/orders/" + strconvID(o.ID) + "/authenticate"
	p["payment_gateway_names"] = gateways(o)
	p["customer_locale"] = "en"
	p["taxes_included"] = false
	p["tax_exempt"] = false
	p["estimated_taxes"] = false
	p["duties_included"] = false
	p["total_weight"] = 0
	p["merchant_business_entity_id"] = "MTA" + strconvID(shopNumber(sh.cfg.Domain))
	for field, minor := range map[string]int64{
		"subtotal_price": sub, "total_price": total, "total_line_items_price": sub,
		"total_tax": 0, "total_discounts": o.Discount, "current_subtotal_price": curSub,
		"current_total_price": curTotal, "current_total_tax": 0, "current_total_discounts": o.Discount,
	} {
		p[field] = formatMoney(minor)
		p[field+"_set"] = moneySet(minor, cur)
	}
	outstanding := total
	if o.FinancialStatus == "PAID" || o.FinancialStatus == "REFUNDED" || o.FinancialStatus == "VOIDED" {
		outstanding = 0
	}
	p["total_outstanding"] = formatMoney(outstanding)
	p["total_tip_received"] = "0.00"
	p["total_shipping_price_set"] = moneySet(ship, cur)
	p["current_shipping_price_set"] = moneySet(ship, cur)
	p["total_cash_rounding_payment_adjustment_set"] = moneySet(0, cur)
	p["total_cash_rounding_refund_adjustment_set"] = moneySet(0, cur)
	p["billing_address"] = sh.restAddress(topic, "billing_address", o.BillingAddress)
	p["shipping_address"] = sh.restAddress(topic, "shipping_address", o.ShippingAddress)
	p["customer"] = sh.restCustomer(topic, o)
	lines := make([]any, 0, len(o.Lines))
	for i := range o.Lines {
		lines = append(lines, sh.restLine(topic, "line_items[]", o, &o.Lines[i], o.Lines[i].Quantity))
	}
	p["line_items"] = lines
	shipping := make([]any, 0, len(o.ShippingLines))
	for _, s := range o.ShippingLines {
		sp := sk.obj(topic, "shipping_lines[]")
		sp["id"] = s.ID
		sp["title"] = s.Title
		sp["code"] = nilIfEmpty(s.Code)
		sp["source"] = nilIfEmpty(s.Source)
		sp["price"] = formatMoney(s.Price)
		sp["price_set"] = moneySet(s.Price, cur)
		sp["discounted_price"] = formatMoney(s.Price)
		sp["discounted_price_set"] = moneySet(s.Price, cur)
		sp["current_discounted_price_set"] = moneySet(s.Price, cur)
		sp["is_removed"] = false
		shipping = append(shipping, sp)
	}
	p["shipping_lines"] = shipping
	codes := []any{}
	if o.DiscountCode != "" {
		dc := sk.obj(topic, "discount_codes[]")
		dc["code"], dc["amount"], dc["type"] = o.DiscountCode, formatMoney(o.Discount), "fixed_amount"
		codes = append(codes, dc)
	}
	p["discount_codes"] = codes
	fulfillments := make([]any, 0, len(o.Fulfillments))
	for _, id := range o.Fulfillments {
		fulfillments = append(fulfillments, sh.restFulfillment(topic, "fulfillments[]", sh.data.Fulfillments[id], o))
	}
	p["fulfillments"] = fulfillments
	return p
}

// restAddress is an address as REST payloads carry it, null when there is none.
func (sh *Shop) restAddress(topic, path string, a *address) any {
	if a == nil {
		return nil
	}
	return sh.restAddressObj(topic, path, a)
}

func (sh *Shop) restAddressObj(topic, path string, a *address) map[string]any {
	p := sh.sim.skel.obj(topic, path)
	p["first_name"] = a.FirstName
	p["last_name"] = a.LastName
	p["name"] = a.name()
	p["company"] = nilIfEmpty(a.Company)
	p["address1"] = a.Address1
	p["address2"] = nilIfEmpty(a.Address2)
	p["city"] = a.City
	p["province"] = provinceName(a.Province)
	p["province_code"] = a.Province
	p["zip"] = a.Zip
	p["country"] = countryName(a.Country)
	p["country_code"] = a.Country
	p["phone"] = a.Phone
	p["latitude"] = nil
	p["longitude"] = nil
	return p
}

func (sh *Shop) restCustomer(topic string, o *order) any {
	c := sh.data.Customers[o.CustomerID]
	if c == nil {
		return nil
	}
	p := sh.sim.skel.obj(topic, "customer")
	p["id"] = c.ID
	p["admin_graphql_api_id"] = gid("Customer", c.ID)
	p["email"] = c.Email
	p["first_name"] = c.FirstName
	p["last_name"] = c.LastName
	p["phone"] = nilIfEmpty(c.Phone)
	p["created_at"] = restTime(c.CreatedAt)
	p["updated_at"] = restTime(c.UpdatedAt)
	p["currency"] = o.Currency
	p["state"] = "disabled"
	p["tags"] = ""
	p["note"] = nil
	p["verified_email"] = true
	if a := o.ShippingAddress; a != nil {
		d := sh.sim.skel.obj(topic, "customer.default_address")
		for k, v := range sh.restAddressObj(topic, "shipping_address", a) {
			if _, ok := d[k]; ok {
				d[k] = v
			}
		}
		d["id"] = a.ID
		d["customer_id"] = c.ID
		d["country_name"] = countryName(a.Country)
		d["default"] = true
		p["default_address"] = d
	} else {
		p["default_address"] = nil
	}
	return p
}

func (sh *Shop) restLine(topic, path string, o *order, l *lineItem, qty int) map[string]any {
	p := sh.sim.skel.obj(topic, path)
	p["id"] = l.ID
	p["admin_graphql_api_id"] = gid("LineItem", l.ID)
	p["title"] = l.Title
	p["name"] = lineName(l)
	p["variant_title"] = nilIfEmpty(l.VariantTitle)
	// An order payload's fulfilments list their lines without properties (Shopify's schemas of
	// orders/* allow none there); the order's own lines and fulfillments/* payloads carry them.
	props := make([]any, 0, len(l.Properties))
	for _, pr := range l.Properties {
		if strings.HasPrefix(path, "fulfillments[]") {
			break
		}
		pp := sh.sim.skel.obj(topic, path+".properties[]")
		pp["name"], pp["value"] = pr.Name, pr.Value
		props = append(props, pp)
	}
	p["properties"] = props
	p["sku"] = nilIfEmpty(l.SKU)
	p["vendor"] = nilIfEmpty(l.Vendor)
	p["quantity"] = qty
	p["current_quantity"] = l.CurrentQuantity
	p["fulfillable_quantity"] = max(0, l.CurrentQuantity-l.Fulfilled)
	p["fulfillment_status"] = nil
	if l.Fulfilled >= l.Quantity {
		p["fulfillment_status"] = "fulfilled"
	} else if l.Fulfilled > 0 {
		p["fulfillment_status"] = "partial"
	}
	p["fulfillment_service"] = "manual"
	p["price"] = formatMoney(l.UnitPrice)
	p["price_set"] = moneySet(l.UnitPrice, o.Currency)
	p["pre_tax_price"] = formatMoney(l.UnitPrice * int64(qty))
	p["pre_tax_price_set"] = moneySet(l.UnitPrice*int64(qty), o.Currency)
	p["total_discount"] = "0.00"
	p["total_discount_set"] = moneySet(0, o.Currency)
	p["requires_shipping"] = l.RequiresShipping
	p["taxable"] = l.Taxable
	p["gift_card"] = false
	p["grams"] = 0
	p["product_exists"] = sh.data.Products[l.ProductID] != nil
	p["product_id"] = nil
	p["variant_id"] = nil
	if l.ProductID != 0 {
		p["product_id"] = l.ProductID
	}
	if l.VariantID != 0 {
		p["variant_id"] = l.VariantID
		p["variant_inventory_management"] = "shopify"
	}
	return p
}

func (sh *Shop) restFulfillment(topic, path string, f *fulfillment, o *order) map[string]any {
	p := sh.sim.skel.obj(topic, path)
	p["id"] = f.ID
	p["admin_graphql_api_id"] = gid("Fulfillment", f.ID)
	p["order_id"] = o.ID
	p["location_id"] = f.LocationID
	p["name"] = f.Name
	p["status"] = strings.ToLower(f.Status)
	p["service"] = "manual"
	p["shipment_status"] = nil
	p["created_at"] = restTime(f.CreatedAt)
	p["updated_at"] = restTime(f.UpdatedAt)
	p["tracking_company"] = nilIfEmpty(f.Company)
	p["tracking_number"] = nilIfEmpty(f.Number)
	p["tracking_url"] = nilIfEmpty(f.URL)
	p["tracking_numbers"], p["tracking_urls"] = f.restTracking()
	p["origin_address"] = nil
	if loc := sh.data.Locations[f.LocationID]; loc != nil {
		p["origin_address"] = map[string]any{"address1": loc.Address1, "address2": nil, "city": loc.City,
			"country_code": loc.Country, "province_code": loc.Province, "zip": loc.Zip}
	}
	lines := make([]any, 0, len(f.Lines))
	for _, fl := range f.Lines {
		if l := o.lineByID(fl.LineItemID); l != nil {
			lines = append(lines, sh.restLine(topic, joinPath(path, "line_items[]"), o, l, fl.Quantity))
		}
	}
	p["line_items"] = lines
	return p
}

func nonNilStrings(s string) []string {
	if s == "" {
		return []string{}
	}
	return []string{s}
}

func (sh *Shop) fulfillmentEvent(f *fulfillment, o *order) *event {
	const topic = "fulfillments/create"
	p := sh.restFulfillment(topic, "", f, o)
	p["email"] = nilIfEmpty(o.Email)
	p["destination"] = sh.restAddress(topic, "destination", o.ShippingAddress)
	return sh.newEvent(topic, p)
}

func joinPath(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}
