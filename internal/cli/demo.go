package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
)

// The demo's login, printed at start.
const (
	DemoAccount  = "demo"
	DemoEmail    = "demo@storesync.example"
	DemoPassword = "demo-password"
)

func runDemo(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs, err := parse(env, "demo", "", args, &cfg, func(fs *flag.FlagSet) { cfg.Server(fs, "127.0.0.1:8443") })
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if _, ok := env.Getenv(config.EnvName("db")); !set["db"] && !ok {
		cfg.DB = "sqlite:" + filepath.Join(cfg.DataDir, "demo.db")
	}
	if cfg.TLSCert == "" {
		cfg.TLSSelfSigned = true
	}
	cfg.AllowHTTP = true // narrowed to loopback clients below
	a, err := open(ctx, env, cfg, true)
	if err != nil {
		return err
	}
	defer a.Close()
	acc, read, write, err := seedDemo(ctx, a)
	if err != nil {
		return fmt.Errorf("preparing the demo account: %w", err)
	}
	stopShops, err := a.StartDemoShops(ctx, acc.ID)
	if err != nil {
		return err
	}
	defer stopShops()
	return a.Serve(ctx, app.ServeOptions{
		AllowHTTPFrom: app.IsLoopback,
		Ready: func(url string) {
			if err := a.SubscribeDemoShops(ctx, acc.ID, url); err != nil {
				a.Logger.Error("subscribing the demo shops' webhooks", "error", err)
			}
			fmt.Fprintf(env.Stdout, "\nstoresync demo is running at %s (self-signed certificate: curl -k)\n", url)
			fmt.Fprintf(env.Stdout, "  dashboard login: %s / %s\n", DemoEmail, DemoPassword)
			fmt.Fprintf(env.Stdout, "  API reference:   %s/api/docs\n", url)
			fmt.Fprintf(env.Stdout, "  read key:        %s\n  write key:       %s\n", read, write)
			fmt.Fprintf(env.Stdout, "  try:             curl -k -H 'Authorization: Bearer %s' %s/api/v2/me\n\n", read, url)
		},
	})
}

// seedDemo makes the demo account and its user (once), and fresh demo keys (older demo keys are
// revoked, so the printed ones are the only live ones).
func seedDemo(ctx context.Context, a *app.App) (acc account.Account, read, write string, err error) {
	acc, err = a.Accounts.EnsureAccount(ctx, DemoAccount)
	if err != nil {
		return acc, "", "", err
	}
	_, err = a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: acc.ID, Email: DemoEmail, Name: "Demo User", Password: DemoPassword})
	if err != nil && !errors.Is(err, account.ErrExists) {
		return acc, "", "", err
	}
	keys, err := a.Accounts.ListKeys(ctx, acc.ID)
	if err != nil {
		return acc, "", "", err
	}
	for _, k := range keys {
		if k.RevokedAt == nil && (k.Name == "demo read" || k.Name == "demo write") {
			if err := a.Accounts.RevokeKey(ctx, account.KeyParams{AccountID: acc.ID, KeyID: k.ID}); err != nil && !errors.Is(err, database.ErrNotFound) {
				return acc, "", "", err
			}
		}
	}
	if _, read, err = a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "demo read", Permission: account.PermissionRead}); err != nil {
		return acc, "", "", err
	}
	if _, write, err = a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "demo write", Permission: account.PermissionReadWrite}); err != nil {
		return acc, "", "", err
	}
	return acc, read, write, a.SeedDemo(ctx, acc.ID)
}
