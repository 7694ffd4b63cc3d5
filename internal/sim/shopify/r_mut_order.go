package shopifysim

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

type mailingAddressInput struct {
	Address1, Address2, City, Company, FirstName, LastName, Phone, ProvinceCode, Zip *string
	CountryCode                                                                      *string
}

type moneyBagInput struct {
	ShopMoney struct {
		Amount       decimalScalar
		CurrencyCode string
	}
	PresentmentMoney *struct {
		Amount       decimalScalar
		CurrencyCode string
	}
}

type orderCreateArgs struct {
	Options *struct {
		InventoryBehaviour     *string
		SendFulfillmentReceipt *bool
		SendReceipt            *bool
	}
	Order struct {
		BillingAddress *mailingAddressInput
		Currency       *string
		Customer       *struct {
			ToAssociate *struct {
				Email *string
				ID    *graphql.ID
			}
			ToUpsert *struct {
				Email, FirstName, LastName, Phone *string
				ID                                *graphql.ID
			}
		}
		DiscountCode *struct {
			FreeShippingDiscountCode *struct{ Code string }
			ItemFixedDiscountCode    *struct {
				AmountSet *moneyBagInput
				Code      string
			}
			ItemPercentageDiscountCode *struct {
				Code       string
				Percentage *float64
			}
		}
		Email           *string
		FinancialStatus *string
		LineItems       *[]struct {
			PriceSet         *moneyBagInput
			Properties       *[]Property
			Quantity         int32
			RequiresShipping *bool
			SKU              *string
			Taxable          *bool
			Title            *string
			VariantID        *graphql.ID
			VariantTitle     *string
			Vendor           *string
		}
		Name            *string
		Note            *string
		Phone           *string
		ProcessedAt     *dateTime
		ShippingAddress *mailingAddressInput
		ShippingLines   *[]struct {
			Code     *string
			PriceSet moneyBagInput
			Source   *string
			Title    string
		}
		SourceIdentifier *string
		SourceName       *string
		Tags             *[]string
		Test             *bool
		Transactions     *[]transactionInput
	}
}

type orderPayloadR struct {
	o      *orderR
	errors []userErr
}

func (r *orderPayloadR) Order() *orderR          { return r.o }
func (r *orderPayloadR) UserErrors() []*userErrR { return wrapErrs(r.errors) }

// OrderCreate creates an order the way an app does on Shopify: lines by variant (or custom lines
// with a price), a customer found or created by email, and inventory left alone (BYPASS, the
// default) or claimed from the first location that stocks it.
func (rootResolver) OrderCreate(ctx context.Context, a orderCreateArgs) (*orderPayloadR, error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	o, errs := sh.createOrder(rc, a)
	if len(errs) > 0 {
		return &orderPayloadR{errors: errs}, nil
	}
	sh.orderCreated(rc, o)
	return &orderPayloadR{o: &orderR{sh, o}}, nil
}

func (sh *Shop) createOrder(rc *reqCtx, a orderCreateArgs) (*order, []userErr) {
	in := a.Order
	fail := func(field []string, code, msg string) (*order, []userErr) {
		return nil, []userErr{{Field: field, Code: code, Message: msg}}
	}
	if in.LineItems == nil || len(*in.LineItems) == 0 {
		return fail([]string{"order", "lineItems"}, "INVALID", "Line items must have at least one line item")
	}
	now := sh.sim.now()
	d := sh.data
	o := &order{ID: d.newID(), Currency: sh.cfg.Currency, FinancialStatus: "PENDING",
		InventoryBehaviour: "BYPASS", CreatedAt: now, UpdatedAt: now, ProcessedAt: now, Tags: []string{}}
	if in.Currency != nil {
		o.Currency = *in.Currency
	}
	if in.ProcessedAt != nil {
		if in.ProcessedAt.After(now) {
			return fail([]string{"order", "processedAt"}, "PROCESSED_AT_INVALID", "Processed at must not be in the future")
		}
		o.ProcessedAt = in.ProcessedAt.Time
	}
	if in.FinancialStatus != nil {
		o.FinancialStatus = *in.FinancialStatus
	}
	if a.Options != nil && a.Options.InventoryBehaviour != nil {
		o.InventoryBehaviour = *a.Options.InventoryBehaviour
	}
	o.Email, o.Phone, o.Note = deref(in.Email), deref(in.Phone), deref(in.Note)
	o.SourceName, o.SourceIdentifier = deref(in.SourceName), deref(in.SourceIdentifier)
	if o.SourceName == "" {
		o.SourceName = "shopify_draft_order"
	}
	o.Test = in.Test != nil && *in.Test
	if in.Tags != nil {
		o.Tags = normalizeTags(*in.Tags)
	}
	o.ShippingAddress = sh.addressFrom(in.ShippingAddress)
	o.BillingAddress = sh.addressFrom(in.BillingAddress)
	for i, li := range *in.LineItems {
		field := []string{"order", "lineItems", strconv.Itoa(i)}
		if li.Quantity < 1 {
			return fail(append(field, "quantity"), "INVALID", "Quantity must be greater than or equal to 1")
		}
		l := lineItem{ID: d.newID(), Quantity: int(li.Quantity), CurrentQuantity: int(li.Quantity),
			RequiresShipping: true, Taxable: true}
		if li.VariantID != nil {
			v, err := lookup(d.Variants, "ProductVariant", *li.VariantID)
			if err != nil || v == nil {
				return fail(append(field, "variantId"), "INVALID", "Variant does not exist")
			}
			p := d.Products[v.ProductID]
			l.VariantID, l.ProductID, l.Title, l.VariantTitle = v.ID, p.ID, p.Title, v.Title
			l.SKU, l.Vendor, l.UnitPrice = v.SKU, p.Vendor, v.Price
		} else if li.Title == nil || li.PriceSet == nil {
			return fail(field, "INVALID", "A custom line item needs a title and a priceSet")
		}
		if li.PriceSet != nil {
			l.UnitPrice = li.PriceSet.ShopMoney.Amount.minor
		}
		setIf(&l.Title, li.Title)
		setIf(&l.VariantTitle, li.VariantTitle)
		setIf(&l.SKU, li.SKU)
		setIf(&l.Vendor, li.Vendor)
		if li.Properties != nil {
			l.Properties = append([]Property(nil), *li.Properties...)
		}
		if li.RequiresShipping != nil {
			l.RequiresShipping = *li.RequiresShipping
		}
		if li.Taxable != nil {
			l.Taxable = *li.Taxable
		}
		o.Lines = append(o.Lines, l)
	}
	if in.ShippingLines != nil {
		for _, s := range *in.ShippingLines {
			o.ShippingLines = append(o.ShippingLines, shipLine{ID: d.newID(), Title: s.Title,
				Code: deref(s.Code), Source: deref(s.Source), Price: s.PriceSet.ShopMoney.Amount.minor})
		}
	}
	if errs := o.applyDiscountCode(in.DiscountCode); len(errs) > 0 {
		return nil, errs
	}
	if errs := sh.orderPayments(rc, o, in.Transactions, in.FinancialStatus != nil, now); len(errs) > 0 {
		return nil, errs
	}
	// Every check before any write: a refused order leaves no customer and no claimed stock.
	if errs := sh.checkInventory(o); len(errs) > 0 {
		return nil, errs
	}
	if errs := sh.orderCustomer(o, in.Customer); len(errs) > 0 {
		return nil, errs
	}
	sh.claimInventory(rc, o, now)
	o.Number = d.NextOrderNumber
	d.NextOrderNumber++
	o.Name = fmt.Sprintf("#%d", o.Number)
	if in.Name != nil && *in.Name != "" {
		o.Name = *in.Name
	}
	d.Orders[o.ID] = o
	sh.openFulfillmentOrders(o, now)
	sh.changed()
	rc.emit(sh.orderEvent("orders/create", o))
	if o.FinancialStatus == "PAID" {
		rc.emit(sh.orderEvent("orders/paid", o))
	}
	return o, nil
}

func normalizeTags(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		for part := range strings.SplitSeq(t, ",") {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (sh *Shop) addressFrom(in *mailingAddressInput) *address {
	if in == nil {
		return nil
	}
	return &address{ID: sh.data.newID(), Address1: deref(in.Address1), Address2: deref(in.Address2),
		City: deref(in.City), Company: deref(in.Company), FirstName: deref(in.FirstName),
		LastName: deref(in.LastName), Phone: deref(in.Phone), Province: deref(in.ProvinceCode),
		Zip: deref(in.Zip), Country: deref(in.CountryCode)}
}

func (sh *Shop) orderCustomer(o *order, in *struct {
	ToAssociate *struct {
		Email *string
		ID    *graphql.ID
	}
	ToUpsert *struct {
		Email, FirstName, LastName, Phone *string
		ID                                *graphql.ID
	}
}) []userErr {
	if in == nil {
		return nil
	}
	if in.ToAssociate != nil && in.ToUpsert != nil {
		return []userErr{{Field: []string{"order", "customer"}, Code: "REDUNDANT_CUSTOMER_FIELDS",
			Message: "Only one of toAssociate or toUpsert may be given"}}
	}
	if a := in.ToAssociate; a != nil {
		var c *customer
		if a.ID != nil {
			c, _ = lookup(sh.data.Customers, "Customer", *a.ID)
		} else if a.Email != nil {
			c = sh.customerByEmail(*a.Email)
		}
		if c == nil {
			return []userErr{{Field: []string{"order", "customer", "toAssociate"}, Code: "INVALID", Message: "Customer does not exist"}}
		}
		o.CustomerID = c.ID
		return nil
	}
	u := in.ToUpsert
	if u == nil {
		return nil
	}
	var c *customer
	if u.ID != nil {
		c, _ = lookup(sh.data.Customers, "Customer", *u.ID)
	} else if u.Email != nil {
		c = sh.customerByEmail(*u.Email)
	}
	now := sh.sim.now()
	if c == nil {
		c = &customer{ID: sh.data.newID(), CreatedAt: now}
		sh.data.Customers[c.ID] = c
	}
	setIf(&c.Email, u.Email)
	setIf(&c.FirstName, u.FirstName)
	setIf(&c.LastName, u.LastName)
	setIf(&c.Phone, u.Phone)
	c.UpdatedAt = now
	o.CustomerID = c.ID
	if o.Email == "" {
		o.Email = c.Email
	}
	return nil
}

func (sh *Shop) customerByEmail(email string) *customer {
	for _, c := range sh.data.Customers {
		if strings.EqualFold(c.Email, email) {
			return c
		}
	}
	return nil
}

// checkInventory refuses an order under DECREMENT_OBEYING_POLICY when a line is short of stock
// (unless its variant sells when out of stock).
func (sh *Shop) checkInventory(o *order) []userErr {
	if o.InventoryBehaviour != "DECREMENT_OBEYING_POLICY" {
		return nil
	}
	loc := sh.primaryLocation().ID
	for i, l := range o.Lines {
		v := sh.data.Variants[l.VariantID]
		if v == nil {
			continue
		}
		available := 0
		if lv := sh.data.Items[v.InventoryItemID].Levels[loc]; lv != nil {
			available = lv.Available
		}
		if v.InventoryPolicy != "CONTINUE" && available < l.Quantity {
			return []userErr{{Field: []string{"order", "lineItems", strconv.Itoa(i)}, Code: "INVENTORY_CLAIM_FAILED",
				Message: fmt.Sprintf("Not enough inventory for %s: %d available, %d ordered", lineName(&l), available, l.Quantity)}}
		}
	}
	return nil
}

// claimInventory commits stock for each line per the order's inventory behaviour: BYPASS leaves
// it, the DECREMENT ones move it from available to committed (IGNORING_POLICY may go below zero).
func (sh *Shop) claimInventory(rc *reqCtx, o *order, now time.Time) {
	if o.InventoryBehaviour == "BYPASS" {
		return
	}
	loc := sh.primaryLocation().ID
	for _, l := range o.Lines {
		if v := sh.data.Variants[l.VariantID]; v != nil {
			lv := sh.level(v.InventoryItemID, loc, now)
			lv.Available -= l.Quantity
			lv.Committed += l.Quantity
			lv.UpdatedAt = now
			rc.emit(sh.inventoryLevelEvent(lv))
		}
	}
}

func (sh *Shop) openFulfillmentOrders(o *order, now time.Time) {
	fo := &fulfillmentOrder{ID: sh.data.newID(), OrderID: o.ID, LocationID: sh.primaryLocation().ID,
		Status: "OPEN", RequestStatus: "UNSUBMITTED", CreatedAt: now, UpdatedAt: now}
	for _, l := range o.Lines {
		if l.RequiresShipping {
			fo.Lines = append(fo.Lines, foLine{ID: sh.data.newID(), LineItemID: l.ID, Total: l.Quantity, Remaining: l.Quantity})
		}
	}
	if len(fo.Lines) == 0 {
		return
	}
	sh.data.FulfillmentOrders[fo.ID] = fo
	o.FulfillmentOrders = append(o.FulfillmentOrders, fo.ID)
}

// applyDiscountCode takes the order's one discount code off it: a fixed amount (at most the
// subtotal), a percentage of the subtotal (rounded half up), or the shipping.
func (o *order) applyDiscountCode(in *struct {
	FreeShippingDiscountCode *struct{ Code string }
	ItemFixedDiscountCode    *struct {
		AmountSet *moneyBagInput
		Code      string
	}
	ItemPercentageDiscountCode *struct {
		Code       string
		Percentage *float64
	}
}) []userErr {
	if in == nil {
		return nil
	}
	field := []string{"order", "discountCode"}
	n := 0
	for _, set := range []bool{in.FreeShippingDiscountCode != nil, in.ItemFixedDiscountCode != nil, in.ItemPercentageDiscountCode != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return []userErr{{Field: field, Code: "INVALID", Message: "Exactly one discount code type must be given"}}
	}
	switch {
	case in.ItemFixedDiscountCode != nil:
		d := in.ItemFixedDiscountCode
		if d.AmountSet == nil || d.AmountSet.ShopMoney.Amount.minor < 0 {
			return []userErr{{Field: append(field, "itemFixedDiscountCode", "amountSet"), Code: "INVALID", Message: "Amount must be 0 or more"}}
		}
		o.DiscountCode, o.Discount = d.Code, min(d.AmountSet.ShopMoney.Amount.minor, o.subtotal())
	case in.ItemPercentageDiscountCode != nil:
		d := in.ItemPercentageDiscountCode
		if d.Percentage == nil || *d.Percentage < 0 || *d.Percentage > 100 {
			return []userErr{{Field: append(field, "itemPercentageDiscountCode", "percentage"), Code: "INVALID", Message: "Percentage must be between 0 and 100"}}
		}
		o.DiscountCode, o.Discount = d.Code, (o.subtotal()*int64(*d.Percentage*100)+5000)/10000
	default:
		o.DiscountCode, o.Discount = in.FreeShippingDiscountCode.Code, o.shipping()
	}
	if strings.TrimSpace(o.DiscountCode) == "" {
		return []userErr{{Field: append(field, "code"), Code: "INVALID", Message: "Code can't be blank"}}
	}
	return nil
}
