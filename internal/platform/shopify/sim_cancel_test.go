package shopify_test

import (
	"context"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// CancelOrder's Refund reaches orderCancel's refund argument: with it a paid order is refunded,
// without it the payment stays; cancelling twice is refused as invalid input, not applied twice.
func TestSimCancelRefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newPushEnv(t, "cancel-refund.myshopify.com", 1)
	c := e.client(t, "cancel-refund.myshopify.com")
	for _, refund := range []bool{true, false} {
		o, err := c.CreateOrder(ctx, platform.OrderInput{Currency: "USD", FinancialStatus: platform.FinancialPaid,
			Lines: []platform.OrderLineInput{{VariantID: e.items[0], Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.CancelOrder(ctx, platform.CancelOrderParams{OrderID: o.ID, Reason: platform.CancelCustomer, Refund: refund}); err != nil {
			t.Fatalf("cancel (refund %t): %v", refund, err)
		}
		got, err := c.Order(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := platform.FinancialPaid
		if refund {
			want = platform.FinancialRefunded
		}
		if got.CancelledAt == nil || got.FinancialStatus != want {
			t.Fatalf("refund %t: cancelled %v, financial status %s; want cancelled, %s", refund, got.CancelledAt, got.FinancialStatus, want)
		}
		if err := c.CancelOrder(ctx, platform.CancelOrderParams{OrderID: o.ID}); platform.KindOf(err) != platform.KindInvalidInput {
			t.Fatalf("cancel twice: %v; want invalid input", err)
		}
	}
}
