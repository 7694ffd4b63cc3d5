package bolink

import (
	"context"
	"fmt"
	"strings"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// build makes the job and sales order of a store order: the description (business name and the
// store's order number), the addresses (Sold To the contact's, Bill To and Ship To the order's),
// a line per order line with its variant and decoration, the instructions (the order's link in
// the store's admin; the payment breakdown) and the captured card payments. notes say what was
// left out (a decoration that could not be resolved), for the timeline.
func (s *Service) build(ctx context.Context, st store.Store, set Settings, o platform.Order, contact platform.BackOfficeContact,
	cards []platform.BackOfficeListItem) (platform.BackOfficeOrderJob, []string, error) {
	in := platform.BackOfficeOrderJob{
		Description:  strings.TrimSpace(set.BusinessName + " " + o.Name),
		PrimaryRep:   set.PrimaryRep,
		SecondaryRep: set.SecondaryRep,
		CSR:          set.CSR,
		Currency:     o.Currency,
		SoldTo:       contact.Address,
		BillTo:       addressOf(o.BillingAddress),
		ShipTo:       addressOf(o.ShippingAddress),
	}
	if in.Currency == "" {
		in.Currency = o.Total.Currency
	}
	if in.SoldTo.Name == "" {
		in.SoldTo.Name = contact.Name
	}
	if in.SoldTo.Email == "" {
		in.SoldTo.Email = contact.Email
	}
	if in.BillTo == (platform.BackOfficeAddress{}) {
		in.BillTo = in.ShipTo
	}
	in.CustomerInstructions = orderLink(st, o)
	in.CSRInstructions = paymentBreakdown(o)
	var notes []string
	for i, l := range o.Lines {
		if l.Current == 0 {
			continue // removed by an edit
		}
		bl := platform.BackOfficeLine{ProductRef: l.ProductID, VariantRef: l.VariantID, SKU: l.SKU,
			Description: lineTitle(l), Quantity: l.Current, UnitPrice: l.UnitPrice.Amount}
		if s.cfg.Decorations != nil {
			d, err := s.cfg.Decorations.Resolve(ctx, s.db, st.ID, l, set.LogoProperty, set.LocationProperty)
			if err != nil {
				return in, nil, fmt.Errorf("resolving the decoration of line %d of order %s: %w", i+1, o.Name, err)
			}
			bl.DesignName, bl.Location, bl.Method, bl.Supplier = d.DesignName, d.Location, d.Method, d.Supplier
			for _, n := range d.Notes {
				notes = append(notes, fmt.Sprintf("line %d (%s): %s; sent without it", i+1, l.Title, n))
			}
		}
		in.Lines = append(in.Lines, bl)
	}
	in.Payments = payments(o, cards)
	return in, notes, nil
}

// orderLink is the sales order's customer instructions: the order's page in the store's admin.
func orderLink(st store.Store, o platform.Order) string {
	if o.AdminURL == "" {
		return fmt.Sprintf("Order %s of %s.", o.Name, st.Name)
	}
	return fmt.Sprintf("Order %s of %s: %s", o.Name, st.Name, o.AdminURL)
}

// paymentBreakdown lists how the order was paid, a line per successful transaction: gateway,
// card brand and last digits, amount, and whether the money is only authorised.
func paymentBreakdown(o platform.Order) string {
	if !o.TransactionsIncluded {
		return fmt.Sprintf("Payment: %s (%s); the store did not give its transactions.", o.Total, o.FinancialStatus)
	}
	var lines []string
	for _, t := range o.Transactions {
		if t.Status != platform.TransactionSuccess {
			continue
		}
		how := t.Gateway
		if how == "" {
			how = "unknown gateway"
		}
		if t.CardBrand != "" {
			how += ", " + t.CardBrand
			if t.CardLast4 != "" {
				how += " ending " + t.CardLast4
			}
		}
		what := ""
		switch t.Kind {
		case platform.TransactionAuthorization:
			what = " (authorised, not captured yet)"
		case platform.TransactionRefund:
			what = " (refunded)"
		case platform.TransactionVoid:
			what = " (voided)"
		case platform.TransactionCapture, platform.TransactionSale:
		}
		lines = append(lines, fmt.Sprintf("- %s: %s%s", how, t.Amount, what))
	}
	if len(lines) == 0 {
		return fmt.Sprintf("Payment: none received (%s).", o.FinancialStatus)
	}
	return "Payments:\n" + strings.Join(lines, "\n")
}

// payments are the order's captured card payments, as the back office records them: payment
// type credit_card with the card type matching the brand (by code or name), Ref the store's
// transaction id.
func payments(o platform.Order, cards []platform.BackOfficeListItem) []platform.BackOfficePayment {
	var out []platform.BackOfficePayment
	for _, t := range o.Transactions {
		if !t.Captured() || t.CardBrand == "" || t.Amount.Amount <= 0 {
			continue
		}
		p := platform.BackOfficePayment{Amount: t.Amount.Amount, PaidAt: t.ProcessedAt, PaymentType: "credit_card",
			CardType: cardType(cards, t.CardBrand), Ref: t.ID}
		if p.PaidAt.IsZero() {
			p.PaidAt = o.CreatedAt
		}
		out = append(out, p)
	}
	return out
}

// cardType is the code of the back office's card type for a brand: matched by code or name,
// case and spaces aside ("American Express" → amex by its name); "" when none matches.
func cardType(cards []platform.BackOfficeListItem, brand string) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", "")) }
	b := norm(brand)
	for _, c := range cards {
		if c.Active && (norm(c.Code) == b || norm(c.Name) == b) {
			return c.Code
		}
	}
	return ""
}

// lineTitle names a line with its variant: "T-shirt — Size: M, Color: Navy".
func lineTitle(l platform.OrderLine) string {
	title := l.Title
	var opts []string
	for _, o := range l.Options {
		if o.Name != "" && o.Value != "" && !strings.EqualFold(o.Name, "Title") {
			opts = append(opts, o.Name+": "+o.Value)
		}
	}
	switch {
	case len(opts) > 0:
		title += " — " + strings.Join(opts, ", ")
	case l.VariantTitle != "" && !strings.EqualFold(l.VariantTitle, "Default Title"):
		title += " — " + l.VariantTitle
	}
	return title
}

func customerName(o platform.Order) string {
	if c := o.Customer; c != nil {
		if n := strings.TrimSpace(c.FirstName + " " + c.LastName); n != "" {
			return n
		}
	}
	for _, a := range []*platform.Address{o.BillingAddress, o.ShippingAddress} {
		if a != nil {
			if n := strings.TrimSpace(a.FirstName + " " + a.LastName); n != "" {
				return n
			}
		}
	}
	if o.Email != "" {
		return o.Email
	}
	return "Customer of order " + o.Name
}

func addressOf(a *platform.Address) platform.BackOfficeAddress {
	if a == nil || a.IsZero() {
		return platform.BackOfficeAddress{}
	}
	state := a.ProvinceCode
	if state == "" {
		state = a.Province
	}
	return platform.BackOfficeAddress{Name: strings.TrimSpace(a.FirstName + " " + a.LastName), Company: a.Company,
		Line1: a.Address1, Line2: a.Address2, City: a.City, State: state, PostalCode: a.Zip, Country: a.CountryCode,
		Phone: a.Phone, Email: a.Email}
}
