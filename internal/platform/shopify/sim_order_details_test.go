package shopify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// diff is "" when want and got are deeply equal, else both, for a test's message.
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("-%+v\n+%+v", want, got)
}

// txn is the part of a transaction the order-details tests compare (ids and times vary).
type txn struct {
	Kind           platform.TransactionKind
	Status         platform.TransactionStatus
	Gateway        string
	Amount         int64
	Brand, Last4   string
	HasID, HasTime bool
}

func txns(o platform.Order) []txn {
	out := []txn{}
	for _, t := range o.Transactions {
		if t.Amount.Currency != o.Currency {
			out = append(out, txn{Gateway: "currency " + t.Amount.Currency})
		}
		out = append(out, txn{t.Kind, t.Status, t.Gateway, t.Amount.Amount, t.CardBrand, t.CardLast4,
			strings.HasPrefix(t.ID, "gid://shopify/OrderTransaction/"), !t.ProcessedAt.IsZero()})
	}
	return out
}

func sale(gateway string, amount int64, brand, last4 string) txn {
	return txn{platform.TransactionSale, platform.TransactionSuccess, gateway, amount, brand, last4, true, true}
}

// orderEvents records the order webhooks a client decodes, by order id.
type orderEvents struct {
	mu     sync.Mutex
	events map[string][]platform.WebhookEvent
}

func (e *orderEvents) of(id string) []platform.WebhookEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]platform.WebhookEvent(nil), e.events[id]...)
}

func subscribeOrders(t *testing.T, c *shopify.Client) *orderEvents {
	t.Helper()
	rec := &orderEvents{events: map[string][]platform.WebhookEvent{}}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := c.ReceiveWebhook(r)
		if err != nil {
			t.Errorf("webhook refused: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if ev.Order != nil {
			rec.mu.Lock()
			rec.events[ev.Order.ID] = append(rec.events[ev.Order.ID], ev)
			rec.mu.Unlock()
		}
	}))
	t.Cleanup(recv.Close)
	if err := c.SubscribeWebhooks(context.Background(), platform.WebhookSubscription{Address: recv.URL,
		Topics: []platform.Topic{platform.TopicOrderCreated, platform.TopicOrderUpdated, platform.TopicOrderPaid}}); err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestOrderDetailsAgainstSimulator places customer orders on the simulator paid in each way a
// store sees (a card, a chosen card, a gateway without a card, a gift card and a card, an
// authorisation captured later) with line properties, and reads them with Order, ListOrders and
// the orders/* webhooks: properties, variant title and options, transactions with the card's
// brand and last digits, and the admin URL.
func TestOrderDetailsAgainstSimulator(t *testing.T) {
	t.Parallel()
	sim, c := simShopClient(t, 2, 2, nil)
	ctx := context.Background()
	events := subscribeOrders(t, c)
	page, err := c.ListProducts(ctx, platform.ListParams{})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("products: %v %v", page, err)
	}
	v := page.Items[0].Variants[1]
	props := []platform.Property{{Name: "Logo", Value: "Acme crest"}, {Name: "Location", Value: "Left chest"}}
	place := func(t *testing.T, pay shopifysim.Payment) string {
		t.Helper()
		id, err := sim.PlaceOrder(ctx, simShop, map[string]any{
			"email":    "ann@example.com",
			"customer": map[string]any{"toUpsert": map[string]any{"email": "ann@example.com", "firstName": "Ann", "lastName": "Lee"}},
			"lineItems": []any{
				map[string]any{"variantId": v.ID, "quantity": 2, "properties": []any{
					map[string]any{"name": "Logo", "value": "Acme crest"}, map[string]any{"name": "Location", "value": "Left chest"}}},
				map[string]any{"variantId": page.Items[0].Variants[0].ID, "quantity": 1},
			},
		}, pay)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	checkLines := func(t *testing.T, o platform.Order) {
		t.Helper()
		if len(o.Lines) != 2 {
			t.Fatalf("%d lines", len(o.Lines))
		}
		l := o.Lines[0]
		if diff := diff(props, l.Properties); diff != "" {
			t.Errorf("line properties (-want +got):\n%s", diff)
		}
		if l.VariantTitle != v.Title || !strings.Contains(l.VariantTitle, " / ") {
			t.Errorf("variant title %q, want %q", l.VariantTitle, v.Title)
		}
		wantOpts := []platform.Property{{Name: "Color", Value: v.Options[0]}, {Name: "Size", Value: v.Options[1]}}
		if diff := diff(wantOpts, l.Options); diff != "" {
			t.Errorf("line options (-want +got):\n%s", diff)
		}
		if o.Lines[1].Properties != nil {
			t.Errorf("second line has properties %v", o.Lines[1].Properties)
		}
		if n := strings.TrimPrefix(o.ID, "gid://shopify/Order/"); o.AdminURL != "https://"+simShop+"/admin/orders/"+n {
			t.Errorf("admin URL %q for %s", o.AdminURL, o.ID)
		}
	}

	cases := []struct {
		name   string
		pay    shopifysim.Payment
		status platform.FinancialStatus
		want   func(total int64) []txn
	}{
		{"default card", shopifysim.Payment{}, platform.FinancialPaid,
			func(total int64) []txn { return []txn{sale("shopify_payments", total, "Visa", "4242")} }},
		{"chosen card", shopifysim.Payment{Parts: []shopifysim.PaymentPart{{CardBrand: "Mastercard", CardLast4: "5454"}}}, platform.FinancialPaid,
			func(total int64) []txn { return []txn{sale("shopify_payments", total, "Mastercard", "5454")} }},
		{"manual", shopifysim.Payment{Parts: []shopifysim.PaymentPart{{Gateway: "manual"}}}, platform.FinancialPaid,
			func(total int64) []txn { return []txn{sale("manual", total, "", "")} }},
		{"paypal", shopifysim.Payment{Parts: []shopifysim.PaymentPart{{Gateway: "paypal"}}}, platform.FinancialPaid,
			func(total int64) []txn { return []txn{sale("paypal", total, "", "")} }},
		{"gift card and card", shopifysim.Payment{Parts: []shopifysim.PaymentPart{{Gateway: "gift_card", Amount: 1000}, {}}}, platform.FinancialPaid,
			func(total int64) []txn {
				return []txn{sale("gift_card", 1000, "", ""), sale("shopify_payments", total-1000, "Visa", "4242")}
			}},
		{"authorised", shopifysim.Payment{AuthorizeOnly: true}, platform.FinancialAuthorized,
			func(total int64) []txn {
				return []txn{{platform.TransactionAuthorization, platform.TransactionSuccess, "shopify_payments", total, "Visa", "4242", true, true}}
			}},
		{"unpaid", shopifysim.Payment{Unpaid: true}, platform.FinancialPending, func(int64) []txn { return []txn{} }},
	}
	for _, tc := range cases {
		id := place(t, tc.pay)
		o, err := c.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, o)
		if o.FinancialStatus != tc.status || !o.TransactionsIncluded {
			t.Errorf("%s: financial status %s, transactions included %v", tc.name, o.FinancialStatus, o.TransactionsIncluded)
		}
		if diff := diff(tc.want(o.Total.Amount), txns(o)); diff != "" {
			t.Errorf("%s: transactions (-want +got):\n%s", tc.name, diff)
		}
	}

	{ // authorised, then captured
		id := place(t, shopifysim.Payment{AuthorizeOnly: true, Parts: []shopifysim.PaymentPart{{CardBrand: "American Express", CardLast4: "0005"}}})
		before, err := c.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		sh, _ := sim.Shop(simShop)
		if err := sh.CaptureOrder(id); err != nil {
			t.Fatal(err)
		}
		if err := sh.CaptureOrder(id); err == nil {
			t.Error("a second capture found something to capture")
		}
		o, err := c.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		total := o.Total.Amount
		want := []txn{
			{platform.TransactionAuthorization, platform.TransactionSuccess, "shopify_payments", total, "American Express", "0005", true, true},
			{platform.TransactionCapture, platform.TransactionSuccess, "shopify_payments", total, "American Express", "0005", true, true},
		}
		if diff := diff(want, txns(o)); diff != "" {
			t.Errorf("transactions (-want +got):\n%s", diff)
		}
		if o.FinancialStatus != platform.FinancialPaid || o.UpdatedAt.Before(before.UpdatedAt) {
			t.Errorf("after capture: %s, updated %v (before %v)", o.FinancialStatus, o.UpdatedAt, before.UpdatedAt)
		}
		if !o.Transactions[1].Captured() || o.Transactions[0].Captured() {
			t.Errorf("Captured: %v %v", o.Transactions[0].Captured(), o.Transactions[1].Captured())
		}
		waitTopics(ctx, t, sim, events, id, platform.TopicOrderCreated, platform.TopicOrderPaid, platform.TopicOrderUpdated)
	}

	// A list page reads the same details, transactions included, and the webhooks carry the
	// lines' properties and variant titles but no transactions.
	listed := map[string]platform.Order{}
	for cursor := ""; ; {
		p, err := c.ListOrders(ctx, platform.ListParams{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Items {
			listed[o.ID] = o
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if len(listed) != len(cases)+1 {
		t.Fatalf("listed %d orders, want %d", len(listed), len(cases)+1)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sim.WebhooksIdle(wctx); err != nil {
		t.Fatal(err)
	}
	for id, lo := range listed {
		o, err := c.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := diff(o, lo); diff != "" {
			t.Errorf("order %s listed differs from read (-read +listed):\n%s", id, diff)
		}
		evs := events.of(id)
		if len(evs) == 0 {
			t.Errorf("order %s: no webhook", id)
		}
		for _, ev := range evs {
			wo := ev.Order
			if wo.TransactionsIncluded || len(wo.Transactions) != 0 {
				t.Errorf("%s webhook of %s claims transactions", ev.PlatformTopic, id)
			}
			if diff := diff(props, wo.Lines[0].Properties); diff != "" {
				t.Errorf("%s webhook line properties (-want +got):\n%s", ev.PlatformTopic, diff)
			}
			if wo.Lines[0].VariantTitle != v.Title || wo.AdminURL != o.AdminURL {
				t.Errorf("%s webhook: variant title %q, admin URL %q", ev.PlatformTopic, wo.Lines[0].VariantTitle, wo.AdminURL)
			}
		}
	}
}

// waitTopics waits for the webhooks of an order to include every topic.
func waitTopics(ctx context.Context, t *testing.T, sim *shopifysim.Sim, events *orderEvents, id string, topics ...platform.Topic) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sim.WebhooksIdle(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[platform.Topic]bool{}
	for _, ev := range events.of(id) {
		seen[ev.Topic] = true
	}
	for _, topic := range topics {
		if !seen[topic] {
			t.Errorf("order %s: no %s webhook (got %v)", id, topic, seen)
		}
	}
}

// TestPushedOrderTransactions checks what storesync's own pushes look like: orderCreate's
// answer carries the transactions (a paid push gets the simulator's default card sale), and an
// orderCreate given transactions (a gateway, no card) takes its financial status from them.
func TestPushedOrderTransactions(t *testing.T) {
	t.Parallel()
	sim, c := simShopClient(t, 1, 1, nil)
	ctx := context.Background()
	page, err := c.ListProducts(ctx, platform.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	v := page.Items[0].Variants[0]
	o, err := c.CreateOrder(ctx, platform.OrderInput{Currency: "USD", Email: "bo@example.com", FinancialStatus: platform.FinancialPaid,
		Lines: []platform.OrderLineInput{{VariantID: v.ID, Quantity: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff([]txn{sale("shopify_payments", o.Total.Amount, "Visa", "4242")}, txns(o)); diff != "" || !o.TransactionsIncluded {
		t.Errorf("pushed order transactions (included %v) (-want +got):\n%s", o.TransactionsIncluded, diff)
	}
	if o.Lines[0].Properties != nil || o.AdminURL == "" {
		t.Errorf("pushed line properties %v, admin URL %q", o.Lines[0].Properties, o.AdminURL)
	}

	data, err := sim.Exec(ctx, simShop, `mutation($order: OrderCreateOrderInput!) { orderCreate(order: $order) { order { id } userErrors { message } } }`,
		map[string]any{"order": map[string]any{"lineItems": []any{map[string]any{"variantId": v.ID, "quantity": 1}},
			"transactions": []any{map[string]any{"kind": "SALE", "status": "SUCCESS", "gateway": "paypal",
				"amountSet": map[string]any{"shopMoney": map[string]any{"amount": v.Price.Decimal(), "currencyCode": "USD"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(data), `"id":"`)
	id, _, _ := strings.Cut(rest, `"`)
	got, err := c.Order(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff([]txn{sale("paypal", v.Price.Amount, "", "")}, txns(got)); diff != "" || got.FinancialStatus != platform.FinancialPaid {
		t.Errorf("orderCreate with a paypal transaction: %s (-want +got):\n%s", got.FinancialStatus, diff)
	}

	// Cancelling with a refund refunds the card sale on the same gateway and card.
	if err := c.CancelOrder(ctx, platform.CancelOrderParams{OrderID: o.ID, Reason: platform.CancelCustomer, Refund: true}); err != nil {
		t.Fatal(err)
	}
	cancelled, err := c.Order(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	refund := txn{platform.TransactionRefund, platform.TransactionSuccess, "shopify_payments", o.Total.Amount, "Visa", "4242", true, true}
	if diff := diff([]txn{sale("shopify_payments", o.Total.Amount, "Visa", "4242"), refund}, txns(cancelled)); diff != "" {
		t.Errorf("cancelled with refund (-want +got):\n%s", diff)
	}
}
