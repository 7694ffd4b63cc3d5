package shopifysim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// WebhookFaults make webhook delivery as unreliable as the real thing, deterministically with the
// simulator's seed: a share of events sent twice, sent late (so later events overtake them),
// delayed, or never sent.
type WebhookFaults struct {
	DuplicateShare float64       // 0..1 of events delivered twice (same X-Shopify-Event-Id)
	ReorderShare   float64       // 0..1 of events held back by ReorderDelay
	ReorderDelay   time.Duration // default 200ms
	Delay          time.Duration // added before every delivery
	DropShare      float64       // 0..1 of events never delivered
}

// maxWebhookAttempts is how many times a delivery answered with a non-2xx status is tried.
const maxWebhookAttempts = 4

// maxConcurrentDeliveries bounds the webhook requests in flight at once, as Shopify's own
// delivery does: a burst of 30,000 events (10,000 stock writes to three shops) must not open
// 30,000 connections to the receiver and exhaust its file descriptors.
const maxConcurrentDeliveries = 32

// event is one webhook to deliver to every subscription of its topic.
type event struct {
	topic       string
	body        []byte
	eventID     string
	triggeredAt time.Time
}

// emit queues an event; it is sent after the request's shop lock is released.
func (rc *reqCtx) emit(e *event) {
	if rc != nil && e != nil {
		rc.events = append(rc.events, *e)
	}
}

func topicEnum(topic string) string {
	return strings.ToUpper(strings.ReplaceAll(topic, "/", "_"))
}

// Sign returns the X-Shopify-Hmac-Sha256 value for a body: base64 HMAC-SHA256 with the secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// delivery is one webhook to one subscriber.
type delivery struct {
	shop      *Shop
	url       string
	subID     int64
	ev        event
	webhookID string
	delay     time.Duration
}

// dispatcher sends webhooks in the background, at least once, retrying non-2xx answers.
type dispatcher struct {
	sim      *Sim
	mu       sync.Mutex
	faults   map[string]WebhookFaults
	inflight tracker
	sending  chan struct{} // one slot per request in flight (maxConcurrentDeliveries)
	stop     chan struct{}
	once     sync.Once
}

// tracker counts deliveries under way; unlike a WaitGroup it may be waited on while others add.
type tracker struct {
	mu      sync.Mutex
	n       int
	waiters []chan struct{}
}

func (t *tracker) add() {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
}

func (t *tracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 {
		for _, w := range t.waiters {
			close(w)
		}
		t.waiters = nil
	}
}

// idle returns a channel closed once nothing is under way.
func (t *tracker) idle() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch := make(chan struct{})
	if t.n == 0 {
		close(ch)
	} else {
		t.waiters = append(t.waiters, ch)
	}
	return ch
}

func newDispatcher(s *Sim) *dispatcher {
	return &dispatcher{sim: s, faults: map[string]WebhookFaults{}, sending: make(chan struct{}, maxConcurrentDeliveries), stop: make(chan struct{})}
}

// SetWebhookFaults sets the webhook delivery faults of a shop (zero value: none).
func (s *Sim) SetWebhookFaults(domain string, f WebhookFaults) {
	s.webhooks.mu.Lock()
	defer s.webhooks.mu.Unlock()
	s.webhooks.faults[domain] = f
}

// WebhooksIdle waits until every webhook queued so far has been delivered, dropped or given up,
// so tests can assert on what a receiver got.
func (s *Sim) WebhooksIdle(ctx context.Context) error {
	select {
	case <-s.webhooks.inflight.idle():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for webhooks: %w", ctx.Err())
	}
}

func (d *dispatcher) close() {
	d.once.Do(func() { close(d.stop) })
	<-d.inflight.idle()
}

// enqueue fans events out to the shop's subscriptions of their topics, applying the faults.
func (d *dispatcher) enqueue(sh *Shop, events []event) {
	if len(events) == 0 {
		return
	}
	d.mu.Lock()
	f := d.faults[sh.cfg.Domain]
	d.mu.Unlock()
	sh.mu.Lock()
	var out []delivery
	for _, ev := range events {
		for _, sub := range sh.data.Subscriptions {
			if sub.Topic != topicEnum(ev.topic) {
				continue
			}
			r := sh.faultRand
			if f.DropShare > 0 && r.Float64() < f.DropShare {
				continue
			}
			dl := delivery{shop: sh, url: sub.URI, subID: sub.ID, ev: onlyFields(ev, sub.IncludeFields), webhookID: newUUID(), delay: f.Delay}
			if f.ReorderShare > 0 && r.Float64() < f.ReorderShare {
				dl.delay += cmpOr(f.ReorderDelay, 200*time.Millisecond)
			}
			out = append(out, dl)
			if f.DuplicateShare > 0 && r.Float64() < f.DuplicateShare {
				dup := dl
				dup.webhookID = newUUID()
				dup.delay += 10 * time.Millisecond
				out = append(out, dup)
			}
		}
	}
	sh.mu.Unlock()
	select {
	case <-d.stop:
		return // closed: nothing more is sent
	default:
	}
	for _, dl := range out {
		d.inflight.add()
		go d.deliver(dl)
	}
}

// onlyFields keeps the top-level payload fields a subscription's includeFields names.
func onlyFields(ev event, fields []string) event {
	if len(fields) == 0 {
		return ev
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(ev.body, &all); err != nil {
		return ev
	}
	kept := map[string]json.RawMessage{}
	for _, f := range fields {
		if v, ok := all[f]; ok {
			kept[f] = v
		}
	}
	if body, err := json.Marshal(kept); err == nil {
		ev.body = body
	}
	return ev
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (d *dispatcher) deliver(dl delivery) {
	defer d.inflight.done()
	if !d.sleep(dl.delay) {
		return
	}
	backoff := 50 * time.Millisecond
	for attempt := 1; attempt <= maxWebhookAttempts; attempt++ {
		status, err := d.post(dl)
		if err == nil && status >= 200 && status < 300 {
			return
		}
		level := slog.LevelDebug
		if attempt == maxWebhookAttempts {
			level = slog.LevelWarn // logged once, when the simulator gives up
		}
		d.sim.log.Log(context.Background(), level, "webhook delivery failed", "shop", dl.shop.cfg.Domain,
			"topic", dl.ev.topic, "url", dl.url, "attempt", attempt, "status", status, "err", err)
		if !d.sleep(backoff) {
			return
		}
		backoff *= 2
	}
}

func (d *dispatcher) sleep(wait time.Duration) bool {
	if wait <= 0 {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-d.stop:
		return false
	}
}

func (d *dispatcher) post(dl delivery) (int, error) {
	select {
	case d.sending <- struct{}{}:
		defer func() { <-d.sending }()
	case <-d.stop:
		return 0, errors.New("the simulator is closing")
	}
	req, err := http.NewRequestWithContext(d.sim.ctx, http.MethodPost, dl.url, bytes.NewReader(dl.ev.body))
	if err != nil {
		return 0, fmt.Errorf("building webhook request: %w", err)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Shopify-Captain-Hook")
	h.Set("X-Shopify-Topic", dl.ev.topic)
	h.Set("X-Shopify-Hmac-Sha256", Sign(dl.shop.cfg.APISecret, dl.ev.body))
	h.Set("X-Shopify-Shop-Domain", dl.shop.cfg.Domain)
	h.Set("X-Shopify-API-Version", APIVersion)
	h.Set("X-Shopify-Webhook-Id", dl.webhookID)
	h.Set("X-Shopify-Event-Id", dl.ev.eventID)
	h.Set("X-Shopify-Triggered-At", dl.ev.triggeredAt.UTC().Format(time.RFC3339Nano))
	resp, err := d.sim.opts.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("sending webhook: %w", err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// newUUID returns a random version 4 UUID, the form of Shopify's webhook and event ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
