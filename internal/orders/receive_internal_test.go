package orders

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

func usd(n int64) *platform.Money { return &platform.Money{Amount: n, Currency: "USD"} }

// twoLines is a part of two lines (3 × 10.00 and 1 × 5.00 at the source, 15.00 and 8.00 at the
// destination) of an order whose lines are worth 100.00 at the destination.
func twoLines() receiveOrder {
	return receiveOrder{Key: "k", OrderName: "#1001", OrderCurrency: "USD", DestName: "Reseller", DestEmail: "admin@reseller.test",
		CustomerName: "Ann Lee", CustomerEmail: "ann@example.com",
		Address: &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main St", City: "Austin", CountryCode: "US"},
		Lines: []partLine{
			{VariantID: "v1", Title: "Mug", Quantity: 3, SourcePrice: usd(1000), DestinationPrice: 1500},
			{VariantID: "v2", Title: "Cap", Quantity: 1, SourcePrice: usd(500), DestinationPrice: 800},
		},
		OrderValue: 10000, // this part: 45.00 + 8.00 = 53.00 of it
		ShipLines:  []keptCharge{{Title: "Express", Code: "EXP", Source: "shopify", Amount: 1000, Currency: "USD"}},
		Discounts:  []keptCharge{{Code: "SAVE10", Amount: 1000, Currency: "USD"}},
	}
}

func TestBuildInputDefaults(t *testing.T) {
	in, notes := buildInput(DefaultReceive(), twoLines())
	if len(notes) != 0 {
		t.Fatalf("notes %v", notes)
	}
	want := platform.OrderInput{IdempotencyKey: "k", Currency: "USD", Email: "ann@example.com",
		Note:               "Order #1001 of Reseller, pushed by storesync",
		Customer:           &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"},
		ShippingAddress:    twoLines().Address,
		InventoryBehaviour: platform.InventoryDecrementIgnorePolicy,
		Lines: []platform.OrderLineInput{{VariantID: "v1", Title: "Mug", Quantity: 3, UnitPrice: usd(1000)},
			{VariantID: "v2", Title: "Cap", Quantity: 1, UnitPrice: usd(500)}}}
	if d := diff(want, in); d != "" {
		t.Fatalf("default input (want, got):\n%s", d)
	}
}

func TestBuildInputCustomerAndEmail(t *testing.T) {
	for name, tc := range map[string]struct {
		r        Receive
		customer *platform.Customer
		email    string
	}{
		"forwarded, customer email":      {Receive{ForwardCustomer: true, EmailContact: ContactCustomer}, &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"}, "ann@example.com"},
		"forwarded, store email":         {Receive{ForwardCustomer: true, EmailContact: ContactStore}, &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"}, "admin@reseller.test"},
		"forwarded, other email":         {Receive{ForwardCustomer: true, EmailContact: ContactOther, ContactEmail: "ops@x.test"}, &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"}, "ops@x.test"},
		"not forwarded: store stands in": {Receive{ForwardCustomer: false, EmailContact: ContactCustomer}, &platform.Customer{FirstName: "Reseller", Email: "admin@reseller.test"}, "admin@reseller.test"},
		"not forwarded, other email":     {Receive{ForwardCustomer: false, EmailContact: ContactOther, ContactEmail: "ops@x.test"}, &platform.Customer{FirstName: "Reseller", Email: "admin@reseller.test"}, "ops@x.test"},
	} {
		t.Run(name, func(t *testing.T) {
			tc.r.ShippingRule, tc.r.LinePrices = ShippingNone, PricesSource
			in, _ := buildInput(tc.r, twoLines())
			if d := diff(tc.customer, in.Customer); d != "" || in.Email != tc.email {
				t.Fatalf("customer (want, got):\n%s\nemail %q; want %q", d, in.Email, tc.email)
			}
			if in.ShippingAddress == nil || in.ShippingAddress.Address1 != "1 Main St" {
				t.Fatalf("shipping address %+v; want always sent", in.ShippingAddress)
			}
		})
	}
}

func TestBuildInputShipping(t *testing.T) {
	fee := int64(495)
	zero := int64(0)
	base := DefaultReceive()
	rule := func(kind string, amount, above int64, cur string) Receive {
		r := base
		r.ShippingRule, r.ShippingAmount, r.FreeAbove, r.ShippingCurrency = kind, amount, above, cur
		return r
	}
	for name, tc := range map[string]struct {
		r      Receive
		fee    *int64
		want   []platform.ShippingLine
		noteOn string
	}{
		"none":             {base, nil, nil, ""},
		"flat per order":   {rule(ShippingFlatPerOrder, 700, 0, "USD"), nil, []platform.ShippingLine{{Title: "Shipping", Code: "storesync-flat-per-order", Price: *usd(700)}}, ""},
		"flat per item":    {rule(ShippingFlatPerItem, 200, 0, "USD"), nil, []platform.ShippingLine{{Title: "Shipping", Code: "storesync-flat-per-item", Price: *usd(800)}}, ""},
		"below free":       {rule(ShippingFreeAbove, 600, 3500, "USD"), nil, []platform.ShippingLine{{Title: "Shipping", Code: "storesync-free-above", Price: *usd(600)}}, ""},
		"above free":       {rule(ShippingFreeAbove, 600, 3499, "USD"), nil, nil, ""}, // the part is 35.00 at the source
		"at free: charged": {rule(ShippingFreeAbove, 600, 3500, "USD"), nil, []platform.ShippingLine{{Title: "Shipping", Code: "storesync-free-above", Price: *usd(600)}}, ""},
		"other currency":   {rule(ShippingFlatPerOrder, 700, 0, "EUR"), nil, nil, "no shipping charged"},
		"manual fee wins":  {rule(ShippingFlatPerOrder, 700, 0, "USD"), &fee, []platform.ShippingLine{{Title: "Shipping", Code: "storesync-manual", Price: *usd(495)}}, ""},
		"manual 0 wins":    {rule(ShippingFlatPerOrder, 700, 0, "USD"), &zero, nil, ""},
		"original line shared": {func() Receive { r := rule(ShippingFlatPerOrder, 700, 0, "USD"); r.PassShippingLine = true; return r }(), nil,
			[]platform.ShippingLine{{Title: "Express", Code: "EXP", Source: "shopify", Price: *usd(530)}}, ""}, // 10.00 × 53/100
	} {
		t.Run(name, func(t *testing.T) {
			o := twoLines()
			o.Fee = tc.fee
			in, notes := buildInput(tc.r, o)
			if d := diff(tc.want, in.ShippingLines); d != "" {
				t.Fatalf("shipping (want, got):\n%s", d)
			}
			if (tc.noteOn == "") != (len(notes) == 0) || (tc.noteOn != "" && !strings.Contains(notes[0], tc.noteOn)) {
				t.Fatalf("notes %v; want one with %q", notes, tc.noteOn)
			}
		})
	}
}

func TestBuildInputDiscountsAndPrices(t *testing.T) {
	r := DefaultReceive()
	r.PassDiscounts = true
	in, _ := buildInput(r, twoLines())
	if d := diff([]platform.Discount{{Code: "SAVE10", Amount: *usd(530)}}, in.Discounts); d != "" {
		t.Fatalf("discounts (want, got):\n%s", d)
	}
	whole := twoLines()
	whole.OrderValue = 5300 // the part is the whole order: the whole discount
	if in, _ = buildInput(r, whole); len(in.Discounts) != 1 || in.Discounts[0].Amount.Amount != 1000 {
		t.Fatalf("discounts of the whole order %+v; want 10.00", in.Discounts)
	}
	r = DefaultReceive()
	r.LinePrices, r.LineDiscountBP = PricesDestinationLess, 1250 // 12.5 % off
	in, _ = buildInput(r, twoLines())
	if got := []int64{in.Lines[0].UnitPrice.Amount, in.Lines[1].UnitPrice.Amount}; !reflect.DeepEqual(got, []int64{1313, 700}) || in.Currency != "USD" {
		t.Fatalf("prices %v %s; want 15.00 and 8.00 less 12.5 %% (13.13, 7.00) in the order's currency", got, in.Currency)
	}
	// A source price unknown: the platform's own price (none sent).
	o := twoLines()
	o.Lines[1].SourcePrice = nil
	in, _ = buildInput(DefaultReceive(), o)
	if in.Lines[1].UnitPrice != nil {
		t.Fatalf("line without a source price: %+v; want none sent", in.Lines[1].UnitPrice)
	}
}

func TestOrderTags(t *testing.T) {
	long := strings.Repeat("é", 50)
	got := orderTags(platform.TagLimits{MaxLength: 40, MaxCount: 250}, "Acme, Inc.", "#1001")
	if d := diff([]string{"Acme  Inc.", "#1001"}, got); d != "" {
		t.Fatalf("tags (want, got):\n%s", d)
	}
	got = orderTags(platform.TagLimits{MaxLength: 10, MaxCount: 2}, long, "#1001")
	if len(got) != 1 || len(got[0]) > 10 {
		t.Fatalf("tags %q; want one (room for the push tag), at most 10 bytes", got)
	}
	if got = orderTags(platform.TagLimits{}, long, "#1"); len(got[0]) > maxTag {
		t.Fatalf("tag %q over %d without declared limits", got[0], maxTag)
	}
}

func TestReceiveInputParse(t *testing.T) {
	f := false
	ok := ReceiveInput{ForwardCustomer: &f, EmailContact: ContactOther, ContactEmail: "ops@example.com", ShippingRule: ShippingFreeAbove,
		ShippingAmount: "5.95", FreeAbove: "50", ShippingCurrency: "usd", PassShippingLine: true, PassDiscounts: true,
		LinePrices: PricesDestinationLess, LineDiscountPercent: "12.5"}
	r, err := ok.parse()
	want := Receive{ForwardCustomer: false, EmailContact: ContactOther, ContactEmail: "ops@example.com", ShippingRule: ShippingFreeAbove,
		ShippingAmount: 595, FreeAbove: 5000, ShippingCurrency: "USD", PassShippingLine: true, PassDiscounts: true,
		LinePrices: PricesDestinationLess, LineDiscountBP: 1250}
	if err != nil || r != want {
		t.Fatalf("parse: %+v %v; want %+v", r, err, want)
	}
	if r, err := (ReceiveInput{}).parse(); err != nil || r != DefaultReceive() {
		t.Fatalf("empty input: %+v %v; want the defaults", r, err)
	}
	for field, in := range map[string]ReceiveInput{
		"email_contact":         {EmailContact: "fax"},
		"contact_email":         {EmailContact: ContactOther, ContactEmail: "Ann <ann@x.test>"},
		"shipping_rule":         {ShippingRule: "free"},
		"shipping_currency":     {ShippingRule: ShippingFlatPerOrder, ShippingAmount: "1"},
		"shipping_amount":       {ShippingRule: ShippingFlatPerOrder, ShippingAmount: "-1", ShippingCurrency: "USD"},
		"free_above":            {ShippingRule: ShippingFreeAbove, ShippingAmount: "1", FreeAbove: "1.234", ShippingCurrency: "USD"},
		"line_prices":           {LinePrices: "cost"},
		"line_discount_percent": {LinePrices: PricesDestinationLess, LineDiscountPercent: "101"},
	} {
		_, err := in.parse()
		var e *Error
		if !errors.As(err, &e) || e.Field != field {
			t.Errorf("%+v: %v; want an error naming %s", in, err, field)
		}
	}
	if _, err := (ReceiveInput{ContactEmail: "a@b.test"}).parse(); err == nil {
		t.Error("contact_email without email_contact other: accepted")
	}
}

func TestShareOf(t *testing.T) {
	for _, c := range [][4]int64{{1000, 5300, 10000, 530}, {1, 1, 3, 0}, {2, 1, 3, 1}, {1000, 0, 10000, 0}, {1000, 10000, 10000, 1000},
		{9_000_000_000_000, 9_000_000_000, 10_000_000_000, 8_100_000_000_000}} {
		if got := shareOf(c[0], c[1], c[2]); got != c[3] {
			t.Errorf("shareOf(%d, %d, %d) = %d; want %d", c[0], c[1], c[2], got, c[3])
		}
	}
}

// diff is "" when want and got are deeply equal, else both, printed.
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("want %+v\n got %+v", deref(want), deref(got))
}

func deref(v any) any {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}
