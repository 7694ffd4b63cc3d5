package orders

import (
	"encoding/json"
	"math/big"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

// Building what one push sends (platform.OrderInput) from the kept order, its part's lines and
// the connection's receive settings: a pure function, so each option is tested without a store.

// keptCharge is a shipping line or a discount of a destination order as the hub keeps it
// (orders.shipping_lines, orders.discounts).
type keptCharge struct {
	Title    string `json:"title,omitempty"`
	Code     string `json:"code,omitempty"`
	Source   string `json:"source,omitempty"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// keptCharges are the order's shipping lines and discounts as JSON, "" for none.
func keptCharges(o platform.Order) (shipLines, discounts string) {
	var ship, disc []keptCharge
	for _, s := range o.ShippingLines {
		ship = append(ship, keptCharge{Title: s.Title, Code: s.Code, Source: s.Source, Amount: s.Price.Amount, Currency: s.Price.Currency})
	}
	for _, d := range o.Discounts {
		if d.Amount.Amount > 0 {
			disc = append(disc, keptCharge{Code: d.Code, Amount: d.Amount.Amount, Currency: d.Amount.Currency})
		}
	}
	enc := func(v []keptCharge) string {
		if len(v) == 0 {
			return ""
		}
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	return enc(ship), enc(disc)
}

func decodeCharges(s string) []keptCharge {
	var out []keptCharge
	if s != "" {
		_ = json.Unmarshal([]byte(s), &out) // written by keptCharges
	}
	return out
}

// partLine is one line of the part pushed: the source variant, the quantity, the source's price
// as last read on the product link (nil when unknown), and the destination's selling price.
type partLine struct {
	VariantID        string
	Title            string
	Quantity         int64
	SourcePrice      *platform.Money
	DestinationPrice int64 // minor units of the order's currency
}

// receiveOrder is what a push is built from, read before the call.
type receiveOrder struct {
	Key           string
	OrderName     string
	OrderCurrency string
	DestName      string
	DestEmail     string // the destination store's admin email, read when the settings need it
	CustomerName  string
	CustomerEmail string
	Address       *platform.Address
	Lines         []partLine
	// OrderValue is the destination value of all the order's lines (Σ quantity × price): the
	// part's share of it shares the shipping lines and discounts passed through.
	OrderValue int64
	ShipLines  []keptCharge
	Discounts  []keptCharge
	Fee        *int64 // a manual push's shipping fee, in the order's currency
}

// needsStoreEmail reports whether the push needs the destination store's admin email.
func (r Receive) needsStoreEmail() bool { return !r.ForwardCustomer || r.EmailContact == ContactStore }

// buildInput is the source order of one push, and notes for the timeline (what could not be
// applied, and why).
func buildInput(r Receive, o receiveOrder) (platform.OrderInput, []string) {
	var notes []string
	in := platform.OrderInput{
		IdempotencyKey:     o.Key,
		InventoryBehaviour: platform.InventoryDecrementIgnorePolicy,
		Note:               "Order " + o.OrderName + " of " + o.DestName + ", pushed by storesync",
		Lines:              make([]platform.OrderLineInput, 0, len(o.Lines)),
	}
	// Lines, and the currency of the source order: the source's when its prices are sent.
	in.Currency = o.OrderCurrency
	if r.LinePrices == PricesSource {
		for _, l := range o.Lines {
			if l.SourcePrice != nil && l.SourcePrice.Currency != "" {
				in.Currency = l.SourcePrice.Currency
				break
			}
		}
	}
	var partValue, partDestValue, units int64
	for _, l := range o.Lines {
		li := platform.OrderLineInput{VariantID: l.VariantID, Title: l.Title, Quantity: l.Quantity}
		switch {
		case r.LinePrices == PricesDestinationLess:
			p := percentOff(l.DestinationPrice, r.LineDiscountBP)
			li.UnitPrice = &platform.Money{Amount: p, Currency: o.OrderCurrency}
		case l.SourcePrice != nil && l.SourcePrice.Amount > 0 && l.SourcePrice.Currency != "":
			m := *l.SourcePrice
			li.UnitPrice = &m
		}
		switch {
		case li.UnitPrice != nil:
			partValue += li.UnitPrice.Amount * l.Quantity
		case in.Currency == o.OrderCurrency:
			partValue += l.DestinationPrice * l.Quantity // the source prices it; the destination's price stands in
		}
		partDestValue += l.DestinationPrice * l.Quantity
		units += l.Quantity
		in.Lines = append(in.Lines, li)
	}
	// Who the source sees: the customer, or the destination store in its place.
	if r.ForwardCustomer {
		in.Customer = forwardedCustomer(o.CustomerName, o.Address)
		if in.Customer != nil {
			in.Customer.Email = o.CustomerEmail
		}
	} else if o.DestName != "" || o.DestEmail != "" {
		in.Customer = &platform.Customer{FirstName: o.DestName, Email: o.DestEmail}
	}
	switch {
	case r.EmailContact == ContactOther:
		in.Email = r.ContactEmail
	case r.EmailContact == ContactStore || !r.ForwardCustomer:
		in.Email = o.DestEmail // not forwarding the customer sends none of the customer's details
	default:
		in.Email = o.CustomerEmail
	}
	in.ShippingAddress = o.Address
	share := func(amount int64) int64 { return shareOf(amount, partDestValue, o.OrderValue) }
	// Shipping: a manual fee, else the original shipping lines, else the rule.
	switch {
	case o.Fee != nil:
		if *o.Fee > 0 {
			in.ShippingLines = []platform.ShippingLine{{Title: "Shipping", Code: "storesync-manual",
				Price: platform.Money{Amount: *o.Fee, Currency: o.OrderCurrency}}}
		}
	case r.PassShippingLine && len(o.ShipLines) > 0:
		for _, s := range o.ShipLines {
			if s.Currency != in.Currency {
				notes = append(notes, "shipping line "+s.Title+" not passed through: in "+s.Currency+", the source order in "+in.Currency)
				continue
			}
			in.ShippingLines = append(in.ShippingLines, platform.ShippingLine{Title: s.Title, Code: s.Code, Source: s.Source,
				Price: platform.Money{Amount: share(s.Amount), Currency: s.Currency}})
		}
	case r.ShippingRule != ShippingNone && r.ShippingRule != "":
		if r.ShippingCurrency != in.Currency {
			notes = append(notes, "no shipping charged: the shipping rule is in "+r.ShippingCurrency+", the source order in "+in.Currency)
			break
		}
		fee := r.ShippingAmount
		switch r.ShippingRule {
		case ShippingFlatPerItem:
			fee = r.ShippingAmount * units
		case ShippingFreeAbove:
			if partValue > r.FreeAbove {
				fee = 0
			}
		}
		if fee > 0 {
			in.ShippingLines = []platform.ShippingLine{{Title: "Shipping", Code: "storesync-" + strings.ReplaceAll(r.ShippingRule, "_", "-"),
				Price: platform.Money{Amount: fee, Currency: r.ShippingCurrency}}}
		}
	}
	if r.PassDiscounts {
		for _, d := range o.Discounts {
			if d.Currency != in.Currency {
				notes = append(notes, "discount "+d.Code+" not passed through: in "+d.Currency+", the source order in "+in.Currency)
				continue
			}
			if a := share(d.Amount); a > 0 {
				in.Discounts = append(in.Discounts, platform.Discount{Code: d.Code, Amount: platform.Money{Amount: a, Currency: d.Currency}})
			}
		}
	}
	return in, notes
}

// percentOff is price less bp hundredths of a percent, rounded half up to the minor unit.
func percentOff(price, bp int64) int64 {
	return (price*(10000-bp) + 5000) / 10000
}

// shareOf is amount × part / whole rounded half up (amount whole when part covers it or whole is
// not positive), computed without overflow.
func shareOf(amount, part, whole int64) int64 {
	if whole <= 0 || part >= whole {
		return amount
	}
	if part <= 0 {
		return 0
	}
	n := new(big.Int).Mul(big.NewInt(amount), big.NewInt(part))
	n.Add(n, big.NewInt(whole/2))
	return n.Quo(n, big.NewInt(whole)).Int64()
}

// orderTags are the source order's tags, the destination store's name and the destination order's
// name, within the platform's limits (each cut to its length; room left for the tag the platform
// adds for the push's key). Without declared limits: 40 characters (the strictest known).
func orderTags(l platform.TagLimits, destName, orderName string) []string {
	n := l.MaxLength
	if n <= 0 {
		n = maxTag
	}
	tags := []string{}
	for _, t := range []string{destName, orderName} {
		if t = clip(t, n); t != "" {
			tags = append(tags, t)
		}
	}
	if l.MaxCount > 0 && len(tags) > l.MaxCount-1 {
		tags = tags[:max(l.MaxCount-1, 0)]
	}
	return tags
}

// tagLimitsOf is what the platform declares, the zero value when it declares nothing.
func tagLimitsOf(c any) platform.TagLimits {
	if tl, ok := c.(platform.OrderTagLimiter); ok {
		return tl.OrderTagLimits()
	}
	return platform.TagLimits{}
}

// sent is what a source order has, as the source answered its creation (order_pushes.sent):
// what the pushed-orders report lists.
type sent struct {
	Currency string     `json:"currency"`
	Lines    []sentLine `json:"lines"`
	Shipping int64      `json:"shipping"`
	Discount int64      `json:"discount"`
	Total    int64      `json:"total"`
}

type sentLine struct {
	SKU       string `json:"sku,omitempty"`
	Title     string `json:"title"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
}

// sentOf is the JSON of what made has; a platform that answers without lines or totals has the
// input's in their place.
func sentOf(made platform.Order, in platform.OrderInput) string {
	out := sent{Currency: made.Total.Currency, Shipping: made.TotalShipping.Amount, Total: made.Total.Amount}
	for _, d := range made.Discounts {
		out.Discount += d.Amount.Amount
	}
	for _, l := range made.Lines {
		out.Lines = append(out.Lines, sentLine{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice.Amount})
	}
	if len(out.Lines) == 0 {
		out.Currency = in.Currency
		out.Total = 0
		for _, l := range in.Lines {
			var p int64
			if l.UnitPrice != nil {
				p = l.UnitPrice.Amount
			}
			out.Lines = append(out.Lines, sentLine{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, UnitPrice: p})
			out.Total += p * l.Quantity
		}
		out.Shipping, out.Discount = 0, 0
		for _, s := range in.ShippingLines {
			out.Shipping += s.Price.Amount
		}
		for _, d := range in.Discounts {
			out.Discount += d.Amount.Amount
		}
		out.Total += out.Shipping - out.Discount
	}
	if out.Currency == "" {
		out.Currency = in.Currency
	}
	b, err := json.Marshal(out)
	if err != nil {
		return ""
	}
	return string(b)
}
