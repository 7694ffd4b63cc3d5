package connection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/store"
)

// PerPage is the size of a page of connections, as of every list of the v2 API.
const PerPage = 10

// MaxPage bounds the page number so the offset cannot overflow.
const MaxPage = 1_000_000

// Service manages connections.
type Service struct {
	db     *database.DB
	stores *store.Service
	events Publisher
	now    func() time.Time
	hooks  []TransitHook

	settingsHooks []SettingsHook
}

// SettingsHook runs in the transaction of a settings change, after the connection is written,
// with the connection before and after it; an error undoes the change.
type SettingsHook func(ctx context.Context, tx database.Tx, before, after Connection) error

// OnSettings adds a hook run on every settings change. Call it while wiring, before serving.
func (s *Service) OnSettings(h SettingsHook) { s.settingsHooks = append(s.settingsHooks, h) }

// TransitHook runs in the transaction of a state change, after the connection is written: the
// disconnect work (internal/linking) records its steps and enqueues its job there, so a change
// and the work it implies commit together or not at all. An error undoes the change.
type TransitHook func(ctx context.Context, tx database.Tx, c Connection, a Action) error

// OnTransit adds a hook run on every state change (disconnect, reconnect, block, unblock). Call
// it while wiring, before serving.
func (s *Service) OnTransit(h TransitHook) { s.hooks = append(s.hooks, h) }

// NewService returns a Service. events nil publishes nothing (tests of other domains).
func NewService(db *database.DB, stores *store.Service, events Publisher, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, stores: stores, events: events, now: now}
}

// ConnectParams connect the account's destination store to the store whose key is given.
type ConnectParams struct {
	AccountID          int64
	DestinationStoreID int64
	SourceStoreKey     string
}

// Connect makes a connection, connected, with the default settings (catalog.Default). The source
// may be any account's store: knowing its key is what lets a reseller connect, as on the
// platforms merchants use today.
func (s *Service) Connect(ctx context.Context, p ConnectParams) (Connection, error) {
	key := strings.TrimSpace(p.SourceStoreKey)
	if key == "" {
		return Connection{}, refuse(ErrInvalid, "source_store_key", "give the source store's key (store_...), as its owner sees it on its Stores page")
	}
	dest, err := s.stores.Get(ctx, store.GetParams{AccountID: p.AccountID, ID: p.DestinationStoreID})
	if errors.Is(err, database.ErrNotFound) {
		return Connection{}, refuse(ErrNotFound, "destination_store_id", fmt.Sprintf("no store %d in this account", p.DestinationStoreID))
	}
	if err != nil {
		return Connection{}, fmt.Errorf("connecting: %w", err)
	}
	src, err := s.stores.ByKey(ctx, key)
	if errors.Is(err, database.ErrNotFound) {
		return Connection{}, refuse(ErrNotFound, "source_store_key", "no store has this store key: check it with the source store's owner")
	}
	if err != nil {
		return Connection{}, fmt.Errorf("connecting: %w", err)
	}
	if src.ID == dest.ID {
		return Connection{}, refuse(ErrConflict, "source_store_key", "this is the destination store's own key: a store cannot connect to itself")
	}
	settings, err := json.Marshal(catalog.Default())
	if err != nil {
		return Connection{}, fmt.Errorf("connecting: %w", err)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var c Connection
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		id, err := insert(ctx, tx, dest.ID, src.ID, settings, now)
		if err != nil {
			return err
		}
		if c, err = getScoped(ctx, tx, p.AccountID, id); err != nil {
			return err
		}
		return s.publish(ctx, tx, c, "connection.created")
	})
	if database.IsUniqueViolation(err) {
		id, st, ferr := existing(ctx, s.db, dest.ID, src.ID)
		if ferr != nil {
			return Connection{}, fmt.Errorf("connecting: %w", errors.Join(err, ferr))
		}
		return Connection{}, refuse(ErrConflict, "source_store_key",
			fmt.Sprintf("%s is already connected to this source: connection %d, %s", dest.Name, id, st))
	}
	if database.IsForeignKeyViolation(err) { // a store removed meanwhile
		return Connection{}, refuse(ErrNotFound, "source_store_key", "no store has this store key")
	}
	if err != nil {
		return Connection{}, fmt.Errorf("connecting %s: %w", dest, err)
	}
	return c, nil
}

// GetParams name one connection the account is a side of.
type GetParams struct {
	AccountID int64
	ID        int64
}

// Get returns a connection the account is a side of.
func (s *Service) Get(ctx context.Context, p GetParams) (Connection, error) {
	return getScoped(ctx, s.db, p.AccountID, p.ID)
}

// ListParams select a page of the account's connections.
type ListParams struct {
	AccountID int64
	State     State // "": any
	Role      Role  // destination: the account's stores that follow others; source: that others follow; "": both
	StoreID   int64 // 0: any of the account's stores; else connections where this store of the account is a side
	Page      int   // 1-based
}

// Page is one page of connections; Total counts every match.
type Page struct {
	Items []Connection
	Page  int
	Total int64
}

// HasNext reports whether a page follows.
func (p Page) HasNext() bool { return int64(p.Page)*PerPage < p.Total }

// List returns a page of the account's connections, oldest first.
func (s *Service) List(ctx context.Context, p ListParams) (Page, error) {
	if p.State != "" && !p.State.Valid() {
		return Page{}, refuse(ErrInvalid, "state", fmt.Sprintf("state %q: use connected, blocked or disconnected", p.State))
	}
	if p.Role != "" && p.Role != RoleDestination && p.Role != RoleSource {
		return Page{}, refuse(ErrInvalid, "role", fmt.Sprintf("role %q: use destination or source", p.Role))
	}
	p.Page = min(max(p.Page, 1), MaxPage)
	items, total, err := list(ctx, s.db, p, PerPage)
	if err != nil {
		return Page{}, err
	}
	return Page{Items: items, Page: p.Page, Total: total}, nil
}

// SettingsParams replace a connection's product sync settings.
type SettingsParams struct {
	AccountID int64
	ID        int64
	Settings  catalog.Settings
}

// UpdateSettings replaces the settings, after checking every value (a *catalog.ValidationError
// names each wrong one; source locations are checked against the source store's, read from it
// when they change). Only the destination's account has settings: they are its business.
// They may be changed in any state, so a reseller can prepare them before reconnecting. The
// settings hooks run in the transaction of the change (the inventory decides its quantities
// again there).
func (s *Service) UpdateSettings(ctx context.Context, p SettingsParams) (Connection, error) {
	if err := p.Settings.Validate(); err != nil {
		return Connection{}, err
	}
	if err := s.checkLocations(ctx, p); err != nil {
		return Connection{}, err
	}
	var before Connection
	hooks := func(ctx context.Context, tx database.Tx, c Connection) error {
		for _, h := range s.settingsHooks {
			if err := h(ctx, tx, before, c); err != nil {
				return err
			}
		}
		return nil
	}
	return s.change(ctx, p.AccountID, p.ID, "connection.settings_updated", hooks, func(c *Connection, role Role) error {
		if role != RoleDestination && role != RoleBoth {
			return refuse(ErrForbidden, "", "only the destination store's account sets a connection's product sync settings")
		}
		before = *c
		c.Settings = p.Settings
		return nil
	})
}

// DisconnectParams disconnect a connection, saying what becomes of the linked products.
type DisconnectParams struct {
	AccountID int64
	ID        int64
	Products  Products
	ZeroStock bool // keep only: set the kept products' stock to 0
}

// Disconnect stops the connection syncing and records the destination's choice as its pending
// disconnect action, numbered after the last one; the product work it implies is decided and
// enqueued by the transit hooks in the same transaction (internal/linking's disconnect job),
// which mark the action done.
func (s *Service) Disconnect(ctx context.Context, p DisconnectParams) (Connection, error) {
	switch {
	case p.Products != ProductsKeep && p.Products != ProductsDelete:
		return Connection{}, refuse(ErrInvalid, "products", fmt.Sprintf("products %q: use keep or delete", p.Products))
	case p.Products == ProductsDelete && p.ZeroStock:
		return Connection{}, refuse(ErrInvalid, "zero_stock", "deleted products have no stock to set to 0: zero_stock goes with products keep")
	}
	return s.transit(ctx, p.AccountID, p.ID, ActDisconnect, func(c *Connection) {
		var seq int64
		if c.Disconnect != nil {
			seq = c.Disconnect.Seq
		}
		c.Disconnect = &DisconnectAction{Products: p.Products, ZeroStock: p.ZeroStock, Status: DisconnectPending, RequestedAt: *c.DisconnectedAt, Seq: seq + 1}
	})
}

// Reconnect makes a disconnected connection sync again; a disconnect action not yet carried out
// is cancelled.
func (s *Service) Reconnect(ctx context.Context, p GetParams) (Connection, error) {
	return s.transit(ctx, p.AccountID, p.ID, ActReconnect, func(c *Connection) {
		if c.Disconnect != nil && c.Disconnect.Status == DisconnectPending {
			c.Disconnect.Status = DisconnectCancelled
		}
	})
}

// Block stops a destination following the account's source store; only the source's account can
// undo it.
func (s *Service) Block(ctx context.Context, p GetParams) (Connection, error) {
	return s.transit(ctx, p.AccountID, p.ID, ActBlock, nil)
}

// Unblock lifts the source's block; a connection the destination disconnected stays disconnected.
func (s *Service) Unblock(ctx context.Context, p GetParams) (Connection, error) {
	return s.transit(ctx, p.AccountID, p.ID, ActUnblock, nil)
}

// transit applies a state action, then after (if any) to the changed connection.
func (s *Service) transit(ctx context.Context, accountID, id int64, a Action, after func(c *Connection)) (Connection, error) {
	hooks := func(ctx context.Context, tx database.Tx, c Connection) error {
		for _, h := range s.hooks {
			if err := h(ctx, tx, c, a); err != nil {
				return err
			}
		}
		return nil
	}
	return s.change(ctx, accountID, id, "connection."+eventVerb[a], hooks, func(c *Connection, role Role) error {
		f, err := transition(flags{blocked: c.BlockedAt != nil, disconnected: c.DisconnectedAt != nil}, role, a)
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		c.BlockedAt, c.DisconnectedAt = keepOrSet(c.BlockedAt, f.blocked, now), keepOrSet(c.DisconnectedAt, f.disconnected, now)
		c.State = f.state()
		if after != nil {
			after(c)
		}
		return nil
	})
}

var eventVerb = map[Action]string{ActDisconnect: "disconnected", ActReconnect: "reconnected", ActBlock: "blocked", ActUnblock: "unblocked"}

func keepOrSet(t *time.Time, on bool, now time.Time) *time.Time {
	switch {
	case !on:
		return nil
	case t != nil:
		return t
	}
	return &now
}

// change reads the connection in a transaction, lets fn decide and modify it, writes it if no one
// changed it meanwhile, runs after (if any) on what was written, and publishes eventType to both
// sides' accounts, all in that transaction.
func (s *Service) change(ctx context.Context, accountID, id int64, eventType string, after func(context.Context, database.Tx, Connection) error,
	fn func(c *Connection, role Role) error) (Connection, error) {
	var out Connection
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		c, err := getScoped(ctx, tx, accountID, id)
		if err != nil {
			return err
		}
		if err := fn(&c, c.RoleOf(accountID)); err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		ok, err := update(ctx, tx, c, now)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(ErrConflict, "", "the connection was changed at the same time: read it again and retry")
		}
		c.Version++
		c.UpdatedAt = now
		if after != nil {
			if err := after(ctx, tx, c); err != nil {
				return err
			}
			// the hooks may have written the row (the disconnect's progress): read it as it is now
			if c, err = getScoped(ctx, tx, accountID, id); err != nil {
				return err
			}
		}
		out = c
		return s.publish(ctx, tx, c, eventType)
	})
	if err != nil {
		return Connection{}, err
	}
	return out, nil
}

// Event is the payload of a connection.* event, as one side's account may see it: the other
// side's store by name and key only, and the disconnect choice only for the destination.
type Event struct {
	ConnectionID int64       `json:"connection_id"`
	Role         Role        `json:"role"`
	State        State       `json:"state"`
	Destination  EventStore  `json:"destination"`
	Source       EventStore  `json:"source"`
	Disconnect   *EventDisco `json:"disconnect,omitempty"`
}

// EventStore is a side's store in an event; StoreID only on the account's own side.
type EventStore struct {
	StoreID  int64  `json:"store_id,omitempty"`
	Name     string `json:"name"`
	StoreKey string `json:"store_key"`
}

// EventDisco is the disconnect choice in an event.
type EventDisco struct {
	Products  Products `json:"products"`
	ZeroStock bool     `json:"zero_stock"`
	Status    string   `json:"status"`
}

// EventFor is c as accountID's side sees it.
func EventFor(c Connection, accountID int64) Event {
	role := c.RoleOf(accountID)
	e := Event{ConnectionID: c.ID, Role: role, State: c.State,
		Destination: EventStore{Name: c.Destination.Name, StoreKey: c.Destination.Key},
		Source:      EventStore{Name: c.Source.Name, StoreKey: c.Source.Key}}
	if role == RoleDestination || role == RoleBoth {
		e.Destination.StoreID = c.Destination.ID
		if d := c.Disconnect; d != nil {
			e.Disconnect = &EventDisco{Products: d.Products, ZeroStock: d.ZeroStock, Status: d.Status}
		}
	}
	if role == RoleSource || role == RoleBoth {
		e.Source.StoreID = c.Source.ID
	}
	return e
}

// publish records the event for each side's account (once when both are the same; settings
// changes for the destination's only).
func (s *Service) publish(ctx context.Context, tx database.Tx, c Connection, eventType string) error {
	if s.events == nil {
		return nil
	}
	accounts := []int64{c.Destination.AccountID}
	// the settings are the destination's business: the source is not told they changed
	if c.Source.AccountID != c.Destination.AccountID && eventType != "connection.settings_updated" {
		accounts = append(accounts, c.Source.AccountID)
	}
	for _, a := range accounts {
		if _, err := s.events.Publish(ctx, tx, a, eventType, EventFor(c, a)); err != nil {
			return fmt.Errorf("publishing %s: %w", eventType, err)
		}
	}
	return nil
}
