package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
)

// The demo's logins, printed at start: the reseller's account (demo), whose destination stores
// (Shopify and WooCommerce) follow the source stores of the supplier's account (Shopify and
// BigCommerce).
const (
	DemoAccount  = "demo"
	DemoEmail    = "demo@storesync.example"
	DemoPassword = "demo-password"

	DemoSupplierAccount  = "supplier"
	DemoSupplierEmail    = "supplier@storesync.example"
	DemoSupplierPassword = "supplier-password"
)

func runDemo(ctx context.Context, env Env, args []string) (err error) {
	cfg := config.Config{DBFile: "demo.db"}
	if err := parse(env, "demo", args, &cfg, func(fs *flag.FlagSet) { cfg.Server(fs, "127.0.0.1:8443") }); err != nil {
		return err
	}
	if cfg.TLSCert == "" {
		cfg.TLSSelfSigned = true
	}
	cfg.AllowHTTP = true // narrowed to loopback clients below
	if err := app.Preflight(ctx, cfg); err != nil {
		return err
	}
	a, err := open(ctx, env, cfg, true)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()
	acc, keys, err := seedDemo(ctx, a)
	if err != nil {
		return fmt.Errorf("preparing the demo account: %w", err)
	}
	supplier, err := ensureDemoUser(ctx, a, DemoSupplierAccount, DemoSupplierEmail, "Demo Supplier", DemoSupplierPassword)
	if err != nil {
		return fmt.Errorf("preparing the demo supplier account: %w", err)
	}
	stopShops, err := a.StartDemoShops(ctx, acc.ID, supplier.ID)
	if err != nil {
		return err
	}
	defer stopShops()
	return a.Serve(ctx, app.ServeOptions{
		AllowHTTPFrom: app.IsLoopback,
		Ready: func(url string) {
			for _, id := range []int64{acc.ID, supplier.ID} {
				if err := a.SubscribeDemoShops(ctx, id, url); err != nil {
					a.Logger.Error("subscribing the demo shops' webhooks", "error", err)
				}
			}
			fmt.Fprintf(env.Stdout, "\nstoresync demo is running at %s (self-signed certificate: curl -k)\n", url)
			fmt.Fprintf(env.Stdout, "  dashboard login: %s / %s (the reseller)\n", DemoEmail, DemoPassword)
			fmt.Fprintf(env.Stdout, "  supplier login:  %s / %s (its source stores; see Connections)\n", DemoSupplierEmail, DemoSupplierPassword)
			fmt.Fprintf(env.Stdout, "  API reference:   %s/api/docs\n", url)
			fmt.Fprintf(env.Stdout, "  read key:        %s\n  write key:       %s\n", keys.Read, keys.Write)
			fmt.Fprintf(env.Stdout, "  (the keys are kept in %s and stay the same across restarts)\n", demoKeysPath(cfg.DataDir))
			fmt.Fprintf(env.Stdout, "  try:             curl -k -H 'Authorization: Bearer %s' %s/api/v2/me\n\n", keys.Read, url)
		},
	})
}

// seedDemo makes the demo account and its user (once), and its two keys: the ones kept in the data
// directory while they still work, else new ones (older demo keys are then revoked, so the
// printed ones are the only live ones).
func seedDemo(ctx context.Context, a *app.App) (acc account.Account, keys demoKeys, err error) {
	acc, err = ensureDemoUser(ctx, a, DemoAccount, DemoEmail, "Demo User", DemoPassword)
	if err != nil {
		return acc, keys, err
	}
	keys, err = ensureDemoKeys(ctx, a.Accounts, acc.ID, a.Config.DataDir)
	if err != nil {
		return acc, keys, err
	}
	return acc, keys, a.SeedDemo(ctx, acc.ID)
}

// ensureDemoUser makes a demo account and its one user, once.
func ensureDemoUser(ctx context.Context, a *app.App, name, email, person, password string) (account.Account, error) {
	acc, err := a.Accounts.EnsureAccount(ctx, name)
	if err != nil {
		return acc, err
	}
	_, err = a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: acc.ID, Email: email, Name: person, Password: password})
	if err != nil && !errors.Is(err, account.ErrExists) {
		return acc, err
	}
	return acc, nil
}
