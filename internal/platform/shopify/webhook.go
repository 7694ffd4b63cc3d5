package shopify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
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

// MaxWebhookBytes bounds a webhook body; Shopify's largest payloads (orders with many lines)
// stay well below it.
const MaxWebhookBytes = 5 << 20

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

// VerifyWebhook reads the body of a webhook delivery and checks its X-Shopify-Hmac-Sha256
// (base64 HMAC-SHA256 of the raw body keyed with the app secret) in constant time, before
// anything in it is parsed. It returns the verified body. A missing or wrong signature is a
// *platform.Error of KindAuth: answer 401 and keep nothing.
func VerifyWebhook(r *http.Request, secret string) ([]byte, error) {
	fail := func(msg string, err error) error {
		return &platform.Error{Platform: Platform, Store: r.Header.Get(HeaderShopDomain), Op: "verifying webhook", Kind: platform.KindAuth, Message: msg, Err: err}
	}
	if secret == "" {
		return nil, &platform.Error{Platform: Platform, Op: "verifying webhook", Kind: platform.KindInternal, Message: "no API secret configured"}
	}
	sig := r.Header.Get(HeaderHmac)
	if sig == "" {
		return nil, fail("unsigned webhook (no "+HeaderHmac+")", nil)
	}
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return nil, fail("malformed signature", err)
	}
	body, err := httpclient.ReadLimited(r.Body, MaxWebhookBytes)
	if err != nil {
		e := fail("unreadable body", err)
		if errors.Is(err, httpclient.ErrTooLarge) {
			e.(*platform.Error).Kind = platform.KindInvalidInput
		}
		return nil, e
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return nil, fail("signature does not match: wrong app secret or tampered body", nil)
	}
	return body, nil
}

// SignWebhook returns the X-Shopify-Hmac-Sha256 value of body, as Shopify computes it; the
// simulator and tests sign with it.
func SignWebhook(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a delivery's signature with the client's API secret and returns the
// verified body; see the package function VerifyWebhook.
func (c *Client) VerifyWebhook(r *http.Request) ([]byte, error) {
	return VerifyWebhook(r, c.cfg.APISecret)
}

// ReceiveWebhook verifies a delivery for this client's shop and decodes it. A delivery for
// another shop is refused (KindNotFound), so a receiver never applies one store's data to
// another.
func (c *Client) ReceiveWebhook(r *http.Request) (platform.WebhookEvent, error) {
	body, err := c.VerifyWebhook(r)
	if err != nil {
		return platform.WebhookEvent{}, err
	}
	if shop := strings.ToLower(r.Header.Get(HeaderShopDomain)); shop != c.cfg.Shop {
		return platform.WebhookEvent{}, c.newError("receiving webhook", platform.KindNotFound, "webhook for unknown shop "+shop)
	}
	c.shop.mu.Lock()
	cur := c.shop.currency
	c.shop.mu.Unlock()
	if t := topicFromREST(r.Header.Get(HeaderTopic)); cur == "" && (t == platform.TopicProductCreated || t == platform.TopicProductUpdated) {
		if cur, err = c.currency(r.Context()); err != nil {
			return platform.WebhookEvent{}, err
		}
	}
	return DecodeWebhook(r.Header, body, cur)
}

// parseTriggeredAt reads X-Shopify-Triggered-At (RFC 3339 with fractional seconds).
func parseTriggeredAt(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
