package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
)

// The back office's inventory items: a search over SKU, barcode and description listing on hand,
// committed and available (an oversold item is marked, never hidden), and one item with its
// stock history, newest first. Like the other back-office pages they change nothing; stock is
// adjusted through the Open API and the sync cycle. backoffice_browse.go registers them.

// boItemsPage lists the account's inventory items matching q, in SKU order.
func (h *dashboard) boItemsPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	q := r.URL.Query()
	sp := backoffice.SearchItemsParams{AccountID: p.AccountID, Q: strings.TrimSpace(q.Get("q"))}
	var bad filterErrors
	sp.Page = bad.page(q)
	if len(sp.Q) > 100 {
		bad = append(bad, "q: give at most 100 characters")
	}
	data := map[string]any{"Account": p.AccountName, "Q": sp.Q}
	if len(bad) > 0 {
		data["FilterError"] = strings.Join(bad, "; ")
		h.render(w, r, "bo_items", http.StatusUnprocessableEntity, data)
		return
	}
	got, err := h.BackOffice.SearchItems(r.Context(), sp)
	if err != nil {
		h.boUnavailable(w, r, "searching back-office inventory items", err)
		return
	}
	data["Items"], data["Total"], data["Page"] = got.Items, got.Total, got.Page
	if got.HasNext() {
		data["Next"] = nextPage("/back-office/items", q, got.Page)
	}
	h.render(w, r, "bo_items", http.StatusOK, data)
}

// boItemPage shows one inventory item and a page of its stock history.
func (h *dashboard) boItemPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "inventory item")
	if !ok {
		return
	}
	q := r.URL.Query()
	var bad filterErrors
	page := bad.page(q)
	ctx := r.Context()
	it, err := h.BackOffice.GetItem(ctx, backoffice.GetItemParams{AccountID: p.AccountID, ID: id})
	if errors.Is(err, database.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no inventory item "+r.PathValue("id")+" in this account.")
		return
	}
	if err != nil {
		h.boUnavailable(w, r, "reading a back-office inventory item", err)
		return
	}
	data := map[string]any{"Account": p.AccountName, "Item": it}
	if len(bad) > 0 {
		data["FilterError"] = strings.Join(bad, "; ")
		h.render(w, r, "bo_item", http.StatusUnprocessableEntity, data)
		return
	}
	hist, err := h.BackOffice.History(ctx, backoffice.HistoryParams{AccountID: p.AccountID, ItemID: id, Page: page})
	if err != nil {
		h.boUnavailable(w, r, "reading an inventory item's history", err)
		return
	}
	data["History"], data["Total"] = hist.Items, hist.Total
	if hist.HasNext() {
		data["Next"] = nextPage(r.URL.Path, q, hist.Page)
	}
	h.render(w, r, "bo_item", http.StatusOK, data)
}
