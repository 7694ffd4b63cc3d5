package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Subscription states of a store's webhooks.
const (
	SubscriptionNone       = "not_subscribed"
	SubscriptionPending    = "pending"
	SubscriptionSubscribed = "subscribed"
	SubscriptionFailed     = "failed"
)

// NoPublicURL is the state detail of a store that cannot be subscribed: platforms need an address
// they can reach.
const NoPublicURL = "not subscribed: storesync has no --public-url"

// ReceivingURL is where a store's platform delivers its webhooks: PUBLIC_URL/webhooks/{platform}/{store_key}.
func ReceivingURL(publicURL string, st store.Store) string {
	return strings.TrimRight(publicURL, "/") + "/webhooks/" + string(st.Platform) + "/" + st.Key
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

// SubscribeTx makes the store's webhook subscription a durable job in the caller's transaction
// (the one that saves or verifies the store), when storesync has a public URL; without one it
// records that the store is not subscribed and why, for the dashboard.
func (s *Service) SubscribeTx(ctx context.Context, tx database.Tx, st store.Store) error {
	return s.subscribeTx(ctx, tx, st, s.cfg.PublicURL)
}

func (s *Service) subscribeTx(ctx context.Context, tx database.Tx, st store.Store, publicURL string) error {
	// The store was just saved or verified: a problem recorded with its old credentials is
	// cleared, and recorded again by the next delivery if it is still there.
	if _, err := tx.Exec(ctx, `UPDATE store_webhook_state SET problem = '', problem_at = NULL WHERE store_id = $1`, st.ID); err != nil {
		return fmt.Errorf("subscribing %s: %w", st, err)
	}
	if publicURL == "" {
		return s.setSubscription(ctx, tx, st.AccountID, st.ID, SubscriptionNone, NoPublicURL, "")
	}
	addr := ReceivingURL(publicURL, st)
	if err := s.setSubscription(ctx, tx, st.AccountID, st.ID, SubscriptionPending, "", addr); err != nil {
		return err
	}
	if err := s.jobs.Insert(ctx, tx, SubscribeArgs{AccountID: st.AccountID, StoreID: st.ID, Address: addr}, nil); err != nil {
		return fmt.Errorf("subscribing %s: %w", st, err)
	}
	return nil
}

// SubscribeParams name a store to subscribe, and optionally the public URL to use instead of the
// configured one (the demo, whose address is known only once it listens).
type SubscribeParams struct {
	AccountID int64
	StoreID   int64
	PublicURL string
}

// Subscribe enqueues the subscription of an existing store's webhooks, as SubscribeTx does, in a
// transaction of its own: the dashboard's "subscribe" and the demo use it.
func (s *Service) Subscribe(ctx context.Context, p SubscribeParams) error {
	st, err := s.store(ctx, p.AccountID, p.StoreID)
	if err != nil {
		return err
	}
	url := p.PublicURL
	if url == "" {
		url = s.cfg.PublicURL
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return s.subscribeTx(ctx, tx, st, url) })
}

type subscribeWorker struct {
	river.WorkerDefaults[SubscribeArgs]
	s *Service
}

// Work subscribes every topic; subscribing a topic already subscribed to the address is not an
// error on the platforms, so a retried job is harmless. Its outcome is kept as the store's
// subscription state: subscribed, or failed with the reason when retrying cannot mend it (bad
// credentials, invalid address) or the last attempt failed.
func (w *subscribeWorker) Work(ctx context.Context, job *river.Job[SubscribeArgs]) error {
	s, a := w.s, job.Args
	st, err := s.store(ctx, a.AccountID, a.StoreID)
	if errors.Is(err, database.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("store %d is gone", a.StoreID))
	}
	if err != nil {
		return err
	}
	c, err := s.client(st)
	if err == nil {
		err = c.SubscribeWebhooks(ctx, platform.WebhookSubscription{Address: a.Address, Topics: Topics})
	}
	if err == nil {
		return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if err := s.setSubscription(ctx, tx, a.AccountID, a.StoreID, SubscriptionSubscribed, "", a.Address); err != nil {
				return err
			}
			return jobs.CompleteTx(ctx, tx, job)
		})
	}
	var perr *platform.Error
	final := job.Attempt >= job.MaxAttempts || !errors.As(err, &perr) || !perr.Retryable
	state := SubscriptionPending
	if final {
		state = SubscriptionFailed
		s.logger.WarnContext(ctx, "subscribing webhooks failed", "store", st.String(), "error", err)
	}
	if serr := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return s.setSubscription(ctx, tx, a.AccountID, a.StoreID, state, err.Error(), a.Address)
	}); serr != nil {
		return errors.Join(err, serr)
	}
	if final {
		return river.JobCancel(err)
	}
	return err
}
