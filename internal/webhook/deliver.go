package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
)

// deliveryTimeout bounds one attempt: a receiver slower than this is treated as failed and retried.
// The job client's JobTimeout must exceed it (its default minute does), and no per-kind timeout is
// set, because River's rescuer would wait for that timeout too before retrying a dead process's job.
const deliveryTimeout = 10 * time.Second

// AddWorkers registers the delivery worker. Call it before the job client starts.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &deliveryWorker{s: s})
}

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	s *Service
}

func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	return w.s.deliver(ctx, job)
}

// message is what a delivery sends: the same bytes on every attempt.
type message struct {
	endpointID         int64
	eventID, eventType string
	createdAt          time.Time
	payload            string
	url, secret        string
	status             string
	disabled           bool
}

func (s *Service) loadMessage(ctx context.Context, a DeliveryArgs) (message, error) {
	var (
		m          message
		disabledAt *time.Time
	)
	err := s.db.QueryRow(ctx, `SELECT e.id, ev.public_id, ev.type, ev.created_at, ev.payload, e.url, e.secret, e.disabled_at, d.status
		FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.account_id = d.account_id
		JOIN events ev ON ev.id = d.event_id AND ev.account_id = d.account_id
		WHERE d.id = $1 AND d.account_id = $2`, a.DeliveryID, a.AccountID).
		Scan(&m.endpointID, &m.eventID, &m.eventType, &m.createdAt, &m.payload, &m.url, &m.secret, &disabledAt, &m.status)
	m.disabled = disabledAt != nil
	if err != nil {
		return m, err
	}
	m.secret, err = s.open(m.secret)
	if err != nil {
		return m, fmt.Errorf("opening the signing secret of endpoint %d: %w", m.endpointID, err)
	}
	return m, nil
}

func (m message) body() ([]byte, error) {
	return json.Marshal(struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{m.eventID, m.eventType, m.createdAt.UTC().Format(time.RFC3339Nano), json.RawMessage(m.payload)})
}

func (s *Service) deliver(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	a := job.Args
	m, err := s.loadMessage(ctx, a)
	if errors.Is(err, database.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("delivering webhook %d: delivery no longer exists", a.DeliveryID))
	}
	if err != nil {
		return fmt.Errorf("delivering webhook %d: %w", a.DeliveryID, err)
	}
	if m.status != StatusPending {
		return nil // delivered or given up already: nothing left to do
	}
	if m.disabled {
		return s.finish(ctx, job, attempt{err: errors.New("endpoint disabled")}, StatusFailed, true)
	}
	body, err := m.body()
	if err != nil {
		return fmt.Errorf("delivering webhook %d: %w", a.DeliveryID, err)
	}
	res := s.post(ctx, m, body)
	if res.ok() {
		return s.finish(ctx, job, res, StatusDelivered, true)
	}
	if res.code == http.StatusGone {
		// Standard Webhooks: 410 Gone means the receiver wants no more deliveries.
		if err := s.DisableEndpoint(ctx, DisableEndpointParams{AccountID: a.AccountID, EndpointID: m.endpointID}); err != nil {
			return fmt.Errorf("delivering webhook %d: %w", a.DeliveryID, err)
		}
		s.logger.WarnContext(ctx, "webhook endpoint disabled: the receiver answered 410 Gone",
			"account", a.AccountID, "endpoint", m.endpointID, "url", m.url)
		return s.finish(ctx, job, res, StatusFailed, true)
	}
	status := StatusPending
	if job.Attempt >= job.MaxAttempts {
		status = StatusFailed
	}
	// The job is not completed here: River discards it after the last attempt, which keeps the
	// failure visible in the queue.
	if err := s.finish(ctx, job, res, status, false); err != nil {
		return err
	}
	return fmt.Errorf("delivering webhook %d (event %s) to %s: %w", a.DeliveryID, m.eventID, m.url, res.error())
}

// attempt is the outcome of one POST.
type attempt struct {
	at   time.Time
	code int
	err  error
}

func (r attempt) ok() bool { return r.err == nil && r.code >= 200 && r.code < 300 }

func (r attempt) error() error {
	if r.err != nil {
		return r.err
	}
	return fmt.Errorf("receiver answered %d", r.code)
}

func (s *Service) post(ctx context.Context, m message, body []byte) attempt {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	now := s.now()
	res := attempt{at: now}
	sig, err := Sign(m.secret, m.eventID, now, body)
	if err != nil {
		res.err = err
		return res
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url, bytes.NewReader(body))
	if err != nil {
		res.err = err
		return res
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "storesync-webhooks")
	req.Header.Set(HeaderID, m.eventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := s.http.Do(req)
	if err != nil {
		res.err = err
		return res
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	res.code = resp.StatusCode
	return res
}

// finish records an attempt. With complete, the job is completed in the same transaction, so the
// record and the job's completion survive or vanish together: a delivery marked delivered is never
// sent again, and one not marked is.
func (s *Service) finish(ctx context.Context, job *river.Job[DeliveryArgs], res attempt, status string, complete bool) error {
	if res.at.IsZero() {
		res.at = s.now()
	}
	var (
		code      *int
		lastError string
		delivered *time.Time
	)
	if res.code != 0 {
		code = &res.code
	}
	if !res.ok() {
		lastError = truncate(res.error().Error(), 500)
	}
	if status == StatusDelivered {
		delivered = &res.at
	}
	a := job.Args
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries
			SET status = $1, attempts = attempts + 1, last_status_code = $2, last_error = $3, last_attempt_at = $4,
				delivered_at = $5
			WHERE id = $6 AND account_id = $7 AND status = $8`,
			status, code, lastError, res.at, delivered, a.DeliveryID, a.AccountID, StatusPending); err != nil {
			return err
		}
		if !complete {
			return nil
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
	if err != nil {
		return fmt.Errorf("recording webhook delivery %d: %w", a.DeliveryID, err)
	}
	if status == StatusFailed {
		s.logger.WarnContext(ctx, "webhook delivery abandoned", "delivery", a.DeliveryID, "account", a.AccountID,
			"attempts", job.Attempt, "error", lastError)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
