package fulfilment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// ApplyArgs applies one source fulfilment to its destination order: creates the destination
// fulfilment once, then keeps its tracking equal to the source's.
type ApplyArgs struct {
	SourceStoreID       int64  `json:"source_store_id"`
	SourceFulfillmentID string `json:"source_fulfillment_id"`
}

// Kind implements river.JobArgs.
func (ApplyArgs) Kind() string { return "fulfilment_apply" }

// InsertOpts: one job per source fulfilment waiting or running at a time (a change recorded
// while it runs is seen by its completing transaction, which then goes round again).
func (ApplyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type applyWorker struct {
	river.WorkerDefaults[ApplyArgs]
	s *Service
}

// NextRetry waits 1 s after the first failed attempt, doubling up to an hour: a customer waits
// for the tracking, and a re-run is safe.
func (w *applyWorker) NextRetry(job *river.Job[ApplyArgs]) time.Time {
	d := time.Second
	for i := 1; i < job.Attempt && d < time.Hour; i++ {
		d *= 2
	}
	return w.s.now().Add(min(d, time.Hour))
}

// row is a kept source fulfilment.
type row struct {
	id, accountID, orderID, sourceStoreID int64
	sourceOrderID, fulfilmentID, name     string
	status, tracking, state, sending      string
	lines, destLines                      []Line
	destIDs                               []string
	appliedTracking                       string
}

const rowColumns = `id, account_id, order_id, source_store_id, source_order_id, source_fulfilment_id, name, status, tracking,
	state, sending, lines, destination_lines, destination_fulfilment_ids, applied_tracking`

func scanRow(r database.Row) (row, error) {
	var x row
	var lines, destLines, destIDs string
	err := r.Scan(&x.id, &x.accountID, &x.orderID, &x.sourceStoreID, &x.sourceOrderID, &x.fulfilmentID, &x.name, &x.status,
		&x.tracking, &x.state, &x.sending, &lines, &destLines, &destIDs, &x.appliedTracking)
	x.lines, x.destLines, x.destIDs = decodeLines(lines), decodeLines(destLines), decodeIDs(destIDs)
	return x, err
}

func loadRow(ctx context.Context, q database.Querier, a ApplyArgs) (row, error) {
	r, err := scanRow(q.QueryRow(ctx, `SELECT `+rowColumns+` FROM source_fulfilments
		WHERE source_store_id = $1 AND source_fulfilment_id = $2`, a.SourceStoreID, a.SourceFulfillmentID))
	if errors.Is(err, database.ErrNoRows) {
		return r, fmt.Errorf("source fulfilment %s: %w", a.SourceFulfillmentID, database.ErrNotFound)
	}
	return r, err
}

// lockRow re-reads the row in tx, taking its lock (PostgreSQL) so a delivery recorded meanwhile
// is either seen here or queues a new job after this one completes.
func lockRow(ctx context.Context, tx database.Tx, id int64) (row, error) {
	return scanRow(tx.QueryRow(ctx, `UPDATE source_fulfilments SET version = version WHERE id = $1 RETURNING `+rowColumns, id))
}

// maxRounds bounds how often one run goes round when the source changes while it runs.
const maxRounds = 5

func (w *applyWorker) Work(ctx context.Context, job *river.Job[ApplyArgs]) error {
	s := w.s
	for range maxRounds {
		r, err := loadRow(ctx, s.db, job.Args)
		if errors.Is(err, database.ErrNotFound) {
			return nil // the order is gone, and its fulfilments with it
		}
		if err != nil {
			return err
		}
		var done bool
		switch {
		case r.state == StateCancelled || r.state == StateSkipped || r.state == StateFailed ||
			r.status != sourceSuccess && len(r.destIDs) == 0 && r.sending == "":
			done, err = true, s.completeIdle(ctx, job)
		case len(r.destIDs) == 0:
			done, err = s.create(ctx, job, r)
		case r.status != sourceCancelled && r.tracking != r.appliedTracking:
			done, err = s.updateTracking(ctx, job, r)
		default:
			done, err = true, s.completeIdle(ctx, job)
		}
		if err != nil || done {
			return err
		}
	}
	return nil // still changing: River completes this run; the next change queues another
}

func (s *Service) completeIdle(ctx context.Context, job *river.Job[ApplyArgs]) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
}

// target is the destination order of a source fulfilment.
type target struct {
	store           store.Store
	platformOrderID string
	orderName       string
	sourceName      string
	connectionID    int64
	positions       []int
}

func (s *Service) target(ctx context.Context, r row) (target, error) {
	var t target
	var storeID, accountID int64
	var positions string
	err := s.db.QueryRow(ctx, `SELECT o.store_id, o.account_id, o.platform_order_id, o.name, p.connection_id, p.line_positions, st.name
		FROM orders o JOIN order_pushes p ON p.order_id = o.id AND p.source_store_id = $2
		JOIN stores st ON st.id = p.source_store_id WHERE o.id = $1`, r.orderID, r.sourceStoreID).
		Scan(&storeID, &accountID, &t.platformOrderID, &t.orderName, &t.connectionID, &positions, &t.sourceName)
	if err != nil {
		return t, fmt.Errorf("reading the destination order %d: %w", r.orderID, err)
	}
	t.positions = decodePositions(positions)
	t.store, err = s.stores.Get(ctx, store.GetParams{AccountID: accountID, ID: storeID})
	return t, err
}

// sendJSON is a create being sent (source_fulfilments.sending).
type sendJSON struct {
	OrderID  string `json:"order_id"`
	Lines    []Line `json:"lines"`
	Tracking string `json:"tracking"` // as kept in source_fulfilments.tracking
}

func (p sendJSON) input(notify bool) platform.FulfillmentInput {
	in := platform.FulfillmentInput{OrderID: p.OrderID, NotifyCustomer: notify}
	for _, l := range p.Lines {
		in.Lines = append(in.Lines, platform.FulfillmentLine{OrderLineID: l.OrderLineID, SKU: l.SKU, Quantity: l.Quantity})
	}
	if ts := decodeTracking(p.Tracking); len(ts) > 0 {
		in.Tracking, in.MoreTracking = ts[0], ts[1:]
		if in.Tracking.Company == "" {
			in.Tracking.Company = platform.Carrier(ts)
		}
	}
	return in
}

// create makes the destination fulfilment: the create being sent when an earlier run recorded
// one (so the platform finds what that run made), else a new one, recorded before it is sent.
func (s *Service) create(ctx context.Context, job *river.Job[ApplyArgs], r row) (bool, error) {
	t, err := s.target(ctx, r)
	if err != nil {
		return false, err
	}
	dst, err := s.stores.Client(t.store)
	if err != nil {
		return false, s.failed(ctx, job, r, t, err)
	}
	var send sendJSON
	resumed := r.sending != ""
	if resumed {
		if err := jsonUnmarshal(r.sending, &send); err != nil {
			return false, err
		}
	} else {
		send, err = s.plan(ctx, r, t)
		if errors.Is(err, errOtherInFlight) {
			return false, river.JobSnooze(otherInFlightWait)
		}
		if err != nil {
			return false, s.failed(ctx, job, r, t, err)
		}
		if len(send.Lines) == 0 {
			return true, s.skipped(ctx, job, r)
		}
	}
	in := send.input(*s.cfg.NotifyCustomer)
	// The destination fulfilments recorded for the order's other source fulfilments are theirs:
	// one tracking number may cover two shipments of the same line.
	if in.Exclude, err = recordedIDs(ctx, s.db, r.orderID, r.id); err != nil {
		return false, err
	}
	var made []platform.Fulfillment
	if resumed && in.Tracking.Number == "" {
		// Without a tracking number the platform cannot tell what an earlier run made: look.
		if made, err = adopt(ctx, dst, send, in.Exclude); err != nil {
			return false, s.failed(ctx, job, r, t, err)
		}
	}
	if len(made) == 0 {
		if made, err = dst.CreateFulfillment(ctx, in); err != nil {
			return false, s.failed(ctx, job, r, t, err)
		}
	}
	if s.afterCall != nil {
		if err := s.afterCall(); err != nil {
			return false, err
		}
	}
	return s.created(ctx, job, r, t, send, made)
}

// errOtherInFlight: another source fulfilment of the same destination order was sent and its
// answer is not recorded yet. Fulfilments of one order are applied one after the other, so
// each knows which destination fulfilments are the others' (Exclude) even when they share a
// tracking number and lines.
var errOtherInFlight = errors.New("another fulfilment of the order is being sent")

// otherInFlightWait is how long a fulfilment waits for another of its order being sent.
const otherInFlightWait = 2 * time.Second

// plan maps the source fulfilment's lines onto the destination order's lines its push sent.
func (s *Service) plan(ctx context.Context, r row, t target) (sendJSON, error) {
	send := sendJSON{OrderID: t.platformOrderID, Tracking: r.tracking}
	dest, err := destinationLines(ctx, s.db, r.orderID, t.positions)
	if err != nil {
		return send, err
	}
	src, err := s.storeByID(ctx, r.sourceStoreID)
	if err != nil {
		return send, err
	}
	client, err := s.stores.Client(src)
	if err != nil {
		return send, err
	}
	so, err := client.Order(ctx, r.sourceOrderID)
	if err != nil {
		return send, fmt.Errorf("reading source order %s of %s: %w", r.sourceOrderID, src.Name, err)
	}
	in := MapInput{Shipped: r.lines, SourceLines: map[string]SourceLine{}, Destination: dest}
	var variants []string
	for _, l := range so.Lines {
		in.SourceLines[l.ID] = SourceLine{VariantID: l.VariantID, SKU: l.SKU}
		if l.VariantID != "" {
			variants = append(variants, l.VariantID)
		}
	}
	if in.Links, err = links(ctx, s.db, t.connectionID, variants); err != nil {
		return send, err
	}
	// What the order's other source fulfilments ship is read, the lines mapped and the create
	// recorded as being sent in one transaction holding the order's lock: two source fulfilments
	// of one order applied at once (two lines of the same SKU shipped apart) never both take the
	// same destination line.
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := orders.LockForFulfillment(ctx, tx, r.orderID); err != nil {
			return err
		}
		busy, err := inFlight(ctx, tx, r.orderID, r.id)
		if err != nil {
			return err
		}
		if busy {
			return errOtherInFlight
		}
		if in.Taken, err = taken(ctx, tx, r.orderID, r.id); err != nil {
			return err
		}
		send.Lines = Map(in)
		if len(send.Lines) == 0 {
			return nil
		}
		return s.recordSending(ctx, tx, r, send)
	})
	return send, err
}

func (s *Service) recordSending(ctx context.Context, tx database.Tx, r row, send sendJSON) error {
	b, err := jsonMarshal(send)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE source_fulfilments SET sending = $2, sending_at = $3, destination_lines = $4, updated_at = $3
		WHERE id = $1 AND sending = ''`, r.id, b, s.now(), encodeLines(send.Lines))
	if err != nil {
		return fmt.Errorf("recording the fulfilment being sent for %s: %w", r.fulfilmentID, err)
	}
	return nil
}

// adopt finds the destination fulfilment an earlier run made without a tracking number: one not
// recorded for another source fulfilment of the order (others) that ships exactly the lines sent.
func adopt(ctx context.Context, dst platform.Store, send sendJSON, others []string) ([]platform.Fulfillment, error) {
	fs, err := dst.Fulfillments(ctx, send.OrderID)
	if err != nil {
		return nil, err
	}
	want := map[string]int64{}
	for _, l := range send.Lines {
		want[l.OrderLineID] += l.Quantity
	}
	for _, f := range fs {
		if f.Status == sourceCancelled || slices.Contains(others, f.ID) {
			continue
		}
		got := map[string]int64{}
		for _, l := range f.Lines {
			got[l.OrderLineID] += l.Quantity
		}
		if mapsEqual(got, want) {
			return []platform.Fulfillment{f}, nil
		}
	}
	return nil, nil
}

// created records the destination fulfilments made, in the transaction that completes the job
// unless the source's tracking changed meanwhile (then it goes round to update it).
func (s *Service) created(ctx context.Context, job *river.Job[ApplyArgs], r row, t target, send sendJSON, made []platform.Fulfillment) (bool, error) {
	now := s.now()
	done := false
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := orders.LockForFulfillment(ctx, tx, r.orderID); err != nil {
			return err
		}
		cur, err := lockRow(ctx, tx, r.id)
		if err != nil {
			return err
		}
		if len(cur.destIDs) > 0 { // recorded by another run
			done = cur.tracking == cur.appliedTracking
			return completeIf(ctx, tx, job, done)
		}
		others, err := recordedIDs(ctx, tx, r.orderID, r.id)
		if err != nil {
			return err
		}
		var ids []string
		for _, f := range made {
			if !slices.Contains(others, f.ID) && !slices.Contains(ids, f.ID) {
				ids = append(ids, f.ID)
			}
		}
		var trackedAt *time.Time
		if len(decodeTracking(send.Tracking)) > 0 {
			trackedAt = &now
		}
		if _, err := tx.Exec(ctx, `UPDATE source_fulfilments SET destination_fulfilment_ids = $2, applied_tracking = $3, applied_at = $4,
				tracking_applied_at = $5, state = $6, sending = '', error = '', updated_at = $4
			WHERE id = $1`, r.id, encodeIDs(ids), send.Tracking, now, trackedAt, StateApplied); err != nil {
			return fmt.Errorf("recording the destination fulfilment of %s: %w", r.fulfilmentID, err)
		}
		status, err := orderStatus(ctx, tx, r.orderID)
		if err != nil {
			return err
		}
		if err := orders.RaiseFulfillmentStatus(ctx, tx, r.orderID, status); err != nil {
			return err
		}
		kind := orders.EventPartiallyFulfilled
		if status == statusFulfilled {
			kind = orders.EventFulfilled
		}
		detail := fmt.Sprintf("%s shipped %s (%s): destination fulfilment %s", t.sourceName, nameOr(r.name, r.fulfilmentID),
			describeLines(send.Lines), strings.Join(ids, ", "))
		if err := orders.AddEvent(ctx, tx, r.orderID, kind, r.sourceStoreID, detail, now); err != nil {
			return err
		}
		if ts := decodeTracking(send.Tracking); len(ts) > 0 {
			if err := orders.AddEvent(ctx, tx, r.orderID, orders.EventTracking, r.sourceStoreID, describeTracking(ts), now); err != nil {
				return err
			}
		}
		// the destination order changed: the hub's copy reads it again rather than wait for the
		// destination's own webhook, which may be lost or arrive before an older one
		if s.cfg.OnApplied != nil {
			var destStoreID int64
			var destOrderID string
			if err := tx.QueryRow(ctx, `SELECT store_id, platform_order_id FROM orders WHERE id = $1`, r.orderID).Scan(&destStoreID, &destOrderID); err != nil {
				return err
			}
			if err := s.cfg.OnApplied(ctx, tx, destStoreID, destOrderID); err != nil {
				return err
			}
		}
		done = cur.tracking == send.Tracking
		return completeIf(ctx, tx, job, done)
	})
	if err != nil {
		return false, fmt.Errorf("fulfilment %s applied to order %s as %v, recording it: %w", r.fulfilmentID, t.orderName, made, err)
	}
	return done, nil
}

// updateTracking gives the destination fulfilments the source's tracking now.
func (s *Service) updateTracking(ctx context.Context, job *river.Job[ApplyArgs], r row) (bool, error) {
	t, err := s.target(ctx, r)
	if err != nil {
		return false, err
	}
	dst, err := s.stores.Client(t.store)
	if err != nil {
		return false, s.failed(ctx, job, r, t, err)
	}
	ts := decodeTracking(r.tracking)
	for _, id := range r.destIDs {
		if _, err := dst.UpdateTracking(ctx, platform.UpdateTrackingParams{FulfillmentID: id, Tracking: ts, NotifyCustomer: *s.cfg.NotifyCustomer}); err != nil {
			return false, s.failed(ctx, job, r, t, err)
		}
	}
	if s.afterCall != nil {
		if err := s.afterCall(); err != nil {
			return false, err
		}
	}
	now := s.now()
	done := false
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		cur, err := lockRow(ctx, tx, r.id)
		if err != nil {
			return err
		}
		if cur.appliedTracking != r.tracking {
			if _, err := tx.Exec(ctx, `UPDATE source_fulfilments SET applied_tracking = $2, tracking_applied_at = $3, error = '', updated_at = $3
				WHERE id = $1`, r.id, r.tracking, now); err != nil {
				return err
			}
			detail := describeTracking(ts) + " (added after shipping, on destination fulfilment " + strings.Join(r.destIDs, ", ") + ")"
			if err := orders.AddEvent(ctx, tx, r.orderID, orders.EventTracking, r.sourceStoreID, detail, now); err != nil {
				return err
			}
		}
		done = cur.tracking == r.tracking
		return completeIf(ctx, tx, job, done)
	})
	return done, err
}

func completeIf(ctx context.Context, tx database.Tx, job *river.Job[ApplyArgs], done bool) error {
	if !done {
		return nil
	}
	return jobs.CompleteTx(ctx, tx, job)
}

func (s *Service) skipped(ctx context.Context, job *river.Job[ApplyArgs], r row) error {
	now := s.now()
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE source_fulfilments SET state = $2, error = $3, updated_at = $4 WHERE id = $1`,
			r.id, StateSkipped, "none of its lines is a line of the destination order", now); err != nil {
			return err
		}
		detail := "fulfilment " + nameOr(r.name, r.fulfilmentID) + " ships no line of this order: nothing sent"
		if err := orders.AddEvent(ctx, tx, r.orderID, orders.EventFulfillmentFailed, r.sourceStoreID, detail, now); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// failed records a failed attempt: a retryable failure keeps the error and retries on River's
// schedule; any other marks the fulfilment failed on the timeline and completes the job (a
// later change of the source fulfilment tries again).
func (s *Service) failed(ctx context.Context, job *river.Job[ApplyArgs], r row, t target, cause error) error {
	now := s.now()
	retry := (platform.KindOf(cause) == "" || platform.IsRetryable(cause)) && job.Attempt < job.MaxAttempts
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if retry {
			_, err := tx.Exec(ctx, `UPDATE source_fulfilments SET error = $2, updated_at = $3 WHERE id = $1`, r.id, msg, now)
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE source_fulfilments SET state = $2, error = $3, updated_at = $4 WHERE id = $1`,
			r.id, StateFailed, msg, now); err != nil {
			return err
		}
		detail := fmt.Sprintf("fulfilment %s of %s could not reach %s: %s", nameOr(r.name, r.fulfilmentID), t.sourceName, t.orderName, msg)
		if err := orders.AddEvent(ctx, tx, r.orderID, orders.EventFulfillmentFailed, r.sourceStoreID, detail, now); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
	if err != nil {
		return errors.Join(cause, err)
	}
	if retry {
		return cause
	}
	return nil
}

func describeLines(ls []Line) string {
	var n int64
	for _, l := range ls {
		n += l.Quantity
	}
	if n == 1 {
		return "1 item"
	}
	return fmt.Sprintf("%d items", n)
}

func describeTracking(ts []platform.Tracking) string {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		p := t.Number
		if p == "" {
			p = "(no number)"
		}
		if t.URL != "" {
			p += " " + t.URL
		}
		parts = append(parts, p)
	}
	carrier := platform.Carrier(ts)
	if carrier != "" {
		carrier += " "
	}
	return "tracking " + carrier + strings.Join(parts, ", ")
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
