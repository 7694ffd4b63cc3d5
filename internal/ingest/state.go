package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/store"
)

// WebhookState is what ingest knows of one store's webhooks: whether its platform delivers them
// here, and the last problem that stops them (kept apart from the store itself).
type WebhookState struct {
	StoreID      int64
	Subscription string // SubscriptionNone, SubscriptionPending, SubscriptionSubscribed, SubscriptionFailed
	Detail       string // why not subscribed, or the last subscription error
	Address      string // the receiving URL subscribed to
	Problem      string // e.g. platform.ErrNoWebhookSecret's text; "" when none
	ProblemAt    *time.Time
	UpdatedAt    time.Time
}

// Broken reports whether the store's webhooks cannot work until a person acts.
func (w WebhookState) Broken() bool {
	return w.Problem != "" || w.Subscription == SubscriptionFailed
}

// States returns the webhook state of each store of the account that has one, by store id.
func (s *Service) States(ctx context.Context, accountID int64) (map[int64]WebhookState, error) {
	rows, err := s.db.Query(ctx, `SELECT store_id, subscription, subscription_detail, address, problem, problem_at, updated_at
		FROM store_webhook_state WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, fmt.Errorf("reading stores' webhook state: %w", err)
	}
	defer rows.Close()
	out := map[int64]WebhookState{}
	for rows.Next() {
		var w WebhookState
		if err := rows.Scan(&w.StoreID, &w.Subscription, &w.Detail, &w.Address, &w.Problem, &w.ProblemAt, &w.UpdatedAt); err != nil {
			return nil, fmt.Errorf("reading stores' webhook state: %w", err)
		}
		out[w.StoreID] = w
	}
	return out, rows.Err()
}

func (s *Service) setSubscription(ctx context.Context, tx database.Tx, accountID, storeID int64, state, detail, address string) error {
	if len(detail) > maxErrorLen {
		detail = detail[:maxErrorLen] + "…"
	}
	_, err := tx.Exec(ctx, `INSERT INTO store_webhook_state (store_id, account_id, subscription, subscription_detail, address, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (store_id) DO UPDATE SET subscription = excluded.subscription,
			subscription_detail = excluded.subscription_detail, address = excluded.address, updated_at = excluded.updated_at`,
		storeID, accountID, state, detail, address, s.now())
	if err != nil {
		return fmt.Errorf("recording webhook subscription of store %d: %w", storeID, err)
	}
	return nil
}

// recordProblem keeps a problem that stops the store's webhooks, in a transaction of its own.
func (s *Service) recordProblem(ctx context.Context, st store.Store, problem string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		now := s.now()
		_, err := tx.Exec(ctx, `INSERT INTO store_webhook_state (store_id, account_id, problem, problem_at, updated_at)
			VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (store_id) DO UPDATE SET problem = excluded.problem, problem_at = excluded.problem_at,
				updated_at = excluded.updated_at
			WHERE store_webhook_state.problem <> excluded.problem`, st.ID, st.AccountID, problem, now)
		return err
	})
}
