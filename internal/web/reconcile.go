package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/reconcile"
)

// Reconciliation on a connection's page: "Reconcile now" and the last runs with the drifts they
// fixed. The run is a job: the button starts it (or finds the one running) and the page says so.

func (h *dashboard) reconcileRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	if h.Reconcile == nil || h.Connections == nil {
		return
	}
	mux.Handle("POST /connections/{id}/reconcile", cop.Handler(h.authed(h.reconcileNow)))
}

// lastRuns are the connection's latest runs for its page (none when reconciliation is not
// wired, or the account is the source's).
func (h *dashboard) lastRuns(r *http.Request, p account.Principal, c connection.Connection) []reconcile.Run {
	if h.Reconcile == nil {
		return nil
	}
	if role := c.RoleOf(p.AccountID); role != connection.RoleDestination && role != connection.RoleBoth {
		return nil
	}
	runs, err := h.Reconcile.Runs(r.Context(), reconcile.RunsParams{AccountID: p.AccountID, ConnectionID: c.ID, Limit: 5})
	if err != nil {
		h.Logger.WarnContext(r.Context(), "reading reconciliations", "connection", c.ID, "error", err)
		return nil
	}
	return runs
}

func (h *dashboard) reconcileNow(w http.ResponseWriter, r *http.Request, p account.Principal) {
	c, ok := h.connectionOf(w, r, p)
	if !ok {
		return
	}
	run, err := h.Reconcile.Start(r.Context(), reconcile.StartParams{AccountID: p.AccountID, ConnectionID: c.ID,
		Full: r.PostFormValue("full") != "", Trigger: reconcile.TriggerDemand})
	to := fmt.Sprintf("/connections/%d#reconciliation", c.ID)
	if ce, ok := errors.AsType[*connection.Error](err); ok {
		h.flash(w, r, to, account.Flash{Kind: "err", Message: ce.Message})
		return
	}
	if err != nil {
		h.connectionsFailed(w, r, p, err)
		return
	}
	h.flash(w, r, to, account.Flash{Kind: "ok",
		Message: fmt.Sprintf("Reconciliation %d (%s) is %s: reload to follow it.", run.ID, run.Kind, run.State)})
}
