package woocommerce

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Webhook request headers WooCommerce sets on every delivery (WC_Webhook::deliver).
const (
	HeaderSignature  = "X-WC-Webhook-Signature" // base64 HMAC-SHA256 of the body, keyed with the webhook's secret
	HeaderTopic      = "X-WC-Webhook-Topic"     // resource.event, e.g. order.created
	HeaderResource   = "X-WC-Webhook-Resource"
	HeaderEvent      = "X-WC-Webhook-Event"
	HeaderWebhookID  = "X-WC-Webhook-ID"
	HeaderDeliveryID = "X-WC-Webhook-Delivery-ID"
	HeaderSource     = "X-WC-Webhook-Source" // the site's home URL
)

// MaxWebhookBytes bounds a webhook body when the receiver gives no limit.
const MaxWebhookBytes = 10 << 20

// topicFromWoo maps a WooCommerce topic to storesync's.
func topicFromWoo(t string) platform.Topic {
	switch t {
	case "order.created":
		return platform.TopicOrderCreated
	case "order.updated", "order.restored":
		return platform.TopicOrderUpdated
	case "order.deleted":
		return platform.TopicOrderDeleted
	case "product.created":
		return platform.TopicProductCreated
	case "product.updated", "product.restored":
		return platform.TopicProductUpdated
	case "product.deleted":
		return platform.TopicProductDeleted
	}
	return platform.TopicOther
}

// wooTopics maps a storesync topic to the WooCommerce topic that carries it: a WooCommerce order
// that is paid, cancelled or shipped changes its status, which is an order.updated; a stock
// change is a product.updated.
func wooTopics(t platform.Topic) (string, bool) {
	switch t {
	case platform.TopicOrderCreated:
		return "order.created", true
	case platform.TopicOrderUpdated, platform.TopicOrderPaid, platform.TopicOrderCancelled, platform.TopicOrderFulfilled,
		platform.TopicFulfillmentCreated, platform.TopicFulfillmentUpdated:
		return "order.updated", true
	case platform.TopicOrderDeleted:
		return "order.deleted", true
	case platform.TopicProductCreated:
		return "product.created", true
	case platform.TopicProductUpdated, platform.TopicInventoryUpdated, platform.TopicInventoryConnected:
		return "product.updated", true
	case platform.TopicProductDeleted, platform.TopicInventoryRemoved:
		return "product.deleted", true
	default:
		return "", false
	}
}

// DefaultTopics are the topics storesync subscribes a WooCommerce store to.
func DefaultTopics() []platform.Topic {
	return []platform.Topic{platform.TopicOrderCreated, platform.TopicOrderUpdated, platform.TopicOrderDeleted,
		platform.TopicProductCreated, platform.TopicProductUpdated, platform.TopicProductDeleted}
}

// SubscribeWebhooks makes one active webhook per WooCommerce topic to the address, signed with
// the client's webhook secret. One that exists is kept; one WooCommerce disabled after failed
// deliveries, or with another secret, is updated to active with the secret.
func (c *Client) SubscribeWebhooks(ctx context.Context, s platform.WebhookSubscription) error {
	const op = "subscribing webhooks"
	u, err := url.Parse(s.Address)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return c.newError(op, platform.KindInvalidInput, fmt.Sprintf("address %q is not an http(s) URL", s.Address))
	}
	var topics []string
	for _, t := range s.Topics {
		wt, ok := wooTopics(t)
		if !ok {
			// WooCommerce has no event for it (an app uninstalled, say: a revoked REST key shows
			// as the next call's 401): there is nothing to subscribe to, and the periodic reads
			// cover the rest.
			continue
		}
		if !slices.Contains(topics, wt) {
			topics = append(topics, wt)
		}
	}
	if len(topics) == 0 && len(s.Topics) > 0 {
		return c.newError(op, platform.KindInvalidInput, fmt.Sprintf("WooCommerce has a webhook topic for none of %v", s.Topics))
	}
	var existing []wooWebhook
	for page := 1; ; page++ {
		var list []wooWebhook
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(MaxPerPage)}}
		h, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/webhooks", query: q, safe: true}, &list)
		if err != nil {
			return err
		}
		existing = append(existing, list...)
		if _, pages := pageInfo(h); page >= pages || len(list) == 0 {
			break
		}
	}
	for _, t := range topics {
		i := slices.IndexFunc(existing, func(w wooWebhook) bool { return w.Topic == t && w.DeliveryURL == s.Address })
		if i < 0 {
			body := wooWebhook{Name: "storesync " + t, Status: "active", Topic: t, DeliveryURL: s.Address, Secret: c.cfg.WebhookSecret}
			if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/webhooks", body: body}, nil); err != nil {
				return err
			}
			continue
		}
		w := existing[i]
		if w.Status == "active" && w.Secret == c.cfg.WebhookSecret {
			continue
		}
		body := map[string]string{"status": "active", "secret": c.cfg.WebhookSecret}
		if _, err := c.do(ctx, call{op: op, method: http.MethodPut, path: "/webhooks/" + id(w.ID), body: body, safe: true}, nil); err != nil {
			return err
		}
	}
	return nil
}

// SignWebhook returns the X-WC-Webhook-Signature of body, as WooCommerce computes it.
func SignWebhook(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook reads a delivery's body (at most maxBytes) and checks its X-WC-Webhook-Signature
// in constant time before anything in it is parsed. A missing or wrong signature is a
// *platform.Error of KindAuth.
func VerifyWebhook(r *http.Request, secret string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		maxBytes = MaxWebhookBytes
	}
	return platform.VerifyHMACSHA256(r, platform.HMACCheck{Platform: Platform, Store: r.Header.Get(HeaderSource), Header: HeaderSignature,
		Secret: secret, SecretName: "webhook secret", MaxBytes: maxBytes})
}

var keptHeaders = []string{HeaderTopic, HeaderResource, HeaderEvent, HeaderWebhookID, HeaderDeliveryID, HeaderSource}

// siteKey reduces a site URL to host and path, without scheme, "www." or trailing slash.
func siteKey(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return s
	}
	return strings.TrimPrefix(strings.ToLower(u.Host), "www.") + strings.TrimRight(u.Path, "/")
}

// VerifyWebhook implements platform.WebhookVerifier with the client's webhook secret, and
// refuses a delivery whose X-WC-Webhook-Source is another site (KindNotFound). The delivery id
// is both EventID and DeliveryID: WooCommerce makes one per delivery and sends nothing shared
// by the deliveries of one event.
func (c *Client) VerifyWebhook(r *http.Request, maxBytes int64) (platform.WebhookDelivery, error) {
	body, err := VerifyWebhook(r, c.cfg.WebhookSecret, maxBytes)
	if err != nil {
		return platform.WebhookDelivery{}, err
	}
	if src := r.Header.Get(HeaderSource); src != "" && siteKey(src) != siteKey(c.cfg.BaseURL) {
		return platform.WebhookDelivery{}, c.newError("receiving webhook", platform.KindNotFound, "webhook from another site, "+src)
	}
	d := platform.WebhookDelivery{PlatformTopic: r.Header.Get(HeaderTopic), DeliveryID: r.Header.Get(HeaderDeliveryID),
		Header: map[string]string{}, Body: body}
	if d.PlatformTopic == "" && r.Header.Get(HeaderResource) != "" {
		d.PlatformTopic = r.Header.Get(HeaderResource) + "." + r.Header.Get(HeaderEvent)
	}
	d.Topic = topicFromWoo(d.PlatformTopic)
	d.EventID = d.DeliveryID
	for _, h := range keptHeaders {
		if v := r.Header.Get(h); v != "" {
			d.Header[h] = v
		}
	}
	return d, nil
}

// DecodeWebhook implements platform.WebhookDecoder. Order payloads are whole orders; a product
// payload lists a variable product's variations by id only, so such a product (or a variation's
// parent) is read again.
func (c *Client) DecodeWebhook(ctx context.Context, d platform.WebhookDelivery) (platform.WebhookEvent, error) {
	const op = "decoding webhook"
	ev := platform.WebhookEvent{Store: c.store, Topic: d.Topic, PlatformTopic: d.PlatformTopic, EventID: d.EventID,
		DeliveryID: d.DeliveryID, TriggeredAt: d.TriggeredAt, Body: d.Body}
	if ev.Topic == "" {
		ev.Topic = topicFromWoo(d.PlatformTopic)
	}
	bad := func(err error) error {
		e := c.newError(op, platform.KindInvalidInput, "payload of "+d.PlatformTopic+" is not what WooCommerce sends")
		e.Err = err
		return e
	}
	var probe struct {
		ID       int64  `json:"id"`
		ParentID int64  `json:"parent_id"`
		Type     string `json:"type"`
		Modified string `json:"date_modified_gmt"`
	}
	if err := json.Unmarshal(d.Body, &probe); err != nil {
		return ev, bad(err)
	}
	if probe.ID <= 0 && ev.Topic != platform.TopicOther {
		return ev, bad(errors.New("no id"))
	}
	ev.UpdatedAt = parseGMT(probe.Modified)
	switch ev.Topic {
	case platform.TopicOrderCreated, platform.TopicOrderUpdated:
		var o wooOrder
		if err := json.Unmarshal(d.Body, &o); err != nil {
			return ev, bad(err)
		}
		po, err := c.toOrder(o)
		if err != nil {
			return ev, bad(err)
		}
		ev.Order, ev.ResourceID = &po, po.ID
	case platform.TopicOrderDeleted:
		ev.ResourceID = id(probe.ID)
	case platform.TopicProductDeleted:
		ev.ResourceID = id(probe.ID)
		if probe.ParentID != 0 {
			ev.ResourceID = id(probe.ParentID)
			ev.Topic = platform.TopicProductUpdated
		}
	case platform.TopicProductCreated, platform.TopicProductUpdated:
		pid := probe.ID
		if probe.ParentID != 0 && probe.Type == "variation" {
			pid = probe.ParentID
		}
		var pr platform.Product
		if probe.Type == "variable" || pid != probe.ID {
			var err error
			if pr, err = c.Product(ctx, id(pid)); err != nil {
				return ev, err
			}
		} else {
			var wp wooProduct
			if err := json.Unmarshal(d.Body, &wp); err != nil {
				return ev, bad(err)
			}
			currency, unit, err := c.catalogContext(ctx)
			if err != nil {
				return ev, err
			}
			if pr, err = toProduct(wp, nil, currency, unit); err != nil {
				return ev, bad(err)
			}
		}
		ev.Product, ev.ResourceID = &pr, pr.ID
		if ev.UpdatedAt.IsZero() {
			ev.UpdatedAt = pr.UpdatedAt
		}
		ev.Levels = stockLevels(pr, ev.UpdatedAt)
	default: // TopicOther: no resource to read
	}
	if ev.Order != nil && ev.UpdatedAt.IsZero() {
		ev.UpdatedAt = ev.Order.UpdatedAt
	}
	return ev, nil
}

// stockLevels are the levels of a product's tracked variants at the store's one location:
// WooCommerce has no inventory webhook, so a stock change is known from the product's.
func stockLevels(pr platform.Product, at time.Time) []platform.InventoryLevel {
	var out []platform.InventoryLevel
	for _, v := range pr.Variants {
		if !v.Tracked || v.Quantity == nil {
			continue
		}
		stamp := at
		if stamp.IsZero() {
			stamp = v.UpdatedAt
		}
		out = append(out, platform.InventoryLevel{InventoryItemID: v.InventoryItemID, LocationID: LocationID, SKU: v.SKU,
			Available: *v.Quantity, UpdatedAt: stamp})
	}
	return out
}
