// Package woocommercesim simulates WooCommerce stores behind one http.Handler, for tests, demos
// and trying storesync without a WordPress site: the REST API v3 under
// /stores/<name>/wp-json/wc/v3 with consumer key authentication (basic auth or query string),
// paging with page and per_page (at most 100) and the X-WP-Total and X-WP-TotalPages headers,
// modified_after reads, the batch endpoints and their item limit, orders with notes and
// refunds, the Shipment Tracking extension's endpoint on stores that have it, and webhooks
// signed as WooCommerce signs them, disabled after repeated failed deliveries. Faults (latency,
// statuses, timeouts, a per-call hook) are injected per store.
package woocommercesim

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits WooCommerce applies, as the simulator applies them.
const (
	MaxPerPage          = 100 // per_page is at most 100
	DefaultPerPage      = 10  // per_page when not given
	DefaultBatchLimit   = 100 // woocommerce_rest_batch_items_limit
	MaxDeliveryFailures = 5   // woocommerce_max_webhook_delivery_failures: a failure once the count is over it disables the webhook
)

// Options configure a simulator. Zero values are usable.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Seed makes generated catalogs and orders repeatable.
	Seed int64
	// StateFile, when set, is loaded by New and written by Close.
	StateFile string
	// HTTPClient sends webhooks; nil means a client with a 10-second timeout.
	HTTPClient *http.Client
	// SyncWebhooks delivers each webhook before the call that raised it answers (tests); by
	// default deliveries are sent in the background, as WooCommerce's Action Scheduler does.
	SyncWebhooks bool
}

// ErrUnknownStore is returned for a store name the simulator does not hold.
var ErrUnknownStore = errors.New("unknown store")

// StoreConfig is one simulated store.
type StoreConfig struct {
	Name           string `json:"name"` // [a-z0-9-]: the store is served under /stores/<name>
	ConsumerKey    string `json:"consumer_key"`
	ConsumerSecret string `json:"consumer_secret"`
	SiteName       string `json:"site_name"`
	Currency       string `json:"currency"`    // default USD
	WeightUnit     string `json:"weight_unit"` // kg, g, lbs, oz; default kg
	// ShipmentTracking: the store has the Shipment Tracking extension.
	ShipmentTracking bool `json:"shipment_tracking"`
	// BatchLimit is the batch endpoints' item limit; default DefaultBatchLimit.
	BatchLimit int `json:"batch_limit"`
}

var storeName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Sim is a set of simulated stores behind one http.Handler.
type Sim struct {
	opts Options
	now  func() time.Time
	log  *slog.Logger

	mu     sync.Mutex
	stores map[string]*Store
	base   string // the server's URL, learnt from requests, for X-WC-Webhook-Source

	bg     sync.WaitGroup
	ctx    context.Context //nolint:containedctx // the simulator's lifetime: Close cancels it
	cancel context.CancelFunc
	closed bool
}

// Store is one simulated store.
type Store struct {
	sim  *Sim
	mu   sync.Mutex
	data StoreData

	calls, throttled int
	deliveries       int
	faults           Faults
	failNext         []int            // statuses for the next calls
	pending          []delivery       // webhooks raised by the call being served
	slugs            map[string]int64 // slug → product, an index of data.Products
}

// New builds a simulator and loads Options.StateFile when it exists.
func New(opts Options) (*Sim, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{opts: opts, now: func() time.Time { return opts.Now().UTC().Truncate(time.Second) }, log: opts.Logger,
		stores: map[string]*Store{}, ctx: ctx, cancel: cancel}
	if opts.StateFile != "" {
		if err := s.load(opts.StateFile); err != nil {
			cancel()
			return nil, err
		}
	}
	return s, nil
}

// AddStore adds an empty store.
func (s *Sim) AddStore(cfg StoreConfig) (*Store, error) {
	if !storeName.MatchString(cfg.Name) {
		return nil, fmt.Errorf("store name %q: want lower-case letters, digits and dashes", cfg.Name)
	}
	if cfg.ConsumerKey == "" || cfg.ConsumerSecret == "" {
		return nil, fmt.Errorf("store %s: a consumer key and secret are required", cfg.Name)
	}
	if cfg.Currency == "" {
		cfg.Currency = "USD"
	}
	if cfg.WeightUnit == "" {
		cfg.WeightUnit = "kg"
	}
	if cfg.BatchLimit <= 0 {
		cfg.BatchLimit = DefaultBatchLimit
	}
	if cfg.SiteName == "" {
		cfg.SiteName = cfg.Name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.stores[cfg.Name]; ok {
		return nil, fmt.Errorf("store %s exists", cfg.Name)
	}
	st := &Store{sim: s, data: StoreData{Config: cfg, NextID: 100, Products: map[int64]*Product{},
		Orders: map[int64]*Order{}, Tags: map[int64]*Tag{}, Webhooks: map[int64]*Webhook{}}}
	s.stores[cfg.Name] = st
	return st, nil
}

// Store returns the store of that name.
func (s *Sim) Store(name string) (*Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stores[name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownStore, name)
	}
	return st, nil
}

// Close stops background work and saves the state file.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.bg.Wait()
	if s.opts.StateFile != "" {
		return s.save(s.opts.StateFile)
	}
	return nil
}

// BaseURL is where the store answers under a server whose URL is server (the client's BaseURL).
func BaseURL(server, name string) string { return strings.TrimRight(server, "/") + "/stores/" + name }

// Calls is how many API calls the store answered, failed and refused ones included.
func (st *Store) Calls() int { st.mu.Lock(); defer st.mu.Unlock(); return st.calls }

// Throttled is how many calls were answered 429.
func (st *Store) Throttled() int { st.mu.Lock(); defer st.mu.Unlock(); return st.throttled }

// Config is the store's configuration.
func (st *Store) Config() StoreConfig { st.mu.Lock(); defer st.mu.Unlock(); return st.data.Config }

func (st *Store) nextID() int64 { st.data.NextID++; return st.data.NextID }

// ServeHTTP routes /stores/<name>/wp-json/… to the store.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/stores/")
	if !ok {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		return
	}
	name, path, _ := strings.Cut(rest, "/")
	st, err := s.Store(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	if s.base == "" && r.Host != "" {
		s.base = "http://" + r.Host
	}
	s.mu.Unlock()
	path = "/" + path
	st.mu.Lock()
	st.calls++
	st.mu.Unlock()
	if st.injectFault(w, r) {
		return
	}
	if !strings.HasPrefix(path, "/wp-json") {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		return
	}
	if path == "/wp-json" || path == "/wp-json/" {
		st.mu.Lock()
		cfg := st.data.Config
		st.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"name": cfg.SiteName, "description": "", "url": s.siteURL(name),
			"home": s.siteURL(name), "gmt_offset": 0, "timezone_string": "UTC", "namespaces": st.namespaces()})
		return
	}
	if code, msg := st.authenticate(r); code != "" {
		writeError(w, http.StatusUnauthorized, code, msg)
		return
	}
	var body map[string]json.RawMessage
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
			return
		}
	}
	st.route(w, r, path, body)
}

func (st *Store) namespaces() []string {
	ns := []string{"wp/v2", "wc/v3"}
	if st.data.Config.ShipmentTracking {
		ns = append(ns, "wc-shipment-tracking/v3")
	}
	return ns
}

func (s *Sim) siteURL(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return BaseURL(s.base, name) + "/"
}

// authenticate checks the consumer key pair, sent as basic auth or as consumer_key and
// consumer_secret query parameters, and answers WooCommerce's codes when it is wrong.
func (st *Store) authenticate(r *http.Request) (code, msg string) {
	key, secret, ok := r.BasicAuth()
	if !ok {
		key, secret = r.URL.Query().Get("consumer_key"), r.URL.Query().Get("consumer_secret")
	}
	if key == "" {
		return "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."
	}
	st.mu.Lock()
	cfg := st.data.Config
	st.mu.Unlock()
	if subtle.ConstantTimeCompare([]byte(key), []byte(cfg.ConsumerKey)) != 1 {
		return "woocommerce_rest_authentication_error", "Consumer key is invalid."
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(cfg.ConsumerSecret)) != 1 {
		return "woocommerce_rest_authentication_error", "Consumer secret is invalid."
	}
	return "", ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg, "data": map[string]any{"status": status}})
}

func writeParamError(w http.ResponseWriter, param, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"code": "rest_invalid_param",
		"message": "Invalid parameter(s): " + param, "data": map[string]any{"status": 400, "params": map[string]string{param: msg}}})
}

// paging reads page and per_page as WordPress validates them.
func paging(w http.ResponseWriter, r *http.Request) (page, per int, ok bool) {
	q := r.URL.Query()
	page, per = 1, DefaultPerPage
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeParamError(w, "page", "page must be greater than or equal to 1")
			return 0, 0, false
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPerPage {
			writeParamError(w, "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
			return 0, 0, false
		}
		per = n
	}
	return page, per, true
}

// writePage writes one page of items with WordPress's total headers; a page past the last
// is an error, as WordPress answers it.
func writePage[T any](w http.ResponseWriter, items []T, page, per int, render func(T) any) {
	total := len(items)
	pages := (total + per - 1) / per
	if page > 1 && page > pages {
		writeError(w, http.StatusBadRequest, "rest_post_invalid_page_number", "The page number requested is larger than the number of pages available.")
		return
	}
	w.Header().Set("X-WP-Total", strconv.Itoa(total))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa(pages))
	start := min((page-1)*per, total)
	out := make([]any, 0, per)
	for _, it := range items[start:min(start+per, total)] {
		out = append(out, render(it))
	}
	writeJSON(w, http.StatusOK, out)
}

// modifiedAfter reads the modified_after filter (ISO 8601; GMT with dates_are_gmt, and the
// store's timezone, UTC here, otherwise).
func modifiedAfter(w http.ResponseWriter, r *http.Request, param string) (time.Time, bool) {
	v := r.URL.Query().Get(param)
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	writeParamError(w, param, "Invalid date.")
	return time.Time{}, false
}

func idList(v string) map[int64]bool {
	if v == "" {
		return nil
	}
	out := map[int64]bool{}
	for p := range strings.SplitSeq(v, ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64); err == nil {
			out[n] = true
		}
	}
	return out
}

func gmt(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

func gmtPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return gmt(*t)
}

// save writes every store to path.
func (s *Sim) save(path string) error {
	s.mu.Lock()
	stores := make([]*Store, 0, len(s.stores))
	for _, st := range s.stores {
		stores = append(stores, st)
	}
	s.mu.Unlock()
	var all []json.RawMessage
	for _, st := range stores {
		st.mu.Lock()
		b, err := json.Marshal(st.data)
		st.mu.Unlock()
		if err != nil {
			return fmt.Errorf("saving simulator state: %w", err)
		}
		all = append(all, b)
	}
	b, err := json.MarshalIndent(map[string]any{"stores": all}, "", " ")
	if err != nil {
		return fmt.Errorf("saving simulator state: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("saving simulator state to %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("saving simulator state to %s: %w", path, err)
	}
	return nil
}

// load reads the stores of path; a missing file is an empty simulator.
func (s *Sim) load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("loading simulator state: %w", err)
	}
	var f struct {
		Stores []StoreData `json:"stores"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("loading simulator state from %s: %w", path, err)
	}
	for _, d := range f.Stores {
		if !storeName.MatchString(d.Config.Name) {
			return fmt.Errorf("loading simulator state from %s: store name %q", path, d.Config.Name)
		}
		if d.Products == nil {
			d.Products = map[int64]*Product{}
		}
		if d.Orders == nil {
			d.Orders = map[int64]*Order{}
		}
		if d.Tags == nil {
			d.Tags = map[int64]*Tag{}
		}
		if d.Webhooks == nil {
			d.Webhooks = map[int64]*Webhook{}
		}
		s.stores[d.Config.Name] = &Store{sim: s, data: d}
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// SetBaseURL tells the simulator the URL it is served at, for the site URL it reports and
// signs webhooks with, before any request has taught it.
func (s *Sim) SetBaseURL(u string) {
	s.mu.Lock()
	s.base = strings.TrimRight(u, "/")
	s.mu.Unlock()
}
