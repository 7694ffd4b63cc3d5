package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"

	"github.com/storesync/storesync/internal/app"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
)

// runSimWooCommerce runs the WooCommerce simulator as a standalone server, for trying storesync
// against stores that behave like WooCommerce's REST API (paging, batch limits, signed webhooks,
// faults) without a WordPress site.
func runSimWooCommerce(ctx context.Context, env Env, args []string) (err error) {
	fs := flag.NewFlagSet("storesync sim woocommerce", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	addr := fs.String("addr", "127.0.0.1:9091", "address to listen on, HOST:PORT")
	stores := fs.String("stores", "maple-goods,cedar-home", "comma-separated store names (lower-case letters, digits, dashes)")
	products := fs.Int("products", 40, "products seeded in each new store")
	variants := fs.Int("variants", 3, "variations per seeded product (1: simple products)")
	tracking := fs.Bool("shipment-tracking", true, "new stores have the Shipment Tracking extension (otherwise tracking goes in order notes)")
	currency := fs.String("currency", "USD", "currency of new stores")
	orders := fs.Float64("orders-per-second", 0, "generate orders on every store at this rate (0: none)")
	stateFile := fs.String("state-file", "", "keep the stores in this JSON file between runs")
	seed := fs.Int64("seed", 1, "seed of generated catalogs and orders")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: storesync sim woocommerce [flags]\n\nServes simulated WooCommerce stores: /stores/<name>/wp-json/wc/v3/….\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseSimFlags(fs, args, addr); err != nil {
		return err
	}
	if *variants < 1 || *products < 0 {
		return errors.New("--products must be 0 or more and --variants 1 or more")
	}
	logger := app.NewLogger(env.Stderr, "info", "auto")
	sim, err := woocommercesim.New(woocommercesim.Options{Logger: logger, Seed: *seed, StateFile: *stateFile})
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
	sim.SetBaseURL(base)
	for name := range strings.SplitSeq(*stores, ",") {
		name = strings.TrimSpace(name)
		if st, err := sim.Store(name); err == nil {
			fmt.Fprintf(env.Stdout, "store %s (kept from %s): base URL %s consumer key %s\n", name, *stateFile, woocommercesim.BaseURL(base, name), st.Config().ConsumerKey)
			continue
		}
		key, secret := "ck_"+strings.ToLower(rand.Text()), "cs_"+strings.ToLower(rand.Text())
		st, err := sim.AddStore(woocommercesim.StoreConfig{Name: name, ConsumerKey: key, ConsumerSecret: secret, Currency: *currency, ShipmentTracking: *tracking})
		if err != nil {
			return fmt.Errorf("--stores: %w", err)
		}
		if err := st.SeedCatalog(*products, *variants, *seed); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "store %s: base URL %s consumer key %s consumer secret %s\n", name, woocommercesim.BaseURL(base, name), key, secret)
		if *orders > 0 {
			go func() { _ = st.GenerateOrders(ctx, woocommercesim.OrderGenerator{Rate: *orders, Seed: *seed}) }()
		}
	}
	return serveSim(ctx, ln, sim)
}
