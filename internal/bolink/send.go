package bolink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
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

// Back-office statuses of an order.
const (
	StatusPending = "pending" // a send job waits, runs or retries
	StatusSent    = "sent"    // the job and its sales order exist; later changes are carried over
	StatusFailed  = "failed"  // the reason says what a person must fix; Retry sends again
)

// Timeline entry kinds of the back office.
const (
	EventSent    = "back_office_sent"    // the job and its sales order were made
	EventFailed  = "back_office_failed"  // the send failed (the reason), or will be retried
	EventUpdated = "back_office_updated" // a later change reached the job: cancelled, payment, edit
	EventNote    = "back_office_note"    // sent with something left out: a decoration not resolved
)

// MaxAttempts is how many times a send is tried when the back office's trouble is transient
// (timeouts, 5xx, 429) before it is failed for a person to retry.
const MaxAttempts = 12

// SendArgs makes the back office reflect one kept order: creates its job and sales order, then
// carries its later changes. Unique while one waits or runs; one that ends with the order
// changed meanwhile enqueues the next.
type SendArgs struct {
	OrderID int64 `json:"order_id"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "backoffice_send" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// OnKept implements orders' OnKept: an order of a store with an enabled link, placed from its
// start, gets a send row (pending) and a send job in the transaction that keeps it; a later
// change of an order already sent enqueues the job that carries it over.
func (s *Service) OnKept(ctx context.Context, tx database.Tx, st store.Store, orderID int64, o platform.Order, _ orders.Outcome) error {
	var from *time.Time
	err := tx.QueryRow(ctx, `SELECT send_from FROM backoffice_links WHERE store_id = $1 AND enabled`, st.ID).Scan(&from)
	if errors.Is(err, database.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the back-office link of %s: %w", st.Name, err)
	}
	var status string
	err = tx.QueryRow(ctx, `SELECT status FROM backoffice_sends WHERE order_id = $1`, orderID).Scan(&status)
	switch {
	case errors.Is(err, database.ErrNoRows):
		// placed before the link's start (to the second: platforms stamp orders so)
		if from != nil && !o.CreatedAt.IsZero() && o.CreatedAt.Before(from.Truncate(time.Second)) {
			return nil
		}
		return s.queue(ctx, tx, st.AccountID, st.ID, orderID)
	case err != nil:
		return fmt.Errorf("reading the back-office status of order %d: %w", orderID, err)
	case status == StatusSent:
		return s.jobs.Insert(ctx, tx, SendArgs{OrderID: orderID}, nil)
	}
	return nil // pending: the job waiting reads the order as it is then; failed: a person retries
}

// queue records the order as pending and enqueues its send, in tx.
func (s *Service) queue(ctx context.Context, tx database.Tx, accountID, storeID, orderID int64) error {
	now := s.now()
	if _, err := tx.Exec(ctx, `INSERT INTO backoffice_sends (order_id, account_id, store_id, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (order_id) DO NOTHING`, orderID, accountID, storeID, StatusPending, now); err != nil {
		return fmt.Errorf("recording the back-office send of order %d: %w", orderID, err)
	}
	return s.jobs.Insert(ctx, tx, SendArgs{OrderID: orderID}, nil)
}

// Status is an order's back-office status, for its page and the API.
type Status struct {
	Status       string
	Error        string
	Target       string
	JobID        *int64
	JobNumber    *int64
	SalesOrderID *int64
	Attempts     int64
	SentAt       *time.Time
	UpdatedAt    time.Time
}

// OrderStatus returns the order's back-office status, ok false when it is not sent to one. The
// order is the account's (the caller checked it).
func (s *Service) OrderStatus(ctx context.Context, accountID, orderID int64) (Status, bool, error) {
	var st Status
	err := s.db.QueryRow(ctx, `SELECT status, error, target, job_id, job_number, sales_order_id, attempts, sent_at, updated_at
		FROM backoffice_sends WHERE order_id = $1 AND account_id = $2`, orderID, accountID).Scan(&st.Status, &st.Error, &st.Target,
		&st.JobID, &st.JobNumber, &st.SalesOrderID, &st.Attempts, &st.SentAt, &st.UpdatedAt)
	if errors.Is(err, database.ErrNoRows) {
		return Status{}, false, nil
	}
	if err != nil {
		return Status{}, false, fmt.Errorf("reading the back-office status of order %d: %w", orderID, err)
	}
	return st, true, nil
}

// ErrNotRetryable means Retry was asked for an order whose send has not failed.
var ErrNotRetryable = errors.New("the order's back-office send has not failed")

// Retry sends a failed order again (after a person fixed the settings), or sends an order of a
// store with an enabled link that was never sent (placed before the link's start).
func (s *Service) Retry(ctx context.Context, accountID, orderID int64) (Status, error) {
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var storeID int64
		if err := tx.QueryRow(ctx, `SELECT store_id FROM orders WHERE id = $1 AND account_id = $2`, orderID, accountID).Scan(&storeID); err != nil {
			if errors.Is(err, database.ErrNoRows) {
				return fmt.Errorf("order %d: %w", orderID, database.ErrNotFound)
			}
			return err
		}
		var enabled bool
		err := tx.QueryRow(ctx, `SELECT enabled FROM backoffice_links WHERE store_id = $1`, storeID).Scan(&enabled)
		if err != nil && !errors.Is(err, database.ErrNoRows) {
			return err
		}
		if !enabled {
			return &Error{Field: "order", Message: "the store's back-office link is not enabled: enable it first"}
		}
		var status string
		err = tx.QueryRow(ctx, `SELECT status FROM backoffice_sends WHERE order_id = $1`, orderID).Scan(&status)
		switch {
		case errors.Is(err, database.ErrNoRows):
			return s.queue(ctx, tx, accountID, storeID, orderID)
		case err != nil:
			return err
		case status != StatusFailed:
			return ErrNotRetryable
		}
		if _, err := tx.Exec(ctx, `UPDATE backoffice_sends SET status = $2, error = '', attempts = 0, updated_at = $3 WHERE order_id = $1`,
			orderID, StatusPending, s.now()); err != nil {
			return err
		}
		return s.jobs.Insert(ctx, tx, SendArgs{OrderID: orderID}, nil)
	})
	if err != nil {
		return Status{}, err
	}
	st, _, err := s.OrderStatus(ctx, accountID, orderID)
	return st, err
}

// startSending queues, in tx, the kept orders of the link's store placed from its start that
// were never sent (at once up to backfillBatch, the rest by backfill jobs), and has the store's
// orders poll read from the start, for those the hub never kept.
func (s *Service) startSending(ctx context.Context, tx database.Tx, l Link) error {
	if s.cfg.Rewind != nil && l.SendFrom != nil {
		if err := s.cfg.Rewind(ctx, tx, l.StoreID, l.SendFrom.Truncate(time.Second)); err != nil {
			return err
		}
	}
	return s.backfill(ctx, tx, l.StoreID, 0)
}

const backfillBatch = 500

// BackfillArgs queues the next batch of a store's kept orders that were never sent.
type BackfillArgs struct {
	StoreID int64 `json:"store_id"`
	AfterID int64 `json:"after_id"`
}

// Kind implements river.JobArgs.
func (BackfillArgs) Kind() string { return "backoffice_backfill" }

type backfillWorker struct {
	river.WorkerDefaults[BackfillArgs]
	s *Service
}

func (w *backfillWorker) Work(ctx context.Context, job *river.Job[BackfillArgs]) error {
	return w.s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := w.s.backfill(ctx, tx, job.Args.StoreID, job.Args.AfterID); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

func (s *Service) backfill(ctx context.Context, tx database.Tx, storeID, afterID int64) error {
	var accountID int64
	var from *time.Time
	err := tx.QueryRow(ctx, `SELECT account_id, send_from FROM backoffice_links WHERE store_id = $1 AND enabled`, storeID).Scan(&accountID, &from)
	if errors.Is(err, database.ErrNoRows) {
		return nil // disabled meanwhile
	}
	if err != nil {
		return err
	}
	if from == nil {
		return nil
	}
	ids, err := database.Int64s(tx.Query(ctx, `SELECT o.id FROM orders o
		WHERE o.store_id = $1 AND o.id > $2 AND o.placed_at >= $3
		AND NOT EXISTS (SELECT 1 FROM backoffice_sends b WHERE b.order_id = o.id)
		ORDER BY o.id LIMIT $4`, storeID, afterID, from.Truncate(time.Second), backfillBatch))
	if err != nil {
		return fmt.Errorf("listing the orders of store %d to send: %w", storeID, err)
	}
	for _, id := range ids {
		if err := s.queue(ctx, tx, accountID, storeID, id); err != nil {
			return err
		}
	}
	if len(ids) == backfillBatch {
		return s.jobs.Insert(ctx, tx, BackfillArgs{StoreID: storeID, AfterID: ids[len(ids)-1]}, nil)
	}
	return nil
}

// sendRow is an order's send as kept, with what the job needs of the order.
type sendRow struct {
	orderID, accountID, storeID int64
	status                      string
	jobID, jobNumber, soID      *int64
	paymentRefs                 []string
	cancelDone                  bool
	linesDigest                 string
	orderVersion                int64 // the hub order's version now
	platformOrderID             string
	orderName                   string
}

func readSend(ctx context.Context, q database.Querier, orderID int64) (sendRow, error) {
	var r sendRow
	var refs string
	err := q.QueryRow(ctx, `SELECT b.order_id, b.account_id, b.store_id, b.status, b.job_id, b.job_number, b.sales_order_id,
			b.payment_refs, b.cancel_done, b.lines_digest, o.version, o.platform_order_id, o.name
		FROM backoffice_sends b JOIN orders o ON o.id = b.order_id WHERE b.order_id = $1`, orderID).Scan(&r.orderID, &r.accountID,
		&r.storeID, &r.status, &r.jobID, &r.jobNumber, &r.soID, &refs, &r.cancelDone, &r.linesDigest, &r.orderVersion,
		&r.platformOrderID, &r.orderName)
	if err != nil {
		return sendRow{}, err
	}
	_ = json.Unmarshal([]byte(refs), &r.paymentRefs)
	return r, nil
}

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	s *Service
}

// outcome is what one run of the send did, recorded in the transaction that completes it.
type outcome struct {
	job         *platform.BackOfficeJob
	target      string
	paymentRefs []string
	cancelDone  bool
	linesDigest string
	events      []event
}

type event struct{ kind, detail string }

// Work reads the order from its store, makes or updates its job in the back office, and records
// what it did with the job's completion. A transient trouble (timeouts, 5xx, 429) is retried
// with backoff (429's Retry-After honoured) and shown as pending with the reason; any other
// failure, or the last attempt, is failed for a person.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	s := w.s
	r, err := readSend(ctx, s.db, job.Args.OrderID)
	if errors.Is(err, database.ErrNoRows) {
		return nil // the order is gone
	}
	if err != nil {
		return err
	}
	if r.status == StatusFailed {
		return nil // a person retries
	}
	out, err := s.send(ctx, r)
	if err == nil {
		return s.record(ctx, job, r, out)
	}
	var ferr *failure
	var verr *Error
	last := job.Attempt >= job.MaxAttempts
	switch perr, isPlatform := errors.AsType[*platform.Error](err); {
	case errors.As(err, &ferr), errors.As(err, &verr):
	case isPlatform && perr.Retryable && !last:
		s.noteRetry(ctx, r, err, job.Attempt)
		if perr.RetryAfter > 0 {
			return river.JobSnooze(perr.RetryAfter)
		}
		return err
	case isPlatform:
	case !last:
		return err // the hub's own trouble (its database, a shutdown): River retries
	}
	return s.fail(ctx, job, r, err)
}

// failure is a send that cannot succeed until a person changes something.
type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

func failf(format string, args ...any) error { return &failure{msg: fmt.Sprintf(format, args...)} }

func (s *Service) noteRetry(ctx context.Context, r sendRow, cause error, attempt int) {
	_, _ = s.db.Exec(ctx, `UPDATE backoffice_sends SET error = $2, attempts = $3, updated_at = $4 WHERE order_id = $1`,
		r.orderID, "will retry: "+short(cause.Error()), attempt, s.now())
}

func short(msg string) string {
	if len(msg) > 1000 {
		return msg[:1000]
	}
	return msg
}

// fail records the send as failed with its reason, on the timeline too, completing the job.
func (s *Service) fail(ctx context.Context, job *river.Job[SendArgs], r sendRow, cause error) error {
	msg := short(cause.Error())
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE backoffice_sends SET status = $2, error = $3, attempts = $4, updated_at = $5 WHERE order_id = $1`,
			r.orderID, StatusFailed, msg, job.Attempt, s.now()); err != nil {
			return err
		}
		if err := orders.AddEvent(ctx, tx, r.orderID, EventFailed, 0, msg, s.now()); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// record keeps what the run did and completes the job; when the order changed since the run
// read it, the next run is enqueued in the same transaction.
func (s *Service) record(ctx context.Context, job *river.Job[SendArgs], r sendRow, out outcome) error {
	now := s.now()
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		refs, _ := json.Marshal(out.paymentRefs)
		var jobID, number, soID *int64
		if out.job != nil {
			jobID, number, soID = &out.job.ID, &out.job.Number, &out.job.SalesOrderID
		}
		if _, err := tx.Exec(ctx, `UPDATE backoffice_sends SET status = $2, error = '', job_id = COALESCE($3, job_id),
				job_number = COALESCE($4, job_number), sales_order_id = COALESCE($5, sales_order_id), target = $6,
				order_version = $7, payment_refs = $8, cancel_done = $9, lines_digest = $10, attempts = $11, updated_at = $12,
				sent_at = COALESCE(sent_at, $12)
			WHERE order_id = $1`, r.orderID, StatusSent, jobID, number, soID, out.target, r.orderVersion, string(refs),
			out.cancelDone, out.linesDigest, job.Attempt, now); err != nil {
			return fmt.Errorf("recording the back-office send of order %d: %w", r.orderID, err)
		}
		for _, e := range out.events {
			if err := orders.AddEvent(ctx, tx, r.orderID, e.kind, 0, e.detail, now); err != nil {
				return err
			}
		}
		if err := jobs.CompleteTx(ctx, tx, job); err != nil {
			return err
		}
		var version int64
		if err := tx.QueryRow(ctx, `SELECT version FROM orders WHERE id = $1`, r.orderID).Scan(&version); err != nil {
			return err
		}
		if version != r.orderVersion {
			return s.jobs.Insert(ctx, tx, SendArgs{OrderID: r.orderID}, nil)
		}
		return nil
	})
}

// send does the run's work outside any transaction: it reads the link, the store's order and
// the back office, and creates or updates the job.
func (s *Service) send(ctx context.Context, r sendRow) (outcome, error) {
	l, err := s.get(ctx, s.db, r.accountID, r.storeID)
	if err != nil {
		return outcome{}, err
	}
	if !l.Enabled {
		return outcome{}, failf("the store's back-office link is not enabled")
	}
	key := ""
	if l.Target == TargetExternal {
		plain, err := s.sealer.Open(l.sealed)
		if err != nil {
			return outcome{}, fmt.Errorf("opening the back office's key: %w", err)
		}
		key = string(plain)
	}
	t, err := s.target(l.Link, key)
	if err != nil {
		return outcome{}, failf("%v", err)
	}
	st, err := s.stores.Get(ctx, store.GetParams{AccountID: r.accountID, ID: r.storeID})
	if err != nil {
		return outcome{}, err
	}
	client, err := s.stores.Client(st)
	if err != nil {
		return outcome{}, err
	}
	o, err := client.Order(ctx, r.platformOrderID)
	if err != nil {
		return outcome{}, fmt.Errorf("reading order %s from %s: %w", r.orderName, st.Name, err)
	}
	out := outcome{target: l.Target, paymentRefs: r.paymentRefs, cancelDone: r.cancelDone, linesDigest: r.linesDigest}
	if r.jobID == nil {
		return s.create(ctx, t, l.Link, st, o, r, out)
	}
	return s.update(ctx, t, st, o, r, out)
}

// sendKey is the idempotency key of an order's job: one per (store, order), whatever retries.
func sendKey(storeID int64, orderID string) string {
	return "storesync/store/" + strconv.FormatInt(storeID, 10) + "/order/" + orderID
}

// ExternalRef is the back-office job's reference to a store order.
func ExternalRef(storeID int64, orderID string) string {
	return fmt.Sprintf("storesync store %d order %s", storeID, orderID)
}

func (s *Service) create(ctx context.Context, t platform.BackOffice, l Link, st store.Store, o platform.Order, r sendRow, out outcome) (outcome, error) {
	set := l.Settings
	users, err := t.Users(ctx)
	if err != nil {
		return out, err
	}
	if field, msg := repProblem(users, set); field != "" {
		return out, failf("%s: %s; fix the store's back-office settings and retry", field, msg)
	}
	kind := platform.BackOfficeKind(set.JobType)
	key := sendKey(st.ID, o.ID)
	contact, err := s.contact(ctx, t, set, kind, key, o)
	if err != nil {
		return out, err
	}
	cards, err := t.CardTypes(ctx)
	if err != nil {
		return out, err
	}
	in, notes, err := s.build(ctx, st, set, o, contact, cards)
	if err != nil {
		return out, err
	}
	in.Kind, in.ExternalRef, in.ContactID, in.StoreID = kind, ExternalRef(st.ID, o.ID), contact.ID, ""
	if kind == platform.BackOfficeStore {
		in.StoreID = set.StoreID
	}
	j, err := t.CreateOrderJob(ctx, key, in)
	if err != nil && len(in.Payments) > 0 && paymentsRefused(err) {
		// the back office lacks what a payment needs (its payment or card types): the job is
		// made without them, and the timeline says why (the breakdown is in the instructions)
		notes = append(notes, fmt.Sprintf("card payments not recorded on the sales order: %v", err))
		in.Payments = nil
		j, err = t.CreateOrderJob(ctx, key, in)
	}
	if err != nil {
		return out, err
	}
	out.job = &j
	for _, p := range in.Payments {
		out.paymentRefs = append(out.paymentRefs, p.Ref)
	}
	out.linesDigest = linesDigest(o)
	out.events = append(out.events, event{EventSent, fmt.Sprintf("job %d with sales order %d (%s back office)", j.Number, j.SalesOrderID, targetWords(l.Target))})
	for _, n := range notes {
		out.events = append(out.events, event{EventNote, n})
	}
	if o.Cancelled() {
		return s.update(ctx, t, st, o, r, out)
	}
	out.cancelDone = false
	return out, nil
}

// paymentsRefused reports whether the back office refused a job for its payments' fields.
func paymentsRefused(err error) bool {
	perr, ok := errors.AsType[*platform.Error](err)
	if !ok || perr.Kind != platform.KindInvalidInput {
		return false
	}
	for _, f := range perr.Fields {
		if strings.HasPrefix(f.Field, "payments") {
			return true
		}
	}
	return strings.Contains(perr.Error(), "payments[")
}

func targetWords(target string) string {
	if target == TargetExternal {
		return "external"
	}
	return "built-in"
}

// contact finds the job's contact: the one contact of the settings, or the order's customer by
// email, made when the back office has none.
func (s *Service) contact(ctx context.Context, t platform.BackOffice, set Settings, kind platform.BackOfficeKind, key string, o platform.Order) (platform.BackOfficeContact, error) {
	if set.OneContact {
		c, ok, err := t.FindContact(ctx, kind, set.ContactEmail)
		if err != nil {
			return c, err
		}
		if !ok {
			return c, failf("contact_email: the back office has no %s contact with email %s; fix the store's back-office settings and retry", kind, set.ContactEmail)
		}
		return c, nil
	}
	email := strings.ToLower(strings.TrimSpace(o.Email))
	if email == "" && o.Customer != nil {
		email = strings.ToLower(strings.TrimSpace(o.Customer.Email))
	}
	if email != "" {
		c, ok, err := t.FindContact(ctx, kind, email)
		if err != nil || ok {
			return c, err
		}
	}
	in := platform.BackOfficeContactInput{Kind: kind, Name: customerName(o), Email: email, Phone: o.Phone}
	if a := addressOf(o.BillingAddress); a != (platform.BackOfficeAddress{}) {
		in.Address = a
	} else {
		in.Address = addressOf(o.ShippingAddress)
	}
	if in.Address.Company != "" {
		in.Company = in.Address.Company
	}
	if kind == platform.BackOfficeStore {
		in.StoreID = set.StoreID
	}
	return t.CreateContact(ctx, key+"/contact", in)
}

// update carries the order's later changes to its job: a cancellation (the job cancelled when
// still pending, else noted), payments captured since, an edit of its lines (noted).
func (s *Service) update(ctx context.Context, t platform.BackOffice, st store.Store, o platform.Order, r sendRow, out outcome) (outcome, error) {
	jobID, soID := derefOr(r.jobID), derefOr(r.soID)
	if out.job != nil {
		jobID, soID = out.job.ID, out.job.SalesOrderID
	}
	if o.Cancelled() && !out.cancelDone {
		j, err := t.CancelJob(ctx, jobID)
		if err != nil {
			return out, err
		}
		if j.Cancelled {
			out.events = append(out.events, event{EventUpdated, fmt.Sprintf("job %d cancelled: the order was cancelled in the store", j.Number)})
		} else {
			note := fmt.Sprintf("Order %s was cancelled in the store on %s%s.", o.Name, o.CancelledAt.UTC().Format(time.DateOnly), reasonWords(o.CancelReason))
			if err := t.AddNote(ctx, jobID, soID, note); err != nil {
				return out, err
			}
			out.events = append(out.events, event{EventUpdated, fmt.Sprintf("job %d is %s, not cancelled: the cancellation is noted on it", j.Number, j.Status)})
		}
		out.cancelDone = true
	}
	// the back office's card types are read only when a payment is new (most runs have none)
	var fresh []platform.BackOfficePayment
	if o.TransactionsIncluded {
		for _, p := range payments(o, nil) {
			if !slices.Contains(out.paymentRefs, p.Ref) {
				fresh = append(fresh, p)
			}
		}
	}
	if len(fresh) > 0 {
		cards, err := t.CardTypes(ctx)
		if err != nil {
			return out, err
		}
		for _, p := range fresh {
			p.CardType = cardType(cards, cardBrand(o, p.Ref))
			if err := t.RecordPayment(ctx, sendKey(st.ID, o.ID)+"/payment/"+p.Ref, jobID, soID, p); err != nil {
				perr, ok := errors.AsType[*platform.Error](err)
				if !ok || perr.Kind != platform.KindInvalidInput {
					return out, err
				}
				// Refused for its fields (a payment type the back office lacks): noted on the job
				// for a person, once, as a job created without its payments is.
				note := fmt.Sprintf("A payment of %s (%s) of order %s was not recorded: the back office refused it (%s).",
					platform.Money{Amount: p.Amount, Currency: o.Currency}, p.Ref, o.Name, perr.Message)
				if err := t.AddNote(ctx, jobID, soID, note); err != nil {
					return out, err
				}
				out.paymentRefs = append(out.paymentRefs, p.Ref)
				out.events = append(out.events, event{EventNote, fmt.Sprintf("payment %s refused by the back office: noted on the job", p.Ref)})
				continue
			}
			out.paymentRefs = append(out.paymentRefs, p.Ref)
			out.events = append(out.events, event{EventUpdated, fmt.Sprintf("payment of %s recorded on the sales order (%s)",
				platform.Money{Amount: p.Amount, Currency: o.Currency}, p.Ref)})
		}
	}
	if d := linesDigest(o); out.linesDigest != "" && d != out.linesDigest {
		note := fmt.Sprintf("Order %s was edited in the store on %s; its lines are now: %s.", o.Name, o.UpdatedAt.UTC().Format(time.DateOnly), describeLines(o))
		if err := t.AddNote(ctx, jobID, soID, note); err != nil {
			return out, err
		}
		out.events = append(out.events, event{EventUpdated, "the order's edit is noted on the job"})
		out.linesDigest = d
	}
	return out, nil
}

// cardBrand is the card brand of the order's transaction ref.
func cardBrand(o platform.Order, ref string) string {
	for _, t := range o.Transactions {
		if t.ID == ref {
			return t.CardBrand
		}
	}
	return ""
}

func derefOr(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func reasonWords(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + strings.ToLower(reason) + ")"
}

// linesDigest digests what an order's lines are (id, quantity after edits, price), so an edit
// after the send is seen.
func linesDigest(o platform.Order) string {
	h := sha256.New()
	for _, l := range o.Lines {
		_, _ = fmt.Fprintf(h, "%q %d %d\n", l.ID, l.Current, l.UnitPrice.Amount)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func describeLines(o platform.Order) string {
	var parts []string
	for _, l := range o.Lines {
		if l.Current == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%d × %s", l.Current, lineTitle(l)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
