package app

import (
	"context"

	"github.com/storesync/storesync/internal/reconcile"
)

// StartReconciliation records a reconciliation run of the account's connection, on demand, for
// the command line: the workers of a running server work it (the command only enqueues).
func (a *App) StartReconciliation(ctx context.Context, accountID, connectionID int64, full bool) (reconcile.Run, error) {
	return a.Reconcile.Start(ctx, reconcile.StartParams{AccountID: accountID, ConnectionID: connectionID, Full: full,
		Trigger: reconcile.TriggerDemand})
}
