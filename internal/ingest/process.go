package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
			err = s.apply(ctx, job, k, st, ev, false)
			if !errors.Is(err, errReread) {
				return err
			}
			// A tie that stamps cannot break: apply what the platform says now.
			var gone bool
			if ev, gone, err = reread(ctx, c, ev); err == nil {
				if gone {
					return s.markStale(ctx, job, ev)
				}
				return s.apply(ctx, job, k, st, ev, true)
			}
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

// resourceState is what was last applied of one resource: its stamps, and content, the
// fingerprint of what the applied event said of it ("" when unknown).
type resourceState struct {
	updatedAt, deletedAt, triggeredAt *time.Time
	version                           int64
	content                           string
}

// lockResource returns the resource's state with its row locked until tx ends, creating the row
// when new. The upsert always takes the row lock on PostgreSQL (an insert racing another waits
// for it, then updates), so two deliveries of one resource are applied one after the other; on
// SQLite the single writer already runs one transaction at a time.
func lockResource(ctx context.Context, tx database.Tx, storeID int64, kind, id string) (resourceState, error) {
	var rs resourceState
	err := tx.QueryRow(ctx, `INSERT INTO inbound_resources (store_id, resource_kind, resource_id) VALUES ($1, $2, $3)
		ON CONFLICT (store_id, resource_kind, resource_id) DO UPDATE SET version = inbound_resources.version
		RETURNING updated_at, deleted_at, triggered_at, version, content`, storeID, kind, id).Scan(&rs.updatedAt, &rs.deletedAt,
		&rs.triggeredAt, &rs.version, &rs.content)
	return rs, err
}

// stale decides whether an event is older than what was applied of its resource, by updated_at
// alone (tie breaks on equal stamps come after, in order). A delete is final: an update not made
// after it (or without a stamp to tell) is stale.
func (rs resourceState) stale(stamp time.Time, deletes bool) bool {
	if deletes {
		return false
	}
	if rs.deletedAt != nil {
		return stamp.IsZero() || !stamp.After(*rs.deletedAt)
	}
	return rs.updatedAt != nil && !stamp.IsZero() && stamp.Before(*rs.updatedAt)
}

// verdict is what processing does with a decoded event of a resource.
type verdict int

const (
	applyEvent  verdict = iota // newer than what was applied (or as new, saying the same)
	staleEvent                 // older: recorded, not applied
	rereadEvent                // as new as what was applied, saying something else: ask the platform
)

// order places an event against what was applied of its resource, comparing (updated_at,
// triggered_at) in that order. Two changes within one second carry the same updated_at on a
// platform with second resolution, and parallel workers process them in any order, so equal
// updated_at is broken on the platform's trigger time (sub-second). When both tie, or a stamp is
// unknown, an event saying the same as what was applied is applied (it changes nothing), and one
// saying something else is not guessed at: rereadEvent.
func (rs resourceState) order(ev platform.WebhookEvent, content string) verdict {
	if rs.stale(ev.UpdatedAt, ev.Topic.Deletes()) {
		return staleEvent
	}
	if ev.Topic.Deletes() || rs.deletedAt != nil || rs.version == 0 {
		return applyEvent // a delete is final; a level connected again after one is new
	}
	if rs.updatedAt != nil && !ev.UpdatedAt.IsZero() && ev.UpdatedAt.After(*rs.updatedAt) {
		return applyEvent
	}
	if trig := micro(ev.TriggeredAt); !trig.IsZero() && rs.triggeredAt != nil {
		switch {
		case trig.Before(*rs.triggeredAt):
			return staleEvent
		case trig.After(*rs.triggeredAt):
			return applyEvent
		}
	}
	if content == "" || rs.content == "" || content == rs.content {
		return applyEvent
	}
	return rereadEvent
}

// micro is t at the precision every database keeps (PostgreSQL: microseconds), so a stamp read
// back compares equal to the one written.
func micro(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// errReread says the event ties with what was applied and says something else: its job reads
// the resource from the platform and applies that.
var errReread = errors.New("event ties with the applied one: read the resource again")

// fingerprint is what an event says of its resource, to tell two tied events apart; "" when
// ingest cannot tell (two such events are applied in the order processed).
func fingerprint(ev platform.WebhookEvent) string {
	if l := ev.Inventory; l != nil && ev.Topic == platform.TopicInventoryUpdated {
		return fmt.Sprintf("available=%d", l.Available)
	}
	if len(ev.Levels) > 0 {
		var b strings.Builder
		for _, l := range ev.Levels {
			fmt.Fprintf(&b, "%s@%s=%d;", l.InventoryItemID, l.LocationID, l.Available)
		}
		return b.String()
	}
	return ""
}

// reread replaces the event's content by what the platform says of its resource now, for the
// resources a platform can read back (an inventory level); gone when the platform no longer has
// it. Others are returned as they are.
func reread(ctx context.Context, c Platform, ev platform.WebhookEvent) (platform.WebhookEvent, bool, error) {
	r, ok := any(c).(platform.InventoryReader)
	if ok && len(ev.Levels) > 0 {
		levels, err := rereadLevels(ctx, r, ev.Levels)
		ev.Levels = levels
		return ev, false, err
	}
	l := ev.Inventory
	if !ok || l == nil || ev.Topic != platform.TopicInventoryUpdated {
		return ev, false, nil
	}
	levels, err := r.InventoryLevels(ctx, l.LocationID, []string{l.InventoryItemID})
	if err != nil {
		return ev, false, fmt.Errorf("reading inventory item %s at %s again: %w", l.InventoryItemID, l.LocationID, err)
	}
	for _, now := range levels {
		if now.InventoryItemID == l.InventoryItemID && now.LocationID == l.LocationID {
			read := *l
			read.Available, read.OnHand = now.Available, now.OnHand
			ev.Inventory = &read
			return ev, false, nil
		}
	}
	return ev, true, nil
}

// markStale records an event without applying it (its resource is gone from the platform).
func (s *Service) markStale(ctx context.Context, job *river.Job[ProcessArgs], ev platform.WebhookEvent) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE inbound_webhooks SET status = $2, processed_at = $3, topic = $4, resource_kind = $5,
				resource_id = $6, resource_updated_at = $7, error = '' WHERE id = $1 AND status = $8`,
			job.Args.InboundID, StatusStale, s.now(), string(ev.Topic), resourceKind(ev.Topic), ev.ResourceID,
			nullTime(ev.UpdatedAt), StatusReceived); err != nil {
			return fmt.Errorf("processing received webhook %d: %w", job.Args.InboundID, err)
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// apply records a decoded event under its resource's lock, in the transaction that completes the
// job: processed, or stale when older than what was applied. Domains act on processed events here,
// through the functions given to OnEvent, in the same transaction. It returns errReread (nothing
// changed) for an event that ties with the applied one and says something else, unless read is
// set: the event is the platform's answer to that read, then applied.
func (s *Service) apply(ctx context.Context, job *river.Job[ProcessArgs], k kept, st store.Store, ev platform.WebhookEvent, read bool) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		done, err := s.applyTx(ctx, tx, job.Args.InboundID, k, st, ev, read)
		if err != nil || !done {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// applyTx is apply's work in tx; done is false (and nothing changed) when the webhook was already
// handled by another run.
func (s *Service) applyTx(ctx context.Context, tx database.Tx, id int64, k kept, st store.Store, ev platform.WebhookEvent, read bool) (bool, error) {
	kind := resourceKind(ev.Topic)
	content := fingerprint(ev)
	err := func() error {
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
			return errHandled
		}
		if err != nil {
			return fmt.Errorf("processing received webhook %d: %w", id, err)
		}
		newStatus := StatusProcessed
		var version *int64
		if ev.ResourceID != "" {
			switch rs.order(ev, content) {
			case staleEvent:
				newStatus = StatusStale
			case rereadEvent:
				if !read {
					return errReread
				}
			case applyEvent:
			}
		}
		if ev.ResourceID != "" && newStatus != StatusStale {
			v, err := s.advance(ctx, tx, k, kind, ev, rs, content)
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
		return nil
	}()
	if errors.Is(err, errHandled) {
		return true, nil
	}
	return err == nil, err
}

// errHandled ends applyTx early: the webhook was handled by another run; its job completes.
var errHandled = errors.New("handled already")

func (s *Service) loadStatus(ctx context.Context, tx database.Tx, id int64) (string, error) {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM inbound_webhooks WHERE id = $1`, id).Scan(&status)
	return status, err
}

// advance moves the resource's state to the applied event and returns its new version.
func (s *Service) advance(ctx context.Context, tx database.Tx, k kept, kind string, ev platform.WebhookEvent, rs resourceState, content string) (int64, error) {
	updated, triggered := rs.updatedAt, rs.triggeredAt
	if !ev.UpdatedAt.IsZero() && (updated == nil || ev.UpdatedAt.After(*updated)) {
		updated = &ev.UpdatedAt
		triggered = nil // a newer updated_at starts a new second: its trigger time is the one to beat
	}
	if trig := micro(ev.TriggeredAt); !trig.IsZero() && (triggered == nil || trig.After(*triggered)) {
		triggered = &trig
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
	_, err := tx.Exec(ctx, `UPDATE inbound_resources SET updated_at = $4, deleted_at = $5, version = $6, triggered_at = $7,
		content = $8 WHERE store_id = $1 AND resource_kind = $2 AND resource_id = $3`,
		k.storeID, kind, ev.ResourceID, updated, deleted, v, triggered, content)
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

// rereadLevels reads a product event's levels from the platform again; a level the platform no
// longer has (the variant untracked or gone) is left out.
func rereadLevels(ctx context.Context, r platform.InventoryReader, levels []platform.InventoryLevel) ([]platform.InventoryLevel, error) {
	byLocation := map[string][]string{}
	var locations []string
	for _, l := range levels {
		if _, ok := byLocation[l.LocationID]; !ok {
			locations = append(locations, l.LocationID)
		}
		byLocation[l.LocationID] = append(byLocation[l.LocationID], l.InventoryItemID)
	}
	var out []platform.InventoryLevel
	for _, loc := range locations {
		read, err := r.InventoryLevels(ctx, loc, byLocation[loc])
		if err != nil {
			return levels, fmt.Errorf("reading the inventory of %d items at %s again: %w", len(byLocation[loc]), loc, err)
		}
		for _, now := range read {
			for _, l := range levels {
				if l.InventoryItemID == now.InventoryItemID && l.LocationID == loc {
					l.Available, l.OnHand = now.Available, now.OnHand
					out = append(out, l)
				}
			}
		}
	}
	return out, nil
}
