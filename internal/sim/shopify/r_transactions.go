package shopifysim

import (
	"slices"

	graphql "github.com/graph-gophers/graphql-go"
)

type transactionR struct {
	o *order
	t *transaction
}

// Transactions answers Order.transactions: every transaction, oldest first (first: keeps the
// first ones, capturable: only open authorisations).
func (r *orderR) Transactions(a struct {
	Capturable         *bool
	First              *int32
	ManuallyResolvable *bool
}) []*transactionR {
	open := map[int64]bool{}
	if a.Capturable != nil {
		for _, t := range uncaptured(r.o) {
			open[t.ID] = true
		}
	}
	out := []*transactionR{}
	for i := range r.o.Transactions {
		t := &r.o.Transactions[i]
		if a.Capturable != nil && open[t.ID] != *a.Capturable {
			continue
		}
		if a.ManuallyResolvable != nil && *a.ManuallyResolvable {
			continue // the simulator's transactions never wait on a person
		}
		if a.First != nil && len(out) >= int(*a.First) {
			break
		}
		out = append(out, &transactionR{r.o, t})
	}
	return out
}

func (r *transactionR) ID() graphql.ID        { return graphql.ID(gid("OrderTransaction", r.t.ID)) }
func (r *transactionR) Kind() string          { return r.t.Kind }
func (r *transactionR) Status() string        { return r.t.Status }
func (r *transactionR) Gateway() *string      { return optString(r.t.Gateway) }
func (r *transactionR) Test() bool            { return r.t.Test }
func (r *transactionR) CreatedAt() dateTime   { return dateTime{r.t.CreatedAt} }
func (r *transactionR) AmountSet() *moneyBagR { return &moneyBagR{r.t.Amount, r.o.Currency} }
func (r *transactionR) ProcessedAt() *dateTime {
	return &dateTime{r.t.ProcessedAt}
}

// FormattedGateway is the gateway's name for people, as the admin shows it.
func (r *transactionR) FormattedGateway() *string {
	names := map[string]string{"shopify_payments": "Shopify Payments", "manual": "Manual", "gift_card": "Gift card", "paypal": "PayPal"}
	if n, ok := names[r.t.Gateway]; ok {
		return &n
	}
	return optString(r.t.Gateway)
}

func (r *transactionR) ParentTransaction() *transactionR {
	for i := range r.o.Transactions {
		if p := &r.o.Transactions[i]; r.t.ParentID != 0 && p.ID == r.t.ParentID {
			return &transactionR{r.o, p}
		}
	}
	return nil
}

// PaymentDetails is the card that paid, null when no card did.
func (r *transactionR) PaymentDetails() *paymentDetailsR {
	if r.t.CardBrand == "" && r.t.CardLast4 == "" {
		return nil
	}
	return &paymentDetailsR{r.t}
}

type paymentDetailsR struct{ t *transaction }

func (r *paymentDetailsR) ToCardPaymentDetails() (*cardDetailsR, bool) {
	return &cardDetailsR{r.t}, true
}

type cardDetailsR struct{ t *transaction }

func (r *cardDetailsR) Company() *string { return optString(r.t.CardBrand) }
func (r *cardDetailsR) Name() *string    { return nil }
func (r *cardDetailsR) Bin() *string     { return nil }

// Number is the card number masked as Shopify shows it: "•••• •••• •••• 4242".
func (r *cardDetailsR) Number() *string {
	if r.t.CardLast4 == "" {
		return nil
	}
	n := "•••• •••• •••• " + r.t.CardLast4
	return &n
}

type attributeR struct{ p Property }

func (r *attributeR) Key() string    { return r.p.Name }
func (r *attributeR) Value() *string { return &r.p.Value }

// CustomAttributes answers LineItem.customAttributes: the line's properties, in order.
func (r *lineItemR) CustomAttributes() []*attributeR {
	out := make([]*attributeR, 0, len(r.l.Properties))
	for _, p := range r.l.Properties {
		out = append(out, &attributeR{p})
	}
	return out
}

// gateways are the gateways of an order's successful transactions, each once, in order.
func gateways(o *order) []string {
	out := []string{}
	for _, t := range o.Transactions {
		if t.Status == "SUCCESS" && !slices.Contains(out, t.Gateway) {
			out = append(out, t.Gateway)
		}
	}
	return out
}
