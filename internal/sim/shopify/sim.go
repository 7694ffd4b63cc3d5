package shopifysim

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	"github.com/vektah/gqlparser/v2/ast"
)

// Options configure a simulator. Zero values are usable: real clock, discarded logs, seed 0.
type Options struct {
	// Now is the clock for timestamps and the leaky bucket; tests pass a fake one.
	Now func() time.Time
	// Logger receives the simulator's own logs (webhook failures, state file problems).
	Logger *slog.Logger
	// Seed makes generated catalogs, orders and faults repeatable.
	Seed int64
	// StateFile, when set, is loaded by New and written by Close, so a standalone simulator keeps
	// its shops between runs.
	StateFile string
	// HTTPClient sends webhooks; nil means a client with a 10-second timeout.
	HTTPClient *http.Client
}

// ErrUnknownShop is returned for a shop domain the simulator does not hold.
var ErrUnknownShop = errors.New("unknown shop")

// Sim is a set of simulated shops behind one http.Handler.
type Sim struct {
	opts     Options
	now      func() time.Time
	log      *slog.Logger
	schema   *graphql.Schema
	ast      *ast.Schema
	webhooks *dispatcher
	skel     skeletons

	mu         sync.Mutex
	shops      map[string]*Shop
	generators int

	bulkDir string // bulk results, one file each: a large shop's would not fit in memory

	bg     sync.WaitGroup
	ctx    context.Context //nolint:containedctx // the simulator's lifetime: Close cancels it to stop background work
	cancel context.CancelFunc
	closed bool
}

// New builds a simulator and, when Options.StateFile names an existing file, loads its shops.
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
	astSchema, err := parseSchema()
	if err != nil {
		return nil, err
	}
	schema, err := graphql.ParseSchema(schemaSDL, &rootResolver{},
		graphql.UseFieldResolvers(), graphql.MaxParallelism(1))
	if err != nil {
		return nil, fmt.Errorf("binding simulator schema to resolvers: %w", err)
	}
	skel, err := loadSkeletons()
	if err != nil {
		return nil, err
	}
	bulkDir, err := os.MkdirTemp("", "shopifysim-bulk-")
	if err != nil {
		return nil, fmt.Errorf("creating the bulk results folder: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		opts: opts, now: opts.Now, log: opts.Logger, schema: schema, ast: astSchema, skel: skel,
		shops: map[string]*Shop{}, ctx: ctx, cancel: cancel, bulkDir: bulkDir,
	}
	s.webhooks = newDispatcher(s)
	if opts.StateFile != "" {
		if err := s.load(opts.StateFile); err != nil {
			cancel()
			_ = os.RemoveAll(bulkDir) // empty: nothing has run
			return nil, err
		}
	}
	return s, nil
}

// Close stops the order generators and webhook deliveries, waits for them, and saves the state
// file when one is configured.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel() // stops webhook posts under way and bulk queries
	s.webhooks.close()
	s.bg.Wait()
	if err := os.RemoveAll(s.bulkDir); err != nil {
		s.log.Warn("removing bulk results", "dir", s.bulkDir, "err", err)
	}
	if s.opts.StateFile != "" {
		return s.save(s.opts.StateFile)
	}
	return nil
}

// Shop returns a shop by its myshopify domain.
func (s *Sim) Shop(domain string) (*Shop, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shops[domain]
	if !ok {
		return nil, fmt.Errorf("shop %s: %w", domain, ErrUnknownShop)
	}
	return sh, nil
}

// ShopPath is the GraphQL endpoint path of a shop on this simulator; a client's base URL is the
// server address plus this path.
func ShopPath(domain string) string {
	return "/shops/" + domain + "/admin/api/" + APIVersion + "/graphql.json"
}

// ServeHTTP serves every shop: POST /shops/<domain>/admin/api/2026-07/graphql.json for GraphQL,
// GET /shops/<domain>/bulk/<id>.jsonl for bulk operation results.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/shops/")
	if !ok {
		writeJSONError(w, http.StatusNotFound, "Not Found")
		return
	}
	w.Header().Set("X-Request-Id", newUUID())
	domain, tail, _ := strings.Cut(rest, "/")
	sh, err := s.Shop(domain)
	if err != nil {
		writeJSONError(w, http.StatusNotFound, "Not Found")
		return
	}
	switch {
	case tail == "admin/api/"+APIVersion+"/graphql.json":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSONError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
			return
		}
		if !sh.authorized(r.Header.Get("X-Shopify-Access-Token")) {
			writeJSONError(w, http.StatusUnauthorized,
				"[API] Invalid API key or access token (unrecognized login or wrong password)")
			return
		}
		// Read the body first: only then does the server notice a client that hangs up, which a
		// simulated timeout waits for.
		body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, "Bad Request")
			return
		}
		if sh.injectFault(w, r) {
			return
		}
		s.serveGraphQL(w, r, sh, body)
	case strings.HasPrefix(tail, "bulk/") && r.Method == http.MethodGet:
		s.serveBulkResult(w, r, sh, strings.TrimPrefix(tail, "bulk/"))
	default:
		writeJSONError(w, http.StatusNotFound, "Not Found")
	}
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"errors\":%q}\n", msg)
}

func (sh *Shop) authorized(token string) bool {
	sh.mu.Lock()
	want := sh.cfg.AccessToken
	sh.mu.Unlock()
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
}

// shopRand derives a shop's random source from the simulator seed and the domain, so each shop's
// catalog and faults repeat run after run.
func shopRand(seed int64, domain, purpose string) *rand.Rand {
	h := fnv.New64a()
	_, _ = io.WriteString(h, domain+"/"+purpose)
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64())) //nolint:gosec // G115: the seed's bits are reused, its sign does not matter
}

// Run serves the simulator at addr with the given shops until ctx ends, then shuts down and saves
// the state file if one is configured. Shops already loaded from the state file are kept.
func Run(ctx context.Context, addr string, opts Options, shops []ShopConfig) error {
	s, err := New(opts)
	if err != nil {
		return err
	}
	for _, cfg := range shops {
		if _, err := s.Shop(cfg.Domain); err == nil {
			continue
		}
		if _, err := s.AddShop(cfg); err != nil {
			_ = s.Close()
			return err
		}
	}
	srv := &http.Server{Addr: addr, Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	s.log.Info("shopify simulator listening", "addr", addr, "shops", len(shops))
	select {
	case err = <-errc:
		err = fmt.Errorf("serving shopify simulator: %w", err)
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = srv.Shutdown(shutdownCtx)
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}
