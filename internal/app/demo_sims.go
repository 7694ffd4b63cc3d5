package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform/bigcommerce"
	"github.com/storesync/storesync/internal/platform/shopify"
	"github.com/storesync/storesync/internal/platform/woocommerce"
	bigcommercesim "github.com/storesync/storesync/internal/sim/bigcommerce"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
	"github.com/storesync/storesync/internal/store"
)

// demoSims are the demo's simulators, one per platform, each on its own loopback port. Their
// shops deliver webhooks to the demo's own server, whose certificate is self-signed, through a
// client that trusts it.
type demoSims struct {
	shopify     *shopifysim.Sim
	bigcommerce *bigcommercesim.Sim
	woocommerce *woocommercesim.Sim
	// base is each platform's server address, http://127.0.0.1:PORT.
	base  map[store.Platform]string
	stops []func()
}

// startDemoSims starts the three simulators; close stops them.
func (a *App) startDemoSims(ctx context.Context) (_ *demoSims, err error) {
	hooks, err := a.trustingClient()
	if err != nil {
		return nil, err
	}
	d := &demoSims{base: map[store.Platform]string{}}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	// The shops are kept in the data directory when the demo stops, so a restart finds the
	// catalogs it imported and the orders it pushed where it left them.
	state := func(p store.Platform) string { return filepath.Join(a.Config.DataDir, "demo-"+string(p)+"-sim.json") }
	if d.shopify, err = shopifysim.New(shopifysim.Options{Now: a.Now, Logger: a.Logger.With("component", "shopify simulator"),
		Seed: 42, HTTPClient: hooks, StateFile: state(shopify.Platform)}); err != nil {
		return nil, err
	}
	if err := a.serveDemoSim(ctx, d, shopify.Platform, d.shopify, d.shopify.Close); err != nil {
		return nil, err
	}
	if d.bigcommerce, err = bigcommercesim.New(bigcommercesim.Options{Now: a.Now, Logger: a.Logger.With("component", "bigcommerce simulator"),
		Seed: 42, WebhookClient: hooks, StateFile: state(bigcommerce.Platform)}); err != nil {
		return nil, err
	}
	if err := a.serveDemoSim(ctx, d, bigcommerce.Platform, d.bigcommerce, d.bigcommerce.Close); err != nil {
		return nil, err
	}
	if d.woocommerce, err = woocommercesim.New(woocommercesim.Options{Now: a.Now, Logger: a.Logger.With("component", "woocommerce simulator"),
		Seed: 42, HTTPClient: hooks, StateFile: state(woocommerce.Platform)}); err != nil {
		return nil, err
	}
	if err := a.serveDemoSim(ctx, d, woocommerce.Platform, d.woocommerce, d.woocommerce.Close); err != nil {
		return nil, err
	}
	// The WooCommerce simulator names its stores' sites (and signs their webhooks' source) with
	// the address it is served at.
	d.woocommerce.SetBaseURL(d.base[woocommerce.Platform])
	return d, nil
}

// serveDemoSim serves a simulator on a loopback port, which stores may not reach: exactly its
// address is allowed. Closing the demo shuts the server down, then closes the simulator.
func (a *App) serveDemoSim(ctx context.Context, d *demoSims, p store.Platform, h http.Handler, closeSim func() error) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		_ = closeSim()
		return fmt.Errorf("starting the demo's %s simulator: %w", p, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	d.stops = append(d.stops, func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = closeSim()
	})
	a.Targets.Allow(ln.Addr().String())
	d.base[p] = "http://" + ln.Addr().String()
	return nil
}

func (d *demoSims) close() {
	for _, stop := range slices.Backward(d.stops) {
		stop()
	}
	d.stops = nil
}

// addShop makes a demo shop on its platform's simulator, with its catalog, and saves it as a
// store of owner's (again on a restart: the same store, with the new simulator's credentials).
// A source ships the orders pushed to it after DemoShipDelay, with tracking, so a person sees
// the tracking reach the reseller's order within a minute.
func (a *App) addShop(ctx context.Context, d *demoSims, shop DemoShop, owner int64) (store.Store, error) {
	save := store.SaveParams{AccountID: owner, Name: shop.Name, Platform: shop.Platform}
	switch shop.Platform {
	case shopify.Platform:
		token, secret := "shpat_"+rand.Text(), "shpss_"+rand.Text()
		if sh, err := d.shopify.Shop(shop.Domain); err == nil { // kept from the last run
			token, secret = sh.Config().AccessToken, sh.Config().APISecret
		} else {
			if _, err := d.shopify.AddShop(shopifysim.ShopConfig{Domain: shop.Domain, Name: shop.Name, AccessToken: token, APISecret: secret}); err != nil {
				return store.Store{}, err
			}
			if err := d.shopify.SeedCatalog(shop.Domain, shop.Products, shop.Variants); err != nil {
				return store.Store{}, err
			}
		}
		if shop.Source {
			if err := d.shopify.SetAutoShip(shop.Domain, &shopifysim.AutoShip{Delay: DemoShipDelay}); err != nil {
				return store.Store{}, err
			}
		}
		save.BaseURL = d.base[shopify.Platform] + "/shops/" + shop.Domain
		save.Credentials = shopify.Credentials{ShopDomain: shop.Domain, AccessToken: token, APISecret: secret}.Marshal()
	case bigcommerce.Platform:
		token := "bc_" + rand.Text()
		if st, err := d.bigcommerce.Store(shop.Domain); err == nil { // kept from the last run
			token = st.Config().AccessToken
		} else {
			if _, err := d.bigcommerce.AddStore(bigcommercesim.StoreConfig{Hash: shop.Domain, AccessToken: token, Name: shop.Name}); err != nil {
				return store.Store{}, err
			}
			if err := d.bigcommerce.SeedCatalog(shop.Domain, shop.Products, shop.Variants); err != nil {
				return store.Store{}, err
			}
		}
		if shop.Source {
			if err := d.bigcommerce.SetAutoShip(shop.Domain, &bigcommercesim.AutoShip{Delay: DemoShipDelay}); err != nil {
				return store.Store{}, err
			}
		}
		save.BaseURL = d.base[bigcommerce.Platform] + bigcommercesim.StorePath(shop.Domain)
		save.Credentials = bigcommerce.Credentials{StoreHash: shop.Domain, AccessToken: token}.Marshal()
	case woocommerce.Platform:
		// The site's address is the shop's domain; the simulator serves it under its first label.
		name, _, _ := strings.Cut(shop.Domain, ".")
		if shop.Source {
			return store.Store{}, fmt.Errorf("demo shop %s: the WooCommerce simulator does not ship by itself", shop.Domain)
		}
		key, secret := "ck_"+strings.ToLower(rand.Text()), "cs_"+strings.ToLower(rand.Text())
		if st, err := d.woocommerce.Store(name); err == nil { // kept from the last run
			key, secret = st.Config().ConsumerKey, st.Config().ConsumerSecret
		} else {
			st, err := d.woocommerce.AddStore(woocommercesim.StoreConfig{Name: name, SiteName: shop.Name, ConsumerKey: key, ConsumerSecret: secret,
				ShipmentTracking: true})
			if err != nil {
				return store.Store{}, err
			}
			if err := st.SeedCatalog(shop.Products, shop.Variants, 42); err != nil {
				return store.Store{}, err
			}
		}
		save.BaseURL = woocommercesim.BaseURL(d.base[woocommerce.Platform], name)
		save.Credentials = woocommerce.Credentials{StoreURL: "https://" + shop.Domain, ConsumerKey: key, ConsumerSecret: secret}.Marshal()
	default:
		return store.Store{}, fmt.Errorf("demo shop %s: no simulator of platform %q", shop.Domain, shop.Platform)
	}
	return a.Stores.Save(ctx, save)
}

// generateOrders places orders on a demo destination as its customers would: count at once
// (on Shopify; the WooCommerce simulator places none at once), then, until ctx ends, one every
// 20 seconds of its synced products once imported (so it is eligible and pushed at once), so
// webhooks keep arriving while the demo runs.
func (d *demoSims) generateOrders(ctx context.Context, shop DemoShop, count int, synced func() []string) error {
	switch shop.Platform {
	case shopify.Platform:
		if err := d.shopify.GenerateOrders(ctx, shop.Domain, shopifysim.OrderGenerator{Count: count, LineProperties: demoLineProperties}); err != nil {
			return err
		}
		go func() {
			_ = d.shopify.GenerateOrders(ctx, shop.Domain, shopifysim.OrderGenerator{Rate: 0.05, Variants: synced, LineProperties: demoLineProperties})
		}()
	case woocommerce.Platform:
		name, _, _ := strings.Cut(shop.Domain, ".")
		st, err := d.woocommerce.Store(name)
		if err != nil {
			return err
		}
		go func() {
			_ = st.GenerateOrders(ctx, woocommercesim.OrderGenerator{Rate: 0.05, Seed: 42, Variants: synced})
		}()
	default:
		return fmt.Errorf("demo shop %s: no order generator for platform %q", shop.Domain, shop.Platform)
	}
	return nil
}
