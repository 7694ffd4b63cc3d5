package orders

import (
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Reasons an order is not eligible for a source: stable words, shown as they are.
const (
	ReasonNotConnected    = "connection not connected"
	ReasonPaused          = "paused"
	ReasonNotPaid         = "not paid"
	ReasonNoCustomerName  = "no customer name"
	ReasonNoShipping      = "no shipping address"
	ReasonTotalZero       = "total is 0"
	ReasonCancelled       = "cancelled"
	ReasonBeforeLockDate  = "placed before the order lock date"
	ReasonNoLinkedLine    = "no line linked to this source"
	reasonsSeparator      = ", "
	maxCustomerNameLength = 200
)

// Facts are what eligibility is decided from: the order as kept, the connection's state and
// order settings, and how many of its lines are linked to the source.
type Facts struct {
	Connected       bool
	Paused          bool
	LockDate        time.Time
	FinancialStatus platform.FinancialStatus
	CustomerName    string
	HasShipping     bool
	Total           int64
	Cancelled       bool
	PlacedAt        time.Time
	LinkedLines     int
}

// Decide returns the reasons the order is not eligible for the source, in a fixed order; none
// means eligible: paid, with the customer's name and a shipping address, a total above 0, not
// cancelled, placed at or after the connection's order lock date (to the second), with at least one line linked
// to the source, through a connected connection that is not paused.
func Decide(f Facts) []string {
	var r []string
	if !f.Connected {
		r = append(r, ReasonNotConnected)
	}
	if f.Paused {
		r = append(r, ReasonPaused)
	}
	if f.FinancialStatus != platform.FinancialPaid {
		r = append(r, ReasonNotPaid)
	}
	if strings.TrimSpace(f.CustomerName) == "" {
		r = append(r, ReasonNoCustomerName)
	}
	if !f.HasShipping {
		r = append(r, ReasonNoShipping)
	}
	if f.Total <= 0 {
		r = append(r, ReasonTotalZero)
	}
	if f.Cancelled {
		r = append(r, ReasonCancelled)
	}
	// Platforms stamp orders in whole seconds: an order of the lock date's second is not before it.
	if f.PlacedAt.IsZero() || f.PlacedAt.Before(f.LockDate.Truncate(time.Second)) {
		r = append(r, ReasonBeforeLockDate)
	}
	if f.LinkedLines == 0 {
		r = append(r, ReasonNoLinkedLine)
	}
	return r
}

// customerName is the buyer's name: the customer's, else the shipping address's, else the
// billing address's.
func customerName(o platform.Order) string {
	join := func(a, b string) string { return strings.TrimSpace(strings.TrimSpace(a) + " " + strings.TrimSpace(b)) }
	var n string
	if c := o.Customer; c != nil {
		n = join(c.FirstName, c.LastName)
	}
	if n == "" && o.ShippingAddress != nil {
		n = join(o.ShippingAddress.FirstName, o.ShippingAddress.LastName)
	}
	if n == "" && o.BillingAddress != nil {
		n = join(o.BillingAddress.FirstName, o.BillingAddress.LastName)
	}
	if len(n) > maxCustomerNameLength {
		n = n[:maxCustomerNameLength]
	}
	return n
}

// hasShipping reports whether the order has an address to ship to.
func hasShipping(o platform.Order) bool {
	a := o.ShippingAddress
	return a != nil && strings.TrimSpace(a.Address1) != "" && (strings.TrimSpace(a.CountryCode) != "" || strings.TrimSpace(a.Country) != "")
}

// fulfillmentStatus maps the platform's words to the API's.
func fulfillmentStatus(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fulfilled":
		return Fulfilled
	case "partial", "partially_fulfilled":
		return PartiallyFulfilled
	}
	return Unfulfilled
}

// orderStatus is the order-level push status from its parts (pushes with at least one linked
// line): cancelled when the order was cancelled and nothing of it pushed, or when every part is
// cancelled (a source order cancelled after its push); pushed when every part
// is; partially pushed when some are.
func orderStatus(cancelled bool, statuses []string) string {
	pushed, cancelledParts := 0, 0
	for _, st := range statuses {
		switch st {
		case PushPushed:
			pushed++
		case PushCancelled:
			cancelledParts++
		}
	}
	switch {
	case pushed == 0 && (cancelled || cancelledParts > 0 && cancelledParts == len(statuses)):
		return OrderCancelled
	case pushed > 0 && pushed == len(statuses):
		return OrderPushed
	case pushed > 0:
		return OrderPartiallyPushed
	}
	return OrderNotPushed
}
