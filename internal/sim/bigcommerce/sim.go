// Package bigcommerce simulates BigCommerce stores' REST API (catalog v3, inventory v3, orders
// v2 with shipments, webhooks v3) for storesync's tests and for trying storesync without a
// store: X-Auth-Token authentication and its errors, page/limit pagination with
// meta.pagination, per-call batch limits and their 413s, a per-store request quota per window
// announced in the X-Rate-Limit-* headers with 429s past it, webhook callbacks that carry only
// the resource's id and the headers the subscription set, retried and the hook deactivated
// after its deliveries keep failing, injected faults, an order generator and a state file.
package bigcommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a simulator.
type Options struct {
	Logger    *slog.Logger
	Seed      int64            // seeds generated catalogs and orders
	StateFile string           // load stores from it at New and save them at Close ("" keeps none)
	Now       func() time.Time // default time.Now
	// WebhookClient posts deliveries; default an *http.Client with a 10s timeout.
	WebhookClient *http.Client
	// WebhookRetries are the waits before each redelivery of a callback that failed; after the
	// last one fails the hook is deactivated (is_active false), as BigCommerce deactivates
	// hooks whose deliveries keep failing. Default 1m, 2m, 4m, 8m, 16m.
	WebhookRetries []time.Duration
}

// Sim serves many simulated stores under /stores/<hash>/. It is safe for concurrent use.
type Sim struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time
	mux  *http.ServeMux

	mu     sync.Mutex
	stores map[string]*Store
	hooks  *dispatcher
}

// StoreConfig is a new store.
type StoreConfig struct {
	Hash        string `json:"Hash"` // letters and digits
	AccessToken string `json:"AccessToken"`
	Name        string `json:"Name"`
	Currency    string `json:"Currency"`    // default USD
	WeightUnits string `json:"WeightUnits"` // "LBS" (default), "Ounces", "KGS" or "Grams"
	// Quota requests per Window (defaults 150 per 30s, a Standard plan's).
	Quota  int           `json:"Quota"`
	Window time.Duration `json:"Window"`
}

// Store is one simulated store.
type Store struct {
	cfg StoreConfig
	sim *Sim

	mu   sync.Mutex
	data storeData

	// rate-limit window
	windowStart time.Time
	used        int

	calls, throttled int
	faults           Faults
	failNext         []int // statuses of the next calls to fail
	hook             FaultHook
	rnd              *rand.Rand
	autoShip         *AutoShip // ship orders made through the API (autoship.go)
}

var hashRE = regexp.MustCompile(`^[a-z0-9]{1,64}$`)

// New returns a simulator, with the stores of opts.StateFile when it exists.
func New(opts Options) (*Sim, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.WebhookClient == nil {
		opts.WebhookClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.WebhookRetries == nil {
		opts.WebhookRetries = []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute}
	}
	s := &Sim{opts: opts, log: opts.Logger, now: opts.Now, stores: map[string]*Store{}}
	s.hooks = newDispatcher(s)
	s.mux = s.routes()
	if opts.StateFile != "" {
		if err := s.load(opts.StateFile); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Close stops webhook deliveries and saves the stores to the state file.
func (s *Sim) Close() error {
	s.hooks.close()
	if s.opts.StateFile == "" {
		return nil
	}
	return s.save(s.opts.StateFile)
}

// AddStore adds an empty store with one location (id 1, "Default").
func (s *Sim) AddStore(cfg StoreConfig) (*Store, error) {
	cfg.Hash = strings.ToLower(strings.TrimSpace(cfg.Hash))
	if !hashRE.MatchString(cfg.Hash) {
		return nil, fmt.Errorf("store hash %q: want 1 to 64 letters and digits", cfg.Hash)
	}
	if cfg.AccessToken == "" {
		return nil, fmt.Errorf("store %s: an access token is required", cfg.Hash)
	}
	if cfg.Currency == "" {
		cfg.Currency = "USD"
	}
	if cfg.WeightUnits == "" {
		cfg.WeightUnits = "LBS"
	}
	if cfg.Name == "" {
		cfg.Name = cfg.Hash
	}
	if cfg.Quota <= 0 {
		cfg.Quota = 150
	}
	if cfg.Window <= 0 {
		cfg.Window = 30 * time.Second
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.stores[cfg.Hash]; ok {
		return nil, fmt.Errorf("store %s exists already", cfg.Hash)
	}
	st := &Store{cfg: cfg, sim: s, data: storeData{NextID: 100, Products: map[int64]*Product{}, Levels: map[int64]map[int64]int64{},
		Orders: map[int64]*Order{}, Hooks: map[int64]*Hook{}, Locations: []*Location{{ID: 1, Code: "DEFAULT", Label: "Default", Enabled: true, TypeID: "PHYSICAL"}}}}
	s.stores[cfg.Hash] = st
	return st, nil
}

// Store returns a store by hash.
func (s *Sim) Store(hash string) (*Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stores[hash]
	if !ok {
		return nil, fmt.Errorf("no store %q", hash)
	}
	return st, nil
}

// Config is the store's configuration, as it was added (or loaded from the state file).
func (st *Store) Config() StoreConfig { return st.cfg }

// StorePath is where a store's API is served, relative to the simulator's address: a client's
// base URL is the server's URL followed by it.
func StorePath(hash string) string { return "/stores/" + hash }

// Calls is how many API calls the store has answered (throttled and failed ones included).
func (st *Store) Calls() int { st.mu.Lock(); defer st.mu.Unlock(); return st.calls }

// Throttled is how many calls were answered 429.
func (st *Store) Throttled() int { st.mu.Lock(); defer st.mu.Unlock(); return st.throttled }

type storeKey struct{}

func storeOf(r *http.Request) *Store {
	st, ok := r.Context().Value(storeKey{}).(*Store)
	if !ok {
		panic("bigcommerce sim: a store handler was reached without its store")
	}
	return st
}

// ServeHTTP answers /stores/<hash>/v2/… and /stores/<hash>/v3/….
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/stores/")
	if !ok {
		writeV3Error(w, http.StatusNotFound, "not found: the store API is under /stores/<store_hash>/", nil)
		return
	}
	hash, _, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	st := s.stores[hash]
	s.mu.Unlock()
	v2 := strings.HasPrefix(strings.TrimPrefix(rest, hash), "/v2/")
	if st == nil {
		writeErr(w, v2, http.StatusNotFound, "Store not found", nil)
		return
	}
	st.mu.Lock()
	st.calls++
	st.mu.Unlock()
	if r.Header.Get("X-Auth-Token") != st.cfg.AccessToken {
		// BigCommerce answers a missing or wrong token with 401 before counting it to a quota.
		writeErr(w, v2, http.StatusUnauthorized, "You don't have a valid access token for this store.", nil)
		return
	}
	if !st.rateLimit(w) {
		writeErr(w, v2, http.StatusTooManyRequests, "Too many requests: the quota of this window is spent", nil)
		return
	}
	if st.injectFault(w, r, v2) {
		return
	}
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), storeKey{}, st)))
}

// rateLimit counts the call to the store's window and writes the X-Rate-Limit-* headers; false
// means the quota is spent (the caller answers 429).
func (st *Store) rateLimit(w http.ResponseWriter) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.sim.now()
	if st.windowStart.IsZero() || now.Sub(st.windowStart) >= st.cfg.Window {
		st.windowStart, st.used = now, 0
	}
	reset := st.cfg.Window - now.Sub(st.windowStart)
	h := w.Header()
	h.Set("X-Rate-Limit-Requests-Quota", strconv.Itoa(st.cfg.Quota))
	h.Set("X-Rate-Limit-Time-Window-Ms", strconv.FormatInt(st.cfg.Window.Milliseconds(), 10))
	h.Set("X-Rate-Limit-Time-Reset-Ms", strconv.FormatInt(max((reset+time.Millisecond-1).Milliseconds(), 1), 10))
	if st.used >= st.cfg.Quota {
		st.throttled++
		h.Set("X-Rate-Limit-Requests-Left", "0")
		return false
	}
	st.used++
	h.Set("X-Rate-Limit-Requests-Left", strconv.Itoa(st.cfg.Quota-st.used))
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeV3Error writes v3's error body: {"status", "title", "type", "errors"}.
func writeV3Error(w http.ResponseWriter, status int, title string, fields map[string]string) {
	if fields == nil {
		fields = map[string]string{}
	}
	writeJSON(w, status, map[string]any{"status": status, "title": title, "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes", "errors": fields})
}

// writeV2Error writes v2's error body: [{"status", "message"}].
func writeV2Error(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, []map[string]any{{"status": status, "message": msg}})
}

func writeErr(w http.ResponseWriter, v2 bool, status int, msg string, fields map[string]string) {
	if v2 {
		writeV2Error(w, status, msg)
		return
	}
	writeV3Error(w, status, msg, fields)
}

func (st *Store) nextID() int64 {
	st.data.NextID++
	return st.data.NextID
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
