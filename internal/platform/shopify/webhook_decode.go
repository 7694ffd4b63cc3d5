package shopify

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

// DecodeWebhook turns a verified webhook body into a platform.WebhookEvent. currency is the
// shop's currency, needed only for product payloads (their prices carry none). Topics storesync
// does not act on decode to TopicOther with the raw body kept.
func DecodeWebhook(h http.Header, body []byte, currency string) (platform.WebhookEvent, error) {
	rest := h.Get(HeaderTopic)
	ev := platform.WebhookEvent{
		Store: strings.ToLower(h.Get(HeaderShopDomain)), Topic: topicFromREST(rest), PlatformTopic: rest,
		EventID: h.Get(HeaderEventID), DeliveryID: h.Get(HeaderWebhookID),
		TriggeredAt: parseTriggeredAt(h.Get(HeaderTriggeredAt)), Body: body,
	}
	if ev.EventID == "" {
		ev.EventID = ev.DeliveryID
	}
	fail := func(err error) (platform.WebhookEvent, error) {
		return platform.WebhookEvent{}, &platform.Error{Platform: Platform, Store: ev.Store, Op: "decoding webhook " + rest, Kind: platform.KindInvalidInput, Message: "malformed payload", Err: err}
	}
	family, _, _ := strings.Cut(rest, "/")
	switch {
	case ev.Topic == platform.TopicOrderDeleted || ev.Topic == platform.TopicProductDeleted:
		var r struct {
			ID rID `json:"id"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return fail(err)
		}
		ev.ResourceID = gid(map[bool]string{true: "Order", false: "Product"}[family == "orders"], "", r.ID)
	case family == "orders" && (ev.Topic != platform.TopicOther || rest == "orders/link_requested"):
		var r rOrder
		if err := json.Unmarshal(body, &r); err != nil {
			return fail(err)
		}
		o, err := r.order(ev.Store)
		if err != nil {
			return fail(err)
		}
		ev.Order, ev.ResourceID, ev.UpdatedAt = &o, o.ID, o.UpdatedAt
	case family == "orders":
		var r struct {
			OrderID   rID `json:"order_id"`
			OrderEdit *struct {
				OrderID rID `json:"order_id"`
			} `json:"order_edit"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return fail(err)
		}
		id := r.OrderID
		if r.OrderEdit != nil {
			id = r.OrderEdit.OrderID
		}
		ev.ResourceID = gid("Order", "", id)
	case family == "products":
		var r rProduct
		if err := json.Unmarshal(body, &r); err != nil {
			return fail(err)
		}
		p, err := r.product(currency)
		if err != nil {
			return fail(err)
		}
		ev.Product, ev.ResourceID, ev.UpdatedAt = &p, p.ID, p.UpdatedAt
	case family == "inventory_levels":
		var r rInventoryLevel
		if err := json.Unmarshal(body, &r); err != nil {
			return fail(err)
		}
		l := platform.InventoryLevel{InventoryItemID: gid("InventoryItem", "", r.InventoryItemID), LocationID: gid("Location", "", r.LocationID), UpdatedAt: r.UpdatedAt}
		if r.Available != nil {
			l.Available = *r.Available
		}
		ev.Inventory, ev.ResourceID, ev.UpdatedAt = &l, platform.InventoryLevelResource(l.InventoryItemID, l.LocationID), l.UpdatedAt
	case family == "fulfillments":
		var r rFulfillment
		if err := json.Unmarshal(body, &r); err != nil {
			return fail(err)
		}
		f := r.fulfillment()
		ev.Fulfillment, ev.ResourceID, ev.UpdatedAt = &f, f.ID, f.UpdatedAt
	case ev.Topic == platform.TopicAppUninstalled:
		var r rShop
		if err := json.Unmarshal(body, &r); err != nil {
			return fail(err)
		}
		domain := r.MyshopifyDomain
		if domain == "" {
			domain = ev.Store
		}
		ev.Shop = &platform.ShopInfo{ID: gid("Shop", "", r.ID), Name: r.Name, Email: r.Email, Domain: domain, Currency: r.Currency, Timezone: r.IanaTimezone, Plan: r.PlanDisplayName}
		ev.ResourceID = ev.Shop.ID
	}
	return ev, nil
}
