package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
)

// Defaults of pruning.
const (
	DefaultRetention = 30 * 24 * time.Hour
	PruneBatch       = 500 // rows per delete statement, so the writer is never held long
	PruneInterval    = time.Hour
)

// Pruner deletes outgoing events and deliveries kept longer than the retention period.
type Pruner struct {
	db        *database.DB
	retention time.Duration
	now       func() time.Time
	logger    *slog.Logger
}

// NewPruner returns a Pruner; retention 0 means DefaultRetention.
func NewPruner(db *database.DB, retention time.Duration, now func() time.Time, logger *slog.Logger) *Pruner {
	if retention <= 0 {
		retention = DefaultRetention
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Pruner{db: db, retention: retention, now: now, logger: logger}
}

// PruneArgs prunes outgoing events and deliveries.
type PruneArgs struct{}

// Kind implements river.JobArgs.
func (PruneArgs) Kind() string { return "webhook_prune" }

// PeriodicPrune is the periodic job that prunes: hourly, and once at start (River's schedule lives
// in the leader's memory). Running it twice, or in two processes, deletes nothing more.
func PeriodicPrune() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(PruneInterval),
		func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// AddWorker registers the prune worker. Call it before the job client starts.
func (p *Pruner) AddWorker(w *river.Workers) { river.AddWorker(w, &pruneWorker{p: p}) }

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	p *Pruner
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	res, err := w.p.Prune(ctx)
	if res.Deliveries > 0 || res.Events > 0 {
		w.p.logger.InfoContext(ctx, "pruned outgoing webhooks", "deliveries", res.Deliveries, "events", res.Events,
			"retention", w.p.retention.String())
	}
	return err
}

// PruneResult counts what a prune deleted.
type PruneResult struct {
	Deliveries, Events int64
}

// Prune deletes, in batches of PruneBatch, deliveries older than the retention period that are
// done (delivered or failed: a pending one still has its job to run), then events older than it
// with no delivery left. An event is the payload its deliveries send, so it goes only after them.
func (p *Pruner) Prune(ctx context.Context) (PruneResult, error) {
	before := p.now().Add(-p.retention)
	var res PruneResult
	var err error
	res.Deliveries, err = p.batches(ctx, `DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries
		WHERE created_at < $1 AND status <> $2 ORDER BY id LIMIT $3)`, before, StatusPending, PruneBatch)
	if err != nil {
		return res, fmt.Errorf("pruning webhook deliveries: %w", err)
	}
	res.Events, err = p.batches(ctx, `DELETE FROM events WHERE id IN (SELECT ev.id FROM events ev
		WHERE ev.created_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = ev.id)
		ORDER BY ev.id LIMIT $2)`, before, PruneBatch)
	if err != nil {
		return res, fmt.Errorf("pruning events: %w", err)
	}
	return res, nil
}

// batches runs a batched delete until a batch deletes fewer than PruneBatch rows.
func (p *Pruner) batches(ctx context.Context, query string, args ...any) (int64, error) {
	var total int64
	for {
		n, err := p.db.Exec(ctx, query, args...)
		if err != nil {
			return total, err
		}
		total += n
		if n < PruneBatch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}
