package woocommerce

import (
	"context"
	"net/http"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

type wooSetting struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}

type wpIndex struct {
	Name           string `json:"name"`
	URL            string `json:"url"`
	Home           string `json:"home"`
	TimezoneString string `json:"timezone_string"`
}

// settings reads one settings group into id → value.
func (c *Client) settings(ctx context.Context, op, group string) (map[string]string, error) {
	var list []wooSetting
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/settings/" + group, safe: true}, &list); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, s := range list {
		if v, ok := s.Value.(string); ok {
			out[s.ID] = v
		}
	}
	return out, nil
}

// Shop reads the site's name and the store's currency, address and units.
func (c *Client) Shop(ctx context.Context) (platform.ShopInfo, error) {
	const op = "reading store"
	var idx wpIndex
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, root: "/wp-json", path: "/", safe: true}, &idx); err != nil {
		return platform.ShopInfo{}, err
	}
	gen, err := c.settings(ctx, op, "general")
	if err != nil {
		return platform.ShopInfo{}, err
	}
	cur := strings.ToUpper(gen["woocommerce_currency"])
	if cur == "" {
		return platform.ShopInfo{}, c.newError(op, platform.KindInternal, "store has no woocommerce_currency setting")
	}
	c.mu.Lock()
	c.curr = cur
	c.mu.Unlock()
	return platform.ShopInfo{
		ID: c.store, Name: idx.Name, Domain: c.store, Email: gen["woocommerce_email_from_address"],
		Currency: cur, Timezone: idx.TimezoneString,
	}, nil
}

// currency is the store's currency, read once.
func (c *Client) currency(ctx context.Context) (string, error) {
	c.mu.Lock()
	cur := c.curr
	c.mu.Unlock()
	if cur != "" {
		return cur, nil
	}
	gen, err := c.settings(ctx, "reading store currency", "general")
	if err != nil {
		return "", err
	}
	cur = strings.ToUpper(gen["woocommerce_currency"])
	if cur == "" {
		return "", c.newError("reading store currency", platform.KindInternal, "store has no woocommerce_currency setting")
	}
	c.mu.Lock()
	c.curr = cur
	c.mu.Unlock()
	return cur, nil
}

// weightUnit is the store's weight unit (woocommerce_weight_unit), read once.
func (c *Client) weightUnit(ctx context.Context) (platform.WeightUnit, error) {
	c.mu.Lock()
	u := c.unit
	c.mu.Unlock()
	if u != "" {
		return u, nil
	}
	prod, err := c.settings(ctx, "reading store weight unit", "products")
	if err != nil {
		return "", err
	}
	u = platform.WeightUnit(prod["woocommerce_weight_unit"])
	if u == "lbs" {
		u = platform.Pounds
	}
	if !u.Valid() {
		u = platform.Kilograms
	}
	c.mu.Lock()
	c.unit = u
	c.mu.Unlock()
	return u, nil
}

// Locations is the one location of a WooCommerce store: stock is kept per product.
func (c *Client) Locations(ctx context.Context) ([]platform.Location, error) {
	gen, err := c.settings(ctx, "reading locations", "general")
	if err != nil {
		return nil, err
	}
	// woocommerce_default_country is "CC" or "CC:STATE".
	country, state, _ := strings.Cut(gen["woocommerce_default_country"], ":")
	return []platform.Location{{
		ID: LocationID, Name: "Store", Active: true, FulfillsOnlineOrders: true,
		Address: platform.Address{
			Address1: gen["woocommerce_store_address"], Address2: gen["woocommerce_store_address_2"],
			City: gen["woocommerce_store_city"], Zip: gen["woocommerce_store_postcode"],
			Country: country, CountryCode: country, Province: state, ProvinceCode: state,
		},
	}}, nil
}
