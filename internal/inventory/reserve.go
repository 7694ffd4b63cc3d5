package inventory

// Reservations: no oversell window. A destination store's order for a linked variant reserves
// the line's quantity against the source item in the transaction that processes the order's
// webhook, and the source item's fan-out is decided again at once: every destination of that
// source (of any account, the ordering one too) drops before the source store itself has the
// order. A reservation is held until the order push creates the order at the source (MarkPushed),
// then pushed until a source level of the item stamped at or after the push is recorded (the
// source's own quantity reflects it): then it is released, in the transaction that records that
// level, so the destinations' quantities do not bounce back up. A cancelled, deleted, reduced or
// removed line is released at once, and so is one the order push will not push (Release).

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/platform"
)

// Reservation states.
const (
	ReservationHeld     = "held"     // reserved; the order is not at the source yet
	ReservationPushed   = "pushed"   // the order push created it at the source, whose quantity may not show it yet
	ReservationReleased = "released" // no longer subtracted; final
)

// Release reasons the hub gives itself.
const (
	ReasonOrderCancelled = "the order was cancelled"
	ReasonOrderDeleted   = "the order was deleted"
	ReasonLineRemoved    = "the line was removed from the order"
	ReasonReflected      = "the source store's quantity reflects it"
)

// Reservation is one destination order line's quantity held against its source item.
type Reservation struct {
	ID                    int64
	AccountID             int64 // the destination store's account
	ConnectionID          int64
	DestinationStoreID    int64
	OrderID               string
	OrderName             string
	LineID                string
	DestinationVariantID  string
	SourceStoreID         int64
	SourceInventoryItemID string
	Quantity              int64
	State                 string
	Reason                string // why it was released; "" until then
	OrderUpdatedAt        time.Time
	CreatedAt             time.Time
	UpdatedAt             time.Time
	PushedAt              *time.Time
	ReleasedAt            *time.Time
}

// OrderChangedParams is a destination store's order as a webhook (or a later order read) tells
// it. Order nil means the order was deleted.
type OrderChangedParams struct {
	AccountID int64 // the store's account
	StoreID   int64
	OrderID   string
	Order     *platform.Order
	// UpdatedAt is the order's updated_at: a delivery older than what was applied of a line
	// changes nothing of it. Zero: the time it is applied.
	UpdatedAt time.Time
}

// orderEvent turns an order webhook into OrderChanged.
func (s *Service) orderEvent(ctx context.Context, tx database.Tx, p ingest.EventParams) error {
	ev := p.Event
	op := OrderChangedParams{AccountID: p.Store.AccountID, StoreID: p.Store.ID, OrderID: ev.ResourceID, Order: ev.Order, UpdatedAt: ev.UpdatedAt}
	if ev.Order != nil {
		op.OrderID = ev.Order.ID
		if !ev.Order.UpdatedAt.IsZero() {
			op.UpdatedAt = ev.Order.UpdatedAt
		}
	}
	if op.OrderID == "" {
		return nil
	}
	if ev.Topic == platform.TopicOrderDeleted {
		op.Order = nil
	}
	return s.OrderChanged(ctx, tx, op)
}

// isOrderEvent reports whether a processed webhook says what an order's lines now are (or that
// it is gone).
func isOrderEvent(ev platform.WebhookEvent) bool {
	switch ev.Topic {
	case platform.TopicOrderCreated, platform.TopicOrderUpdated, platform.TopicOrderPaid, platform.TopicOrderCancelled,
		platform.TopicOrderFulfilled:
		return ev.Order != nil
	case platform.TopicOrderDeleted:
		return true
	default:
		return false
	}
}

// OrderChanged reserves, adjusts or releases the order's lines of variants linked through a
// connected connection, in tx, and decides the fan-out of every source item whose reserved
// quantity changed. It is idempotent: the same order again changes nothing, and a line's
// quantity is the order's current one, never added to.
func (s *Service) OrderChanged(ctx context.Context, tx database.Tx, p OrderChangedParams) error {
	now := s.cfg.Now().UTC()
	stamp := p.UpdatedAt
	if stamp.IsZero() {
		stamp = now
	}
	existing, err := orderReservations(ctx, tx, p.StoreID, p.OrderID)
	if err != nil {
		return fmt.Errorf("reading the reservations of order %s: %w", p.OrderID, err)
	}
	var links []catalog.Link
	if o := p.Order; o != nil && !o.Cancelled() {
		var variants []string
		for _, l := range o.Lines {
			if l.VariantID != "" && !slices.Contains(variants, l.VariantID) {
				variants = append(variants, l.VariantID)
			}
		}
		if len(variants) > 0 {
			if links, err = s.links.ForDestinationVariants(ctx, tx, catalog.DestinationVariantsParams{DestinationStoreID: p.StoreID, VariantIDs: variants}); err != nil {
				return err
			}
		}
	}
	changes := planOrder(existing, p.Order, links, stamp)
	if len(changes) == 0 {
		return nil
	}
	touched := touchedItems(changes)
	if err := lockSourceItems(ctx, tx, touched); err != nil {
		return fmt.Errorf("locking the source items of order %s: %w", p.OrderID, err)
	}
	for _, c := range changes {
		if err := applyChange(ctx, tx, p, c, stamp, now); err != nil {
			return fmt.Errorf("reserving line %s of order %s: %w", c.lineID, p.OrderID, err)
		}
	}
	return s.redecide(ctx, tx, touched)
}

// lineChange is what an order delivery does to one line's reservation.
type lineChange struct {
	existing *Reservation // nil: a new reservation of link
	link     catalog.Link
	lineID   string
	quantity int64
	release  string // the reason, when it releases
}

// moves reports whether the change moves the reserved quantity (rather than only its stamp).
func (c lineChange) moves() bool {
	return c.existing == nil || c.release != "" || c.quantity != c.existing.Quantity
}

func (c lineChange) sourceItem() (int64, string) {
	if c.existing != nil {
		return c.existing.SourceStoreID, c.existing.SourceInventoryItemID
	}
	return c.link.SourceStoreID, c.link.SourceInventoryItemID
}

// planOrder decides what an order delivery stamped at stamp does to its lines' reservations
// (existing, by line id), given the links of its lines' variants (o nil: the order is gone). A
// released reservation is final; one last changed by a newer delivery is left alone; a line's
// reserved quantity is its current quantity (after edits and removals).
func planOrder(existing map[string]Reservation, o *platform.Order, links []catalog.Link, stamp time.Time) []lineChange {
	lines := map[string]platform.OrderLine{}
	if o != nil {
		for _, l := range o.Lines {
			lines[l.ID] = l
		}
	}
	var out []lineChange
	for _, id := range slices.Sorted(maps.Keys(existing)) {
		r := existing[id]
		if r.State == ReservationReleased || r.OrderUpdatedAt.After(stamp) {
			continue
		}
		c := lineChange{existing: &r, lineID: id, quantity: r.Quantity}
		l, ok := lines[id]
		switch {
		case o == nil:
			c.release = ReasonOrderDeleted
		case o.Cancelled():
			c.release = ReasonOrderCancelled
		case !ok || l.Current <= 0:
			c.release = ReasonLineRemoved
		default:
			c.quantity = l.Current
		}
		if c.moves() || stamp.After(r.OrderUpdatedAt) {
			out = append(out, c)
		}
	}
	if o == nil || o.Cancelled() {
		return out
	}
	byVariant := map[string]catalog.Link{}
	for _, l := range links {
		if _, ok := byVariant[l.DestinationVariantID]; !ok { // the first (oldest) link, should a variant follow two sources
			byVariant[l.DestinationVariantID] = l
		}
	}
	for _, l := range o.Lines {
		link, linked := byVariant[l.VariantID]
		if _, seen := existing[l.ID]; seen || !linked || l.Current <= 0 || l.VariantID == "" {
			continue
		}
		out = append(out, lineChange{link: link, lineID: l.ID, quantity: l.Current})
	}
	return out
}

// touchedItems are the source items, by source store, whose reserved quantity the changes move.
func touchedItems(changes []lineChange) map[int64][]string {
	out := map[int64][]string{}
	for _, c := range changes {
		if !c.moves() {
			continue
		}
		st, it := c.sourceItem()
		if !slices.Contains(out[st], it) {
			out[st] = append(out[st], it)
		}
	}
	return out
}

func applyChange(ctx context.Context, tx database.Tx, p OrderChangedParams, c lineChange, stamp, now time.Time) error {
	switch {
	case c.existing == nil:
		name := ""
		if p.Order != nil {
			name = p.Order.Name
		}
		return insertReservation(ctx, tx, Reservation{AccountID: p.AccountID, ConnectionID: c.link.ConnectionID,
			DestinationStoreID: p.StoreID, OrderID: p.OrderID, OrderName: name, LineID: c.lineID,
			DestinationVariantID: c.link.DestinationVariantID, SourceStoreID: c.link.SourceStoreID,
			SourceInventoryItemID: c.link.SourceInventoryItemID, Quantity: c.quantity, State: ReservationHeld,
			OrderUpdatedAt: stamp, CreatedAt: now, UpdatedAt: now})
	case c.release != "":
		return releaseReservation(ctx, tx, c.existing.ID, c.release, stamp, now)
	default:
		return adjustReservation(ctx, tx, c.existing.ID, c.quantity, stamp, now)
	}
}

// MarkPushedParams name the lines of a destination order that the order push created at the
// source. LineIDs empty means every line of the order.
type MarkPushedParams struct {
	AccountID          int64 // the destination store's account
	DestinationStoreID int64
	OrderID            string
	LineIDs            []string
	// At is when the source order was created, as the source platform stamps it (its
	// CreatedAt): a source level stamped at or after it reflects the order and releases the
	// reservation. Zero: now.
	At time.Time
}

// MarkPushed moves the held reservations of the order's lines to pushed, in tx (the order
// push's completing transaction). They still count until the source's quantity reflects the
// pushed order (see SourceChanged), so nothing is decided again here. It returns how many it
// marked; marking again marks none.
func (s *Service) MarkPushed(ctx context.Context, tx database.Tx, p MarkPushedParams) (int64, error) {
	at := p.At
	if at.IsZero() {
		at = s.cfg.Now()
	}
	n, err := markPushed(ctx, tx, p, at.UTC(), s.cfg.Now().UTC())
	if err != nil {
		return 0, fmt.Errorf("marking order %s pushed: %w", p.OrderID, err)
	}
	if n == 0 {
		return 0, nil
	}
	return n, s.releaseReflectedAlready(ctx, tx, p)
}

// releaseReflectedAlready releases the order's pushed reservations whose source item already
// has a level recorded at or after the push (the source's own stock update, processed before the
// push was recorded: always so when the push's answer was lost and found later), and decides
// their items again: the source's quantity holds the order, so the reservation would count it
// twice until the item's next level.
func (s *Service) releaseReflectedAlready(ctx context.Context, tx database.Tx, p MarkPushedParams) error {
	rs, err := reflectedPushed(ctx, tx, p)
	if err != nil || len(rs) == 0 {
		return err
	}
	touched := map[int64][]string{}
	for _, r := range rs {
		if !slices.Contains(touched[r.SourceStoreID], r.SourceInventoryItemID) {
			touched[r.SourceStoreID] = append(touched[r.SourceStoreID], r.SourceInventoryItemID)
		}
	}
	if err := lockSourceItems(ctx, tx, touched); err != nil {
		return fmt.Errorf("locking the source items of order %s: %w", p.OrderID, err)
	}
	now := s.cfg.Now().UTC()
	for _, r := range rs {
		if err := releaseReservation(ctx, tx, r.ID, ReasonReflected, r.OrderUpdatedAt, now); err != nil {
			return fmt.Errorf("releasing line %s of order %s: %w", r.LineID, p.OrderID, err)
		}
	}
	return s.redecide(ctx, tx, touched)
}

// ReleaseParams name the lines of a destination order whose reservations end, and why. LineIDs
// empty means every line of the order.
type ReleaseParams struct {
	AccountID          int64 // the destination store's account
	DestinationStoreID int64
	OrderID            string
	LineIDs            []string
	Reason             string // required: shown with the reservation
}

// ErrNoReason is a Release without a reason.
var ErrNoReason = errors.New("reason: a release needs a reason")

// Release ends the order's lines' held or pushed reservations (the order push will not push
// them) and decides their source items' fan-out again, in tx. It returns how many it released;
// releasing again releases none.
func (s *Service) Release(ctx context.Context, tx database.Tx, p ReleaseParams) (int64, error) {
	if p.Reason == "" {
		return 0, ErrNoReason
	}
	now := s.cfg.Now().UTC()
	rs, err := openReservations(ctx, tx, p.AccountID, p.DestinationStoreID, p.OrderID, p.LineIDs)
	if err != nil {
		return 0, fmt.Errorf("reading the reservations of order %s: %w", p.OrderID, err)
	}
	if len(rs) == 0 {
		return 0, nil
	}
	touched := map[int64][]string{}
	for _, r := range rs {
		if !slices.Contains(touched[r.SourceStoreID], r.SourceInventoryItemID) {
			touched[r.SourceStoreID] = append(touched[r.SourceStoreID], r.SourceInventoryItemID)
		}
	}
	if err := lockSourceItems(ctx, tx, touched); err != nil {
		return 0, fmt.Errorf("locking the source items of order %s: %w", p.OrderID, err)
	}
	for _, r := range rs {
		if err := releaseReservation(ctx, tx, r.ID, p.Reason, r.OrderUpdatedAt, now); err != nil {
			return 0, fmt.Errorf("releasing line %s of order %s: %w", r.LineID, p.OrderID, err)
		}
	}
	return int64(len(rs)), s.redecide(ctx, tx, touched)
}

// releaseReflected releases the pushed reservations that the recorded source levels reflect:
// those of a level's item pushed at or before the level's stamp (the platform's, else now), in
// the transaction recording the levels, which then decides the items' fan-out without them: the
// pushed order is now in the source's quantity. One read per source store and 500 items.
func releaseReflected(ctx context.Context, tx database.Tx, levels []SourceLevel, now time.Time) error {
	stamps := map[int64]map[string]time.Time{} // source store → item → its newest level's stamp
	for _, l := range levels {
		stamp := l.UpdatedAt
		if stamp.IsZero() {
			stamp = now
		}
		if stamps[l.StoreID] == nil {
			stamps[l.StoreID] = map[string]time.Time{}
		}
		if at, ok := stamps[l.StoreID][l.InventoryItemID]; !ok || stamp.After(at) {
			stamps[l.StoreID][l.InventoryItemID] = stamp
		}
	}
	for _, storeID := range slices.Sorted(maps.Keys(stamps)) {
		pushed, err := pushedReservations(ctx, tx, storeID, slices.Sorted(maps.Keys(stamps[storeID])))
		if err != nil {
			return err
		}
		for _, r := range pushed {
			if r.PushedAt != nil && !stamps[storeID][r.SourceInventoryItemID].Before(*r.PushedAt) {
				if err := releaseReservation(ctx, tx, r.ID, ReasonReflected, r.OrderUpdatedAt, now); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ListReservationsParams choose a connection's reservations, as its destination's account sees
// them. State "" means every state.
type ListReservationsParams struct {
	AccountID    int64
	ConnectionID int64
	State        string
	Limit        int
	Offset       int
}

// ReservationPage is a page of reservations and how many match in all.
type ReservationPage struct {
	Items []Reservation
	Total int64
}

// Reservations lists the connection's reservations, newest first. Errors: connection.ErrNotFound
// when the account is on neither side; a connection.Error of kind ErrForbidden for the source's
// account (the orders are the destination's); of kind ErrInvalid for an unknown state.
func (s *Service) Reservations(ctx context.Context, p ListReservationsParams) (ReservationPage, error) {
	switch p.State {
	case "", ReservationHeld, ReservationPushed, ReservationReleased:
	default:
		return ReservationPage{}, &connection.Error{Kind: connection.ErrInvalid, Field: "state",
			Message: fmt.Sprintf("state %q is none of held, pushed, released", p.State)}
	}
	c, err := s.connections.Get(ctx, connection.GetParams{AccountID: p.AccountID, ID: p.ConnectionID})
	if err != nil {
		return ReservationPage{}, err
	}
	if r := c.RoleOf(p.AccountID); r != connection.RoleDestination && r != connection.RoleBoth {
		return ReservationPage{}, &connection.Error{Kind: connection.ErrForbidden,
			Message: "only the destination store's account reads the reservations of its orders"}
	}
	if p.Limit <= 0 {
		p.Limit = 10
	}
	items, total, err := listReservations(ctx, s.db, c.Destination.AccountID, c.ID, p)
	if err != nil {
		return ReservationPage{}, fmt.Errorf("reading the reservations of connection %d: %w", c.ID, err)
	}
	return ReservationPage{Items: items, Total: total}, nil
}
