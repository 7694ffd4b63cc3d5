package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/app"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// runSimShopify runs the Shopify simulator as a standalone server, for trying storesync against
// shops that behave like Shopify's (rate limits, signed webhooks, faults) without an account there.
func runSimShopify(ctx context.Context, env Env, args []string) (err error) {
	fs := flag.NewFlagSet("storesync sim shopify", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "address to listen on, HOST:PORT")
	shops := fs.String("shops", "northwind-supply.myshopify.com,harbor-outfitters.myshopify.com", "comma-separated shop domains (NAME.myshopify.com)")
	products := fs.Int("products", 40, "products seeded in each new shop")
	variants := fs.Int("variants", 3, "variants per seeded product")
	plan := fs.String("plan", "standard", "API plan of new shops: standard, advanced or plus (sets the rate limit)")
	orders := fs.Float64("orders-per-second", 0, "generate orders on every shop at this rate (0: none)")
	stateFile := fs.String("state-file", "", "keep the shops in this JSON file between runs")
	seed := fs.Int64("seed", 1, "seed of generated catalogs, orders and faults")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: storesync sim shopify [flags]\n\nServes simulated Shopify shops: POST /shops/<shop>/admin/api/2026-07/graphql.json.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseSimFlags(fs, args, addr); err != nil {
		return err
	}
	logger := app.NewLogger(env.Stderr, "info", "auto")
	sim, err := shopifysim.New(shopifysim.Options{Logger: logger, Seed: *seed, StateFile: *stateFile})
	if err != nil {
		return err
	}
	// Close saves the shops to --state-file: a failure there loses them, so it is reported.
	defer func() { err = errors.Join(err, sim.Close()) }()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	for d := range strings.SplitSeq(*shops, ",") {
		d = strings.TrimSpace(d)
		if _, err := sim.Shop(d); err == nil {
			fmt.Fprintf(env.Stdout, "shop %s (kept from %s): base URL %s/shops/%s\n", d, *stateFile, base, d)
			continue
		}
		token, secret := "shpat_"+rand.Text(), "shpss_"+rand.Text()
		if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: d, AccessToken: token, APISecret: secret, Plan: *plan}); err != nil {
			return fmt.Errorf("--shops: %w", err)
		}
		if err := sim.SeedCatalog(d, *products, *variants); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "shop %s: base URL %s/shops/%s access token %s API secret %s\n", d, base, d, token, secret)
		if *orders > 0 {
			go func() { _ = sim.GenerateOrders(ctx, d, shopifysim.OrderGenerator{Rate: *orders}) }()
		}
	}
	return serveSim(ctx, ln, sim)
}

// parseSimFlags parses a sim command's flags and checks its --addr.
func parseSimFlags(fs *flag.FlagSet, args []string, addr *string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return fmt.Errorf("--addr %q: want HOST:PORT", *addr)
	}
	return nil
}

// serveSim serves a simulator on ln until ctx is done, then shuts it down.
func serveSim(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		// ctx is done by now: the shutdown gets its own deadline, keeping ctx's values.
		sctx, c := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
