package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/bolink"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/orders"
)

// The demo's connection pushes its orders automatically, and the reseller's store sends every
// order to the account's back office: within the demo's first minute its orders are Pending
// dropship jobs with their sales orders, some lines showing the store's logo as their design.
func TestDemoPushesAutomatically(t *testing.T) {
	t.Parallel()
	eachApp(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		// as `storesync demo` prepares it: the reseller's login user, the back office's sample lists
		reseller, _ := a.Accounts.CreateAccount(ctx, "demo")
		if _, err := a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: reseller.ID, Email: "demo@storesync.example",
			Name: "Demo User", Password: "demo-password"}); err != nil {
			t.Fatal(err)
		}
		if err := a.SeedDemo(ctx, reseller.ID); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		stop, err := a.StartDemoShops(ctx, reseller.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		page, err := a.Connections.List(ctx, connection.ListParams{AccountID: reseller.ID, Role: connection.RoleDestination})
		if err != nil || page.Total != int64(len(app.DemoFollows)) {
			t.Fatalf("connections: %+v %v; want %d", page, err, len(app.DemoFollows))
		}
		dests := map[int64]connection.StoreRef{}
		for _, c := range page.Items {
			cs, err := a.Orders.GetSettings(ctx, reseller.ID, c.ID)
			if err != nil || cs.Settings.PushMode != orders.PushAutomatic {
				t.Fatalf("demo order settings of %s following %s: %+v %v; want automatic push", c.Destination.Name, c.Source.Name, cs.Settings, err)
			}
			dests[c.Destination.ID] = c.Destination
		}
		// Both resellers' shops, on Shopify and WooCommerce, send their orders to the back office.
		for _, dest := range dests {
			link, err := a.BackOfficeLinks.Get(ctx, reseller.ID, dest.ID)
			if err != nil || !link.Enabled || link.Target != bolink.TargetBuiltIn || link.Settings.PrimaryRep != "demo@storesync.example" ||
				link.Settings.BusinessName != app.DemoBusinessName || link.Settings.JobType != bolink.JobDropship {
				t.Fatalf("the back-office link of demo shop %s: %+v %v; want enabled to the built-in back office", dest.Name, link, err)
			}
		}

		// then the demo serves: its jobs start, and the first poll keeps the shop's orders
		if err := a.Jobs.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Jobs.Stop(context.Background()) })
		var jobs, designed int
		var first time.Duration
		for deadline := start.Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
			if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM bo_jobs WHERE account_id = $1 AND external_ref LIKE 'storesync store %'
				AND status = 'pending' AND kind = 'dropship' AND description LIKE $2`, reseller.ID, app.DemoBusinessName+" %").Scan(&jobs); err != nil {
				t.Fatal(err)
			}
			if jobs > 0 && first == 0 {
				first = time.Since(start)
			}
			if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM bo_line_items l JOIN bo_jobs j ON j.id = l.job_id
				WHERE j.account_id = $1 AND j.external_ref LIKE 'storesync store %' AND l.sales_order_id IS NOT NULL AND l.design_name = $2`,
				reseller.ID, app.DemoLogo).Scan(&designed); err != nil {
				t.Fatal(err)
			}
			if jobs > 0 && designed > 0 {
				break
			}
			if time.Now().After(deadline) {
				var sends []string
				rows, _ := a.DB.Query(ctx, `SELECT status || ' ' || error FROM backoffice_sends`)
				for rows != nil && rows.Next() {
					var x string
					_ = rows.Scan(&x)
					sends = append(sends, x)
				}
				if rows != nil {
					rows.Close()
				}
				t.Fatalf("a minute into the demo: %d pending jobs of its orders, %d sales order lines of logo %q; sends %s",
					jobs, designed, app.DemoLogo, strings.Join(sends, "; "))
			}
		}
		// the card payments of paid orders are recorded: the sample lists have the card types
		var paid int
		if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM bo_payments p JOIN bo_sales_orders s ON s.id = p.sales_order_id
			JOIN bo_jobs j ON j.id = s.job_id WHERE j.account_id = $1 AND j.external_ref LIKE 'storesync store %'`, reseller.ID).Scan(&paid); err != nil || paid == 0 {
			t.Errorf("payments of the demo's jobs: %d, %v; want the card payments of paid orders", paid, err)
		}
		t.Logf("the demo's first back-office job %s after its start; %d jobs, %d lines with the logo, %d payments %s after",
			first.Round(time.Millisecond), jobs, designed, paid, time.Since(start).Round(time.Millisecond))
	})
}
