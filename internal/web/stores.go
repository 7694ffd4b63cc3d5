package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// storeReader is what the Stores page reads of a store's platform: who the shop is and its first
// products.
type storeReader interface {
	platform.ShopReader
	platform.CatalogReader
}

// storeView is one store on the Stores page, read live from its platform, with what ingest knows
// of its webhooks.
type storeView struct {
	Store    store.Store
	Shop     platform.ShopInfo
	Products []platform.Product
	More     bool
	Error    string
	Webhooks ingest.WebhookState
}

// storeRoutes adds the Stores page and its forms to mux.
func (h *dashboard) storeRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	mux.Handle("GET /stores", h.authed(h.stores))
	if h.Ingest == nil {
		return
	}
	mux.Handle("POST /stores/{id}/subscribe", cop.Handler(h.authed(h.subscribeStore)))
	mux.Handle("POST /stores/webhooks/{id}/retry", cop.Handler(h.authed(h.retryWebhook)))
}

// stores shows the account's stores with what their platforms answer now: shop details and the
// first products. Each store is asked in parallel, with a time limit, so a slow one cannot stall
// the page.
func (h *dashboard) stores(w http.ResponseWriter, r *http.Request, p account.Principal) {
	list, err := h.Stores.List(r.Context(), store.ListParams{AccountID: p.AccountID})
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "listing stores", "account", p.AccountName, "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot list the stores right now; try again.")
		return
	}
	states := map[int64]ingest.WebhookState{}
	if h.Ingest != nil {
		if states, err = h.Ingest.States(r.Context(), p.AccountID); err != nil {
			h.Logger.ErrorContext(r.Context(), "reading stores' webhook state", "account", p.AccountName, "error", err)
		}
	}
	views := make([]storeView, len(list))
	var wg sync.WaitGroup
	for i, st := range list {
		ctx, cancel := context.WithTimeout(r.Context(), 8*time.Second)
		wg.Go(func() {
			defer cancel()
			views[i] = h.readStore(ctx, st)
			views[i].Webhooks = states[st.ID]
		})
	}
	wg.Wait()
	data := map[string]any{"Account": p.AccountName, "Stores": views, "Decoration": h.Decoration != nil}
	if h.SyncRuns != nil { // sync.go: each store's "Stock comes from" form
		ids := make([]int64, len(list))
		for i, st := range list {
			ids[i] = st.ID
		}
		data["Masters"] = h.storeMasters(r, p, ids)
	}
	if h.Ingest != nil {
		in, err := h.Ingest.List(r.Context(), ingest.ListParams{AccountID: p.AccountID, Limit: 20})
		if err != nil {
			h.Logger.ErrorContext(r.Context(), "listing received webhooks", "account", p.AccountName, "error", err)
		}
		names := map[int64]string{}
		for _, st := range list {
			names[st.ID] = st.Name
		}
		data["Inbound"], data["StoreNames"] = in, names
	}
	h.render(w, r, "stores", http.StatusOK, data)
}

func (h *dashboard) readStore(ctx context.Context, st store.Store) storeView {
	v := storeView{Store: st}
	c, err := h.Stores.Client(st)
	var rd storeReader
	if err == nil {
		var ok bool
		if rd, ok = any(c).(storeReader); !ok {
			err = errors.New("this store's platform cannot be read")
		}
	}
	if err == nil {
		v.Shop, err = rd.Shop(ctx)
	}
	if err == nil {
		var page platform.Page[platform.Product]
		page, err = rd.ListProducts(ctx, platform.ListParams{Limit: 8})
		v.Products, v.More = page.Items, page.NextCursor != ""
	}
	if err != nil {
		h.Logger.WarnContext(ctx, "reading store", "store", st.String(), "error", err)
		v.Error = err.Error()
	}
	return v
}

// pathID reads the {id} of the path, or shows a not-found page saying what was looked for.
func (h *dashboard) pathID(w http.ResponseWriter, r *http.Request, what string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no "+what+" "+r.PathValue("id")+" in this account.")
		return 0, false
	}
	return id, true
}

// subscribeStore asks the store's platform, through a durable job, to deliver its webhooks here.
func (h *dashboard) subscribeStore(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "store")
	if !ok {
		return
	}
	err := h.Ingest.Subscribe(r.Context(), ingest.SubscribeParams{AccountID: p.AccountID, StoreID: id})
	h.afterForm(w, r, p, err, "store", "Webhook subscription requested: the store's state below shows when it is done.")
}

// retryWebhook processes a failed received webhook again.
func (h *dashboard) retryWebhook(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "received webhook")
	if !ok {
		return
	}
	err := h.Ingest.Retry(r.Context(), p.AccountID, id)
	if errors.Is(err, ingest.ErrNotFailed) {
		h.flash(w, r, "/stores", account.Flash{Kind: "err", Message: "That webhook has not failed: there is nothing to retry."})
		return
	}
	h.afterForm(w, r, p, err, "received webhook", "The failed webhook is being processed again.")
}

// afterForm sends the browser back to the Stores page saying what was done, or shows the error.
func (h *dashboard) afterForm(w http.ResponseWriter, r *http.Request, p account.Principal, err error, what, done string) {
	switch {
	case errors.Is(err, database.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no "+what+" "+r.PathValue("id")+" in this account.")
	case err != nil:
		h.Logger.ErrorContext(r.Context(), "stores page form", "account", p.AccountName, "what", what, "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot do that right now; try again.")
	default:
		h.flash(w, r, "/stores", account.Flash{Kind: "ok", Message: done})
	}
}
