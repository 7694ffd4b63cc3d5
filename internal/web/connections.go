package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/store"
)

// The Connections pages: a store's connections to its sources in three lists (connected,
// blocked, disconnected) with a form to add one by store key; the destinations that follow the
// account's stores, with Block and Unblock; and per connection its settings, Disconnect and
// Reconnect. Every form posts and redirects (post-redirect-get) with a one-time message, except a
// form with wrong values, which is shown again with each error beside its field.

// connectionRoutes adds the Connections pages and forms to mux.
func (h *dashboard) connectionRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	if h.Connections == nil {
		return
	}
	for _, p := range []string{"connections", "connection"} {
		h.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).Funcs(connectionFuncs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	mux.Handle("GET /connections", h.authed(h.connections))
	mux.Handle("POST /connections", cop.Handler(h.authed(h.addConnection)))
	mux.Handle("GET /connections/{id}", h.authed(h.connectionPage))
	mux.Handle("POST /connections/{id}/settings", cop.Handler(h.authed(h.saveSettings)))
	for _, a := range []connection.Action{connection.ActDisconnect, connection.ActReconnect, connection.ActBlock, connection.ActUnblock} {
		mux.Handle("POST /connections/{id}/"+string(a), cop.Handler(h.authed(h.connectionAction(a))))
	}
}

var connectionFuncs = template.FuncMap{
	"list": func(v ...string) []string { return v },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m
	},
	"isDest": func(c connection.Connection, accountID int64) bool {
		r := c.RoleOf(accountID)
		return r == connection.RoleDestination || r == connection.RoleBoth
	},
	"isSource": func(c connection.Connection, accountID int64) bool {
		r := c.RoleOf(accountID)
		return r == connection.RoleSource || r == connection.RoleBoth
	},
}

// maxListed bounds what one page shows of each list.
const maxListed = 20 * connection.PerPage

// allConnections reads the pages of a list, up to maxListed connections.
func (h *dashboard) allConnections(ctx context.Context, p connection.ListParams) ([]connection.Connection, bool, error) {
	var out []connection.Connection
	for p.Page = 1; ; p.Page++ {
		page, err := h.Connections.List(ctx, p)
		if err != nil {
			return nil, false, err
		}
		out = append(out, page.Items...)
		if !page.HasNext() {
			return out, false, nil
		}
		if len(out) >= maxListed {
			return out, true, nil
		}
	}
}

// connections shows the account's connections: for one store (?store=ID) or all of them.
func (h *dashboard) connections(w http.ResponseWriter, r *http.Request, p account.Principal) {
	h.connectionsPage(w, r, p, http.StatusOK, nil)
}

func (h *dashboard) connectionsPage(w http.ResponseWriter, r *http.Request, p account.Principal, status int, extra map[string]any) {
	ctx := r.Context()
	stores, err := h.Stores.List(ctx, store.ListParams{AccountID: p.AccountID})
	if err != nil {
		h.connectionsFailed(w, r, p, err)
		return
	}
	var storeID int64
	var current *store.Store
	if v := r.URL.Query().Get("store"); v != "" {
		storeID, _ = strconv.ParseInt(v, 10, 64)
		for i := range stores {
			if stores[i].ID == storeID {
				current = &stores[i]
			}
		}
		if current == nil {
			h.fail(w, r, http.StatusNotFound, "Not found", "There is no store "+v+" in this account.")
			return
		}
	}
	data := map[string]any{"Account": p.AccountName, "AccountID": p.AccountID, "Stores": stores, "Current": current}
	lists := map[string]connection.ListParams{
		"Connected":    {State: connection.StateConnected, Role: connection.RoleDestination},
		"Blocked":      {State: connection.StateBlocked, Role: connection.RoleDestination},
		"Disconnected": {State: connection.StateDisconnected, Role: connection.RoleDestination},
		"Destinations": {Role: connection.RoleSource},
	}
	for name, lp := range lists {
		lp.AccountID, lp.StoreID = p.AccountID, storeID
		items, more, err := h.allConnections(ctx, lp)
		if err != nil {
			h.connectionsFailed(w, r, p, err)
			return
		}
		data[name], data[name+"More"] = items, more
	}
	maps.Copy(data, extra)
	h.render(w, r, "connections", status, data)
}

func (h *dashboard) connectionsFailed(w http.ResponseWriter, r *http.Request, p account.Principal, err error) {
	h.Logger.ErrorContext(r.Context(), "reading connections", "account", p.AccountName, "error", err)
	h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the connections right now; try again.")
}

// addConnection connects one of the account's stores to the store whose key was entered.
func (h *dashboard) addConnection(w http.ResponseWriter, r *http.Request, p account.Principal) {
	destID, _ := strconv.ParseInt(r.PostFormValue("destination_store_id"), 10, 64)
	key := r.PostFormValue("source_store_key")
	c, err := h.Connections.Connect(r.Context(), connection.ConnectParams{AccountID: p.AccountID, DestinationStoreID: destID, SourceStoreKey: key})
	if ce, ok := errors.AsType[*connection.Error](err); ok {
		h.connectionsPage(w, r, p, refusedStatus(ce), map[string]any{"AddError": ce.Message, "AddField": ce.Field, "Key": key, "DestID": destID})
		return
	}
	if err != nil {
		h.connectionsFailed(w, r, p, err)
		return
	}
	h.flash(w, r, fmt.Sprintf("/connections/%d", c.ID), account.Flash{Kind: "ok",
		Message: fmt.Sprintf("%s now follows %s. Set its product sync settings below.", c.Destination.Name, c.Source.Name)})
}

// refusedStatus is the status of a page that shows a refused request.
func refusedStatus(ce *connection.Error) int {
	switch {
	case errors.Is(ce, connection.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(ce, connection.ErrConflict):
		return http.StatusConflict
	case errors.Is(ce, connection.ErrForbidden):
		return http.StatusForbidden
	}
	return http.StatusUnprocessableEntity
}

// connectionOf reads the connection of the path, or shows a not-found page.
func (h *dashboard) connectionOf(w http.ResponseWriter, r *http.Request, p account.Principal) (connection.Connection, bool) {
	id, ok := h.pathID(w, r, "connection")
	if !ok {
		return connection.Connection{}, false
	}
	c, err := h.Connections.Get(r.Context(), connection.GetParams{AccountID: p.AccountID, ID: id})
	switch {
	case errors.Is(err, connection.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no connection "+r.PathValue("id")+" in this account.")
		return connection.Connection{}, false
	case err != nil:
		h.connectionsFailed(w, r, p, err)
		return connection.Connection{}, false
	}
	return c, true
}

// connectionPage shows one connection with the forms its side may use.
func (h *dashboard) connectionPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	c, ok := h.connectionOf(w, r, p)
	if !ok {
		return
	}
	h.renderConnection(w, r, p, c, http.StatusOK, formOf(c.Settings), nil)
}

func (h *dashboard) renderConnection(w http.ResponseWriter, r *http.Request, p account.Principal, c connection.Connection, status int, f settingsForm, errs map[string]string, extra ...map[string]any) {
	data := map[string]any{"Account": p.AccountName, "AccountID": p.AccountID, "C": c,
		"Form": f, "Errors": errs, "Attributes": attributeFields, "Runs": h.lastRuns(r, p, c), "Reconciles": h.Reconcile != nil}
	for _, x := range extra {
		maps.Copy(data, x)
	}
	h.orderData(r, p, c, data) // the order settings and report forms (order_settings.go)
	if role := c.RoleOf(p.AccountID); role == connection.RoleDestination || role == connection.RoleBoth {
		// the source's locations, read live, for the checkboxes of the locations that count
		locs, err := h.Connections.SourceLocations(r.Context(), connection.GetParams{AccountID: p.AccountID, ID: c.ID})
		if err != nil {
			h.Logger.WarnContext(r.Context(), "reading the source's locations", "connection", c.ID, "error", err)
			data["LocationsError"] = "The source store's locations cannot be read right now: the locations chosen stay as they are."
		}
		data["Locations"] = locs
	}
	if role := c.RoleOf(p.AccountID); h.Inventory != nil && (role == connection.RoleDestination || role == connection.RoleBoth) {
		held, err := h.Inventory.Reservations(r.Context(), inventory.ListReservationsParams{AccountID: p.AccountID, ConnectionID: c.ID,
			State: inventory.ReservationHeld, Limit: heldListed})
		if err != nil {
			h.connectionsFailed(w, r, p, err)
			return
		}
		data["Held"] = held
	}
	h.render(w, r, "connection", status, data)
}

// heldListed is how many held reservations the connection page lists (it counts them all).
const heldListed = 5

// saveSettings replaces the connection's settings, or shows the form again with its errors.
func (h *dashboard) saveSettings(w http.ResponseWriter, r *http.Request, p account.Principal) {
	c, ok := h.connectionOf(w, r, p)
	if !ok {
		return
	}
	f, errs := parseSettingsForm(r)
	if len(errs) == 0 {
		_, err := h.Connections.UpdateSettings(r.Context(), connection.SettingsParams{AccountID: p.AccountID, ID: c.ID, Settings: f.Settings})
		var ve *catalog.ValidationError
		var ce *connection.Error
		switch {
		case errors.As(err, &ve):
			errs = map[string]string{}
			for _, fe := range ve.Fields {
				errs[fe.Field] = fe.Message
			}
		case errors.As(err, &ce):
			h.flash(w, r, fmt.Sprintf("/connections/%d", c.ID), account.Flash{Kind: "err", Message: ce.Message})
			return
		case err != nil:
			h.connectionsFailed(w, r, p, err)
			return
		default:
			h.flash(w, r, fmt.Sprintf("/connections/%d", c.ID), account.Flash{Kind: "ok", Message: "Product sync settings saved."})
			return
		}
	}
	h.renderConnection(w, r, p, c, http.StatusUnprocessableEntity, f, errs)
}

var actionDone = map[connection.Action]string{
	connection.ActDisconnect: "Disconnected: nothing syncs or is pushed any more. What becomes of the linked products is recorded and carried out in the background.",
	connection.ActReconnect:  "Reconnected: the connection syncs again.",
	connection.ActBlock:      "Blocked: this destination syncs nothing from your store until you unblock it.",
	connection.ActUnblock:    "Unblocked.",
}

// connectionAction runs one state change and says what it did, or why it was refused.
func (h *dashboard) connectionAction(a connection.Action) principalHandler {
	return func(w http.ResponseWriter, r *http.Request, p account.Principal) {
		c, ok := h.connectionOf(w, r, p)
		if !ok {
			return
		}
		gp := connection.GetParams{AccountID: p.AccountID, ID: c.ID}
		var err error
		switch a {
		case connection.ActDisconnect:
			_, err = h.Connections.Disconnect(r.Context(), connection.DisconnectParams{AccountID: p.AccountID, ID: c.ID,
				Products: connection.Products(r.PostFormValue("products")), ZeroStock: r.PostFormValue("zero_stock") == "on"})
		case connection.ActReconnect:
			_, err = h.Connections.Reconnect(r.Context(), gp)
		case connection.ActBlock:
			_, err = h.Connections.Block(r.Context(), gp)
		case connection.ActUnblock:
			_, err = h.Connections.Unblock(r.Context(), gp)
		}
		to := fmt.Sprintf("/connections/%d", c.ID)
		var ce *connection.Error
		switch {
		case errors.As(err, &ce):
			h.flash(w, r, to, account.Flash{Kind: "err", Message: strings.ToUpper(ce.Message[:1]) + ce.Message[1:] + "."})
		case err != nil:
			h.connectionsFailed(w, r, p, err)
		default:
			h.flash(w, r, to, account.Flash{Kind: "ok", Message: actionDone[a]})
		}
	}
}
