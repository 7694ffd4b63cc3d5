package shopify

import (
	"context"
	"sync"

	"github.com/storesync/storesync/internal/platform"
)

// shopCache remembers the shop's currency: GraphQL's Money scalar (variant prices) carries no
// currency, so converting prices needs it, and it does not change under a running client.
type shopCache struct {
	mu       sync.Mutex
	currency string
}

type gShop struct {
	Shop struct {
		ID              string `json:"id"`
		Name            string `json:"name"`
		MyshopifyDomain string `json:"myshopifyDomain"`
		Email           string `json:"email"`
		CurrencyCode    string `json:"currencyCode"`
		IanaTimezone    string `json:"ianaTimezone"`
		Plan            struct {
			PublicDisplayName string `json:"publicDisplayName"`
			ShopifyPlus       bool   `json:"shopifyPlus"`
		} `json:"plan"`
	} `json:"shop"`
}

// Shop reads the shop's identity. It is the "verify connection" call: a wrong token, a revoked
// token or an unknown shop comes back as a *platform.Error of KindAuth or KindNotFound.
func (c *Client) Shop(ctx context.Context) (platform.ShopInfo, error) {
	var out gShop
	if err := c.do(ctx, op{doc: "shop", what: "reading shop", retrySafe: true}, nil, &out); err != nil {
		return platform.ShopInfo{}, err
	}
	s := out.Shop
	c.shop.mu.Lock()
	c.shop.currency = s.CurrencyCode
	c.shop.mu.Unlock()
	info := platform.ShopInfo{
		ID: s.ID, Name: s.Name, Domain: s.MyshopifyDomain, Email: s.Email, Currency: s.CurrencyCode,
		Timezone: s.IanaTimezone, Plan: s.Plan.PublicDisplayName, PlanLimit: "standard",
	}
	if s.Plan.ShopifyPlus {
		info.PlanLimit = "plus"
	}
	return info, nil
}

// currency returns the shop's currency, reading the shop once.
func (c *Client) currency(ctx context.Context) (string, error) {
	c.shop.mu.Lock()
	cur := c.shop.currency
	c.shop.mu.Unlock()
	if cur != "" {
		return cur, nil
	}
	info, err := c.Shop(ctx)
	if err != nil {
		return "", err
	}
	return info.Currency, nil
}

type gLocations struct {
	Locations struct {
		Nodes []struct {
			ID                   string   `json:"id"`
			Name                 string   `json:"name"`
			IsActive             bool     `json:"isActive"`
			FulfillsOnlineOrders bool     `json:"fulfillsOnlineOrders"`
			Address              gAddress `json:"address"`
		} `json:"nodes"`
		PageInfo gPageInfo `json:"pageInfo"`
	} `json:"locations"`
}

// Locations lists the shop's active locations, all pages.
func (c *Client) Locations(ctx context.Context) ([]platform.Location, error) {
	var locs []platform.Location
	after := ""
	for {
		var out gLocations
		vars := map[string]any{"first": 100, "after": nullable(after)}
		if err := c.do(ctx, op{doc: "locations", what: "listing locations", retrySafe: true}, vars, &out); err != nil {
			return nil, err
		}
		for _, n := range out.Locations.Nodes {
			locs = append(locs, platform.Location{
				ID: n.ID, Name: n.Name, Active: n.IsActive, FulfillsOnlineOrders: n.FulfillsOnlineOrders,
				Address: *n.Address.address(),
			})
		}
		if !out.Locations.PageInfo.HasNextPage {
			return locs, nil
		}
		after = out.Locations.PageInfo.EndCursor
	}
}

// nullable sends "" as JSON null, the way GraphQL wants an absent cursor or filter.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
