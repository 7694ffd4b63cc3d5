package woocommercesim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

var webhookTopics = []string{"order.created", "order.updated", "order.deleted", "order.restored",
	"product.created", "product.updated", "product.deleted", "product.restored",
	"customer.created", "customer.updated", "customer.deleted", "coupon.created", "coupon.updated", "coupon.deleted"}

// delivery is one webhook POST to send.
type delivery struct {
	store     *Store
	webhookID int64
	url       string
	secret    string
	topic     string
	body      []byte
}

// emit queues a delivery of topic to every active webhook of it; they are sent after the call
// that raised them answers (or before, with Options.SyncWebhooks). The store's lock is held.
func (st *Store) emit(topic string, payload func() any) {
	var body []byte
	for _, wh := range st.data.Webhooks {
		if wh.Status != "active" || wh.Topic != topic {
			continue
		}
		if body == nil {
			b, err := json.Marshal(payload())
			if err != nil {
				return
			}
			body = b
		}
		st.pending = append(st.pending, delivery{store: st, webhookID: wh.ID, url: wh.DeliveryURL, secret: wh.Secret, topic: topic, body: body})
	}
}

// Sign is X-WC-Webhook-Signature: base64 of the HMAC-SHA256 of the body keyed with the secret.
func Sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func newDeliveryID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewWebhookRequest builds a delivery as WooCommerce sends it, to url.
func NewWebhookRequest(ctx context.Context, url, source string, webhookID int64, topic string, body []byte, secret, deliveryID string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resource, event, _ := strings.Cut(topic, ".")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "WooCommerce/9.4.0 Hookshot (WordPress/6.7.1)")
	req.Header.Set("X-WC-Webhook-Source", source)
	req.Header.Set("X-WC-Webhook-Topic", topic)
	req.Header.Set("X-WC-Webhook-Resource", resource)
	req.Header.Set("X-WC-Webhook-Event", event)
	req.Header.Set("X-WC-Webhook-Signature", Sign(body, secret))
	req.Header.Set("X-WC-Webhook-ID", strconv.FormatInt(webhookID, 10))
	req.Header.Set("X-WC-Webhook-Delivery-ID", deliveryID)
	return req, nil
}

// send delivers queued webhooks: WooCommerce sends each once (no retry); a response other than
// 2xx, 301 or 302 is a failure, and a failure after more than MaxDeliveryFailures in a row
// disables the webhook.
func (s *Sim) send(ds []delivery) {
	if len(ds) == 0 {
		return
	}
	if s.opts.SyncWebhooks {
		for _, d := range ds {
			s.deliver(d)
		}
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.bg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.bg.Done()
		for _, d := range ds {
			s.deliver(d)
		}
	}()
}

func (s *Sim) deliver(d delivery) {
	name := d.store.Config().Name
	req, err := NewWebhookRequest(s.ctx, d.url, s.siteURL(name), d.webhookID, d.topic, d.body, d.secret, newDeliveryID())
	ok := false
	if err == nil {
		resp, derr := s.opts.HTTPClient.Do(req)
		if derr == nil {
			_ = resp.Body.Close()
			ok = (resp.StatusCode >= 200 && resp.StatusCode < 300) || resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusFound
			if !ok {
				s.log.Info("webhook delivery refused", "store", name, "webhook", d.webhookID, "topic", d.topic, "status", resp.StatusCode)
			}
		} else {
			s.log.Info("webhook delivery failed", "store", name, "webhook", d.webhookID, "topic", d.topic, "err", derr)
		}
	}
	st := d.store
	st.mu.Lock()
	defer st.mu.Unlock()
	st.deliveries++
	wh := st.data.Webhooks[d.webhookID]
	if wh == nil {
		return
	}
	if ok {
		wh.Failures = 0
		return
	}
	// WC_Webhook::failed_delivery: a failure with the count already over the limit disables
	// the webhook; otherwise the count grows. So the 7th consecutive failure disables it.
	if wh.Failures > MaxDeliveryFailures {
		wh.Status = "disabled"
		return
	}
	wh.Failures++
}

// Deliveries is how many webhook deliveries the store has attempted.
func (st *Store) Deliveries() int { st.mu.Lock(); defer st.mu.Unlock(); return st.deliveries }

// Webhooks lists the store's webhooks.
func (st *Store) Webhooks() []Webhook {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []Webhook
	for _, wh := range st.data.Webhooks {
		out = append(out, *wh)
	}
	slices.SortFunc(out, func(a, b Webhook) int { return int(a.ID - b.ID) })
	return out
}

func (st *Store) renderWebhook(wh *Webhook) map[string]any {
	resource, event, _ := strings.Cut(wh.Topic, ".")
	return map[string]any{"id": wh.ID, "name": wh.Name, "status": wh.Status, "topic": wh.Topic, "resource": resource,
		"event": event, "hooks": []string{}, "delivery_url": wh.DeliveryURL, "secret": wh.Secret,
		"date_created": gmt(wh.Created), "date_created_gmt": gmt(wh.Created),
		"date_modified": gmt(wh.Modified), "date_modified_gmt": gmt(wh.Modified)}
}

func (st *Store) applyWebhook(wh *Webhook, body fields) (string, string) {
	if v, ok, _ := body.str("name"); ok {
		wh.Name = v
	}
	if v, ok, _ := body.str("topic"); ok {
		if !slices.Contains(webhookTopics, v) && !strings.HasPrefix(v, "action.") {
			return "rest_invalid_param", "Webhook topic unknown. Please select a valid topic."
		}
		wh.Topic = v
	}
	if v, ok, _ := body.str("delivery_url"); ok {
		if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
			return "rest_invalid_param", "Invalid parameter(s): delivery_url"
		}
		wh.DeliveryURL = v
	}
	if v, ok, _ := body.str("secret"); ok {
		wh.Secret = v
	}
	if v, ok, _ := body.str("status"); ok {
		if v != "active" && v != "paused" && v != "disabled" {
			return "rest_invalid_param", "status is not one of active, paused, and disabled."
		}
		if v == "active" && wh.Status != "active" {
			wh.Failures = 0
		}
		wh.Status = v
	}
	return "", ""
}

func (st *Store) routeWebhooks(w http.ResponseWriter, r *http.Request, res []string, body fields) {
	if len(res) == 0 {
		switch r.Method {
		case http.MethodGet:
			page, per, ok := paging(w, r)
			if !ok {
				return
			}
			status := r.URL.Query().Get("status")
			var list []*Webhook
			for _, wh := range st.data.Webhooks {
				if status == "" || status == "all" || wh.Status == status {
					list = append(list, wh)
				}
			}
			sortBy(list, r.URL.Query().Get("orderby"), r.URL.Query().Get("order"), func(wh *Webhook) (int64, int64) { return wh.ID, wh.Created.Unix() })
			writePage(w, list, page, per, func(wh *Webhook) any { return st.renderWebhook(wh) })
		case http.MethodPost:
			now := st.sim.now()
			wh := &Webhook{Status: "active", Created: now, Modified: now}
			if _, ok := body["topic"]; !ok {
				writeError(w, http.StatusBadRequest, "rest_missing_callback_param", "Missing parameter(s): topic, delivery_url")
				return
			}
			if _, ok := body["delivery_url"]; !ok {
				writeError(w, http.StatusBadRequest, "rest_missing_callback_param", "Missing parameter(s): delivery_url")
				return
			}
			if code, msg := st.applyWebhook(wh, body); code != "" {
				writeError(w, http.StatusBadRequest, code, msg)
				return
			}
			if wh.Secret == "" { // WooCommerce's default: the API user's consumer secret
				wh.Secret = st.data.Config.ConsumerSecret
			}
			if wh.Name == "" {
				wh.Name = "Webhook created on " + now.Format("January 2, 2006 @ 3:04 PM")
			}
			wh.ID = st.nextID()
			st.data.Webhooks[wh.ID] = wh
			writeJSON(w, http.StatusCreated, st.renderWebhook(wh))
		default:
			noRoute(w)
		}
		return
	}
	id, _ := strconv.ParseInt(res[0], 10, 64)
	wh := st.data.Webhooks[id]
	if wh == nil || len(res) != 1 {
		writeError(w, http.StatusNotFound, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, st.renderWebhook(wh))
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		if code, msg := st.applyWebhook(wh, body); code != "" {
			writeError(w, http.StatusBadRequest, code, msg)
			return
		}
		wh.Modified = st.sim.now()
		writeJSON(w, http.StatusOK, st.renderWebhook(wh))
	case http.MethodDelete:
		if r.URL.Query().Get("force") != "true" {
			writeError(w, http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
			return
		}
		out := st.renderWebhook(wh)
		delete(st.data.Webhooks, id)
		writeJSON(w, http.StatusOK, out)
	default:
		noRoute(w)
	}
}
