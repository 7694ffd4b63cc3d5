package shopify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// orderTags keeps Shopify's limits (40 characters, 250 tags) and always the push tag, last.
func TestOrderTagsWithinLimits(t *testing.T) {
	tags := []string{"Harbor, Outfitters", strings.Repeat("é", 60), "#1001", "#1001", "  "}
	for i := range 300 {
		tags = append(tags, fmt.Sprintf("t%d", i))
	}
	push := PushTag("k")
	got := orderTags(tags, push)
	if len(got) != maxOrderTags || got[len(got)-1] != push {
		t.Fatalf("%d tags ending %q; want %d ending with the push tag", len(got), got[len(got)-1], maxOrderTags)
	}
	if got[0] != "Harbor  Outfitters" || len([]rune(got[1])) != maxOrderTagLength || got[2] != "#1001" || got[3] != "t0" {
		t.Fatalf("tags %q; want commas gone, cut to 40 characters, repeats and blanks dropped", got[:4])
	}
	if got := orderTags(nil, ""); len(got) != 0 {
		t.Fatalf("no tags: %q", got)
	}
	c := &Client{}
	if l := c.OrderTagLimits(); l != (platform.TagLimits{MaxLength: 40, MaxCount: 250}) {
		t.Fatalf("limits %+v", l)
	}
}

// Discounts go as one fixed-amount code, their sum under their codes joined; none without amount.
func TestDiscountCode(t *testing.T) {
	usd := func(n int64) platform.Money { return platform.Money{Amount: n, Currency: "USD"} }
	dc, ok, err := discountCode([]platform.Discount{{Code: "A", Amount: usd(150)}, {Code: "B", Amount: usd(50)}, {Code: "C", Amount: usd(0)}})
	fixed, _ := dc["itemFixedDiscountCode"].(map[string]any)
	if err != nil || !ok || fixed["code"] != "A, B" || fmt.Sprint(fixed["amountSet"]) != "map[shopMoney:map[amount:2.00 currencyCode:USD]]" {
		t.Fatalf("discount code %v %v %v", dc, ok, err)
	}
	if _, ok, err := discountCode([]platform.Discount{{Code: "Z", Amount: usd(0)}}); ok || err != nil {
		t.Fatalf("zero discount: %v %v; want none", ok, err)
	}
	if _, _, err := discountCode([]platform.Discount{{Code: "A", Amount: usd(1)}, {Code: "E", Amount: platform.Money{Amount: 1, Currency: "EUR"}}}); err == nil {
		t.Fatal("mixed currencies: no error")
	}
}
