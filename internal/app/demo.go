package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/storesync/storesync/internal/bolink"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/linking"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// DemoShop is a simulated shop the demo starts and adds to a demo account.
type DemoShop struct {
	Name, Domain       string
	Products, Variants int
	Source             bool // the supplier's shop, which the reseller's follows
}

// DemoShipDelay is how long the demo's supplier waits before it ships a pushed order.
const DemoShipDelay = 15 * time.Second

// DemoShops are the demo's supplier (source) and reseller (destination) shops.
var DemoShops = []DemoShop{
	{Name: "Northwind Supply (source)", Domain: "northwind-supply.myshopify.com", Products: 40, Variants: 3, Source: true},
	{Name: "Harbor Outfitters (destination)", Domain: "harbor-outfitters.myshopify.com", Products: 12, Variants: 2},
}

// StartDemoShops starts an in-process Shopify simulator on a loopback port with the demo's shops
// and their catalogs, and saves them as stores: the source shop in the supplier's account (the
// reseller's when supplierID is 0), the other in the reseller's, which is connected to the source
// by its store key as a reseller would. So the demo's stores answer over real HTTP like real ones.
// The returned function stops the simulator.
func (a *App) StartDemoShops(ctx context.Context, resellerID, supplierID int64) (stop func(), err error) {
	if supplierID == 0 {
		supplierID = resellerID
	}
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
	var source store.Store
	var destinations []store.Store
	for _, d := range DemoShops {
		token, secret := "shpat_"+rand.Text(), "shpss_"+rand.Text()
		owner := resellerID
		if d.Source {
			owner = supplierID
		}
		var st store.Store
		_, err := sim.AddShop(shopifysim.ShopConfig{Domain: d.Domain, Name: d.Name, AccessToken: token, APISecret: secret})
		if err == nil {
			err = sim.SeedCatalog(d.Domain, d.Products, d.Variants)
		}
		if err == nil {
			st, err = a.Stores.Save(ctx, store.SaveParams{AccountID: owner, Name: d.Name, Platform: shopify.Platform,
				BaseURL:     base + "/shops/" + d.Domain,
				Credentials: shopify.Credentials{ShopDomain: d.Domain, AccessToken: token, APISecret: secret}.Marshal()})
		}
		if err != nil {
			stop()
			return nil, fmt.Errorf("preparing demo shop %s: %w", d.Domain, err)
		}
		if d.Source {
			source = st
			// The supplier ships every order pushed to it after a short delay, with tracking, so a
			// person sees the tracking reach the reseller's order within a minute.
			if err := sim.SetAutoShip(d.Domain, &shopifysim.AutoShip{Delay: DemoShipDelay}); err != nil {
				stop()
				return nil, err
			}
		} else {
			destinations = append(destinations, st)
		}
	}
	for _, d := range destinations { // already connected on a restart: that is a 409, and fine
		c, err := a.Connections.Connect(ctx, connection.ConnectParams{AccountID: resellerID, DestinationStoreID: d.ID, SourceStoreKey: source.Key})
		if errors.Is(err, connection.ErrConflict) {
			continue
		}
		if err != nil {
			stop()
			return nil, fmt.Errorf("connecting demo shop %s to %s: %w", d, source, err)
		}
		// Orders of synced products go to the supplier at once (the demo's loop: order, push,
		// shipping, tracking back).
		if _, err := a.Orders.PutSettings(ctx, resellerID, c.ID, orders.SettingsInput{PushMode: orders.PushAutomatic}); err != nil {
			stop()
			return nil, fmt.Errorf("turning on automatic push for %s: %w", d, err)
		}
		// A new connection imports the source's first products (a durable job, as a person's
		// import is), the ones whose stock the demo changes below.
		if err := a.importDemoProducts(ctx, resellerID, c.ID, source); err != nil {
			stop()
			return nil, fmt.Errorf("importing demo products into %s: %w", d, err)
		}
	}
	// The reseller's store sends its orders to the account's back office, from now on: the
	// orders below included, which the first poll of its orders keeps.
	if err := a.linkDemoBackOffice(ctx, resellerID, destinations); err != nil {
		stop()
		return nil, err
	}
	// A few orders on the destination shop, as its customers would have placed them, some lines
	// naming the store's logo.
	dest := DemoShops[len(DemoShops)-1].Domain
	if err := sim.GenerateOrders(ctx, dest, shopifysim.OrderGenerator{Count: 15, LineProperties: demoLineProperties}); err != nil {
		stop()
		return nil, fmt.Errorf("placing demo orders on %s: %w", dest, err)
	}
	// Then a new order every 20 seconds, of the synced products once imported (so it is eligible
	// and pushed at once), so webhooks keep arriving while the demo runs.
	synced := a.demoSyncedVariants(ctx, destinations)
	go func() {
		_ = sim.GenerateOrders(ctx, dest, shopifysim.OrderGenerator{Rate: 0.05, Variants: synced, LineProperties: demoLineProperties})
	}()
	// The supplier's stock comes from its back office, which a feed and stock takes change; a
	// schedule runs the sync cycle every few minutes and a first run starts now.
	if err := a.setUpDemoSyncCycle(ctx, supplierID, source); err != nil {
		stop()
		return nil, fmt.Errorf("preparing the demo's sync cycle: %w", err)
	}
	stockCtx, stopStock := context.WithCancel(ctx)
	go a.takeDemoStock(stockCtx, supplierID, demoStockTakeEvery)
	stopSim := stop
	return func() { stopStock(); stopSim() }, nil
}

// The demo's back-office link: the job settings of the reseller's store, and its one logo, which
// about a third of its customers' order lines name (with its location), so their sales order
// lines show the design.
const (
	DemoBusinessName = "Demo Reseller"
	DemoLogo         = "Harbor Crest"
	demoLogoLocation = "Left chest"
)

var demoLineProperties = [][]shopifysim.Property{{}, {}, {{Name: "Logo", Value: DemoLogo}, {Name: "Location", Value: demoLogoLocation}}}

// linkDemoBackOffice defines the destinations' logo and enables their back-office link to the
// account's own back office (dropship jobs, the account's first user their primary rep), as a
// person would: save the settings, then verify. An account without users (the back office's reps)
// gets no link; a link already enabled (a restart) is left as it is.
func (a *App) linkDemoBackOffice(ctx context.Context, resellerID int64, destinations []store.Store) error {
	var rep string
	err := a.DB.QueryRow(ctx, `SELECT email FROM users WHERE account_id = $1 ORDER BY id LIMIT 1`, resellerID).Scan(&rep)
	if errors.Is(err, database.ErrNoRows) {
		a.Logger.Info("the demo's back-office link is not enabled: the account has no user to be its rep", "account", resellerID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the demo account's users: %w", err)
	}
	for _, d := range destinations {
		_, err := a.Decoration.CreateLogo(ctx, decoration.SaveLogoParams{AccountID: resellerID, StoreID: d.ID, Name: DemoLogo, Method: "Embroidery"})
		if ce := (*decoration.ConflictError)(nil); err != nil && !errors.As(err, &ce) { // a restart: the logo is there
			return fmt.Errorf("defining the logo of demo shop %s: %w", d, err)
		}
		l, err := a.BackOfficeLinks.Get(ctx, resellerID, d.ID)
		if err != nil {
			return fmt.Errorf("reading the back-office link of demo shop %s: %w", d, err)
		}
		if l.Enabled {
			continue
		}
		if _, err := a.BackOfficeLinks.Put(ctx, bolink.PutParams{AccountID: resellerID, StoreID: d.ID, Target: bolink.TargetBuiltIn,
			Settings: bolink.Settings{BusinessName: DemoBusinessName, PrimaryRep: rep, JobType: bolink.JobDropship}}); err != nil {
			return fmt.Errorf("saving the back-office link of demo shop %s: %w", d, err)
		}
		l, err = a.BackOfficeLinks.Verify(ctx, resellerID, d.ID)
		if err != nil {
			return fmt.Errorf("verifying the back-office link of demo shop %s: %w", d, err)
		}
		if !l.Enabled {
			return fmt.Errorf("the back-office link of demo shop %s is not enabled: %s", d, l.VerifyError)
		}
	}
	return nil
}

// demoSyncedVariants lists the destinations' linked variants, for the order generator.
func (a *App) demoSyncedVariants(ctx context.Context, destinations []store.Store) func() []string {
	return func() []string {
		var out []string
		for _, d := range destinations {
			rows, err := a.DB.Query(ctx, `SELECT destination_variant_id FROM product_links WHERE destination_store_id = $1 AND ended_at IS NULL`, d.ID)
			if err != nil {
				return out
			}
			for rows.Next() {
				var v string
				if rows.Scan(&v) == nil {
					out = append(out, v)
				}
			}
			rows.Close()
		}
		return out
	}
}

// importDemoProducts starts the import of the source's first products into a connection.
func (a *App) importDemoProducts(ctx context.Context, resellerID, connectionID int64, source store.Store) error {
	c, err := a.Stores.Client(source)
	if err != nil {
		return err
	}
	page, err := c.ListProducts(ctx, platform.ListParams{Limit: 10})
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(page.Items))
	for _, p := range page.Items {
		ids = append(ids, p.ID)
	}
	_, err = a.Linking.StartImport(ctx, linking.ImportParams{AccountID: resellerID, ConnectionID: connectionID, ProductIDs: ids})
	return err
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
