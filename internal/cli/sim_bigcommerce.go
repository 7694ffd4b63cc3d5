package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/app"
	bigcommercesim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

// runSimBigCommerce runs the BigCommerce simulator as a standalone server, for trying storesync
// against stores that behave like BigCommerce's (request quotas, webhook callbacks, faults)
// without a store there.
func runSimBigCommerce(ctx context.Context, env Env, args []string) (err error) {
	fs := flag.NewFlagSet("storesync sim bigcommerce", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	addr := fs.String("addr", "127.0.0.1:9091", "address to listen on, HOST:PORT")
	stores := fs.String("stores", "bcsupply1,bcoutlet2", "comma-separated store hashes (letters and digits)")
	products := fs.Int("products", 40, "products seeded in each new store")
	variants := fs.Int("variants", 3, "variants per seeded product (at most 6)")
	quota := fs.Int("quota", 150, "requests per window of each new store (BigCommerce Standard plans: 150 per 30s)")
	window := fs.Duration("window", 30*time.Second, "rate-limit window of each new store")
	orders := fs.Float64("orders-per-second", 0, "generate orders on every store at this rate (0: none)")
	stateFile := fs.String("state-file", "", "keep the stores in this JSON file between runs")
	seed := fs.Int64("seed", 1, "seed of generated catalogs, orders and faults")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: storesync sim bigcommerce [flags]\n\nServes simulated BigCommerce stores: /stores/<store_hash>/v3/… and /v2/….\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseSimFlags(fs, args, addr); err != nil {
		return err
	}
	if *quota < 1 || *window < time.Second {
		return errors.New("--quota must be at least 1 and --window at least 1s")
	}
	logger := app.NewLogger(env.Stderr, "info", "auto")
	sim, err := bigcommercesim.New(bigcommercesim.Options{Logger: logger, Seed: *seed, StateFile: *stateFile})
	if err != nil {
		return err
	}
	// Close saves the stores to --state-file: a failure there loses them, so it is reported.
	defer func() { err = errors.Join(err, sim.Close()) }()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	for h := range strings.SplitSeq(*stores, ",") {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, err := sim.Store(h); err == nil {
			fmt.Fprintf(env.Stdout, "store %s (kept from %s): base URL %s%s\n", h, *stateFile, base, bigcommercesim.StorePath(h))
			continue
		}
		token := "bc_" + rand.Text()
		if _, err := sim.AddStore(bigcommercesim.StoreConfig{Hash: h, AccessToken: token, Quota: *quota, Window: *window}); err != nil {
			return fmt.Errorf("--stores: %w", err)
		}
		if err := sim.SeedCatalog(h, *products, *variants); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "store %s: base URL %s%s access token %s\n", h, base, bigcommercesim.StorePath(h), token)
		if *orders > 0 {
			go func() { _ = sim.GenerateOrders(ctx, h, bigcommercesim.OrderGenerator{Rate: *orders}) }()
		}
	}
	return serveSim(ctx, ln, sim)
}
