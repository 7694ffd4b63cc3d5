package shopifysim

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMoneyFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		minor          int64
		money, decimal string
	}{
		{1250, "12.50", "12.5"}, {1000, "10.00", "10.0"}, {1255, "12.55", "12.55"},
		{5, "0.05", "0.05"}, {0, "0.00", "0.0"}, {-1999, "-19.99", "-19.99"},
	}
	for _, tt := range tests {
		if got := formatMoney(tt.minor); got != tt.money {
			t.Errorf("formatMoney(%d) = %s, want %s", tt.minor, got, tt.money)
		}
		if got := formatDecimal(tt.minor); got != tt.decimal {
			t.Errorf("formatDecimal(%d) = %s, want %s", tt.minor, got, tt.decimal)
		}
		for _, s := range []string{tt.money, tt.decimal} {
			if got, err := parseMoney(s); err != nil || got != tt.minor {
				t.Errorf("parseMoney(%s) = %d, %v; want %d", s, got, err, tt.minor)
			}
		}
	}
	for _, bad := range []string{"1.234", "abc", "1.2.3", "--1"} {
		if _, err := parseMoney(bad); err == nil {
			t.Errorf("parseMoney(%q): want an error", bad)
		}
	}
}

func TestSearchSyntax(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 10, 0, 0, 500_000_000, time.UTC)
	get := func(f string) (fieldValue, bool) {
		switch f {
		case "updated_at":
			return tv(at), true
		case "id":
			return nv(42), true
		case "sku", "default":
			return sv("TEE-RED-M"), true
		case "tag":
			return sv("sale", "summer"), true
		}
		return fieldValue{}, false
	}
	tests := []struct {
		q    string
		want bool
	}{
		{"updated_at:>='2026-05-01T10:00:00Z'", true},
		{"updated_at:>'2026-05-01T10:00:00Z'", false}, // compared to the second, like Shopify
		{"updated_at:<2026-06-01", true},
		{"id:>41 AND id:<=42", true},
		{"id:43", false},
		{"sku:TEE-RED-M", true},
		{"sku:tee-red*", true},
		{"-sku:TEE-RED-M", false},
		{"tag:summer", true},
		{"tag:winter", false},
		{"unknown_field:x", true},
		{"TEE-RED-M", true},
		{"", true},
	}
	for _, tt := range tests {
		if got := matchAll(parseSearch(tt.q), get); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestIncludeFields(t *testing.T) {
	t.Parallel()
	ev := event{body: []byte(`{"id":1,"title":"x","variants":[]}`)}
	var got map[string]any
	if err := json.Unmarshal(onlyFields(ev, []string{"id", "title", "missing"}).body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["title"] != "x" {
		t.Errorf("includeFields kept %v", got)
	}
	if string(onlyFields(ev, nil).body) != string(ev.body) {
		t.Error("no includeFields changed the payload")
	}
}

func TestShopConfigValidation(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	tests := []struct {
		name string
		cfg  ShopConfig
		ok   bool
	}{
		{"valid", ShopConfig{Domain: "a.myshopify.com", AccessToken: "t", APISecret: "s"}, true},
		{"duplicate", ShopConfig{Domain: "a.myshopify.com", AccessToken: "t", APISecret: "s"}, false},
		{"not myshopify", ShopConfig{Domain: "a.example.com", AccessToken: "t", APISecret: "s"}, false},
		{"no secret", ShopConfig{Domain: "b.myshopify.com", AccessToken: "t"}, false},
		{"unknown plan", ShopConfig{Domain: "c.myshopify.com", AccessToken: "t", APISecret: "s", Plan: "gold"}, false},
		{"unknown currency", ShopConfig{Domain: "d.myshopify.com", AccessToken: "t", APISecret: "s", Currency: "XYZ"}, false},
	}
	for _, tt := range tests { // sequential: "duplicate" depends on "valid"
		if _, err := s.AddShop(tt.cfg); (err == nil) != tt.ok {
			t.Errorf("%s: err %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if err := s.SeedCatalog("zzz.myshopify.com", 1, 1); err == nil {
		t.Error("seeding an unknown shop: want an error")
	}
}
