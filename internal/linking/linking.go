// Package linking makes product links between a connection's source and destination stores: a
// person browses the source's products, imports them (the hub creates them on the destination)
// or maps existing destination products to them by the connection's identifier. Nothing is
// guessed: what cannot be linked for certain is a conflict until a person resolves it.
//
// It speaks to stores only through internal/platform's interfaces, and every call to a store is
// made by a durable job (import, map) or, for browsing, read live on request.
package linking

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// PerPage is the size of a page of every list here, as of the other v2 lists.
const PerPage = 10

// MaxPage bounds page numbers so offsets cannot overflow.
const MaxPage = 1_000_000

// Stores opens a store's platform client (store.Service).
type Stores interface {
	Get(ctx context.Context, p store.GetParams) (store.Store, error)
	Client(st store.Store) (platform.Store, error)
}

// Service browses, imports and maps the products of connections.
type Service struct {
	db     *database.DB
	conns  *connection.Service
	stores Stores
	links  *catalog.LinkStore
	jobs   *jobs.Client
	now    func() time.Time
	logger *slog.Logger

	bufferHooks []LinkBufferHook
}

// Config is what a Service needs.
type Config struct {
	DB          *database.DB
	Connections *connection.Service
	Stores      Stores
	Jobs        *jobs.Client
	Now         func() time.Time // nil: time.Now
	Logger      *slog.Logger     // nil: discard
}

// NewService returns a Service.
func NewService(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: c.DB, conns: c.Connections, stores: c.Stores, links: catalog.NewLinkStore(c.DB), jobs: c.Jobs, now: c.Now, logger: c.Logger}
}

// AddWorkers registers the import, map, disconnect and restore workers.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &importWorker{s: s})
	river.AddWorker(w, &mapWorker{s: s})
	river.AddWorker(w, &disconnectWorker{s: s})
	river.AddWorker(w, &restoreWorker{s: s})
}

// Links is the link storage, for the inventory sync's wiring.
func (s *Service) Links() *catalog.LinkStore { return s.links }

func refuse(kind error, field, msg string) error {
	return &connection.Error{Kind: kind, Field: field, Message: msg}
}

// destination reads a connection the account may manage products of: its destination's account.
// The source's account is refused (403); an account on neither side sees no such connection (404).
func (s *Service) destination(ctx context.Context, accountID, id int64) (connection.Connection, error) {
	c, err := s.conns.Get(ctx, connection.GetParams{AccountID: accountID, ID: id})
	if err != nil {
		return connection.Connection{}, err
	}
	if r := c.RoleOf(accountID); r != connection.RoleDestination && r != connection.RoleBoth {
		return connection.Connection{}, refuse(connection.ErrForbidden, "", "only the destination store's account manages the products of a connection")
	}
	return c, nil
}

// syncing refuses a connection that moves nothing.
func syncing(c connection.Connection) error {
	if !c.Syncs() {
		return refuse(connection.ErrConflict, "", fmt.Sprintf("connection %d is %s: it imports and links nothing until it is connected again", c.ID, c.State))
	}
	return nil
}

// clients opens both sides' platform clients.
func (s *Service) clients(ctx context.Context, c connection.Connection) (src, dst platform.Store, err error) {
	open := func(ref connection.StoreRef) (platform.Store, error) {
		st, err := s.stores.Get(ctx, store.GetParams{AccountID: ref.AccountID, ID: ref.ID})
		if err != nil {
			return nil, err
		}
		return s.stores.Client(st)
	}
	if src, err = open(c.Source); err != nil {
		return nil, nil, fmt.Errorf("opening source store %s: %w", c.Source.Name, err)
	}
	if dst, err = open(c.Destination); err != nil {
		return nil, nil, fmt.Errorf("opening destination store %s: %w", c.Destination.Name, err)
	}
	return src, dst, nil
}

// identifierOf is the variant's value of the connection's identifier.
func identifierOf(id catalog.Identifier, v platform.Variant) string {
	if id == catalog.IdentifierBarcode {
		return v.Barcode
	}
	return v.SKU
}
