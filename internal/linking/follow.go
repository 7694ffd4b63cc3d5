package linking

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// DefaultFollowDelay is how long a follow job waits after the first change it was enqueued
// for, so that the edits of a burst (a person saving a product ten times in a second) gather
// into one write per destination product.
const DefaultFollowDelay = 1500 * time.Millisecond

// Why a destination product no longer follows its source (a link's follow_reason).
const (
	ReasonSourceDeleted  = "the source product was deleted: the destination product is a draft with no stock"
	ReasonSourceArchived = "the source product was archived: the destination product is a draft with no stock"
)

// Follower carries changes of source products to every linked destination product, with only
// the attributes each connection follows and prices from its price rule. The entry point is
// SourceChanged, whoever noticed the change (a webhook, a reconciliation); the write is a job.
type Follower struct {
	s     *Service
	delay time.Duration
}

// FollowConfig tunes a Follower.
type FollowConfig struct {
	Delay time.Duration // 0: DefaultFollowDelay
}

// NewFollower returns a Follower working with s's stores, connections and links.
func NewFollower(s *Service, c FollowConfig) *Follower {
	if c.Delay <= 0 {
		c.Delay = DefaultFollowDelay
	}
	return &Follower{s: s, delay: c.Delay}
}

// AddWorkers registers the follow worker.
func (f *Follower) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &followWorker{f: f})
}

// FollowArgs is the job that carries one source product's changes to the destination product(s)
// of one connection (one destination store).
type FollowArgs struct {
	ConnectionID    int64  `json:"connection_id"`
	AccountID       int64  `json:"account_id"` // the destination's account, to read the connection
	SourceProductID string `json:"source_product_id"`
}

// Kind implements river.JobArgs.
func (FollowArgs) Kind() string { return "linking.follow" }

// InsertOpts makes one job per (connection, source product) while one is waiting or running:
// the changes announced meanwhile are counted in product_follow, and the job runs again if one
// arrived after it read the source.
func (FollowArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// SourceChangedParams name a source product that changed (or was deleted) at its store.
type SourceChangedParams struct {
	SourceStoreID   int64
	SourceProductID string
}

// SourceChanged records, in the caller's transaction, that a source product changed, and
// enqueues a follow job for each connected connection that links it, a little later so a burst
// of changes makes one job. A product nothing links, or linked only by blocked or disconnected
// connections, enqueues nothing.
func (f *Follower) SourceChanged(ctx context.Context, tx database.Tx, p SourceChangedParams) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT c.id, s.account_id FROM product_links l
		JOIN connections c ON c.id = l.connection_id JOIN stores s ON s.id = c.destination_store_id
		WHERE l.source_store_id = $1 AND l.source_product_id = $2 AND c.state = 'connected' ORDER BY c.id`,
		p.SourceStoreID, p.SourceProductID)
	if err != nil {
		return fmt.Errorf("reading the connections of source product %s: %w", p.SourceProductID, err)
	}
	var targets [][2]int64
	for rows.Next() {
		var t [2]int64
		if err := rows.Scan(&t[0], &t[1]); err != nil {
			rows.Close()
			return err
		}
		targets = append(targets, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := f.s.now().UTC()
	for _, t := range targets {
		if _, err := tx.Exec(ctx, `INSERT INTO product_follow (connection_id, source_product_id, generation, changed_at)
			VALUES ($1, $2, 1, $3) ON CONFLICT (connection_id, source_product_id) DO UPDATE SET
			generation = product_follow.generation + 1, changed_at = excluded.changed_at`, t[0], p.SourceProductID, now); err != nil {
			return fmt.Errorf("marking source product %s changed for connection %d: %w", p.SourceProductID, t[0], err)
		}
		if err := f.s.jobs.Insert(ctx, tx, FollowArgs{ConnectionID: t[0], AccountID: t[1], SourceProductID: p.SourceProductID},
			&river.InsertOpts{ScheduledAt: now.Add(f.delay)}); err != nil {
			return err
		}
	}
	return nil
}

// OnSourceEvent is SourceChanged for a processed webhook: a product created, updated or deleted
// at store st. Other topics are not its business. It runs in the transaction that marks the
// event processed (the wiring hands it to ingest).
func (f *Follower) OnSourceEvent(ctx context.Context, tx database.Tx, st store.Store, ev platform.WebhookEvent) error {
	switch ev.Topic {
	case platform.TopicProductCreated, platform.TopicProductUpdated, platform.TopicProductDeleted:
	default:
		return nil
	}
	id := ev.ResourceID
	if id == "" && ev.Product != nil {
		id = ev.Product.ID
	}
	if id == "" {
		return nil
	}
	return f.SourceChanged(ctx, tx, SourceChangedParams{SourceStoreID: st.ID, SourceProductID: id})
}
