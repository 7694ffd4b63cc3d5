package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// storeView is one store on the Stores page, read live from its platform.
type storeView struct {
	Store    store.Store
	Shop     platform.ShopInfo
	Products []platform.Product
	More     bool
	Error    string
}

// stores shows the account's stores with what their platforms answer now: shop details and the
// first products. Each store is asked in parallel, with a time limit, so a slow one cannot stall
// the page.
func (h *dashboard) stores(w http.ResponseWriter, r *http.Request, p account.Principal) {
	list, err := h.Stores.List(r.Context(), store.ListParams{AccountID: p.AccountID})
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "listing stores", "account", p.AccountName, "error", err)
		http.Error(w, "cannot list stores right now; try again", http.StatusServiceUnavailable)
		return
	}
	views := make([]storeView, len(list))
	var wg sync.WaitGroup
	for i, st := range list {
		views[i].Store = st
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), 8*time.Second)
			defer cancel()
			views[i] = h.readStore(ctx, st)
		})
	}
	wg.Wait()
	data := map[string]any{"Account": p.AccountName, "Stores": views}
	if h.Ingest != nil {
		in, err := h.Ingest.List(r.Context(), p.AccountID, 20)
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
	if err == nil {
		v.Shop, err = c.Shop(ctx)
	}
	if err == nil {
		var page platform.Page[platform.Product]
		page, err = c.ListProducts(ctx, platform.ListParams{Limit: 8})
		v.Products, v.More = page.Items, page.NextCursor != ""
	}
	if err != nil {
		h.Logger.WarnContext(ctx, "reading store", "store", st.String(), "error", err)
		v.Error = err.Error()
	}
	return v
}
