package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// ProcessArgs processes one received webhook. Retry is how many times a person asked to retry
// it, so a retry is a new job while a repeated insert of the same one is not.
type ProcessArgs struct {
	InboundID int64 `json:"inbound_id"`
	Retry     int   `json:"retry,omitempty"`
}

// Kind implements river.JobArgs.
func (ProcessArgs) Kind() string { return "inbound_webhook" }

// InsertOpts makes one job per received webhook and retry.
func (ProcessArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type processWorker struct {
	river.WorkerDefaults[ProcessArgs]
	s *Service
}

// maxErrorLen bounds the reason kept for a failed webhook.
const maxErrorLen = 1000

// kept is a received webhook as its job reads it.
type kept struct {
	accountID, storeID int64
	status             string
	delivery           platform.WebhookDelivery
}

// Work decodes the kept delivery (outside any transaction: decoding may call the platform) and
// applies it. A payload that cannot be decoded marks the webhook failed with the reason; so does
// a platform that stays unreachable through the job's last attempt. Running it twice changes
// nothing more: only a webhook still 'received' is touched.
func (w *processWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	s := w.s
	k, err := s.loadKept(ctx, job.Args.InboundID)
	if errors.Is(err, database.ErrNoRows) || (err == nil && k.status != StatusReceived) {
		return s.completeOnly(ctx, job) // gone with its store, or done by an earlier run
	}
	if err != nil {
		return fmt.Errorf("processing received webhook %d: %w", job.Args.InboundID, err)
	}
	st, err := s.store(ctx, k.accountID, k.storeID)
	if errors.Is(err, database.ErrNotFound) {
		return s.completeOnly(ctx, job)
	}
	if err != nil {
		return err
	}
	c, err := s.client(st)
	if err == nil {
		var ev platform.WebhookEvent
		ev, err = c.DecodeWebhook(ctx, k.delivery)
		if err == nil {
			return s.apply(ctx, job, k, st, ev)
		}
	}
	var perr *platform.Error
	if errors.As(err, &perr) && perr.Retryable && job.Attempt < job.MaxAttempts {
		return fmt.Errorf("decoding received webhook %d: %w", job.Args.InboundID, err)
	}
	s.logger.WarnContext(ctx, "received webhook failed", "store", st.String(), "topic", k.delivery.PlatformTopic,
		"event_id", k.delivery.EventID, "error", err)
	return s.markFailed(ctx, job, err)
}

func (s *Service) loadKept(ctx context.Context, id int64) (kept, error) {
	var k kept
	var topic, headers, body string
	var triggered *time.Time
	err := s.db.QueryRow(ctx, `SELECT account_id, store_id, status, topic, platform_topic, event_id, triggered_at, headers, body
		FROM inbound_webhooks WHERE id = $1`, id).Scan(&k.accountID, &k.storeID, &k.status, &topic,
		&k.delivery.PlatformTopic, &k.delivery.EventID, &triggered, &headers, &body)
	if err != nil {
		return k, err
	}
	k.delivery.Topic, k.delivery.Body = platform.Topic(topic), []byte(body)
	if triggered != nil {
		k.delivery.TriggeredAt = *triggered
	}
	if err := json.Unmarshal([]byte(headers), &k.delivery.Header); err != nil {
		return k, fmt.Errorf("reading kept headers: %w", err)
	}
	return k, nil
}

func (s *Service) completeOnly(ctx context.Context, job *river.Job[ProcessArgs]) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
}

func (s *Service) markFailed(ctx context.Context, job *river.Job[ProcessArgs], cause error) error {
	reason := cause.Error()
	if len(reason) > maxErrorLen {
		reason = reason[:maxErrorLen] + "…"
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE inbound_webhooks SET status = $2, error = $3, processed_at = $4
			WHERE id = $1 AND status = $5`, job.Args.InboundID, StatusFailed, reason, s.now(), StatusReceived); err != nil {
			return fmt.Errorf("marking received webhook %d failed: %w", job.Args.InboundID, err)
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// resourceState is what was last applied of one resource.
type resourceState struct {
	updatedAt, deletedAt *time.Time
	version              int64
}

// lockResource returns the resource's state with its row locked until tx ends, creating the row
// when new. The upsert always takes the row lock on PostgreSQL (an insert racing another waits
// for it, then updates), so two deliveries of one resource are applied one after the other; on
// SQLite the single writer already runs one transaction at a time.
func lockResource(ctx context.Context, tx database.Tx, storeID int64, kind, id string) (resourceState, error) {
	var rs resourceState
	err := tx.QueryRow(ctx, `INSERT INTO inbound_resources (store_id, resource_kind, resource_id) VALUES ($1, $2, $3)
		ON CONFLICT (store_id, resource_kind, resource_id) DO UPDATE SET version = inbound_resources.version
		RETURNING updated_at, deleted_at, version`, storeID, kind, id).Scan(&rs.updatedAt, &rs.deletedAt, &rs.version)
	return rs, err
}

// stale decides whether an event is older than what was applied of its resource. Equal stamps
// are common within one second and may carry different changes, so they are applied. A delete is
// final: an update not made after it (or without a stamp to tell) is stale.
func (rs resourceState) stale(stamp time.Time, deletes bool) bool {
	if deletes {
		return false
	}
	if rs.deletedAt != nil {
		return stamp.IsZero() || !stamp.After(*rs.deletedAt)
	}
	return rs.updatedAt != nil && !stamp.IsZero() && stamp.Before(*rs.updatedAt)
}

// apply records a decoded event under its resource's lock, in the transaction that completes the
// job: processed, or stale when older than what was applied. Domains act on processed events here,
// through the functions given to OnEvent, in the same transaction.
func (s *Service) apply(ctx context.Context, job *river.Job[ProcessArgs], k kept, st store.Store, ev platform.WebhookEvent) error {
	id := job.Args.InboundID
	kind := resourceKind(ev.Topic)
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var rs resourceState
		if ev.ResourceID != "" {
			var err error
			if rs, err = lockResource(ctx, tx, k.storeID, kind, ev.ResourceID); err != nil {
				return fmt.Errorf("locking resource %s of received webhook %d: %w", ev.ResourceID, id, err)
			}
		}
		// Read under the lock: another run may have applied it while this one waited.
		status, err := s.loadStatus(ctx, tx, id)
		if errors.Is(err, database.ErrNoRows) || (err == nil && status != StatusReceived) {
			return jobs.CompleteTx(ctx, tx, job)
		}
		if err != nil {
			return fmt.Errorf("processing received webhook %d: %w", id, err)
		}
		newStatus := StatusProcessed
		var version *int64
		switch {
		case ev.ResourceID == "":
		case rs.stale(ev.UpdatedAt, ev.Topic.Deletes()):
			newStatus = StatusStale
		default:
			v, err := s.advance(ctx, tx, k, kind, ev, rs)
			if err != nil {
				return fmt.Errorf("applying received webhook %d: %w", id, err)
			}
			version = &v
		}
		if newStatus == StatusProcessed {
			if err := s.dispatch(ctx, tx, EventParams{Store: st, Event: ev}); err != nil {
				return fmt.Errorf("acting on received webhook %d: %w", id, err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE inbound_webhooks SET status = $2, processed_at = $3, topic = $4, resource_kind = $5,
				resource_id = $6, resource_updated_at = $7, resource_version = $8, error = '' WHERE id = $1`,
			id, newStatus, s.now(), string(ev.Topic), kind, ev.ResourceID, nullTime(ev.UpdatedAt), version); err != nil {
			return fmt.Errorf("processing received webhook %d: %w", id, err)
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

func (s *Service) loadStatus(ctx context.Context, tx database.Tx, id int64) (string, error) {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM inbound_webhooks WHERE id = $1`, id).Scan(&status)
	return status, err
}

// advance moves the resource's state to the applied event and returns its new version.
func (s *Service) advance(ctx context.Context, tx database.Tx, k kept, kind string, ev platform.WebhookEvent, rs resourceState) (int64, error) {
	updated := rs.updatedAt
	if !ev.UpdatedAt.IsZero() && (updated == nil || ev.UpdatedAt.After(*updated)) {
		updated = &ev.UpdatedAt
	}
	var deleted *time.Time
	if ev.Topic.Deletes() {
		at := ev.UpdatedAt
		if at.IsZero() {
			at = k.delivery.TriggeredAt
		}
		if at.IsZero() {
			at = s.now()
		}
		if updated != nil && updated.After(at) {
			at = *updated
		}
		deleted = &at
	}
	v := rs.version + 1
	_, err := tx.Exec(ctx, `UPDATE inbound_resources SET updated_at = $4, deleted_at = $5, version = $6
		WHERE store_id = $1 AND resource_kind = $2 AND resource_id = $3`, k.storeID, kind, ev.ResourceID, updated, deleted, v)
	return v, err
}

// Retry processes a failed webhook again (after a fix to the decoder or to the store), as a new
// job. Errors: database.ErrNotFound when the account has no such webhook; ErrNotFailed when it
// has not failed.
func (s *Service) Retry(ctx context.Context, accountID, inboundID int64) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var status string
		var retries int
		err := tx.QueryRow(ctx, `SELECT status, retries FROM inbound_webhooks WHERE id = $1 AND account_id = $2`,
			inboundID, accountID).Scan(&status, &retries)
		if errors.Is(err, database.ErrNoRows) {
			return fmt.Errorf("received webhook %d: %w", inboundID, database.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("retrying received webhook %d: %w", inboundID, err)
		}
		if status != StatusFailed {
			return fmt.Errorf("received webhook %d is %s: %w", inboundID, status, ErrNotFailed)
		}
		if _, err := tx.Exec(ctx, `UPDATE inbound_webhooks SET status = $2, error = '', retries = retries + 1, processed_at = NULL
			WHERE id = $1`, inboundID, StatusReceived); err != nil {
			return fmt.Errorf("retrying received webhook %d: %w", inboundID, err)
		}
		return s.jobs.Insert(ctx, tx, ProcessArgs{InboundID: inboundID, Retry: retries + 1}, nil)
	})
}
