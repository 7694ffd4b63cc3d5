package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// ProcessArgs processes one received webhook.
type ProcessArgs struct {
	InboundID int64 `json:"inbound_id"`
}

// Kind implements river.JobArgs.
func (ProcessArgs) Kind() string { return "inbound_webhook" }

// InsertOpts makes one job per received webhook.
func (ProcessArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type processWorker struct {
	river.WorkerDefaults[ProcessArgs]
	s *Service
}

// Work marks the webhook processed, or stale when a delivery about the same resource with a
// strictly later updated_at was processed already (equal stamps are common within one second and
// may carry different changes, so they are processed), in the transaction that completes the job: running
// it twice changes nothing more. Domains act on processed webhooks here as they come.
func (w *processWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	return w.s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var storeID int64
		var status, kind, resource string
		var updated *time.Time
		err := tx.QueryRow(ctx, `SELECT store_id, status, resource_kind, resource_id, resource_updated_at
			FROM inbound_webhooks WHERE id = $1`, job.Args.InboundID).Scan(&storeID, &status, &kind, &resource, &updated)
		if errors.Is(err, database.ErrNoRows) || (err == nil && status != StatusReceived) {
			return jobs.CompleteTx(ctx, tx, job) // gone with its store, or done by an earlier run
		}
		if err != nil {
			return fmt.Errorf("processing received webhook %d: %w", job.Args.InboundID, err)
		}
		newStatus := StatusProcessed
		if updated != nil && resource != "" {
			var newer int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM inbound_webhooks WHERE store_id = $1 AND resource_kind = $2
				AND resource_id = $3 AND status = 'processed' AND resource_updated_at > $4 AND id <> $5`,
				storeID, kind, resource, *updated, job.Args.InboundID).Scan(&newer); err != nil {
				return fmt.Errorf("processing received webhook %d: %w", job.Args.InboundID, err)
			}
			if newer > 0 {
				newStatus = StatusStale
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE inbound_webhooks SET status = $2, processed_at = $3 WHERE id = $1`,
			job.Args.InboundID, newStatus, w.s.now()); err != nil {
			return fmt.Errorf("processing received webhook %d: %w", job.Args.InboundID, err)
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// SubscribeArgs subscribes a store's webhooks to an address.
type SubscribeArgs struct {
	AccountID int64  `json:"account_id"`
	StoreID   int64  `json:"store_id"`
	Address   string `json:"address"`
}

// Kind implements river.JobArgs.
func (SubscribeArgs) Kind() string { return "store_subscribe_webhooks" }

// InsertOpts keeps one pending subscription per store and address.
func (SubscribeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
		rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStateRunning}}}
}

type subscribeWorker struct {
	river.WorkerDefaults[SubscribeArgs]
	s *Service
}

// Work subscribes every topic; subscribing a topic already subscribed to the address is not an
// error on the platforms, so a retried job is harmless. A refusal that retrying cannot mend
// (bad credentials, invalid address) stops the retries and is kept as the job's error.
func (w *subscribeWorker) Work(ctx context.Context, job *river.Job[SubscribeArgs]) error {
	st, err := w.s.stores.Get(ctx, store.GetParams{AccountID: job.Args.AccountID, ID: job.Args.StoreID})
	if errors.Is(err, database.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("store %d is gone", job.Args.StoreID))
	}
	if err != nil {
		return err
	}
	c, err := w.s.stores.Client(st)
	if err != nil {
		return river.JobCancel(err)
	}
	err = c.SubscribeWebhooks(ctx, platform.WebhookSubscription{Address: job.Args.Address, Topics: Topics})
	var perr *platform.Error
	if errors.As(err, &perr) && !perr.Retryable {
		w.s.logger.WarnContext(ctx, "subscribing webhooks refused", "store", st.String(), "error", err)
		return river.JobCancel(err)
	}
	return err
}

// Subscribe enqueues the subscription of a store's webhooks to address (storesync's receiving URL
// for the store). It is a durable job because it changes the platform.
func (s *Service) Subscribe(ctx context.Context, accountID, storeID int64, address string) error {
	if _, err := s.stores.Get(ctx, store.GetParams{AccountID: accountID, ID: storeID}); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return s.jobs.Insert(ctx, tx, SubscribeArgs{AccountID: accountID, StoreID: storeID, Address: address}, nil)
	})
}
