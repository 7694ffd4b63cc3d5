package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// PruneBatch is how many rows one delete statement removes, so pruning never holds the writer
// (SQLite's single one, or PostgreSQL's row locks) for long.
const PruneBatch = 500

// PruneInterval is how often the periodic prune runs.
const PruneInterval = time.Hour

// PruneArgs prunes received webhooks older than the retention period.
type PruneArgs struct{}

// Kind implements river.JobArgs.
func (PruneArgs) Kind() string { return "inbound_webhooks_prune" }

// PeriodicPrune is the periodic job that prunes received webhooks: hourly, and once at start
// (River's schedule lives in the leader's memory, so a restart must not skip it). Running it
// twice, or in two processes, deletes nothing more.
func PeriodicPrune() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(PruneInterval),
		func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	s *Service
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	n, err := w.s.Prune(ctx)
	if n > 0 {
		w.s.logger.InfoContext(ctx, "pruned received webhooks", "deleted", n, "retention", w.s.cfg.Retention.String())
	}
	return err
}

// Prune deletes received webhooks kept longer than the retention period and done with (processed
// or stale), in batches, each its own statement. A webhook still waiting for its job, or failed
// and waiting for a person, is kept: it is still needed. Staleness does not depend on them (the
// state of each resource is kept apart), so nothing that decides staleness is lost.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	before := s.now().Add(-s.cfg.Retention)
	var total int64
	for {
		n, err := s.db.Exec(ctx, `DELETE FROM inbound_webhooks WHERE id IN (SELECT id FROM inbound_webhooks
			WHERE received_at < $1 AND status IN ($2, $3) ORDER BY id LIMIT $4)`, before, StatusProcessed, StatusStale, PruneBatch)
		if err != nil {
			return total, fmt.Errorf("pruning received webhooks: %w", err)
		}
		total += n
		if n < PruneBatch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}
