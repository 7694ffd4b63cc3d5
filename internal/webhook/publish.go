package webhook

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
)

// DeliveryMaxAttempts bounds the attempts of one delivery. With the default backoff (5 s doubling
// to 6 h) the last attempt comes about a day after the first, long enough to ride out a
// receiver's outage.
const DeliveryMaxAttempts = 16

// DeliveryArgs is the durable job that sends one delivery. It is unique by its arguments, so a
// delivery is never queued twice.
type DeliveryArgs struct {
	AccountID  int64 `json:"account_id"`
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job in the queue.
func (DeliveryArgs) Kind() string { return "webhook_delivery" }

// InsertOpts makes the job unique by delivery and bounds its attempts.
func (DeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: DeliveryMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Publish records an event of the account in tx and queues one delivery to each of the account's
// enabled endpoints that subscribed to eventType, all in tx: if tx rolls back, nothing is sent;
// if it commits, every delivery is made, however often the process dies meanwhile. It returns the
// event's public id, which receivers see as webhook-id.
func (s *Service) Publish(ctx context.Context, tx database.Tx, accountID int64, eventType string, payload any) (string, error) {
	if !eventTypeRE.MatchString(eventType) {
		return "", fmt.Errorf("%w: event type %q: want a name like order.created", ErrInvalid, eventType)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("publishing %s event: encoding payload: %w", eventType, err)
	}
	publicID := "evt_" + strings.ToLower(rand.Text())
	now := s.now().UTC().Truncate(time.Microsecond)
	var eventID int64
	if err := tx.QueryRow(ctx, `INSERT INTO events (account_id, public_id, type, payload, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, accountID, publicID, eventType, string(data), now).Scan(&eventID); err != nil {
		return "", fmt.Errorf("publishing %s event: %w", eventType, err)
	}
	endpoints, err := subscribedEndpoints(ctx, tx, accountID, eventType)
	if err != nil {
		return "", fmt.Errorf("publishing %s event %s: %w", eventType, publicID, err)
	}
	params := make([]river.InsertManyParams, 0, len(endpoints))
	for _, endpointID := range endpoints {
		var deliveryID int64
		if err := tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id, status, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, accountID, endpointID, eventID, StatusPending, now).Scan(&deliveryID); err != nil {
			return "", fmt.Errorf("publishing %s event %s to endpoint %d: %w", eventType, publicID, endpointID, err)
		}
		params = append(params, river.InsertManyParams{Args: DeliveryArgs{AccountID: accountID, DeliveryID: deliveryID}})
	}
	if err := s.jobs.InsertMany(ctx, tx, params); err != nil {
		return "", fmt.Errorf("publishing %s event %s: %w", eventType, publicID, err)
	}
	return publicID, nil
}

// subscribedEndpoints returns the ids of the account's enabled endpoints that want eventType.
func subscribedEndpoints(ctx context.Context, tx database.Tx, accountID int64, eventType string) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id, event_types FROM webhook_endpoints
		WHERE account_id = $1 AND disabled_at IS NULL ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("finding subscribed endpoints: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var (
			id    int64
			types string
		)
		if err := rows.Scan(&id, &types); err != nil {
			return nil, fmt.Errorf("finding subscribed endpoints: %w", err)
		}
		if matches(strings.Split(types, ","), eventType) {
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("finding subscribed endpoints: %w", err)
	}
	return ids, nil
}
