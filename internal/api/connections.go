package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
)

// ConnectionStore is one side's store as the caller may see it: the other side's by name and
// store key only.
type ConnectionStore struct {
	StoreID  int64  `json:"store_id,omitempty" doc:"only on your own side"`
	Name     string `json:"name"`
	StoreKey string `json:"store_key"`
}

// DisconnectAction is what the destination chose when it last disconnected. The product work it
// implies (ending the links, deleting or zeroing the linked products) is carried out by a
// durable job, which marks it done; until then it is pending, and a reconnect cancels it.
type DisconnectAction struct {
	Products    string    `json:"products" enum:"keep,delete"`
	ZeroStock   bool      `json:"zero_stock"`
	Status      string    `json:"status" enum:"pending,done,cancelled" doc:"done when every step was carried out or failed; cancelled by a reconnect before then"`
	RequestedAt time.Time `json:"requested_at"`
	Total       int64     `json:"total" doc:"destination products whose links the disconnect ended: its steps"`
	Done        int64     `json:"done" doc:"steps carried out (a product already deleted, a stock already 0, count as done)"`
	Failed      int64     `json:"failed" doc:"steps that failed; error says the last reason"`
	Error       string    `json:"error,omitempty" doc:"the last failure, if any"`
}

// ConnectionCounts are what the connection carries.
type ConnectionCounts struct {
	LinkedProducts int64 `json:"linked_products" doc:"destination products linked to source products"`
	PushedOrders   int64 `json:"pushed_orders" doc:"destination orders pushed to the source store"`
}

// Connection is a connection as one side's account sees it. The destination's account also sees
// the product sync settings and the disconnect action; the source's does not.
type Connection struct {
	ID               int64             `json:"id"`
	Role             string            `json:"role" enum:"destination,source,both" doc:"your side; both when the two stores are yours"`
	State            string            `json:"state" enum:"connected,blocked,disconnected" doc:"blocked (by the source) wins over disconnected (by the destination)"`
	Destination      ConnectionStore   `json:"destination"`
	Source           ConnectionStore   `json:"source"`
	BlockedAt        *time.Time        `json:"blocked_at"`
	DisconnectedAt   *time.Time        `json:"disconnected_at"`
	DisconnectAction *DisconnectAction `json:"disconnect_action,omitempty" doc:"destination only: the last disconnect's choice"`
	Counts           ConnectionCounts  `json:"counts"`
	Settings         *catalog.Settings `json:"settings,omitempty" doc:"destination only"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
}

func connectionOut(c connection.Connection, accountID int64) Connection {
	role := c.RoleOf(accountID)
	out := Connection{ID: c.ID, Role: string(role), State: string(c.State),
		Destination: ConnectionStore{Name: c.Destination.Name, StoreKey: c.Destination.Key},
		Source:      ConnectionStore{Name: c.Source.Name, StoreKey: c.Source.Key},
		BlockedAt:   c.BlockedAt, DisconnectedAt: c.DisconnectedAt,
		Counts:    ConnectionCounts{LinkedProducts: c.LinkedProducts, PushedOrders: c.PushedOrders},
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if role == connection.RoleDestination || role == connection.RoleBoth {
		out.Destination.StoreID = c.Destination.ID
		s := c.Settings
		out.Settings = &s
		if d := c.Disconnect; d != nil {
			out.DisconnectAction = &DisconnectAction{Products: string(d.Products), ZeroStock: d.ZeroStock, Status: d.Status, RequestedAt: d.RequestedAt,
				Total: d.Total, Done: d.Done, Failed: d.Failed, Error: d.Error}
		}
	}
	if role == connection.RoleSource || role == connection.RoleBoth {
		out.Source.StoreID = c.Source.ID
	}
	return out
}

type connectionOutput struct {
	Body Connection
}

type createConnectionInput struct {
	Body struct {
		DestinationStoreID int64  `json:"destination_store_id" minimum:"1" doc:"your store that will follow the source"`
		SourceStoreKey     string `json:"source_store_key" minLength:"1" maxLength:"100" doc:"the source store's key, from its owner"`
	}
}

type createConnectionOutput struct {
	Location string `header:"Location"`
	Body     Connection
}

type listConnectionsInput struct {
	State   string `query:"state" enum:"connected,blocked,disconnected" doc:"only connections in this state"`
	Role    string `query:"role" enum:"destination,source" doc:"destination: your stores that follow others; source: your stores others follow"`
	StoreID int64  `query:"store_id" minimum:"0" doc:"only connections of this store of yours"`
	Page    int    `query:"page" minimum:"1" maximum:"1000000" default:"1" doc:"1-based page number; 10 results a page."`
	url     url.URL
}

// Resolve keeps the request URL, for the link to the next page.
func (in *listConnectionsInput) Resolve(ctx huma.Context) []error {
	in.url = ctx.URL()
	return nil
}

type connectionList struct {
	Body struct {
		Data    []Connection `json:"data" nullable:"false"`
		Page    int          `json:"page" minimum:"1"`
		PerPage int          `json:"per_page" doc:"Always 10."`
		Total   int64        `json:"total" doc:"Matches on all pages."`
		Next    *string      `json:"next" nullable:"true" doc:"Link to the next page, or null on the last."`
	}
}

type connectionIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type settingsInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body catalog.Settings
}

type disconnectInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Products  string `json:"products" enum:"keep,delete" doc:"keep: the links end and the products stay; delete: the linked products are removed from the destination"`
		ZeroStock bool   `json:"zero_stock,omitempty" doc:"with keep: set the kept products' stock to 0"`
	}
}

// connectionHandlers serve the operations on connections (routes.go lists them).
type connectionHandlers struct{ svc *connection.Service }

func (h connectionHandlers) register(hapi huma.API) {
	tags := []string{"Connections"}
	op := func(method, path, id, summary, desc string, status int, errs ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Description: desc,
			DefaultStatus: status, Errors: errs, Tags: tags}
	}
	huma.Register(hapi, op(http.MethodPost, "/api/v2/connections", "create-connection", "Connect a destination store to a source store",
		"Your destination store follows the store whose key you give; that store may belong to another account. "+
			"An unknown key is a 404 naming source_store_key; a store's own key, or a pair already connected, a 409.",
		http.StatusCreated, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity), h.create)
	huma.Register(hapi, op(http.MethodGet, "/api/v2/connections", "list-connections", "List connections",
		"The connections of your stores, on either side unless role says which; the other side's store shows by name and key only.",
		0), h.list)
	huma.Register(hapi, op(http.MethodGet, "/api/v2/connections/{id}", "get-connection", "Get a connection", "", 0), h.get)
	huma.Register(hapi, op(http.MethodPut, "/api/v2/connections/{id}/settings", "put-connection-settings", "Replace a connection's product sync settings",
		"The destination's account only. Every value is checked; each wrong one is named in the 422.",
		0, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity), h.putSettings)
	huma.Register(hapi, op(http.MethodPost, "/api/v2/connections/{id}/disconnect", "disconnect-connection", "Disconnect from the source",
		"The destination's account only (403 for the source's). The connection stops syncing and pushing at once and keeps its history; "+
			"every product link ends at once (kept as history, with ended_at and ended_reason) and the choice is recorded as the connection's pending "+
			"disconnect action (disconnect_action), which a durable job carries out, with its progress (total, done, failed): "+
			"keep leaves the products on the destination store (zero_stock sets their stock to 0), delete removes them from it. "+
			"When the last step is done the action is done. Run again, the job changes nothing more.",
		0), h.disconnect)
	huma.Register(hapi, op(http.MethodPost, "/api/v2/connections/{id}/reconnect", "reconnect-connection", "Reconnect to the source",
		"The destination's account only. A connection the source blocked cannot be reconnected (409) until the source unblocks it. "+
			"A disconnect action still pending is cancelled: its job stops before its next product (what it did stays done). "+
			"After a keep disconnect, a durable job reads each destination product again and restores, by identifier, the links it finds as they were; "+
			"a product or variant gone, or an identifier changed, is listed as a conflict (GET .../conflicts) to resolve or skip. "+
			"After a delete disconnect there is nothing to restore: import or map the products again.", 0), h.action(h.svc.Reconnect))
	huma.Register(hapi, op(http.MethodPost, "/api/v2/connections/{id}/block", "block-connection", "Block a destination",
		"The source's account only (403 for the destination's). The destination syncs nothing until unblocked and cannot undo it.", 0), h.action(h.svc.Block))
	huma.Register(hapi, op(http.MethodPost, "/api/v2/connections/{id}/unblock", "unblock-connection", "Unblock a destination",
		"The source's account only. A connection the destination disconnected meanwhile stays disconnected.", 0), h.action(h.svc.Unblock))
}

func (h connectionHandlers) create(ctx context.Context, in *createConnectionInput) (*createConnectionOutput, error) {
	a := AccountID(ctx)
	c, err := h.svc.Connect(ctx, connection.ConnectParams{AccountID: a, DestinationStoreID: in.Body.DestinationStoreID, SourceStoreKey: in.Body.SourceStoreKey})
	if err != nil {
		return nil, err
	}
	return &createConnectionOutput{Location: fmt.Sprintf("/api/v2/connections/%d", c.ID), Body: connectionOut(c, a)}, nil
}

func (h connectionHandlers) list(ctx context.Context, in *listConnectionsInput) (*connectionList, error) {
	a := AccountID(ctx)
	p, err := h.svc.List(ctx, connection.ListParams{AccountID: a, State: connection.State(in.State), Role: connection.Role(in.Role),
		StoreID: in.StoreID, Page: in.Page})
	if err != nil {
		return nil, err
	}
	out := &connectionList{}
	out.Body.Data = make([]Connection, 0, len(p.Items))
	for _, c := range p.Items {
		out.Body.Data = append(out.Body.Data, connectionOut(c, a))
	}
	out.Body.Page, out.Body.PerPage, out.Body.Total = p.Page, connection.PerPage, p.Total
	if p.HasNext() {
		v := in.url.Query()
		v.Set("page", strconv.Itoa(p.Page+1))
		next := in.url.Path + "?" + v.Encode()
		out.Body.Next = &next
	}
	return out, nil
}

func (h connectionHandlers) get(ctx context.Context, in *connectionIDInput) (*connectionOutput, error) {
	a := AccountID(ctx)
	c, err := h.svc.Get(ctx, connection.GetParams{AccountID: a, ID: in.ID})
	if err != nil {
		return nil, err
	}
	return &connectionOutput{Body: connectionOut(c, a)}, nil
}

func (h connectionHandlers) putSettings(ctx context.Context, in *settingsInput) (*connectionOutput, error) {
	a := AccountID(ctx)
	c, err := h.svc.UpdateSettings(ctx, connection.SettingsParams{AccountID: a, ID: in.ID, Settings: in.Body})
	if err != nil {
		return nil, err
	}
	return &connectionOutput{Body: connectionOut(c, a)}, nil
}

func (h connectionHandlers) disconnect(ctx context.Context, in *disconnectInput) (*connectionOutput, error) {
	a := AccountID(ctx)
	c, err := h.svc.Disconnect(ctx, connection.DisconnectParams{AccountID: a, ID: in.ID,
		Products: connection.Products(in.Body.Products), ZeroStock: in.Body.ZeroStock})
	if err != nil {
		return nil, err
	}
	return &connectionOutput{Body: connectionOut(c, a)}, nil
}

func (h connectionHandlers) action(fn func(context.Context, connection.GetParams) (connection.Connection, error)) func(context.Context, *connectionIDInput) (*connectionOutput, error) {
	return func(ctx context.Context, in *connectionIDInput) (*connectionOutput, error) {
		a := AccountID(ctx)
		c, err := fn(ctx, connection.GetParams{AccountID: a, ID: in.ID})
		if err != nil {
			return nil, err
		}
		return &connectionOutput{Body: connectionOut(c, a)}, nil
	}
}
