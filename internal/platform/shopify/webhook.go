package shopify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Webhook request headers Shopify sets on every delivery.
const (
	HeaderHmac        = "X-Shopify-Hmac-Sha256"
	HeaderTopic       = "X-Shopify-Topic"
	HeaderShopDomain  = "X-Shopify-Shop-Domain"
	HeaderWebhookID   = "X-Shopify-Webhook-Id"
	HeaderEventID     = "X-Shopify-Event-Id"
	HeaderTriggeredAt = "X-Shopify-Triggered-At"
	HeaderAPIVersion  = "X-Shopify-API-Version"
)

// MaxWebhookBytes bounds a webhook body when the receiver gives no limit; Shopify's order
// payloads can cross 1 MiB, so it is well above that.
const MaxWebhookBytes = 10 << 20

// topics maps storesync's topics to Shopify's WebhookSubscriptionTopic values and REST topic
// names (the X-Shopify-Topic header).
type topicNames struct {
	topic platform.Topic
	enum  string
	rest  string
}

func topicTable() []topicNames {
	return []topicNames{
		{platform.TopicOrderCreated, "ORDERS_CREATE", "orders/create"},
		{platform.TopicOrderUpdated, "ORDERS_UPDATED", "orders/updated"},
		{platform.TopicOrderPaid, "ORDERS_PAID", "orders/paid"},
		{platform.TopicOrderCancelled, "ORDERS_CANCELLED", "orders/cancelled"},
		{platform.TopicOrderFulfilled, "ORDERS_FULFILLED", "orders/fulfilled"},
		{platform.TopicOrderDeleted, "ORDERS_DELETE", "orders/delete"},
		{platform.TopicProductCreated, "PRODUCTS_CREATE", "products/create"},
		{platform.TopicProductUpdated, "PRODUCTS_UPDATE", "products/update"},
		{platform.TopicProductDeleted, "PRODUCTS_DELETE", "products/delete"},
		{platform.TopicInventoryUpdated, "INVENTORY_LEVELS_UPDATE", "inventory_levels/update"},
		{platform.TopicInventoryConnected, "INVENTORY_LEVELS_CONNECT", "inventory_levels/connect"},
		{platform.TopicInventoryRemoved, "INVENTORY_LEVELS_DISCONNECT", "inventory_levels/disconnect"},
		{platform.TopicFulfillmentCreated, "FULFILLMENTS_CREATE", "fulfillments/create"},
		{platform.TopicFulfillmentUpdated, "FULFILLMENTS_UPDATE", "fulfillments/update"},
		{platform.TopicAppUninstalled, "APP_UNINSTALLED", "app/uninstalled"},
	}
}

// DefaultTopics are the topics storesync subscribes a Shopify store to.
func DefaultTopics() []platform.Topic {
	table := topicTable()
	out := make([]platform.Topic, len(table))
	for i, t := range table {
		out[i] = t.topic
	}
	return out
}

// topicFromREST maps an X-Shopify-Topic value to storesync's topic.
func topicFromREST(rest string) platform.Topic {
	for _, t := range topicTable() {
		if t.rest == rest {
			return t.topic
		}
	}
	if rest == "orders/partially_fulfilled" {
		return platform.TopicOrderUpdated
	}
	return platform.TopicOther
}

type gWebhookCreate struct {
	WebhookSubscriptionCreate struct {
		WebhookSubscription *struct {
			ID string `json:"id"`
		} `json:"webhookSubscription"`
		UserErrors []userError `json:"userErrors"`
	} `json:"webhookSubscriptionCreate"`
}

// SubscribeWebhooks subscribes each topic to the address in JSON format. A topic already
// subscribed to the address ("has already been taken") counts as done.
func (c *Client) SubscribeWebhooks(ctx context.Context, s platform.WebhookSubscription) error {
	const what = "subscribing webhooks"
	for _, t := range s.Topics {
		enum := ""
		for _, x := range topicTable() {
			if x.topic == t {
				enum = x.enum
			}
		}
		if enum == "" {
			return c.newError(what, platform.KindInvalidInput, "Shopify has no webhook topic for "+string(t))
		}
		vars := map[string]any{"topic": enum, "webhookSubscription": map[string]any{"uri": s.Address, "format": "JSON"}}
		var out gWebhookCreate
		// Shopify refuses a second identical subscription, so retrying is harmless.
		if err := c.do(ctx, op{doc: "webhookSubscriptionCreate", what: what, retrySafe: true}, vars, &out); err != nil {
			return err
		}
		ues := out.WebhookSubscriptionCreate.UserErrors
		if len(ues) == 1 && strings.Contains(ues[0].Message, "already been taken") {
			continue
		}
		if err := c.userErrorsToError(what+" "+enum, ues); err != nil {
			return err
		}
	}
	return nil
}

// VerifyWebhook reads the body of a webhook delivery (at most maxBytes) and checks its
// X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body keyed with the app secret) in constant
// time, before anything in it is parsed. It returns the verified body. A missing or wrong
// signature is a *platform.Error of KindAuth: answer 401 and keep nothing. A body over maxBytes
// wraps platform.ErrWebhookTooLarge, and a missing secret platform.ErrNoWebhookSecret.
func VerifyWebhook(r *http.Request, secret string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		maxBytes = MaxWebhookBytes
	}
	return platform.VerifyHMACSHA256(r, platform.HMACCheck{Platform: Platform, Store: r.Header.Get(HeaderShopDomain), Header: HeaderHmac,
		Secret: secret, SecretName: "app secret", MaxBytes: maxBytes})
}

// SignWebhook returns the X-Shopify-Hmac-Sha256 value of body, as Shopify computes it; the
// simulator and tests sign with it.
func SignWebhook(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// keptHeaders are the headers DecodeWebhook reads, kept with the body.
var keptHeaders = []string{HeaderTopic, HeaderShopDomain, HeaderWebhookID, HeaderEventID, HeaderTriggeredAt, HeaderAPIVersion}

// VerifyWebhook implements platform.WebhookVerifier: it checks the signature with the client's
// API secret and refuses a delivery for another shop (KindNotFound), so one store's data is never
// applied to another. It calls nothing: the receiver answers at once.
func (c *Client) VerifyWebhook(r *http.Request, maxBytes int64) (platform.WebhookDelivery, error) {
	body, err := VerifyWebhook(r, c.cfg.APISecret, maxBytes)
	if err != nil {
		return platform.WebhookDelivery{}, err
	}
	if shop := strings.ToLower(r.Header.Get(HeaderShopDomain)); shop != c.cfg.Shop {
		return platform.WebhookDelivery{}, c.newError("receiving webhook", platform.KindNotFound, "webhook for unknown shop "+shop)
	}
	d := platform.WebhookDelivery{
		PlatformTopic: r.Header.Get(HeaderTopic), EventID: r.Header.Get(HeaderEventID), DeliveryID: r.Header.Get(HeaderWebhookID),
		TriggeredAt: parseTriggeredAt(r.Header.Get(HeaderTriggeredAt)), Header: map[string]string{}, Body: body,
	}
	d.Topic = topicFromREST(d.PlatformTopic)
	if d.EventID == "" {
		d.EventID = d.DeliveryID // older API versions send no event id; one delivery id per event then
	}
	for _, h := range keptHeaders {
		if v := r.Header.Get(h); v != "" {
			d.Header[h] = v
		}
	}
	return d, nil
}

// DecodeWebhook implements platform.WebhookDecoder. A product payload's prices carry no currency,
// so the shop's is read (once per client) when not yet known: this is why decoding happens in a
// job, behind the shop's rate limiter, and never while Shopify waits for an answer.
func (c *Client) DecodeWebhook(ctx context.Context, d platform.WebhookDelivery) (platform.WebhookEvent, error) {
	h := http.Header{}
	for k, v := range d.Header {
		h.Set(k, v)
	}
	cur := ""
	if t := topicFromREST(h.Get(HeaderTopic)); t == platform.TopicProductCreated || t == platform.TopicProductUpdated {
		var err error
		if cur, err = c.currency(ctx); err != nil {
			return platform.WebhookEvent{}, err
		}
	}
	ev, err := DecodeWebhook(h, d.Body, cur)
	if err == nil && ev.EventID == "" {
		ev.EventID = d.EventID
	}
	return ev, err
}

// ReceiveWebhook verifies a delivery and decodes it at once, for receivers that keep nothing
// (tests, tools); storesync's own receiver keeps the delivery and decodes it in a job.
func (c *Client) ReceiveWebhook(r *http.Request) (platform.WebhookEvent, error) {
	d, err := c.VerifyWebhook(r, MaxWebhookBytes)
	if err != nil {
		return platform.WebhookEvent{}, err
	}
	return c.DecodeWebhook(r.Context(), d)
}

// parseTriggeredAt reads X-Shopify-Triggered-At (RFC 3339 with fractional seconds).
func parseTriggeredAt(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
