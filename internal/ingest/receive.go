package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Received says what Receive did with a delivery.
type Received struct {
	Store     store.Store
	Delivery  platform.WebhookDelivery
	Duplicate bool // the event was already kept: nothing new was done
}

// Receive verifies a delivery addressed to the store with key storeKey and keeps it raw, with its
// processing job, in one transaction; it calls nothing outside, so the platform gets its answer
// at once. A repeated event only counts one more delivery. A delivery without an event id gets a
// stable one (a digest of topic and body), so nothing is refused for lacking it and duplicates
// still collapse. Errors: database.ErrNotFound for an unknown store key; a *platform.Error of
// KindAuth for a bad signature (nothing is kept) or, wrapping platform.ErrNoWebhookSecret, a store
// without a secret (recorded as the store's problem); platform.ErrWebhookTooLarge for a body over
// the limit.
func (s *Service) Receive(ctx context.Context, storeKey string, r *http.Request) (Received, error) {
	st, err := s.stores.ByKey(ctx, storeKey)
	if err != nil {
		return Received{}, err
	}
	c, err := s.client(st)
	if err != nil {
		// Nothing can be verified until a person mends the store: say so where they look.
		if perr := s.recordProblem(ctx, st, "cannot receive webhooks: "+err.Error()); perr != nil {
			s.logger.ErrorContext(ctx, "recording a store problem", "store", st.String(), "error", perr)
		}
		return Received{Store: st}, err
	}
	d, err := c.VerifyWebhook(r, s.cfg.MaxBodyBytes)
	if errors.Is(err, platform.ErrNoWebhookSecret) {
		if perr := s.recordProblem(ctx, st, platform.ErrNoWebhookSecret.Error()); perr != nil {
			s.logger.ErrorContext(ctx, "recording a store problem", "store", st.String(), "error", perr)
		}
	}
	if err != nil {
		return Received{Store: st}, err
	}
	if d.EventID == "" {
		sum := sha256.Sum256(append([]byte(d.PlatformTopic+"\n"), d.Body...))
		d.EventID = "sha256:" + hex.EncodeToString(sum[:])
	}
	headers, err := json.Marshal(d.Header)
	if err != nil {
		return Received{Store: st}, fmt.Errorf("keeping webhook headers: %w", err)
	}
	res := Received{Store: st, Delivery: d}
	// Text columns take only UTF-8 without NUL (PostgreSQL refuses the rest): such bytes cannot be
	// JSON anyway (encoding/json reads invalid UTF-8 in strings as U+FFFD), so they are replaced,
	// and the delivery is kept rather than refused for ever.
	body := strings.ReplaceAll(strings.ToValidUTF8(string(d.Body), "\uFFFD"), "\x00", "\uFFFD")
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO inbound_webhooks (account_id, store_id, topic, platform_topic, event_id,
				resource_kind, triggered_at, body, headers, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (store_id, event_id) DO NOTHING RETURNING id`,
			st.AccountID, st.ID, string(d.Topic), d.PlatformTopic, d.EventID, resourceKind(d.Topic),
			nullTime(d.TriggeredAt), body, string(headers), s.now()).Scan(&id)
		if errors.Is(err, database.ErrNoRows) {
			res.Duplicate = true
			_, err = tx.Exec(ctx, `UPDATE inbound_webhooks SET deliveries = deliveries + 1 WHERE store_id = $1 AND event_id = $2`, st.ID, d.EventID)
			return err
		}
		if err != nil {
			return err
		}
		// A verified delivery proves the store's secret works: a recorded problem with it is over.
		if _, err := tx.Exec(ctx, `UPDATE store_webhook_state SET problem = '', problem_at = NULL, updated_at = $2
			WHERE store_id = $1 AND problem <> ''`, st.ID, s.now()); err != nil {
			return err
		}
		return s.jobs.Insert(ctx, tx, ProcessArgs{InboundID: id}, nil)
	})
	if err != nil {
		return res, fmt.Errorf("keeping webhook %s %s from %s: %w", d.PlatformTopic, d.EventID, st, err)
	}
	return res, nil
}
