package shopifysim

import (
	"context"

	graphql "github.com/graph-gophers/graphql-go"
)

type orderR struct {
	sh *Shop
	o  *order
}

func (rootResolver) Order(ctx context.Context, a idArgs) (*orderR, error) {
	sh := fromCtx(ctx).shop
	o, err := lookup(sh.data.Orders, "Order", a.ID)
	if o == nil {
		return nil, err
	}
	return &orderR{sh, o}, nil
}

func (rootResolver) Orders(ctx context.Context, a listArgs) (*conn[*orderR], error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	ts := searchTerms(a.Query)
	items := sortedCache(sh, "orders/"+a.SortKey, a.Reverse, func() []keyed[*order] {
		items := make([]keyed[*order], 0, len(sh.data.Orders))
		for _, o := range sh.data.Orders {
			var k string
			switch a.SortKey {
			case "UPDATED_AT":
				k = timeKey(o.UpdatedAt, o.ID)
			case "CREATED_AT":
				k = timeKey(o.CreatedAt, o.ID)
			case "ID":
				k = idKey(o.ID)
			default:
				k = timeKey(o.ProcessedAt, o.ID)
			}
			items = append(items, keyed[*order]{k, o})
		}
		return items
	})
	return paginateMatching(rc.lim, items, a.Reverse, a.pageArgs,
		func(o *order) bool { return sh.searchVisible(o.CreatedAt, a.Query) && matchAll(ts, orderField(o)) },
		func(o *order) *orderR { return &orderR{sh, o} })
}

func orderField(o *order) func(string) (fieldValue, bool) {
	return func(f string) (fieldValue, bool) {
		switch f {
		case "id":
			return nv(o.ID), true
		case "updated_at":
			return tv(o.UpdatedAt), true
		case "created_at":
			return tv(o.CreatedAt), true
		case "processed_at":
			return tv(o.ProcessedAt), true
		case "name", "default":
			return sv(o.Name, o.Name[1:]), true
		case "email":
			return sv(o.Email), true
		case "tag":
			return sv(o.Tags...), true
		case "financial_status":
			return sv(o.FinancialStatus), true
		case "fulfillment_status":
			return sv(map[string]string{"FULFILLED": "shipped", "PARTIALLY_FULFILLED": "partial",
				"UNFULFILLED": "unshipped"}[o.fulfillmentStatus()]), true
		case "status":
			st := "open"
			if o.CancelledAt != nil {
				st = "cancelled"
			} else if o.ClosedAt != nil {
				st = "closed"
			}
			return sv(st), true
		case "source_identifier":
			return sv(o.SourceIdentifier), true
		}
		return fieldValue{}, false
	}
}

func (r *orderR) money(minor int64) *moneyBagR { return &moneyBagR{minor, r.o.Currency} }

func (r *orderR) ID() graphql.ID                 { return graphql.ID(gid("Order", r.o.ID)) }
func (r *orderR) LegacyResourceID() uint64Scalar { return uint64Scalar(r.o.ID) }
func (r *orderR) Name() string                   { return r.o.Name }
func (r *orderR) Number() int32                  { return int32Of(r.o.Number) }
func (r *orderR) ShippingLine() *shipLineR {
	if len(r.o.ShippingLines) == 0 {
		return nil
	}
	return &shipLineR{&r.o.ShippingLines[0], r.o.Currency}
}
func (r *orderR) Email() *string                    { return optString(r.o.Email) }
func (r *orderR) Phone() *string                    { return optString(r.o.Phone) }
func (r *orderR) Note() *string                     { return optString(r.o.Note) }
func (r *orderR) Tags() []string                    { return nonNil(r.o.Tags) }
func (r *orderR) CreatedAt() dateTime               { return dateTime{r.o.CreatedAt} }
func (r *orderR) UpdatedAt() dateTime               { return dateTime{r.o.UpdatedAt} }
func (r *orderR) ProcessedAt() dateTime             { return dateTime{r.o.ProcessedAt} }
func (r *orderR) Closed() bool                      { return r.o.ClosedAt != nil }
func (r *orderR) Confirmed() bool                   { return true }
func (r *orderR) Test() bool                        { return r.o.Test }
func (r *orderR) SourceName() *string               { return optString(r.o.SourceName) }
func (r *orderR) CurrencyCode() string              { return r.o.Currency }
func (r *orderR) DisplayFinancialStatus() *string   { return optString(r.o.FinancialStatus) }
func (r *orderR) DisplayFulfillmentStatus() string  { return r.o.fulfillmentStatus() }
func (r *orderR) FullyPaid() bool                   { return r.o.FinancialStatus == "PAID" }
func (r *orderR) Unpaid() bool                      { return r.o.FinancialStatus == "PENDING" }
func (r *orderR) PaymentGatewayNames() []string     { return gateways(r.o) }
func (r *orderR) TotalPriceSet() *moneyBagR         { return r.money(r.o.total()) }
func (r *orderR) SubtotalPriceSet() *moneyBagR      { return r.money(r.o.subtotal()) }
func (r *orderR) TotalShippingPriceSet() *moneyBagR { return r.money(r.o.shipping()) }
func (r *orderR) TotalTaxSet() *moneyBagR           { return r.money(0) }
func (r *orderR) TotalDiscountsSet() *moneyBagR     { return r.money(r.o.Discount) }
func (r *orderR) DiscountCodes() []string {
	if r.o.DiscountCode == "" {
		return []string{}
	}
	return []string{r.o.DiscountCode}
}
func (r *orderR) ShippingAddress() *addressR { return wrapAddress(r.o.ShippingAddress) }
func (r *orderR) BillingAddress() *addressR  { return wrapAddress(r.o.BillingAddress) }
func (r *orderR) CurrentTotalPriceSet() *moneyBagR {
	if r.o.CancelledAt != nil {
		return r.money(0)
	}
	return r.money(r.o.currentSubtotal() + r.o.shipping())
}

func (r *orderR) CancelledAt() *dateTime {
	if r.o.CancelledAt == nil {
		return nil
	}
	return &dateTime{*r.o.CancelledAt}
}

func (r *orderR) CancelReason() *string { return optString(r.o.CancelReason) }

func (r *orderR) Customer() *customerR {
	if c := r.sh.data.Customers[r.o.CustomerID]; c != nil {
		return &customerR{c}
	}
	return nil
}

func (r *orderR) LineItems(ctx context.Context, a pageArgs) (*conn[*lineItemR], error) {
	lines := make([]*lineItem, len(r.o.Lines))
	for i := range r.o.Lines {
		lines[i] = &r.o.Lines[i]
	}
	return positional(fromCtx(ctx).lim, lines, a, func(l *lineItem) *lineItemR { return &lineItemR{r.sh, r.o, l} })
}

func (r *orderR) ShippingLines(ctx context.Context, a pageArgs) (*conn[*shipLineR], error) {
	lines := make([]*shipLine, len(r.o.ShippingLines))
	for i := range r.o.ShippingLines {
		lines[i] = &r.o.ShippingLines[i]
	}
	return positional(fromCtx(ctx).lim, lines, a, func(l *shipLine) *shipLineR { return &shipLineR{l, r.o.Currency} })
}

func (r *orderR) FulfillmentOrders(ctx context.Context, a pageArgs) (*conn[*foR], error) {
	fos := make([]*fulfillmentOrder, 0, len(r.o.FulfillmentOrders))
	for _, id := range r.o.FulfillmentOrders {
		fos = append(fos, r.sh.data.FulfillmentOrders[id])
	}
	return positional(fromCtx(ctx).lim, fos, a, func(f *fulfillmentOrder) *foR { return &foR{r.sh, f} })
}

func (r *orderR) Fulfillments(a struct{ First *int32 }) []*fulfillmentR {
	out := []*fulfillmentR{}
	for _, id := range r.o.Fulfillments {
		if a.First != nil && len(out) >= int(*a.First) {
			break
		}
		out = append(out, &fulfillmentR{r.sh, r.sh.data.Fulfillments[id]})
	}
	return out
}

type moneyBagR struct {
	minor    int64
	currency string
}

func (m *moneyBagR) ShopMoney() *moneyV2R        { return &moneyV2R{m.minor, m.currency} }
func (m *moneyBagR) PresentmentMoney() *moneyV2R { return &moneyV2R{m.minor, m.currency} }

type moneyV2R struct {
	minor    int64
	currency string
}

func (m *moneyV2R) Amount() decimalScalar { return decimalScalar{m.minor} }
func (m *moneyV2R) CurrencyCode() string  { return m.currency }

type customerR struct{ c *customer }

func (r *customerR) ID() graphql.ID                 { return graphql.ID(gid("Customer", r.c.ID)) }
func (r *customerR) LegacyResourceID() uint64Scalar { return uint64Scalar(r.c.ID) }
func (r *customerR) FirstName() *string             { return optString(r.c.FirstName) }
func (r *customerR) LastName() *string              { return optString(r.c.LastName) }
func (r *customerR) Email() *string                 { return optString(r.c.Email) }
func (r *customerR) Phone() *string                 { return optString(r.c.Phone) }
func (r *customerR) DefaultEmailAddress() *emailR {
	if r.c.Email == "" {
		return nil
	}
	return &emailR{r.c.Email}
}

type emailR struct{ email string }

func (e *emailR) EmailAddress() string { return e.email }
func (r *customerR) DisplayName() string {
	if n := (&address{FirstName: r.c.FirstName, LastName: r.c.LastName}).name(); n != "" {
		return n
	}
	return r.c.Email
}

type addressR struct{ a *address }

func wrapAddress(a *address) *addressR {
	if a == nil {
		return nil
	}
	return &addressR{a}
}

func (r *addressR) ID() graphql.ID {
	return graphql.ID(gid("MailingAddress", r.a.ID) + "?model_name=Address")
}
func (r *addressR) Address1() *string      { return optString(r.a.Address1) }
func (r *addressR) Address2() *string      { return optString(r.a.Address2) }
func (r *addressR) City() *string          { return optString(r.a.City) }
func (r *addressR) Company() *string       { return optString(r.a.Company) }
func (r *addressR) Country() *string       { return optString(countryName(r.a.Country)) }
func (r *addressR) CountryCodeV2() *string { return optString(r.a.Country) }
func (r *addressR) FirstName() *string     { return optString(r.a.FirstName) }
func (r *addressR) LastName() *string      { return optString(r.a.LastName) }
func (r *addressR) Name() *string          { return optString(r.a.name()) }
func (r *addressR) Phone() *string         { return optString(r.a.Phone) }
func (r *addressR) Province() *string      { return optString(provinceName(r.a.Province)) }
func (r *addressR) ProvinceCode() *string  { return optString(r.a.Province) }
func (r *addressR) Zip() *string           { return optString(r.a.Zip) }

type lineItemR struct {
	sh *Shop
	o  *order
	l  *lineItem
}

func (r *lineItemR) money(minor int64) *moneyBagR { return &moneyBagR{minor, r.o.Currency} }
func (r *lineItemR) ID() graphql.ID               { return graphql.ID(gid("LineItem", r.l.ID)) }
func (r *lineItemR) Name() string                 { return lineName(r.l) }
func (r *lineItemR) Title() string                { return r.l.Title }
func (r *lineItemR) VariantTitle() *string        { return optString(r.l.VariantTitle) }
func (r *lineItemR) SKU() *string                 { return optString(r.l.SKU) }
func (r *lineItemR) Vendor() *string              { return optString(r.l.Vendor) }
func (r *lineItemR) Quantity() int32              { return int32Of(r.l.Quantity) }
func (r *lineItemR) CurrentQuantity() int32       { return int32Of(r.l.CurrentQuantity) }
func (r *lineItemR) UnfulfilledQuantity() int32 {
	return int32Of(max(0, r.l.CurrentQuantity-r.l.Fulfilled))
}
func (r *lineItemR) RequiresShipping() bool             { return r.l.RequiresShipping }
func (r *lineItemR) Taxable() bool                      { return r.l.Taxable }
func (r *lineItemR) OriginalUnitPriceSet() *moneyBagR   { return r.money(r.l.UnitPrice) }
func (r *lineItemR) DiscountedUnitPriceSet() *moneyBagR { return r.money(r.l.UnitPrice) }
func (r *lineItemR) OriginalTotalSet() *moneyBagR {
	return r.money(r.l.UnitPrice * int64(r.l.Quantity))
}
func (r *lineItemR) Variant() *variantR {
	if v := r.sh.data.Variants[r.l.VariantID]; v != nil {
		return &variantR{r.sh, v}
	}
	return nil
}
func (r *lineItemR) Product() *productR {
	if p := r.sh.data.Products[r.l.ProductID]; p != nil {
		return &productR{r.sh, p}
	}
	return nil
}

func lineName(l *lineItem) string {
	if l.VariantTitle == "" || l.VariantTitle == "Default Title" {
		return l.Title
	}
	return l.Title + " - " + l.VariantTitle
}

type shipLineR struct {
	l        *shipLine
	currency string
}

func (r *shipLineR) ID() *graphql.ID {
	id := graphql.ID(gid("ShippingLine", r.l.ID))
	return &id
}
func (r *shipLineR) Title() string                { return r.l.Title }
func (r *shipLineR) Code() *string                { return optString(r.l.Code) }
func (r *shipLineR) Source() *string              { return optString(r.l.Source) }
func (r *shipLineR) OriginalPriceSet() *moneyBagR { return &moneyBagR{r.l.Price, r.currency} }
