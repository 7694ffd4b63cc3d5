// Package connection links a destination store (a reseller's) to a source store (a supplier's)
// that it found by the source's store key; the two stores may belong to different accounts, and a
// connection is the only thing that crosses accounts. Each side's account sees the connection
// with the other side's name and store key, and nothing else of the other side: the source's
// account never sees the destination's settings or its other stores.
//
// States (see state.go): connected; blocked (by the source's account, which alone can unblock);
// disconnected (by the destination's account, which can reconnect). Every change is decided in
// a transaction that also publishes it as an event to each side's account, so the sync and
// disconnect work of later parts can follow it.
package connection

import (
	"context"
	"errors"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
)

// State is where a connection is in its life.
type State string

// The states.
const (
	StateConnected    State = "connected"
	StateBlocked      State = "blocked"
	StateDisconnected State = "disconnected"
)

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	return s == StateConnected || s == StateBlocked || s == StateDisconnected
}

// Role is the side of a connection an account is on.
type Role string

// The roles.
const (
	RoleDestination Role = "destination"
	RoleSource      Role = "source"
	RoleBoth        Role = "both" // both stores belong to the account
)

// Products is what a disconnect does with the destination's linked products.
type Products string

// The choices of a disconnect.
const (
	ProductsKeep   Products = "keep"   // the links end, the products stay
	ProductsDelete Products = "delete" // the linked products are removed from the destination
)

// Disconnect statuses: the product work a disconnect implies is done by the disconnect job
// (internal/linking), which marks the action done in the transaction of its last step.
const (
	DisconnectPending   = "pending"
	DisconnectDone      = "done"
	DisconnectCancelled = "cancelled" // reconnected before the work was done
)

// StoreRef is one side's store, as the other side may see it (ID and AccountID are for the
// side's own account only; views hide them from the other).
type StoreRef struct {
	ID        int64
	AccountID int64
	Name      string
	Key       string
}

// DisconnectAction is what the destination chose when it last disconnected.
type DisconnectAction struct {
	Products    Products
	ZeroStock   bool
	Status      string
	RequestedAt time.Time
	// Seq numbers the connection's disconnects (1, 2, ...): the job of an earlier one stops.
	Seq int64
	// Progress of the job, in destination products: Total its steps, Done and Failed those
	// carried out, Error the last failure ("" if none). Written by the job, not by update.
	Total, Done, Failed int64
	Error               string
}

// Connection is a destination store following a source store.
type Connection struct {
	ID             int64
	Destination    StoreRef
	Source         StoreRef
	State          State
	BlockedAt      *time.Time // set by the source's account
	DisconnectedAt *time.Time // set by the destination's account
	Settings       catalog.Settings
	// Disconnect is the last disconnect's choice, nil if the connection was never disconnected.
	Disconnect     *DisconnectAction
	LinkedProducts int64 // product links; kept by the import and sync work
	PushedOrders   int64 // order pushes; kept by the order push work
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Syncs reports whether the connection may move anything (products, stock, orders). The sync,
// inventory and order push jobs ask it of the connection read in their own transaction before
// any effect: a blocked or disconnected connection does nothing, and keeps its history.
func (c Connection) Syncs() bool { return c.State == StateConnected }

// RoleOf says which side accountID is on, or "" if neither.
func (c Connection) RoleOf(accountID int64) Role {
	d, s := c.Destination.AccountID == accountID, c.Source.AccountID == accountID
	switch {
	case d && s:
		return RoleBoth
	case d:
		return RoleDestination
	case s:
		return RoleSource
	}
	return ""
}

// Errors. Each is returned wrapped in an *Error that says what is wrong and, where one input is
// at fault, names it.
var (
	// ErrNotFound: no such connection or store visible to the account (database.ErrNotFound).
	ErrNotFound = database.ErrNotFound
	// ErrConflict: the request is valid but the connection's state does not allow it.
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the account is on the other side of the connection.
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid: a value of the request is wrong.
	ErrInvalid = errors.New("invalid")
)

// Error is a refused request: Kind is one of the errors above, Field the input at fault ("" if
// none), Message what to do about it.
type Error struct {
	Kind    error
	Field   string
	Message string
}

func (e *Error) Error() string { return e.Message + ": " + e.Kind.Error() }

// Unwrap makes errors.Is(err, ErrConflict) (etc.) true.
func (e *Error) Unwrap() error { return e.Kind }

func refuse(kind error, field, msg string) error {
	return &Error{Kind: kind, Field: field, Message: msg}
}

// Publisher records an event of an account in a transaction (internal/webhook's Service).
type Publisher interface {
	Publish(ctx context.Context, tx database.Tx, accountID int64, eventType string, payload any) (string, error)
}
