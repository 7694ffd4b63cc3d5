package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/orders"
)

// Flags on the order page: what a person has to look at after a cancellation or an edit of a
// pushed order, each with a Clear button.

func (h *dashboard) orderFlagRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	mux.Handle("POST /orders/{id}/flags/{flag_id}/clear", cop.Handler(h.authed(h.clearOrderFlag)))
}

// clearOrderFlag clears one flag of the order, naming the person who did.
func (h *dashboard) clearOrderFlag(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "order")
	if !ok {
		return
	}
	to := "/orders/" + strconv.FormatInt(id, 10)
	flagID, err := strconv.ParseInt(r.PathValue("flag_id"), 10, 64)
	if err != nil || flagID < 1 {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no such flag on this order.")
		return
	}
	by := "user " + strconv.FormatInt(p.UserID, 10)
	_, err = h.Orders.ClearFlag(r.Context(), p.AccountID, id, flagID, by)
	ce, isConflict := errors.AsType[*orders.ConflictError](err)
	switch {
	case err == nil:
		h.flash(w, r, to, account.Flash{Kind: "ok", Message: "Flag cleared."})
	case isConflict:
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Not cleared: " + ce.Message + "."})
	case errors.Is(err, database.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no such flag on this order.")
	default:
		h.Logger.ErrorContext(r.Context(), "clearing an order flag", "error", err)
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Cannot clear the flag right now; try again."})
	}
}

// flaggedFilter reads the Orders page's flagged filter: "" any, "true" or "false"; anything else
// is a bad filter.
func flaggedFilter(v string) (*bool, bool) {
	switch v {
	case "":
		return nil, true
	case "true", "false":
		b := v == "true"
		return &b, true
	}
	return nil, false
}
