package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Outcome is what Apply did with a delivery of an order.
type Outcome string

// Outcomes of Apply.
const (
	OutcomeIgnored   Outcome = "ignored"   // the store is no connection's destination
	OutcomeNew       Outcome = "new"       // first copy of the order
	OutcomeUpdated   Outcome = "updated"   // the order changed
	OutcomeDuplicate Outcome = "duplicate" // same as what is kept: nothing changed but the decisions (links may have)
	OutcomeStale     Outcome = "stale"     // older than what is kept: nothing changed
)

// kept is the order as the hub keeps it, from one delivery.
type kept struct {
	name, customer, email  string
	shipping               bool
	financial, fulfillment string
	currency               string
	subtotal, ship, tax    int64
	total                  int64
	cancelledAt, placedAt  *time.Time
	address                string // the shipping address as JSON, "" without one
	lines                  []keptLine
	// shipLines and discounts are the order's shipping lines and discounts as JSON ("" for
	// none), for a push that passes them through (receive.go).
	shipLines, discounts string
}

type keptLine struct {
	PlatformLineID string `json:"id"`
	VariantID      string `json:"variant_id"`
	SKU            string `json:"sku"`
	Title          string `json:"title"`
	Quantity       int64  `json:"quantity"`
	Price          int64  `json:"price"`
}

func keep(o platform.Order) kept {
	k := kept{name: o.Name, customer: customerName(o), email: o.Email, shipping: hasShipping(o),
		financial: string(o.FinancialStatus), fulfillment: fulfillmentStatus(o.FulfillmentStatus),
		currency: o.Total.Currency, subtotal: o.Subtotal.Amount, ship: o.TotalShipping.Amount, tax: o.TotalTax.Amount,
		total: o.Total.Amount, cancelledAt: utc(o.CancelledAt)}
	if !o.CreatedAt.IsZero() {
		k.placedAt = utc(&o.CreatedAt)
	}
	if a := o.ShippingAddress; a != nil && !a.IsZero() {
		if b, err := json.Marshal(addressOf(*a)); err == nil {
			k.address = string(b)
		}
	}
	k.shipLines, k.discounts = keptCharges(o)
	for _, l := range o.Lines {
		q := l.Current // after edits and removals: a removed line is 0 (platforms fill it, Quantity when they have no edits)
		k.lines = append(k.lines, keptLine{PlatformLineID: l.ID, VariantID: l.VariantID, SKU: l.SKU, Title: l.Title,
			Quantity: q, Price: l.UnitPrice.Amount})
	}
	return k
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// fingerprint digests what the hub keeps of an order: equal fingerprints, nothing changed.
func (k kept) fingerprint() string {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.RFC3339Nano)
	}
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%q %q %q %t %q %q %q %d %d %d %d %q %q %q\n", k.name, k.customer, k.email, k.shipping, k.financial,
		k.fulfillment, k.currency, k.subtotal, k.ship, k.tax, k.total, ts(k.cancelledAt), ts(k.placedAt), k.address)
	for _, l := range k.lines {
		_, _ = fmt.Fprintf(h, "%q %q %q %q %d %d\n", l.PlatformLineID, l.VariantID, l.SKU, l.Title, l.Quantity, l.Price)
	}
	if k.shipLines != "" || k.discounts != "" { // only then, so the digest of an order without them is as before
		_, _ = fmt.Fprintf(h, "charges %q %q\n", k.shipLines, k.discounts)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Apply keeps one delivery of an order of st (a webhook's or the poll's) in tx, in order: the
// first makes the order, a later one with a newer (or equal) platform updated_at replaces it,
// an older one changes nothing. Each delivery not older re-decides the order's eligibility for
// each source of st's connections; a decision that changed goes on the timeline.
//
// Platforms stamp orders to the second and do not deliver webhooks in order, so two deliveries
// with the same stamp but different contents (a second fulfilment in the same second as the
// first) cannot be ordered by their stamps: the later one is kept, and a refresh job reads the
// order again and keeps what the platform then says (refresh.go).
func (s *Service) Apply(ctx context.Context, tx database.Tx, st store.Store, o platform.Order) (Outcome, error) {
	return s.apply(ctx, tx, st, o, false)
}

// apply is Apply; fresh says o was read from the platform after every delivery kept so far
// (the refresh), so a same-stamp difference needs no further refresh.
func (s *Service) apply(ctx context.Context, tx database.Tx, st store.Store, o platform.Order, fresh bool) (Outcome, error) {
	if o.ID == "" {
		return OutcomeIgnored, nil
	}
	conns, err := destinationConnections(ctx, tx, st.ID)
	if err != nil {
		return OutcomeIgnored, err
	}
	if len(conns) == 0 {
		if s.cfg.Keeper == nil {
			return OutcomeIgnored, nil
		}
		if _, ok, err := s.cfg.Keeper.KeepsOrders(ctx, tx, st.ID); err != nil || !ok {
			return OutcomeIgnored, err
		}
	}
	now := s.now()
	k := keep(o)
	fp := k.fingerprint()
	var id, version int64
	var storedAt *time.Time
	var storedFP string
	var wasCancelled bool
	// The upsert takes the row's lock (PostgreSQL) until tx ends, so two deliveries of one order
	// apply one after the other; SQLite has one writer.
	err = tx.QueryRow(ctx, `INSERT INTO orders (account_id, store_id, platform_order_id, received_at, updated_at)
		VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (store_id, platform_order_id) DO UPDATE SET version = orders.version
		RETURNING id, version, platform_updated_at, fingerprint, cancelled_at IS NOT NULL`,
		st.AccountID, st.ID, o.ID, now).Scan(&id, &version, &storedAt, &storedFP, &wasCancelled)
	if err != nil {
		return "", fmt.Errorf("keeping order %s of %s: %w", o.ID, st.Name, err)
	}
	stamp := utc(&o.UpdatedAt)
	if o.UpdatedAt.IsZero() {
		stamp = nil
	}
	outcome := OutcomeUpdated
	switch {
	case version == 0:
		outcome = OutcomeNew
	case storedAt != nil && stamp != nil && stamp.Before(*storedAt):
		return OutcomeStale, nil
	case storedFP == fp:
		outcome = OutcomeDuplicate
	case !fresh && storedAt != nil && stamp != nil && stamp.Equal(*storedAt):
		if err := s.enqueueRefresh(ctx, tx, st, o.ID); err != nil {
			return "", err
		}
	}
	if outcome == OutcomeDuplicate {
		if stamp != nil && (storedAt == nil || stamp.After(*storedAt)) {
			if _, err := tx.Exec(ctx, `UPDATE orders SET platform_updated_at = $2 WHERE id = $1`, id, stamp); err != nil {
				return "", fmt.Errorf("keeping order %s: %w", o.ID, err)
			}
		}
	}
	var prev *kept // the order before this delivery, when a part of it is pushed (cancel.go)
	if outcome == OutcomeUpdated {
		if prev, err = beforeChange(ctx, tx, id); err != nil {
			return "", err
		}
	}
	if outcome != OutcomeDuplicate {
		if stamp == nil {
			stamp = storedAt
		}
		if err := writeOrder(ctx, tx, id, k, fp, stamp, now); err != nil {
			return "", fmt.Errorf("keeping order %s of %s: %w", o.ID, st.Name, err)
		}
		kind := EventUpdated
		if outcome == OutcomeNew {
			kind = EventReceived
		}
		if err := addEvent(ctx, tx, id, kind, 0, k.name, now); err != nil {
			return "", err
		}
		if k.cancelledAt != nil && !wasCancelled {
			if err := addEvent(ctx, tx, id, EventCancelled, 0, "cancelled on the destination store", now); err != nil {
				return "", err
			}
		}
	}
	if err := s.decide(ctx, tx, id, k, conns, now); err != nil {
		return "", fmt.Errorf("deciding the eligibility of order %s: %w", o.ID, err)
	}
	if err := s.afterChange(ctx, tx, id, prev, k, wasCancelled, now); err != nil {
		return "", fmt.Errorf("order %s changed after its push: %w", o.ID, err)
	}
	if s.cfg.OnKept != nil && outcome != OutcomeDuplicate {
		if err := s.cfg.OnKept(ctx, tx, st, id, o, outcome); err != nil {
			return "", err
		}
	}
	return outcome, nil
}

func writeOrder(ctx context.Context, tx database.Tx, id int64, k kept, fp string, stamp *time.Time, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE orders SET name = $2, customer_name = $3, email = $4, has_shipping_address = $5,
		financial_status = $6, fulfillment_status = $7, currency = $8, subtotal_amount = $9, shipping_amount = $10,
		tax_amount = $11, total_amount = $12, cancelled_at = $13, placed_at = $14, platform_updated_at = $15,
		fingerprint = $16, version = version + 1, updated_at = $17, shipping_address = $18, shipping_lines = $19, discounts = $20
		WHERE id = $1`,
		id, k.name, k.customer, k.email, k.shipping, k.financial, k.fulfillment, k.currency, k.subtotal, k.ship,
		k.tax, k.total, k.cancelledAt, k.placedAt, stamp, fp, now, k.address, k.shipLines, k.discounts); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM order_lines WHERE order_id = $1`, id); err != nil {
		return err
	}
	for i, l := range k.lines {
		if _, err := tx.Exec(ctx, `INSERT INTO order_lines (order_id, position, platform_line_id, variant_id, sku, title, quantity, price_amount)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, i, l.PlatformLineID, l.VariantID, l.SKU, l.Title, l.Quantity, l.Price); err != nil {
			return err
		}
	}
	return nil
}

func addEvent(ctx context.Context, tx database.Tx, orderID int64, kind string, sourceStoreID int64, detail string, at time.Time) error {
	var src *int64
	if sourceStoreID != 0 {
		src = &sourceStoreID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO order_events (order_id, kind, source_store_id, detail, at) VALUES ($1, $2, $3, $4, $5)`,
		orderID, kind, src, detail, at); err != nil {
		return fmt.Errorf("adding %s to the timeline of order %d: %w", kind, orderID, err)
	}
	return nil
}

// conn is a connection of a destination store, with its order settings.
type conn struct {
	id, sourceStoreID int64
	sourceName        string
	connected         bool
	settings          Settings
}

// destinationConnections returns the connections st is the destination of, any state, with their
// order settings (the defaults where none are kept).
func destinationConnections(ctx context.Context, q database.Querier, storeID int64) ([]conn, error) {
	rows, err := q.Query(ctx, `SELECT c.id, c.source_store_id, s.name, c.state, c.created_at,
			os.push_mode, os.hold_seconds, os.paused, os.lock_date
		FROM connections c JOIN stores s ON s.id = c.source_store_id
		LEFT JOIN order_settings os ON os.connection_id = c.id
		WHERE c.destination_store_id = $1 ORDER BY c.id`, storeID)
	if err != nil {
		return nil, fmt.Errorf("reading the connections of store %d: %w", storeID, err)
	}
	defer rows.Close()
	var out []conn
	for rows.Next() {
		var c conn
		var state string
		var created time.Time
		var mode *string
		var hold *int64
		var paused *bool
		var lock *time.Time
		if err := rows.Scan(&c.id, &c.sourceStoreID, &c.sourceName, &state, &created, &mode, &hold, &paused, &lock); err != nil {
			return nil, err
		}
		c.connected = state == "connected"
		c.settings = settingsFrom(created, mode, hold, paused, lock)
		out = append(out, c)
	}
	return out, rows.Err()
}

// linkedPositions returns the positions of the lines whose variant is linked to the connection's
// source (a product link not ended).
func linkedPositions(ctx context.Context, tx database.Tx, connectionID int64, lines []keptLine) ([]int, error) {
	var variants []string
	for _, l := range lines {
		if l.VariantID != "" {
			variants = append(variants, l.VariantID)
		}
	}
	if len(variants) == 0 {
		return []int{}, nil
	}
	args := []any{connectionID}
	marks := make([]string, 0, len(variants))
	for _, v := range variants {
		args = append(args, v)
		marks = append(marks, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := tx.Query(ctx, `SELECT destination_variant_id FROM product_links
		WHERE connection_id = $1 AND ended_at IS NULL AND destination_variant_id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the links of connection %d: %w", connectionID, err)
	}
	defer rows.Close()
	linked := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		linked[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []int{}
	for i, l := range lines {
		if linked[l.VariantID] && l.Quantity > 0 { // a line removed by an edit supplies nothing
			out = append(out, i)
		}
	}
	return out, nil
}

// decide re-decides the order's push for each connection and the order-level push status.
func (s *Service) decide(ctx context.Context, tx database.Tx, orderID int64, k kept, conns []conn, now time.Time) error {
	var parts []string
	for _, c := range conns {
		positions, err := linkedPositions(ctx, tx, c.id, k.lines)
		if err != nil {
			return err
		}
		f := Facts{Connected: c.connected, Paused: c.settings.Paused, LockDate: c.settings.LockDate,
			FinancialStatus: platform.FinancialStatus(k.financial), CustomerName: k.customer, HasShipping: k.shipping,
			Total: k.total, Cancelled: k.cancelledAt != nil, LinkedLines: len(positions)}
		if k.placedAt != nil {
			f.PlacedAt = *k.placedAt
		}
		reasons := Decide(f)
		if reasons == nil {
			reasons = []string{}
		}
		rj, err := json.Marshal(reasons)
		if err != nil {
			return err
		}
		pj, err := json.Marshal(positions)
		if err != nil {
			return err
		}
		var oldEligible bool
		var oldReasons, status string
		var queuedAt *time.Time
		var wasPushed bool // a part cancelled after its push stays cancelled
		err = tx.QueryRow(ctx, `SELECT eligible, reasons, status, queued_at, source_order_id <> '' FROM order_pushes WHERE order_id = $1 AND source_store_id = $2`,
			orderID, c.sourceStoreID).Scan(&oldEligible, &oldReasons, &status, &queuedAt, &wasPushed)
		isNew := errors.Is(err, database.ErrNoRows)
		if err != nil && !isNew {
			return err
		}
		eligible := len(reasons) == 0
		newStatus := status
		switch {
		case isNew:
			newStatus = PushNotPushed
			if f.Cancelled {
				newStatus = PushCancelled
			}
		case (status == PushNotPushed || status == PushFailed) && f.Cancelled:
			newStatus = PushCancelled
		case status == PushCancelled && !f.Cancelled && !wasPushed:
			newStatus = PushNotPushed
		}
		if isNew {
			_, err = tx.Exec(ctx, `INSERT INTO order_pushes (order_id, source_store_id, connection_id, account_id, eligible, reasons,
				line_positions, status, decided_at, updated_at)
				SELECT $1, $2, $3, account_id, $4, $5, $6, $7, $8, $8 FROM orders WHERE id = $1`,
				orderID, c.sourceStoreID, c.id, eligible, string(rj), string(pj), newStatus, now)
		} else {
			_, err = tx.Exec(ctx, `UPDATE order_pushes SET eligible = $3, reasons = $4, line_positions = $5, status = $6,
				decided_at = $7, updated_at = CASE WHEN status = $6 THEN updated_at ELSE $7 END
				WHERE order_id = $1 AND source_store_id = $2`,
				orderID, c.sourceStoreID, eligible, string(rj), string(pj), newStatus, now)
		}
		if err != nil {
			return fmt.Errorf("recording the push of order %d to store %d: %w", orderID, c.sourceStoreID, err)
		}
		if isNew || oldEligible != eligible || oldReasons != string(rj) {
			kind, detail := EventEligible, "eligible for "+c.sourceName
			if !eligible {
				kind, detail = EventNotEligible, "not eligible for "+c.sourceName+": "+strings.Join(reasons, reasonsSeparator)
			}
			if err := addEvent(ctx, tx, orderID, kind, c.sourceStoreID, detail, now); err != nil {
				return err
			}
		}
		if newStatus == PushCancelled && status != PushCancelled {
			// Cancelled before its push: nothing goes to the source (the job checks) and the
			// reservations of the source's lines end.
			if err := s.releaseCancelled(ctx, tx, orderID, k, positions); err != nil {
				return err
			}
		}
		// Automatic push when the part becomes eligible (not when the mode changes: switching to
		// automatic pushes no order that was eligible before).
		if eligible && (isNew || !oldEligible) && newStatus == PushNotPushed && c.settings.PushMode == PushAutomatic && queuedAt == nil {
			hold := c.settings.Hold
			detail := "automatic push queued to " + c.sourceName
			if hold > 0 {
				detail += ", held " + hold.String()
			}
			if err := s.queuePush(ctx, tx, orderID, c.sourceStoreID, now.Add(hold), EventPushQueued, detail, now); err != nil {
				return err
			}
		}
		if len(positions) > 0 || newStatus == PushPushed {
			parts = append(parts, newStatus)
		}
	}
	_, err := tx.Exec(ctx, `UPDATE orders SET push_status = $2 WHERE id = $1`, orderID, orderStatus(k.cancelledAt != nil, parts))
	return err
}

// address is a shipping address as the hub keeps it (orders.shipping_address, JSON).
type address struct {
	FirstName    string `json:"first_name,omitempty"`
	LastName     string `json:"last_name,omitempty"`
	Company      string `json:"company,omitempty"`
	Address1     string `json:"address1,omitempty"`
	Address2     string `json:"address2,omitempty"`
	City         string `json:"city,omitempty"`
	Province     string `json:"province,omitempty"`
	ProvinceCode string `json:"province_code,omitempty"`
	Zip          string `json:"zip,omitempty"`
	Country      string `json:"country,omitempty"`
	CountryCode  string `json:"country_code,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Email        string `json:"email,omitempty"`
}

func addressOf(a platform.Address) address { return address(a) }

func (a address) platform() platform.Address { return platform.Address(a) }
