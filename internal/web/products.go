package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/linking"
)

// The pages of a connection's products, for its destination's account: the source's products
// (read live, a page at a time, searchable, the synced ones marked) with Import selected, Import
// all and Map by identifier; the progress of the latest imports and maps; and the conflicts to
// resolve (pick the pair) or skip. Every form posts and redirects with a one-time message.

// linkingRoutes adds the product pages of connections to mux.
func (h *dashboard) linkingRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	if h.Linking == nil || h.Connections == nil {
		return
	}
	for _, p := range []string{"products", "conflicts"} {
		h.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).Funcs(connectionFuncs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	mux.Handle("GET /connections/{id}/products", h.authed(h.productsPage))
	mux.Handle("POST /connections/{id}/imports", cop.Handler(h.authed(h.startImport)))
	mux.Handle("POST /connections/{id}/map", cop.Handler(h.authed(h.startMap)))
	mux.Handle("GET /connections/{id}/conflicts", h.authed(h.conflictsPage))
	mux.Handle("POST /connections/{id}/conflicts/{cid}/resolve", cop.Handler(h.authed(h.conflictAction(true))))
	mux.Handle("POST /connections/{id}/conflicts/{cid}/skip", cop.Handler(h.authed(h.conflictAction(false))))
	h.linkRoutes(mux, cop)
}

// linkingRefused shows what a refused request says, on the connection's page or the one given.
func (h *dashboard) linkingRefused(w http.ResponseWriter, r *http.Request, p account.Principal, to string, err error) {
	if ce, ok := errors.AsType[*connection.Error](err); ok {
		if errors.Is(ce, connection.ErrNotFound) && strings.HasPrefix(ce.Message, "no connection") {
			h.fail(w, r, http.StatusNotFound, "Not found", "There is no connection "+r.PathValue("id")+" in this account.")
			return
		}
		h.flash(w, r, to, account.Flash{Kind: "err", Message: strings.ToUpper(ce.Message[:1]) + ce.Message[1:] + "."})
		return
	}
	h.Logger.ErrorContext(r.Context(), "connection products", "account", p.AccountName, "connection", r.PathValue("id"), "error", err)
	h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read or change the products of this connection right now; try again.")
}

// productsPage shows a page of the source's products and the latest runs.
func (h *dashboard) productsPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	c, ok := h.connectionOf(w, r, p)
	if !ok {
		return
	}
	data := map[string]any{"Account": p.AccountName, "AccountID": p.AccountID, "C": c, "Q": r.URL.Query().Get("q")}
	runs, err := h.Linking.ListRuns(r.Context(), linking.ListRunsParams{AccountID: p.AccountID, ConnectionID: c.ID, Limit: 5})
	if err != nil {
		h.linkingRefused(w, r, p, fmt.Sprintf("/connections/%d", c.ID), err)
		return
	}
	data["Runs"] = runs
	page, err := h.Linking.SourceProducts(r.Context(), linking.BrowseParams{AccountID: p.AccountID, ConnectionID: c.ID,
		Cursor: r.URL.Query().Get("cursor"), Query: r.URL.Query().Get("q")})
	var ce *connection.Error
	switch {
	case errors.As(err, &ce):
		data["BrowseError"] = ce.Message
	case err != nil:
		h.Logger.WarnContext(r.Context(), "browsing the source", "connection", c.ID, "error", err)
		data["BrowseError"] = "The source store cannot be read right now; try again in a moment."
	default:
		data["Products"], data["Next"] = page.Items, page.NextCursor
	}
	h.render(w, r, "products", http.StatusOK, data)
}

// startImport imports the products ticked, or all of them.
func (h *dashboard) startImport(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "connection")
	if !ok {
		return
	}
	to := fmt.Sprintf("/connections/%d/products", id)
	_ = r.ParseForm()
	all := r.PostFormValue("all") == "1"
	var ids []string
	if !all {
		ids = r.PostForm["product"]
	}
	run, err := h.Linking.StartImport(r.Context(), linking.ImportParams{AccountID: p.AccountID, ConnectionID: id, ProductIDs: ids, All: all})
	if err != nil {
		h.linkingRefused(w, r, p, to, err)
		return
	}
	what := fmt.Sprintf("%d products", run.Requested)
	if all {
		what = "every product of the source"
	}
	h.flash(w, r, to, account.Flash{Kind: "ok", Message: fmt.Sprintf("Import %d started: %s. Its progress shows below.", run.ID, what)})
}

// startMap maps existing destination products by the connection's identifier.
func (h *dashboard) startMap(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "connection")
	if !ok {
		return
	}
	to := fmt.Sprintf("/connections/%d/products", id)
	run, err := h.Linking.StartMap(r.Context(), linking.MapParams{AccountID: p.AccountID, ConnectionID: id})
	if err != nil {
		h.linkingRefused(w, r, p, to, err)
		return
	}
	h.flash(w, r, to, account.Flash{Kind: "ok", Message: fmt.Sprintf("Map %d started: products that match by identifier are linked; the rest are listed as conflicts.", run.ID)})
}

// conflictsPage lists the connection's conflicts, open ones first.
func (h *dashboard) conflictsPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	c, ok := h.connectionOf(w, r, p)
	if !ok {
		return
	}
	state := r.URL.Query().Get("state")
	if state != linking.ConflictResolved && state != linking.ConflictSkipped {
		state = linking.ConflictOpen
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pg, err := h.Linking.Conflicts(r.Context(), linking.ConflictsParams{AccountID: p.AccountID, ConnectionID: c.ID, State: state, Page: page})
	if err != nil {
		h.linkingRefused(w, r, p, fmt.Sprintf("/connections/%d", c.ID), err)
		return
	}
	next := 0
	if int64(pg.Page)*linking.PerPage < pg.Total {
		next = pg.Page + 1
	}
	h.render(w, r, "conflicts", http.StatusOK, map[string]any{"Account": p.AccountName, "AccountID": p.AccountID, "C": c,
		"State": state, "Conflicts": pg.Items, "Total": pg.Total, "NextPage": next})
}

// conflictAction resolves a conflict with the pair picked (resolve) or skips it.
func (h *dashboard) conflictAction(resolve bool) principalHandler {
	return func(w http.ResponseWriter, r *http.Request, p account.Principal) {
		id, ok := h.pathID(w, r, "connection")
		if !ok {
			return
		}
		cid, _ := strconv.ParseInt(r.PathValue("cid"), 10, 64)
		to := fmt.Sprintf("/connections/%d/conflicts", id)
		cp := linking.ConflictParams{AccountID: p.AccountID, ConnectionID: id, ID: cid}
		var err error
		msg := "Skipped: those products stay unlinked."
		if resolve {
			_, err = h.Linking.Resolve(r.Context(), linking.ResolveParams{ConflictParams: cp,
				SourceProductID: strings.TrimSpace(r.PostFormValue("source_product_id")), DestinationProductID: strings.TrimSpace(r.PostFormValue("destination_product_id"))})
			msg = "Resolved: the pair is linked."
		} else {
			_, err = h.Linking.Skip(r.Context(), cp)
		}
		if err != nil {
			h.linkingRefused(w, r, p, to, err)
			return
		}
		h.flash(w, r, to, account.Flash{Kind: "ok", Message: msg})
	}
}
