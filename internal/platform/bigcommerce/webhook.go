package bigcommerce

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// HeaderWebhookSecret is the header every subscription asks BigCommerce to send with its
// deliveries, carrying the store's webhook secret: v3 webhooks are not signed, so this header,
// which only storesync and the platform know, is what tells a delivery from a forgery.
const HeaderWebhookSecret = "X-Storesync-Webhook-Secret" //nolint:gosec // G101: a header name, not a credential

// scopes maps storesync's topics to the BigCommerce webhook scope that delivers them. A paid,
// cancelled or fulfilled order is a status change: one scope delivers the three, and decoding
// tells them apart by the order's status.
var scopes = map[platform.Topic]string{
	platform.TopicOrderCreated:       "store/order/created",
	platform.TopicOrderUpdated:       "store/order/updated",
	platform.TopicOrderPaid:          scopeStatusUpdated,
	platform.TopicOrderCancelled:     scopeStatusUpdated,
	platform.TopicOrderFulfilled:     scopeStatusUpdated,
	platform.TopicOrderDeleted:       "store/order/archived",
	platform.TopicProductCreated:     "store/product/created",
	platform.TopicProductUpdated:     "store/product/updated",
	platform.TopicProductDeleted:     "store/product/deleted",
	platform.TopicInventoryUpdated:   "store/sku/inventory/updated",
	platform.TopicFulfillmentCreated: "store/shipment/created",
	platform.TopicFulfillmentUpdated: "store/shipment/updated",
	platform.TopicAppUninstalled:     "store/app/uninstalled",
}

const scopeStatusUpdated = "store/order/statusUpdated"

// Scope returns BigCommerce's webhook scope of a topic, "" when it has none.
func Scope(t platform.Topic) string { return scopes[t] }

// TopicOf maps a BigCommerce scope to storesync's topic (TopicOther when storesync does not act
// on it). A status change is an update until decoding reads what the status became.
func TopicOf(scope string) platform.Topic {
	switch scope {
	case scopeStatusUpdated:
		return platform.TopicOrderUpdated
	case "store/product/inventory/updated":
		return platform.TopicInventoryUpdated
	}
	for t, s := range scopes {
		if s == scope && s != scopeStatusUpdated {
			return t
		}
	}
	return platform.TopicOther
}

type hook struct {
	ID          int64             `json:"id,omitempty"`
	Scope       string            `json:"scope"`
	Destination string            `json:"destination"`
	IsActive    bool              `json:"is_active"`
	Headers     map[string]string `json:"headers"`
}

// SubscribeWebhooks makes sure each topic has an active hook to s.Address that sends the
// store's webhook secret back; a hook already there is reactivated and its headers set.
func (c *Client) SubscribeWebhooks(ctx context.Context, s platform.WebhookSubscription) error {
	const op = "subscribing to webhooks"
	if c.cfg.WebhookSecret == "" {
		e := c.newError(op, platform.KindInvalidInput, "the store has no webhook secret, so its deliveries could not be verified")
		e.Fields = []platform.FieldError{{Field: FieldWebhookSecret, Message: "missing"}}
		e.Err = platform.ErrNoWebhookSecret
		return e
	}
	if u, err := url.Parse(s.Address); err != nil || u.Scheme != "https" || u.Host == "" {
		e := c.newError(op, platform.KindInvalidInput, "webhooks are delivered to https URLs only")
		e.Fields = []platform.FieldError{{Field: "address", Message: fmt.Sprintf("%q is not an https URL", truncate(s.Address, 200))}}
		return e
	}
	var have []hook
	for page := 1; ; page++ {
		var out struct {
			Data []hook   `json:"data"`
			Meta listMeta `json:"meta"`
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(MaxPageLimit)}}
		if err := c.call(ctx, op, get("/v3/hooks", q), &out); err != nil {
			return err
		}
		have = append(have, out.Data...)
		if out.Meta.Pagination.CurrentPage >= out.Meta.Pagination.TotalPages {
			break
		}
	}
	headers := map[string]string{HeaderWebhookSecret: c.cfg.WebhookSecret}
	seen := map[string]bool{}
	var want []string
	for _, t := range s.Topics {
		scope := scopes[t]
		if scope == "" {
			// The platform has no event for it (stock connected to a location, say): there is
			// nothing to subscribe to, and the periodic reads cover it.
			c.log.Debug("no BigCommerce webhook for topic", "topic", t)
			continue
		}
		if !seen[scope] {
			seen[scope] = true
			want = append(want, scope)
		}
	}
	if len(want) == 0 && len(s.Topics) > 0 {
		e := c.newError(op, platform.KindInvalidInput, "BigCommerce has a webhook for none of the topics")
		e.Fields = []platform.FieldError{{Field: "topics", Message: fmt.Sprint(s.Topics)}}
		return e
	}
	for _, scope := range want {
		var found *hook
		for i := range have {
			if have[i].Scope == scope && have[i].Destination == s.Address {
				found = &have[i]
				break
			}
		}
		if found == nil {
			body := hook{Scope: scope, Destination: s.Address, IsActive: true, Headers: headers}
			// Creating a hook twice makes two: the list above is what keeps a re-run from it,
			// so a lost answer is retried only after listing again (by the caller).
			if err := c.call(ctx, op, request{method: http.MethodPost, path: "/v3/hooks", body: body}, nil); err != nil {
				return err
			}
			continue
		}
		if found.IsActive && subtle.ConstantTimeCompare([]byte(found.Headers[HeaderWebhookSecret]), []byte(c.cfg.WebhookSecret)) == 1 {
			continue
		}
		body := map[string]any{"is_active": true, "headers": headers, "destination": s.Address}
		if err := c.call(ctx, op, request{method: http.MethodPut, path: "/v3/hooks/" + id(found.ID), body: body, resend: true}, nil); err != nil {
			return err
		}
	}
	return nil
}

// callback is a webhook delivery's body: the event's scope and the resource's id, nothing more.
type callback struct {
	Scope     string `json:"scope"`
	StoreID   string `json:"store_id"`
	Producer  string `json:"producer"`
	Hash      string `json:"hash"`
	CreatedAt int64  `json:"created_at"`
	Data      struct {
		Type      string `json:"type"`
		ID        int64  `json:"id"`
		OrderID   int64  `json:"orderId"`
		Inventory *struct {
			ProductID int64 `json:"product_id"`
			VariantID int64 `json:"variant_id"`
		} `json:"inventory"`
		LocationID int64 `json:"location_id"`
		VariantID  int64 `json:"variant_id"`
		Status     *struct {
			Previous int `json:"previous_status_id"`
			New      int `json:"new_status_id"`
		} `json:"status"`
	} `json:"data"`
}

// VerifyWebhook checks the secret header of a delivery before reading its body, then reads the
// scope and the event's hash and time, which name the event across redeliveries.
func (c *Client) VerifyWebhook(r *http.Request, maxBytes int64) (platform.WebhookDelivery, error) {
	const op = "verifying webhook"
	if c.cfg.WebhookSecret == "" {
		e := c.newError(op, platform.KindAuth, "no webhook secret to verify the delivery with")
		e.Err = platform.ErrNoWebhookSecret
		return platform.WebhookDelivery{}, e
	}
	got := r.Header.Get(HeaderWebhookSecret)
	if subtle.ConstantTimeCompare([]byte(got), []byte(c.cfg.WebhookSecret)) != 1 {
		return platform.WebhookDelivery{}, c.newError(op, platform.KindAuth, "the delivery does not carry the store's webhook secret")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	if err != nil {
		e := c.newError(op, platform.KindUnavailable, "reading the delivery")
		e.Retryable, e.Err = true, err
		return platform.WebhookDelivery{}, e
	}
	if int64(len(body)) > maxBytes {
		e := c.newError(op, platform.KindInvalidInput, fmt.Sprintf("the delivery is over %d bytes", maxBytes))
		e.Err = platform.ErrWebhookTooLarge
		return platform.WebhookDelivery{}, e
	}
	var cb callback
	if err := json.Unmarshal(body, &cb); err != nil || cb.Scope == "" {
		e := c.newError(op, platform.KindInvalidInput, "the delivery is not a BigCommerce webhook callback")
		e.Err = err
		return platform.WebhookDelivery{}, e
	}
	d := platform.WebhookDelivery{Topic: TopicOf(cb.Scope), PlatformTopic: cb.Scope, Body: body, Header: map[string]string{}}
	if cb.Hash != "" {
		// The hash is of the event's data, which for most scopes is only the resource's type and
		// id: with the scope and the time it names one event.
		d.EventID = cb.Scope + ":" + cb.Hash + ":" + strconv.FormatInt(cb.CreatedAt, 10)
	}
	if cb.CreatedAt > 0 {
		d.TriggeredAt = time.Unix(cb.CreatedAt, 0).UTC()
	}
	return d, nil
}

// DecodeWebhook re-reads the resource a delivery names, since its payload carries only the id.
func (c *Client) DecodeWebhook(ctx context.Context, d platform.WebhookDelivery) (platform.WebhookEvent, error) {
	const op = "decoding webhook"
	var cb callback
	if err := json.Unmarshal(d.Body, &cb); err != nil {
		e := c.newError(op, platform.KindInvalidInput, "the delivery is not a BigCommerce webhook callback")
		e.Err = err
		return platform.WebhookEvent{}, e
	}
	ev := platform.WebhookEvent{Store: c.cfg.StoreHash, Topic: TopicOf(cb.Scope), PlatformTopic: cb.Scope, EventID: d.EventID,
		DeliveryID: d.DeliveryID, TriggeredAt: d.TriggeredAt, Body: d.Body}
	if hash, ok := strings.CutPrefix(cb.Producer, "stores/"); ok {
		ev.Store = hash
	}
	if ev.Topic == platform.TopicOther || ev.Topic == platform.TopicAppUninstalled {
		return ev, nil
	}
	if cb.Data.ID <= 0 && cb.Data.VariantID <= 0 {
		return platform.WebhookEvent{}, c.newError(op, platform.KindInvalidInput, "the delivery names no resource id (data.id)")
	}
	rid := id(cb.Data.ID)
	switch ev.Topic {
	case platform.TopicOrderCreated, platform.TopicOrderUpdated:
		o, err := c.Order(ctx, rid)
		if err != nil {
			return platform.WebhookEvent{}, err
		}
		ev.Order, ev.ResourceID, ev.UpdatedAt = &o, o.ID, o.UpdatedAt
		if cb.Scope == scopeStatusUpdated && cb.Data.Status != nil {
			ev.Topic = statusTopic(cb.Data.Status.Previous, cb.Data.Status.New)
		}
	case platform.TopicOrderDeleted:
		ev.ResourceID = rid
		ev.Order = &platform.Order{ID: rid}
	case platform.TopicProductCreated, platform.TopicProductUpdated:
		p, err := c.Product(ctx, rid)
		if err != nil {
			return platform.WebhookEvent{}, err
		}
		ev.Product, ev.ResourceID, ev.UpdatedAt = &p, p.ID, p.UpdatedAt
	case platform.TopicProductDeleted:
		ev.ResourceID = rid
		ev.Product = &platform.Product{ID: rid}
	case platform.TopicInventoryUpdated:
		vid := cb.Data.VariantID
		if cb.Data.Inventory != nil && cb.Data.Inventory.VariantID > 0 {
			vid = cb.Data.Inventory.VariantID
		}
		if vid <= 0 {
			vid = cb.Data.ID
		}
		loc := id(cb.Data.LocationID)
		if cb.Data.LocationID <= 0 {
			locs, err := c.Locations(ctx)
			if err != nil {
				return platform.WebhookEvent{}, err
			}
			if len(locs) == 0 {
				return platform.WebhookEvent{}, c.newError(op, platform.KindNotFound, "the store has no inventory location")
			}
			loc = locs[0].ID
		}
		lv, err := c.InventoryLevels(ctx, loc, []string{id(vid)})
		if err != nil {
			return platform.WebhookEvent{}, err
		}
		if len(lv) == 0 {
			return platform.WebhookEvent{}, c.newError(op, platform.KindNotFound, fmt.Sprintf("variant %d has no stock at location %s", vid, loc))
		}
		ev.Inventory = &lv[0]
		ev.ResourceID = platform.InventoryLevelResource(lv[0].InventoryItemID, lv[0].LocationID)
	case platform.TopicFulfillmentCreated, platform.TopicFulfillmentUpdated:
		if cb.Data.OrderID <= 0 {
			return platform.WebhookEvent{}, c.newError(op, platform.KindInvalidInput, "the shipment delivery names no order (data.orderId)")
		}
		fs, err := c.Fulfillments(ctx, id(cb.Data.OrderID))
		if err != nil {
			return platform.WebhookEvent{}, err
		}
		want := fulfillmentID(cb.Data.OrderID, cb.Data.ID)
		for i := range fs {
			if fs[i].ID == want {
				ev.Fulfillment, ev.ResourceID, ev.UpdatedAt = &fs[i], want, fs[i].UpdatedAt
			}
		}
		if ev.Fulfillment == nil {
			return platform.WebhookEvent{}, c.newError(op, platform.KindNotFound, "shipment "+want+" is not on the order")
		}
	default:
		// The other topics are not decoded further.
	}
	return ev, nil
}

// statusTopic names a status change: cancelled, paid (from a status awaiting payment to one
// past it), fulfilled (shipped or completed), or an update.
func statusTopic(prev, cur int) platform.Topic {
	unpaid := func(s int) bool {
		return s == StatusIncomplete || s == StatusPending || s == StatusAwaitingPayment || s == StatusManualVerification
	}
	switch {
	case cur == StatusCancelled:
		return platform.TopicOrderCancelled
	case cur == StatusShipped || cur == StatusCompleted:
		return platform.TopicOrderFulfilled
	case unpaid(prev) && financial(order{StatusID: cur}) == platform.FinancialPaid:
		return platform.TopicOrderPaid
	}
	return platform.TopicOrderUpdated
}
