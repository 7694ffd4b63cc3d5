package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/bolink"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/linking"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
	"github.com/storesync/storesync/internal/platform/shopify"
	"github.com/storesync/storesync/internal/platform/woocommerce"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// DemoShop is a simulated shop the demo starts and adds to a demo account.
type DemoShop struct {
	Name string
	// Domain is the shop's address: its myshopify.com domain, its WooCommerce site's host, or its
	// BigCommerce store hash.
	Domain             string
	Platform           store.Platform
	Products, Variants int
	Source             bool // a supplier's shop, in the supplier's account, which resellers' shops follow
}

// DemoShipDelay is how long the demo's suppliers wait before they ship a pushed order.
const DemoShipDelay = 15 * time.Second

// DemoShops are the demo's shops: two suppliers' (sources), on Shopify and BigCommerce, and two
// resellers' (destinations), on Shopify and WooCommerce, so orders, stock and tracking cross
// platforms.
var DemoShops = []DemoShop{
	{Name: "Northwind Supply (source)", Domain: "northwind-supply.myshopify.com", Platform: shopify.Platform, Products: 40, Variants: 3, Source: true},
	{Name: "Harbor Outfitters (destination)", Domain: "harbor-outfitters.myshopify.com", Platform: shopify.Platform, Products: 12, Variants: 2},
	{Name: "Summit Wholesale (source, BigCommerce)", Domain: "summitwholesale", Platform: bigcommerce.Platform, Products: 30, Variants: 2, Source: true},
	{Name: "Lakeside Goods (destination, WooCommerce)", Domain: "lakeside-goods.example", Platform: woocommerce.Platform, Products: 8, Variants: 1},
}

// DemoFollow is one of the demo's connections: a destination shop following a source shop, by
// their domains.
type DemoFollow struct{ Destination, Source string }

// DemoFollows are the demo's connections: Harbor follows both suppliers (a destination may follow
// several sources, and one order may be pushed to each), Lakeside follows Northwind.
var DemoFollows = []DemoFollow{
	{Destination: "harbor-outfitters.myshopify.com", Source: "northwind-supply.myshopify.com"},
	{Destination: "harbor-outfitters.myshopify.com", Source: "summitwholesale"},
	{Destination: "lakeside-goods.example", Source: "northwind-supply.myshopify.com"},
}

// demoOrdersAtStart is how many orders the demo's Shopify destination has when the demo starts.
const demoOrdersAtStart = 15

// StartDemoShops starts in-process simulators of Shopify, BigCommerce and WooCommerce on loopback
// ports with the demo's shops and their catalogs, and saves them as stores: the sources in the
// supplier's account (the reseller's when supplierID is 0), the others in the reseller's, which
// connect to the sources by their store keys as a reseller would. So the demo's stores answer
// over real HTTP like real ones. The returned function stops the simulators and the demo's
// background work.
func (a *App) StartDemoShops(ctx context.Context, resellerID, supplierID int64) (stop func(), err error) {
	if supplierID == 0 {
		supplierID = resellerID
	}
	ctx, cancel := context.WithCancel(ctx) // the demo's order generators and stock takes
	sims, err := a.startDemoSims(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	stop = func() { cancel(); sims.close() }
	defer func() {
		if err != nil {
			stop()
		}
	}()
	byDomain := map[string]store.Store{}
	var sources, destinations []store.Store
	for _, d := range DemoShops {
		owner := resellerID
		if d.Source {
			owner = supplierID
		}
		st, err := a.addShop(ctx, sims, d, owner)
		if err != nil {
			return nil, fmt.Errorf("preparing demo shop %s: %w", d.Domain, err)
		}
		byDomain[d.Domain] = st
		if d.Source {
			sources = append(sources, st)
		} else {
			destinations = append(destinations, st)
		}
	}
	for _, f := range DemoFollows {
		if err := a.followDemoSource(ctx, resellerID, byDomain[f.Destination], byDomain[f.Source]); err != nil {
			return nil, err
		}
	}
	// The resellers' stores send their orders to the account's back office, from now on: the
	// orders below included, which the first poll of their orders keeps.
	if err := a.linkDemoBackOffice(ctx, resellerID, destinations); err != nil {
		return nil, err
	}
	// Orders on the destination shops, as their customers would have placed them, some Shopify
	// lines naming the store's logo.
	for _, d := range DemoShops {
		if d.Source {
			continue
		}
		st := byDomain[d.Domain]
		if err := sims.generateOrders(ctx, d, demoOrdersAtStart, a.demoSyncedVariants(ctx, []store.Store{st})); err != nil {
			return nil, fmt.Errorf("placing demo orders on %s: %w", d.Domain, err)
		}
	}
	// The suppliers' stock comes from their back office, which a feed and stock takes change; a
	// schedule runs the sync cycle every few minutes and a first run starts now.
	counted, err := a.setUpDemoSyncCycle(ctx, supplierID, sources)
	if err != nil {
		return nil, fmt.Errorf("preparing the demo's sync cycle: %w", err)
	}
	go a.takeDemoStock(ctx, supplierID, counted, demoStockTakeEvery)
	return stop, nil
}

// followDemoSource connects a destination to a source by the source's store key; already
// connected on a restart, that is a 409, and fine. Orders of synced products go to the supplier
// at once (the demo's loop: order, push, shipping, tracking back), and a new connection imports
// the source's first products (a durable job, as a person's import is), the ones whose stock the
// demo changes.
func (a *App) followDemoSource(ctx context.Context, resellerID int64, dest, source store.Store) error {
	c, err := a.Connections.Connect(ctx, connection.ConnectParams{AccountID: resellerID, DestinationStoreID: dest.ID, SourceStoreKey: source.Key})
	if errors.Is(err, connection.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("connecting demo shop %s to %s: %w", dest, source, err)
	}
	if _, err := a.Orders.PutSettings(ctx, resellerID, c.ID, orders.SettingsInput{PushMode: orders.PushAutomatic}); err != nil {
		return fmt.Errorf("turning on automatic push for %s: %w", dest, err)
	}
	if err := a.importDemoProducts(ctx, resellerID, c.ID, source); err != nil {
		return fmt.Errorf("importing demo products of %s into %s: %w", source, dest, err)
	}
	return nil
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
	first, err := a.demoFirstProducts(ctx, source)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(first))
	for _, p := range first {
		ids = append(ids, p.ID)
	}
	_, err = a.Linking.StartImport(ctx, linking.ImportParams{AccountID: resellerID, ConnectionID: connectionID, ProductIDs: ids})
	return err
}

// demoFirstProducts are the source's first products, the ones the demo imports.
func (a *App) demoFirstProducts(ctx context.Context, source store.Store) ([]platform.Product, error) {
	c, err := a.Stores.Client(source)
	if err != nil {
		return nil, err
	}
	page, err := c.ListProducts(ctx, platform.ListParams{Limit: 10})
	if err != nil {
		return nil, err
	}
	return page.Items, nil
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
