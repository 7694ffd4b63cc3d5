package bigcommerce

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // the callback's hash field is SHA-1 of its data, as BigCommerce makes it: not a security use
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Sim) listHooks(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	page, limit, ok := paging(w, r, false)
	if !ok {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var hs []*Hook
	for _, id := range sortedIDs(st.data.Hooks) {
		hs = append(hs, st.data.Hooks[id])
	}
	from, to, meta := pageOf(len(hs), page, limit)
	if hs == nil {
		hs = []*Hook{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": hs[from:to], "meta": meta})
}

type hookIn struct {
	Scope       *string           `json:"scope"`
	Destination *string           `json:"destination"`
	IsActive    *bool             `json:"is_active"`
	Headers     map[string]string `json:"headers"`
}

func validDestination(d string) bool {
	u, err := url.Parse(d)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func (s *Sim) createHook(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	var in hookIn
	if !decode(w, r, false, &in) {
		return
	}
	fields := map[string]string{}
	if in.Scope == nil || !strings.HasPrefix(*in.Scope, "store/") {
		fields["scope"] = "scope is required, e.g. store/order/created"
	}
	if in.Destination == nil || !validDestination(*in.Destination) {
		fields["destination"] = "destination must be a URL"
	}
	if len(fields) > 0 {
		writeV3Error(w, http.StatusUnprocessableEntity, "The request payload is not valid", fields)
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	now := s.now().Unix()
	h := &Hook{ID: st.nextID(), ClientID: "storesync-sim", StoreHash: st.cfg.Hash, Scope: *in.Scope, Destination: *in.Destination,
		IsActive: in.IsActive == nil || *in.IsActive, Headers: in.Headers, CreatedAt: now, UpdatedAt: now}
	if h.Headers == nil {
		h.Headers = map[string]string{}
	}
	st.data.Hooks[h.ID] = h
	writeJSON(w, http.StatusOK, map[string]any{"data": h, "meta": map[string]any{}})
}

func (s *Sim) updateHook(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	id, ok := pathID(w, r, "id", false)
	if !ok {
		return
	}
	var in hookIn
	if !decode(w, r, false, &in) {
		return
	}
	if in.Destination != nil && !validDestination(*in.Destination) {
		writeV3Error(w, http.StatusUnprocessableEntity, "The request payload is not valid", map[string]string{"destination": "destination must be a URL"})
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	h := st.data.Hooks[id]
	if h == nil {
		writeV3Error(w, http.StatusNotFound, "Webhook not found", nil)
		return
	}
	if in.Scope != nil {
		h.Scope = *in.Scope
	}
	if in.Destination != nil {
		h.Destination = *in.Destination
	}
	if in.IsActive != nil {
		h.IsActive = *in.IsActive
	}
	if in.Headers != nil {
		h.Headers = in.Headers
	}
	h.UpdatedAt = s.now().Unix()
	writeJSON(w, http.StatusOK, map[string]any{"data": h, "meta": map[string]any{}})
}

// Hooks returns a copy of the store's hooks, for tests.
func (st *Store) Hooks() []Hook {
	st.mu.Lock()
	defer st.mu.Unlock()
	var hs []Hook
	for _, id := range sortedIDs(st.data.Hooks) {
		hs = append(hs, *st.data.Hooks[id])
	}
	return hs
}

// Callback builds a webhook callback's body as BigCommerce sends it: the scope, the store, the
// event's data (the resource's type and id) and hash (SHA-1 of the data), and its time.
func Callback(hash, scope string, data map[string]any, at time.Time) ([]byte, error) {
	d, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encoding the callback's data of %s: %w", scope, err)
	}
	sum := sha1.Sum(d) //nolint:gosec // see the import
	b, err := json.Marshal(map[string]any{"producer": "stores/" + hash, "hash": hex.EncodeToString(sum[:]), "created_at": at.Unix(),
		"store_id": storeID(hash), "scope": scope, "data": json.RawMessage(d)})
	if err != nil {
		return nil, fmt.Errorf("encoding the callback of %s: %w", scope, err)
	}
	return b, nil
}

func storeID(hash string) string {
	var n uint32
	for _, c := range hash {
		n = n*31 + uint32(c) //nolint:gosec // G115: ranging over a string yields runes from 0 to U+10FFFF
	}
	return itoa64(int64(n%9000000 + 1000000))
}

// WebhookRequest builds the request a hook's delivery makes: the callback body and the headers
// the subscription set (those of headers), to destination.
func WebhookRequest(ctx context.Context, destination string, body []byte, headers map[string]string) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, destination, bytes.NewReader(body)) //nolint:gosec // G704: the destination is the one a hook subscribed; posting to it is the simulator's job
	if err != nil {
		return nil, fmt.Errorf("webhook destination %q: %w", destination, err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "BigCommerce-Webhooks-Sim")
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r, nil
}

// dispatcher delivers callbacks in the background, retrying failures.
type dispatcher struct {
	s      *Sim
	wg     sync.WaitGroup
	ctx    context.Context //nolint:containedctx // the dispatcher's own lifetime: close cancels it to stop background deliveries
	cancel context.CancelFunc

	mu        sync.Mutex
	delivered int
	failed    int
}

func newDispatcher(s *Sim) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &dispatcher{s: s, ctx: ctx, cancel: cancel}
}

func (d *dispatcher) close() {
	d.cancel()
	d.wg.Wait()
}

func scopeMatches(hookScope, scope string) bool {
	if hookScope == scope {
		return true
	}
	prefix, ok := strings.CutSuffix(hookScope, "*")
	return ok && strings.HasPrefix(scope, prefix)
}

// emit sends a callback of scope to each active hook of the store that matches it. The caller
// holds st.mu.
func (d *dispatcher) emit(st *Store, scope string, data map[string]any) {
	if d.ctx.Err() != nil {
		return
	}
	body, err := Callback(st.cfg.Hash, scope, data, d.s.now())
	if err != nil {
		d.s.log.Error("webhook callback not sent", "store", st.cfg.Hash, "scope", scope, "error", err)
		return
	}
	for _, id := range sortedIDs(st.data.Hooks) {
		h := st.data.Hooks[id]
		if !h.IsActive || !scopeMatches(h.Scope, scope) {
			continue
		}
		headers := map[string]string{}
		maps.Copy(headers, h.Headers)
		d.wg.Add(1)
		go d.deliver(st, h.ID, h.Destination, headers, body)
	}
}

func (d *dispatcher) deliver(st *Store, hookID int64, dest string, headers map[string]string, body []byte) {
	defer d.wg.Done()
	for attempt := 0; ; attempt++ {
		if d.post(dest, headers, body) {
			d.mu.Lock()
			d.delivered++
			d.mu.Unlock()
			return
		}
		if attempt >= len(d.s.opts.WebhookRetries) {
			break
		}
		if !sleepCtx(d.ctx, d.s.opts.WebhookRetries[attempt]) {
			return
		}
	}
	d.mu.Lock()
	d.failed++
	d.mu.Unlock()
	st.mu.Lock()
	if h := st.data.Hooks[hookID]; h != nil {
		h.IsActive = false
		h.UpdatedAt = d.s.now().Unix()
		d.s.log.Info("webhook deactivated after its deliveries failed", "store", st.cfg.Hash, "hook", hookID, "destination", dest)
	}
	st.mu.Unlock()
}

func (d *dispatcher) post(dest string, headers map[string]string, body []byte) bool {
	r, err := WebhookRequest(d.ctx, dest, body, headers)
	if err != nil {
		return false
	}
	resp, err := d.s.opts.WebhookClient.Do(r) //nolint:gosec // G704: delivering to the destination a hook subscribed is what the simulator is for
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

// WebhookStats counts deliveries that succeeded and those that failed every retry.
func (s *Sim) WebhookStats() (delivered, failed int) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return s.hooks.delivered, s.hooks.failed
}
