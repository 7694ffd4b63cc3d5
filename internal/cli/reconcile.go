package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
)

// runReconcile starts a reconciliation of one of the account's connections. The run is a
// durable job: a running server's workers do it, and its progress and drifts are on the API and
// the connection's page.
func runReconcile(ctx context.Context, env Env, args []string) error {
	var conn int64
	var full bool
	return accountCommand(ctx, env, "reconcile", args, func(fs *flag.FlagSet) {
		fs.Int64Var(&conn, "connection", 0, "the connection's id (its destination store is the account's)")
		fs.BoolVar(&full, "full", false, "a full pass through the source's export instead of an incremental run")
	}, func() error {
		if conn <= 0 {
			return errors.New("--connection is required: a connection id")
		}
		return nil
	}, func(a *app.App, acc account.Account) error {
		r, err := a.StartReconciliation(ctx, acc.ID, conn, full)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "reconciliation %d of connection %d (%s) is %s; a running server works it: GET /api/v2/reconciliations/%d\n",
			r.ID, conn, r.Kind, r.State, r.ID)
		return nil
	})
}
