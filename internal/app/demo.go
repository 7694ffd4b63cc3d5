package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// DemoShop is a simulated shop the demo starts and adds to the demo account.
type DemoShop struct {
	Name, Domain       string
	Products, Variants int
}

// DemoShops are the demo's supplier (source) and reseller (destination) shops.
var DemoShops = []DemoShop{
	{Name: "Northwind Supply (source)", Domain: "northwind-supply.myshopify.com", Products: 40, Variants: 3},
	{Name: "Harbor Outfitters (destination)", Domain: "harbor-outfitters.myshopify.com", Products: 12, Variants: 2},
}

// StartDemoShops starts an in-process Shopify simulator on a loopback port with the demo's shops
// and their catalogs, and saves them as stores of the account, so the demo's stores answer over
// real HTTP like real ones. The returned function stops the simulator.
func (a *App) StartDemoShops(ctx context.Context, accountID int64) (stop func(), err error) {
	// The simulated shops deliver their webhooks to this demo's own loopback server, whose
	// certificate is self-signed.
	hooks, err := a.trustingClient()
	if err != nil {
		return nil, err
	}
	sim, err := shopifysim.New(shopifysim.Options{Now: a.Now, Logger: a.Logger.With("component", "shopify simulator"), Seed: 42, HTTPClient: hooks})
	if err != nil {
		return nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		_ = sim.Close()
		return nil, fmt.Errorf("starting the demo's Shopify simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop = func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = sim.Close()
	}
	// The simulator is on loopback, which stores may not reach: allow exactly its address.
	a.Targets.Allow(ln.Addr().String())
	base := "http://" + ln.Addr().String()
	for _, d := range DemoShops {
		token, secret := "shpat_"+rand.Text(), "shpss_"+rand.Text()
		_, err := sim.AddShop(shopifysim.ShopConfig{Domain: d.Domain, Name: d.Name, AccessToken: token, APISecret: secret})
		if err == nil {
			err = sim.SeedCatalog(d.Domain, d.Products, d.Variants)
		}
		if err == nil {
			_, err = a.Stores.Save(ctx, store.SaveParams{AccountID: accountID, Name: d.Name, Platform: shopify.Platform,
				BaseURL:     base + "/shops/" + d.Domain,
				Credentials: shopify.Credentials{ShopDomain: d.Domain, AccessToken: token, APISecret: secret}.Marshal()})
		}
		if err != nil {
			stop()
			return nil, fmt.Errorf("preparing demo shop %s: %w", d.Domain, err)
		}
	}
	// A few orders on the destination shop, as its customers would have placed them.
	dest := DemoShops[len(DemoShops)-1].Domain
	if err := sim.GenerateOrders(ctx, dest, shopifysim.OrderGenerator{Count: 15}); err != nil {
		stop()
		return nil, fmt.Errorf("placing demo orders on %s: %w", dest, err)
	}
	// Then a new order every 20 seconds, so webhooks keep arriving while the demo runs.
	go func() { _ = sim.GenerateOrders(ctx, dest, shopifysim.OrderGenerator{Rate: 0.05}) }()
	return stop, nil
}

// SubscribeDemoShops asks every store of the account to deliver its webhooks to this server, the
// way any store is subscribed: at --public-url when given, else at the demo's own address.
func (a *App) SubscribeDemoShops(ctx context.Context, accountID int64, baseURL string) error {
	if a.Config.PublicURL != "" {
		baseURL = a.Config.PublicURL
	}
	stores, err := a.Stores.List(ctx, store.ListParams{AccountID: accountID})
	if err != nil {
		return err
	}
	for _, st := range stores {
		if err := a.Ingest.Subscribe(ctx, ingest.SubscribeParams{AccountID: accountID, StoreID: st.ID, PublicURL: baseURL}); err != nil {
			return fmt.Errorf("subscribing %s: %w", st, err)
		}
	}
	return nil
}
