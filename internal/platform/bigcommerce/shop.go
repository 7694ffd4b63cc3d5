package bigcommerce

import (
	"context"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

// storeInfo is GET /v2/store, the store's profile.
type storeInfo struct {
	ID          string `json:"id"`
	Domain      string `json:"domain"`
	SecureURL   string `json:"secure_url"`
	Name        string `json:"name"`
	AdminEmail  string `json:"admin_email"`
	Currency    string `json:"currency"`
	WeightUnits string `json:"weight_units"`
	PlanName    string `json:"plan_name"`
	PlanLevel   string `json:"plan_level"`
	Timezone    struct {
		Name string `json:"name"`
	} `json:"timezone"`
}

// Shop reads the store's profile; calling it verifies the connection and the access token.
func (c *Client) Shop(ctx context.Context) (platform.ShopInfo, error) {
	var s storeInfo
	if err := c.call(ctx, "reading the store", get("/v2/store", nil), &s); err != nil {
		return platform.ShopInfo{}, err
	}
	c.mu.Lock()
	c.currency = strings.ToUpper(s.Currency)
	c.weight = weightUnit(s.WeightUnits)
	c.mu.Unlock()
	return platform.ShopInfo{
		ID: s.ID, Name: s.Name, Domain: s.Domain, Email: s.AdminEmail,
		Currency: strings.ToUpper(s.Currency), Timezone: s.Timezone.Name,
		Plan: s.PlanName, PlanLimit: s.PlanLevel,
	}, nil
}

// weightUnit maps the store's weight_units setting to a platform unit.
func weightUnit(s string) platform.WeightUnit {
	switch strings.ToLower(s) {
	case "kgs", "kg", "kilograms":
		return platform.Kilograms
	case "grams", "g":
		return platform.Grams
	case "ounces", "oz":
		return platform.Ounces
	default:
		return platform.Pounds
	}
}

// settings returns the store's currency and weight unit, reading the store once.
func (c *Client) settings(ctx context.Context) (string, platform.WeightUnit, error) {
	c.mu.Lock()
	cur, w := c.currency, c.weight
	c.mu.Unlock()
	if cur != "" {
		return cur, w, nil
	}
	s, err := c.Shop(ctx)
	if err != nil {
		return "", "", err
	}
	c.mu.Lock()
	w = c.weight
	c.mu.Unlock()
	return s.Currency, w, nil
}
