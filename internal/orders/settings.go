package orders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// Push modes.
const (
	PushAutomatic = "automatic"
	PushManual    = "manual"
)

// MaxHold bounds the hold window before an automatic push.
const MaxHold = 7 * 24 * time.Hour

// Settings are a connection's order settings, the destination's business.
type Settings struct {
	// PushMode automatic pushes an eligible order's part after the hold window; manual waits for
	// a person. Default manual.
	PushMode string
	// Hold is how long an automatic push waits after the order became eligible (fraud checks).
	Hold time.Duration
	// Paused stops every push of the connection; orders keep being decided ("paused").
	Paused bool
	// LockDate: orders placed before it are never pushed. Default: when the connection was made,
	// so connecting pushes no history.
	LockDate time.Time
	// Receive is what the source order carries (receive.go).
	Receive Receive
	// Cancel is what the connection does with cancellations of pushed orders (cancel_settings.go).
	Cancel CancelSettings
}

func settingsFrom(created time.Time, mode *string, hold *int64, paused *bool, lock *time.Time) Settings {
	s := Settings{PushMode: PushManual, LockDate: created.UTC(), Receive: DefaultReceive()}
	if mode != nil {
		s.PushMode = *mode
	}
	if hold != nil {
		s.Hold = time.Duration(*hold) * time.Second
	}
	if paused != nil {
		s.Paused = *paused
	}
	if lock != nil {
		s.LockDate = lock.UTC()
	}
	return s
}

// SettingsInput is what a person sets; empty strings keep the defaults (manual, no hold, the
// connection's created_at as lock date).
type SettingsInput struct {
	PushMode string
	Hold     string // a Go duration: "0", "2m", "1h30m"
	Paused   bool
	LockDate *time.Time
	// Receive: what the source order carries (receive.go).
	Receive ReceiveInput
	Cancel  CancelSettingsInput // cancel_settings.go
}

// parse checks every value and names the first wrong one (its JSON field).
func (in SettingsInput) parse(created time.Time) (Settings, error) {
	s := Settings{PushMode: PushManual, Paused: in.Paused, LockDate: created.UTC()}
	switch in.PushMode {
	case "":
	case PushAutomatic, PushManual:
		s.PushMode = in.PushMode
	default:
		return s, &Error{Field: "push_mode", Message: `use "automatic" or "manual"`, Value: in.PushMode}
	}
	if in.Hold != "" && in.Hold != "0" {
		d, err := time.ParseDuration(in.Hold)
		switch {
		case err != nil:
			return s, &Error{Field: "hold_window", Message: `give a duration, e.g. "0", "2m" or "1h"`, Value: in.Hold}
		case d < 0:
			return s, &Error{Field: "hold_window", Message: "must be 0 or more", Value: in.Hold}
		case d > MaxHold:
			return s, &Error{Field: "hold_window", Message: "must be at most 168h (7 days)", Value: in.Hold}
		case d%time.Second != 0:
			return s, &Error{Field: "hold_window", Message: "whole seconds only", Value: in.Hold}
		}
		s.Hold = d
	}
	if in.LockDate != nil {
		s.LockDate = in.LockDate.UTC().Truncate(time.Microsecond)
	}
	r, err := in.Receive.parse()
	if err != nil {
		return s, err
	}
	s.Receive = r
	return s, nil
}

// ConnectionSettings are a connection's order settings with what identifies it.
type ConnectionSettings struct {
	ConnectionID       int64
	DestinationStoreID int64
	Settings           Settings
}

// ErrForbidden: the account is the source's, and order settings are the destination's.
var ErrForbidden = errors.New("only the destination store's account has a connection's order settings")

// connectionOf reads a connection the account is the destination of.
func connectionOf(ctx context.Context, q database.Querier, accountID, id int64) (ConnectionSettings, error) {
	var out ConnectionSettings
	var destAccount, srcAccount int64
	var created time.Time
	var mode *string
	var hold *int64
	var paused *bool
	var lock *time.Time
	err := q.QueryRow(ctx, `SELECT c.destination_store_id, d.account_id, s.account_id, c.created_at,
			os.push_mode, os.hold_seconds, os.paused, os.lock_date
		FROM connections c JOIN stores d ON d.id = c.destination_store_id JOIN stores s ON s.id = c.source_store_id
		LEFT JOIN order_settings os ON os.connection_id = c.id
		WHERE c.id = $1 AND (d.account_id = $2 OR s.account_id = $2)`, id, accountID).
		Scan(&out.DestinationStoreID, &destAccount, &srcAccount, &created, &mode, &hold, &paused, &lock)
	if errors.Is(err, database.ErrNoRows) {
		return out, fmt.Errorf("connection %d: %w", id, database.ErrNotFound)
	}
	if err != nil {
		return out, fmt.Errorf("reading connection %d: %w", id, err)
	}
	if destAccount != accountID {
		return out, ErrForbidden
	}
	out.ConnectionID = id
	out.Settings = settingsFrom(created, mode, hold, paused, lock)
	if out.Settings.Receive, err = readReceive(ctx, q, id); err != nil {
		return out, err
	}
	if out.Settings.Cancel, err = readCancelSettings(ctx, q, id); err != nil {
		return out, err
	}
	return out, nil
}

// GetSettings returns the order settings of a connection the account is the destination of.
func (s *Service) GetSettings(ctx context.Context, accountID, connectionID int64) (ConnectionSettings, error) {
	return connectionOf(ctx, s.db, accountID, connectionID)
}

// MaxRedecide bounds the orders a settings change re-decides in its transaction (the newest not
// yet pushed); older ones are re-decided by their next delivery or poll.
const MaxRedecide = 1000

// PutSettings replaces a connection's order settings (bad input: an *Error naming the field,
// nothing changed) and re-decides the eligibility of its orders not yet pushed, in one
// transaction.
func (s *Service) PutSettings(ctx context.Context, accountID, connectionID int64, in SettingsInput) (ConnectionSettings, error) {
	var out ConnectionSettings
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		cs, err := connectionOf(ctx, tx, accountID, connectionID)
		if err != nil {
			return err
		}
		var created time.Time
		if err := tx.QueryRow(ctx, `SELECT created_at FROM connections WHERE id = $1`, connectionID).Scan(&created); err != nil {
			return err
		}
		set, err := in.parse(created)
		if err != nil {
			return err
		}
		if set.Cancel, err = in.Cancel.parse(); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO order_settings (connection_id, push_mode, hold_seconds, paused, lock_date, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (connection_id) DO UPDATE SET push_mode = excluded.push_mode,
			hold_seconds = excluded.hold_seconds, paused = excluded.paused, lock_date = excluded.lock_date, updated_at = excluded.updated_at`,
			connectionID, set.PushMode, int64(set.Hold/time.Second), set.Paused, set.LockDate, now); err != nil {
			return fmt.Errorf("saving the order settings of connection %d: %w", connectionID, err)
		}
		if err := saveReceive(ctx, tx, connectionID, set.Receive, now); err != nil {
			return err
		}
		if err := saveCancelSettings(ctx, tx, connectionID, set.Cancel); err != nil {
			return err
		}
		cs.Settings = set
		out = cs
		return s.redecideConnection(ctx, tx, cs.DestinationStoreID, connectionID, now)
	})
	return out, err
}

// Redecide re-decides, in tx, the eligibility of the connection's newest orders not yet pushed:
// the wiring calls it in the transaction of the connection's state change (disconnect, block,
// reconnect, unblock), so the reasons follow at once.
func (s *Service) Redecide(ctx context.Context, tx database.Tx, destinationStoreID, connectionID int64) error {
	return s.redecideConnection(ctx, tx, destinationStoreID, connectionID, s.now())
}

// redecideConnection re-decides the newest orders of the connection's destination whose push to
// its source is not yet made.
func (s *Service) redecideConnection(ctx context.Context, tx database.Tx, storeID, connectionID int64, now time.Time) error {
	conns, err := destinationConnections(ctx, tx, storeID)
	if err != nil {
		return err
	}
	ids, err := database.Int64s(tx.Query(ctx, `SELECT o.id FROM orders o JOIN order_pushes p ON p.order_id = o.id
		WHERE p.connection_id = $1 AND p.status IN ($2, $3) ORDER BY o.id DESC LIMIT $4`,
		connectionID, PushNotPushed, PushCancelled, MaxRedecide))
	if err != nil {
		return err
	}
	return s.redecideOrders(ctx, tx, ids, conns, now)
}

// redecideOrders decides the kept orders again against the destination's connections.
func (s *Service) redecideOrders(ctx context.Context, tx database.Tx, ids []int64, conns []conn, now time.Time) error {
	for _, id := range ids {
		k, err := loadKept(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.decide(ctx, tx, id, k, conns, now); err != nil {
			return err
		}
	}
	return nil
}

// loadKept reads an order as kept, for a re-decision.
func loadKept(ctx context.Context, q database.Querier, id int64) (kept, error) {
	var k kept
	err := q.QueryRow(ctx, `SELECT name, customer_name, email, has_shipping_address, financial_status, fulfillment_status,
		currency, subtotal_amount, shipping_amount, tax_amount, total_amount, cancelled_at, placed_at, shipping_address,
		shipping_lines, discounts
		FROM orders WHERE id = $1`, id).
		Scan(&k.name, &k.customer, &k.email, &k.shipping, &k.financial, &k.fulfillment, &k.currency, &k.subtotal, &k.ship,
			&k.tax, &k.total, &k.cancelledAt, &k.placedAt, &k.address, &k.shipLines, &k.discounts)
	if err != nil {
		return k, fmt.Errorf("reading order %d: %w", id, err)
	}
	rows, err := q.Query(ctx, `SELECT platform_line_id, variant_id, sku, title, quantity, price_amount FROM order_lines
		WHERE order_id = $1 ORDER BY position`, id)
	if err != nil {
		return k, err
	}
	defer rows.Close()
	for rows.Next() {
		var l keptLine
		if err := rows.Scan(&l.PlatformLineID, &l.VariantID, &l.SKU, &l.Title, &l.Quantity, &l.Price); err != nil {
			return k, err
		}
		k.lines = append(k.lines, l)
	}
	return k, rows.Err()
}
