package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// PushRetryMin is the wait after a push's first failed attempt, doubling to PushRetryMax: longer
// than a platform's search lag, so a retry finds an order the failed attempt may have made.
const (
	PushRetryMin = 30 * time.Second
	PushRetryMax = 6 * time.Hour
)

// maxTag bounds each tag given to the source order (Shopify's limit is 40 characters).
const maxTag = 40

// PushArgs pushes one order's part to one source store: creates the source order with the
// source's linked lines, exactly once.
type PushArgs struct {
	OrderID       int64 `json:"order_id"`
	SourceStoreID int64 `json:"source_store_id"`
}

// Kind implements river.JobArgs.
func (PushArgs) Kind() string { return "orders_push" }

// InsertOpts: one job per push waiting or running at a time.
func (PushArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// PushKey is the push's idempotency key, from (destination store, destination order id, source
// store): every attempt of a push sends the same one, so the platform finds the order an earlier
// attempt made.
func PushKey(destinationStoreID int64, platformOrderID string, sourceStoreID int64) string {
	return fmt.Sprintf("storesync-push:%d:%s:%d", destinationStoreID, platformOrderID, sourceStoreID)
}

type pushWorker struct {
	river.WorkerDefaults[PushArgs]
	s *Service
}

// pushDelay is the wait after the given failed attempt (1 for the first).
func pushDelay(attempt int) time.Duration {
	d := PushRetryMin
	for i := 1; i < attempt && d < PushRetryMax; i++ {
		d *= 2
	}
	return min(d, PushRetryMax)
}

// NextRetry is the push's own schedule (see PushRetryMin).
func (w *pushWorker) NextRetry(job *river.Job[PushArgs]) time.Time {
	return w.s.now().Add(pushDelay(max(job.Attempt, 1)))
}

// plan is what one attempt of a push sends, read before the call.
type plan struct {
	skip      string // why nothing is sent ("" to send)
	source    store.Store
	head      orderHead
	lineIDs   []string
	input     platform.OrderInput
	uncertain *time.Time
	destName  string
	notes     []string // what the receive settings could not apply, for the timeline
}

func (w *pushWorker) Work(ctx context.Context, job *river.Job[PushArgs]) error {
	s := w.s
	pl, err := s.plan(ctx, job.Args)
	if err != nil {
		return err
	}
	if pl.skip != "" {
		return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if pl.skip != skipSilently {
				if err := addEvent(ctx, tx, job.Args.OrderID, EventNotPushed, job.Args.SourceStoreID, pl.skip, s.now()); err != nil {
					return err
				}
			}
			return jobs.CompleteTx(ctx, tx, job)
		})
	}
	client, err := s.stores.Client(pl.source)
	if err != nil {
		return s.failed(ctx, job, pl, err)
	}
	in := pl.input
	in.Tags = orderTags(tagLimitsOf(client), pl.destName, pl.head.name)
	in.UncertainSince = uncertainSince(job, pl.uncertain)
	made, err := client.CreateOrder(ctx, in)
	if err != nil {
		return s.failed(ctx, job, pl, err)
	}
	return s.pushed(ctx, job, pl, made)
}

// skipSilently: the push is done already (pushed or cancelled): nothing to tell.
const skipSilently = "-"

// uncertainSince is when an earlier attempt may have made the order without recording it: the
// outcome-unknown failure kept on the push, or the last failed attempt of the job (which covers a
// crash: the rescuer records an error).
func uncertainSince(job *river.Job[PushArgs], kept *time.Time) time.Time {
	var t time.Time
	if kept != nil {
		t = kept.UTC()
	}
	for _, e := range job.Errors {
		if e.At.After(t) {
			t = e.At.UTC()
		}
	}
	return t
}

// plan re-reads the push, its order and its connection, and builds what to send.
func (s *Service) plan(ctx context.Context, a PushArgs) (plan, error) {
	var pl plan
	var status, reasons, positions, state, customer, addressJSON, destName, email, shipLines, discounts string
	var eligible bool
	var paused *bool
	var connectionID, sourceAccount int64
	var fee *int64
	var cancelledAt *time.Time
	err := s.db.QueryRow(ctx, `SELECT p.status, p.eligible, p.reasons, p.line_positions, p.connection_id, p.shipping_fee_amount,
			p.uncertain_since, c.state, os.paused, o.account_id, o.store_id, o.platform_order_id, o.name, o.currency,
			o.cancelled_at, o.customer_name, o.shipping_address, d.name, src.account_id, o.email, o.shipping_lines, o.discounts
		FROM order_pushes p JOIN orders o ON o.id = p.order_id JOIN connections c ON c.id = p.connection_id
		JOIN stores d ON d.id = o.store_id JOIN stores src ON src.id = p.source_store_id LEFT JOIN order_settings os ON os.connection_id = c.id
		WHERE p.order_id = $1 AND p.source_store_id = $2`, a.OrderID, a.SourceStoreID).
		Scan(&status, &eligible, &reasons, &positions, &connectionID, &fee, &pl.uncertain, &state, &paused,
			&pl.head.accountID, &pl.head.storeID, &pl.head.platformOrderID, &pl.head.name, &pl.head.currency,
			&cancelledAt, &customer, &addressJSON, &destName, &sourceAccount, &email, &shipLines, &discounts)
	if errors.Is(err, database.ErrNoRows) {
		pl.skip = skipSilently // the order or its connection is gone
		return pl, nil
	}
	if err != nil {
		return pl, fmt.Errorf("reading the push of order %d to store %d: %w", a.OrderID, a.SourceStoreID, err)
	}
	src, err := s.stores.Get(ctx, store.GetParams{AccountID: sourceAccount, ID: a.SourceStoreID})
	if err != nil {
		return pl, fmt.Errorf("reading source store %d: %w", a.SourceStoreID, err)
	}
	pl.source = src
	var rs []string
	_ = json.Unmarshal([]byte(reasons), &rs)
	switch {
	case status == PushPushed || status == PushCancelled:
		pl.skip = skipSilently
	case cancelledAt != nil:
		pl.skip = "not pushed to " + src.Name + ": " + ReasonCancelled
	case state != "connected":
		pl.skip = "not pushed to " + src.Name + ": " + ReasonNotConnected
	case paused != nil && *paused:
		pl.skip = "not pushed to " + src.Name + ": " + ReasonPaused
	case !eligible:
		pl.skip = "not pushed to " + src.Name + ": " + strings.Join(rs, reasonsSeparator)
	}
	if pl.skip != "" {
		return pl, nil
	}
	var pos []int
	if err := json.Unmarshal([]byte(positions), &pos); err != nil {
		return pl, err
	}
	lines, ids, err := sourceLines(ctx, s.db, a.OrderID, connectionID, pos)
	if err != nil {
		return pl, err
	}
	if len(lines) == 0 {
		pl.skip = "not pushed to " + src.Name + ": " + ReasonNoLinkedLine
		return pl, nil
	}
	pl.lineIDs = ids
	recv, err := readReceive(ctx, s.db, connectionID)
	if err != nil {
		return pl, err
	}
	ro := receiveOrder{Key: PushKey(pl.head.storeID, pl.head.platformOrderID, a.SourceStoreID), OrderName: pl.head.name,
		OrderCurrency: pl.head.currency, DestName: destName, CustomerName: customer, CustomerEmail: email, Lines: lines,
		ShipLines: decodeCharges(shipLines), Discounts: decodeCharges(discounts), Fee: fee}
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(SUM(quantity * price_amount), 0) FROM order_lines WHERE order_id = $1 AND quantity > 0`,
		a.OrderID).Scan(&ro.OrderValue); err != nil {
		return pl, fmt.Errorf("reading the value of order %d: %w", a.OrderID, err)
	}
	if addressJSON != "" {
		var kept address
		if err := json.Unmarshal([]byte(addressJSON), &kept); err == nil {
			addr := kept.platform()
			ro.Address = &addr
		}
	}
	if recv.needsStoreEmail() {
		if ro.DestEmail, err = s.storeEmail(ctx, pl.head); err != nil {
			return pl, err
		}
	}
	pl.destName = destName
	in, notes := buildInput(recv, ro)
	pl.notes = notes
	pl.input = in
	return pl, nil
}

// sourceLines maps the order's lines at positions to the source's variants through the
// connection's live product links, at the source variant's price as last read on the link.
func sourceLines(ctx context.Context, q database.Querier, orderID, connectionID int64, positions []int) ([]partLine, []string, error) {
	rows, err := q.Query(ctx, `SELECT l.position, l.platform_line_id, l.quantity, l.title, l.price_amount, k.source_variant_id,
			k.source_price_amount, k.source_price_currency
		FROM order_lines l JOIN product_links k ON k.destination_variant_id = l.variant_id AND k.connection_id = $2 AND k.ended_at IS NULL
		WHERE l.order_id = $1 ORDER BY l.position`, orderID, connectionID)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the lines of order %d: %w", orderID, err)
	}
	defer rows.Close()
	var out []partLine
	var ids []string
	for rows.Next() {
		var pos int
		var id, title, variant, currency string
		var qty, destPrice, price int64
		if err := rows.Scan(&pos, &id, &qty, &title, &destPrice, &variant, &price, &currency); err != nil {
			return nil, nil, err
		}
		if qty <= 0 || !slices.Contains(positions, pos) {
			continue
		}
		l := partLine{VariantID: variant, Title: title, Quantity: qty, DestinationPrice: destPrice}
		if price > 0 && currency != "" {
			l.SourcePrice = &platform.Money{Amount: price, Currency: currency}
		}
		out = append(out, l)
		ids = append(ids, id)
	}
	return out, ids, rows.Err()
}

// storeEmail is the destination store's admin email, as its platform reports it.
func (s *Service) storeEmail(ctx context.Context, h orderHead) (string, error) {
	st, err := s.stores.Get(ctx, store.GetParams{AccountID: h.accountID, ID: h.storeID})
	if err != nil {
		return "", fmt.Errorf("reading destination store %d: %w", h.storeID, err)
	}
	c, err := s.stores.Client(st)
	if err != nil {
		return "", err
	}
	info, err := c.Shop(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the admin email of %s: %w", st.Name, err)
	}
	return info.Email, nil
}

// forwardedCustomer is the buyer's name: the shipping address's, else the order's customer name.
func forwardedCustomer(name string, addr *platform.Address) *platform.Customer {
	if addr != nil && (addr.FirstName != "" || addr.LastName != "") {
		return &platform.Customer{FirstName: addr.FirstName, LastName: addr.LastName}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	first, last, _ := strings.Cut(name, " ")
	return &platform.Customer{FirstName: first, LastName: strings.TrimSpace(last)}
}

func clip(s string, n int) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", " "))
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	for len(string(r)) > n {
		r = r[:len(r)-1]
	}
	return string(r)
}

// pushed records the source order, marks the lines' reservations pushed and completes the job,
// in one transaction.
func (s *Service) pushed(ctx context.Context, job *river.Job[PushArgs], pl plan, made platform.Order) error {
	a := job.Args
	now := s.now()
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE order_pushes SET status = $3, source_order_id = $4, source_order_name = $5, pushed_at = $6,
			error = '', next_retry_at = NULL, uncertain_since = NULL, attempts = attempts + 1, updated_at = $6, sent = $7
			WHERE order_id = $1 AND source_store_id = $2 AND status <> $3`,
			a.OrderID, a.SourceStoreID, PushPushed, made.ID, made.Name, now, sentOf(made, pl.input))
		if err != nil {
			return fmt.Errorf("recording the push of order %d: %w", a.OrderID, err)
		}
		if n == 0 {
			return jobs.CompleteTx(ctx, tx, job) // recorded by an earlier run
		}
		if s.cfg.Reservations != nil {
			if err := s.cfg.Reservations.MarkPushed(ctx, tx, ReservedLines{AccountID: pl.head.accountID,
				DestinationStoreID: pl.head.storeID, OrderID: pl.head.platformOrderID, LineIDs: pl.lineIDs, At: made.CreatedAt}); err != nil {
				return err
			}
		}
		name := made.Name
		if name == "" {
			name = made.ID
		}
		detail := "pushed to " + pl.source.Name + " as " + name
		if len(pl.notes) > 0 {
			detail += " (" + strings.Join(pl.notes, "; ") + ")"
		}
		if err := addEvent(ctx, tx, a.OrderID, EventPushed, a.SourceStoreID, detail, now); err != nil {
			return err
		}
		if err := refreshStatus(ctx, tx, a.OrderID); err != nil {
			return err
		}
		if err := s.afterPushed(ctx, tx, a.OrderID, a.SourceStoreID, now); err != nil { // cancelled meanwhile (cancel.go)
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
	if err != nil {
		return fmt.Errorf("order %d pushed to %s as %s, recording it: %w", a.OrderID, pl.source.Name, made.ID, err)
	}
	return nil
}

// failed records a failed attempt: an outcome unknown snoozes for the platform's search lag and
// is looked for first next time; a retryable failure retries on the push's schedule; any other
// stays failed, the job done, until a person retries.
func (s *Service) failed(ctx context.Context, job *river.Job[PushArgs], pl plan, cause error) error {
	a := job.Args
	now := s.now()
	kind := platform.KindOf(cause)
	var snooze time.Duration
	var next *time.Time
	retry := kind == "" || platform.IsRetryable(cause)
	switch {
	case kind == platform.KindOutcomeUnknown:
		snooze = time.Second
		if pe, ok := errors.AsType[*platform.Error](cause); ok && pe.RetryAfter > snooze {
			snooze = pe.RetryAfter
		}
		t := now.Add(snooze)
		next = &t
	case retry && job.Attempt < job.MaxAttempts:
		t := now.Add(pushDelay(max(job.Attempt, 1)))
		next = &t
	}
	msg := clip(cause.Error(), 1000)
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var uncertain *time.Time
		if snooze > 0 {
			uncertain = &now
		}
		if _, err := tx.Exec(ctx, `UPDATE order_pushes SET status = $3, error = $4, attempts = attempts + 1, next_retry_at = $5,
			uncertain_since = COALESCE($6, uncertain_since), updated_at = $7
			WHERE order_id = $1 AND source_store_id = $2 AND status IN ($8, $3)`,
			a.OrderID, a.SourceStoreID, PushFailed, msg, next, uncertain, now, PushNotPushed); err != nil {
			return fmt.Errorf("recording the failed push of order %d: %w", a.OrderID, err)
		}
		detail := "push to " + pl.source.Name + " failed: " + msg
		switch {
		case snooze > 0:
			detail += "; looking for the order again in " + snooze.String()
		case next != nil:
			detail += "; retrying at " + next.Format(time.RFC3339)
		default:
			detail += "; fix the cause and retry"
		}
		if err := addEvent(ctx, tx, a.OrderID, EventPushFailed, a.SourceStoreID, detail, now); err != nil {
			return err
		}
		if err := refreshStatus(ctx, tx, a.OrderID); err != nil {
			return err
		}
		if !retry && snooze == 0 {
			return jobs.CompleteTx(ctx, tx, job)
		}
		return nil
	})
	switch {
	case err != nil:
		return errors.Join(cause, err)
	case snooze > 0:
		return river.JobSnooze(snooze)
	case retry:
		return cause
	}
	return nil
}
