package shopifysim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// OrderGenerator describes a stream of storefront orders: how fast, how many, and how they end
// up. Orders go through the same code as orderCreate and emit the same webhooks.
type OrderGenerator struct {
	Rate      float64 // orders per second; 0 means as fast as possible
	Count     int     // stop after this many orders; 0 means until the context ends
	Customers int     // size of the customer pool orders are drawn from (default 50)
	MaxLines  int     // each order has 1..MaxLines lines (default 3)
	MaxQty    int     // each line has 1..MaxQty units (default 2)
	// Paid, Unpaid and Cancelled weigh the mix of outcomes (default 80, 15, 5): paid orders are
	// PAID, unpaid ones PENDING, cancelled ones are paid and then cancelled with a restock.
	Paid, Unpaid, Cancelled int
	// Variants, when set, is asked before each order for the variants its lines may pick (global
	// ids, "gid://shopify/ProductVariant/1"): the demo's synced products. Ids the shop does not
	// have are ignored; none left, the lines pick from the whole catalog.
	Variants func() []string
	// Payments, when set, is the mix of ways paid orders are paid: each picks one at random (an
	// AuthorizeOnly one leaves it AUTHORIZED). Unset, a paid order is one card payment (Visa 4242
	// on shopify_payments).
	Payments []Payment
	// LineProperties, when set, are the custom attributes lines may carry: each line picks one set
	// at random (an empty set: none).
	LineProperties [][]Property
}

func (g *OrderGenerator) defaults() {
	if g.Customers <= 0 {
		g.Customers = 50
	}
	if g.MaxLines <= 0 {
		g.MaxLines = 3
	}
	if g.MaxQty <= 0 {
		g.MaxQty = 2
	}
	if g.Paid+g.Unpaid+g.Cancelled <= 0 {
		g.Paid, g.Unpaid, g.Cancelled = 80, 15, 5
	}
}

var (
	genFirst  = []string{"Ava", "Liam", "Noah", "Emma", "Mia", "Lucas", "Zoe", "Ethan", "Chloe", "Owen", "Nora", "Jack"}
	genLast   = []string{"Smith", "Tremblay", "Nguyen", "Garcia", "Martin", "Roy", "Patel", "Brown", "Wilson", "Lee"}
	genCities = []struct{ city, prov, zip, country string }{
		{"Toronto", "ON", "M5V 2T6", "CA"}, {"Montreal", "QC", "H2X 1Y4", "CA"}, {"Vancouver", "BC", "V6B 1A1", "CA"},
		{"New York", "NY", "10001", "US"}, {"Austin", "TX", "73301", "US"}, {"Seattle", "WA", "98101", "US"},
	}
)

// GenerateOrders places orders on a shop until the count is reached or ctx ends (which, with no
// count, is the normal way to stop and returns nil). Lines pick random variants of the catalog.
// Closing the simulator stops it too, and Close waits for it.
func (s *Sim) GenerateOrders(ctx context.Context, domain string, g OrderGenerator) error {
	sh, err := s.Shop(domain)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("generating orders on %s: simulator closed", domain)
	}
	s.bg.Add(1)
	s.mu.Unlock()
	defer s.bg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel) //nolint:contextcheck // ctx stays the parent; closing the simulator also cancels it
	defer stop()
	g.defaults()
	rnd := shopRand(s.opts.Seed, domain, fmt.Sprintf("orders-%d", s.nextGenerator()))
	var tick <-chan time.Time
	if g.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / g.Rate))
		defer t.Stop()
		tick = t.C
	}
	for n := 0; g.Count == 0 || n < g.Count; n++ {
		if tick != nil {
			select {
			case <-ctx.Done():
				return stopErr(ctx, g.Count)
			case <-tick:
			}
		} else if ctx.Err() != nil {
			return stopErr(ctx, g.Count)
		}
		// An order started is finished: its mutations must not stop halfway when ctx ends.
		if err := s.generateOrder(context.WithoutCancel(ctx), sh, &g, rnd); err != nil {
			return fmt.Errorf("generating order %d on %s: %w", n+1, domain, err)
		}
	}
	return nil
}

func stopErr(ctx context.Context, count int) error {
	if count == 0 {
		return nil
	}
	return fmt.Errorf("order generator stopped early: %w", ctx.Err())
}

func (s *Sim) nextGenerator() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.generators++
	return s.generators
}

func (s *Sim) generateOrder(ctx context.Context, sh *Shop, g *OrderGenerator, rnd *rand.Rand) error {
	var only map[int64]bool
	if g.Variants != nil {
		only = map[int64]bool{}
		for _, v := range g.Variants() {
			if id, err := parseGID("ProductVariant", v); err == nil {
				only[id] = true
			}
		}
	}
	sh.mu.Lock()
	variants := make([]int64, 0, len(sh.data.Variants))
	for id := range sh.data.Variants {
		if only[id] {
			variants = append(variants, id)
		}
	}
	if len(variants) == 0 {
		for id := range sh.data.Variants {
			variants = append(variants, id)
		}
	}
	sh.mu.Unlock()
	if len(variants) == 0 {
		return fmt.Errorf("shop %s has no products to order", sh.cfg.Domain)
	}
	sortIDs(variants)
	c := rnd.IntN(g.Customers)
	first, last := genFirst[c%len(genFirst)], genLast[(c/len(genFirst))%len(genLast)]
	email := fmt.Sprintf("%s.%s.%d@example.com", lower(first), lower(last), c)
	city := genCities[c%len(genCities)]
	addr := map[string]any{"firstName": first, "lastName": last, "address1": fmt.Sprintf("%d King Street", 10+c),
		"city": city.city, "provinceCode": city.prov, "zip": city.zip, "countryCode": city.country, "phone": fmt.Sprintf("+1613555%04d", c)}
	var lines []any
	for range 1 + rnd.IntN(g.MaxLines) {
		line := map[string]any{"variantId": gid("ProductVariant", variants[rnd.IntN(len(variants))]),
			"quantity": 1 + rnd.IntN(g.MaxQty)}
		if len(g.LineProperties) > 0 {
			if props := g.LineProperties[rnd.IntN(len(g.LineProperties))]; len(props) > 0 {
				in := make([]any, 0, len(props))
				for _, p := range props {
					in = append(in, map[string]any{"name": p.Name, "value": p.Value})
				}
				line["properties"] = in
			}
		}
		lines = append(lines, line)
	}
	outcome := rnd.IntN(g.Paid + g.Unpaid + g.Cancelled)
	status := "PAID"
	if outcome >= g.Paid && outcome < g.Paid+g.Unpaid {
		status = "PENDING"
	}
	vars := map[string]any{"order": map[string]any{
		"email": email, "financialStatus": status, "sourceName": "web", "lineItems": lines,
		"customer":        map[string]any{"toUpsert": map[string]any{"email": email, "firstName": first, "lastName": last}},
		"shippingAddress": addr, "billingAddress": addr,
		"shippingLines": []any{map[string]any{"title": "Standard", "code": "STD",
			"priceSet": map[string]any{"shopMoney": map[string]any{"amount": "7.50", "currencyCode": sh.cfg.Currency}}}},
	}}
	if status == "PAID" && len(g.Payments) > 0 {
		ctx = context.WithValue(ctx, paymentKey{}, &g.Payments[rnd.IntN(len(g.Payments))])
	}
	res := s.execute(ctx, sh, gqlRequest{Query: genCreate, Variables: vars}, "", true)
	id, err := generatedID(res)
	if err != nil {
		return err
	}
	if outcome >= g.Paid+g.Unpaid {
		res = s.execute(ctx, sh, gqlRequest{Query: genCancel, Variables: map[string]any{"id": id}}, "", true)
		if len(res.Errors) > 0 {
			return fmt.Errorf("cancelling %s: %v", id, res.Errors[0])
		}
	}
	return nil
}

const (
	genCreate = `mutation($order: OrderCreateOrderInput!) {
  orderCreate(order: $order, options: {inventoryBehaviour: DECREMENT_IGNORING_POLICY}) { order { id } userErrors { message } }
}`
	genCancel = `mutation($id: ID!) {
  orderCancel(orderId: $id, reason: CUSTOMER, restock: true, refund: true) { orderCancelUserErrors { message } }
}`
)

func generatedID(res *gqlResponse) (string, error) {
	if len(res.Errors) > 0 {
		return "", fmt.Errorf("creating order: %v", res.Errors[0])
	}
	var out struct {
		OrderCreate struct {
			Order      *struct{ ID string }
			UserErrors []struct{ Message string }
		}
	}
	if err := jsonUnmarshal(res.Data, &out); err != nil {
		return "", err
	}
	if out.OrderCreate.Order == nil {
		return "", fmt.Errorf("creating order: %v", out.OrderCreate.UserErrors)
	}
	return out.OrderCreate.Order.ID, nil
}
