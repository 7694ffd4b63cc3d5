package ingest

import (
	"context"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// EventParams is one processed event, as a domain acting on it receives it.
type EventParams struct {
	Store store.Store           // the store whose platform sent it
	Event platform.WebhookEvent // decoded, not older than what was applied of its resource
}

// EventFunc acts on a processed event in the transaction that marks it processed and completes
// its job: whatever it records, and the jobs it inserts, commit exactly when the event is
// processed. An error rolls all of it back and the processing job is retried.
type EventFunc func(ctx context.Context, tx database.Tx, p EventParams) error

// OnEvent adds fn to the functions called for each processed (not stale, not failed) event, in
// the order added. Call it while wiring, before the job queue starts.
func (s *Service) OnEvent(fn EventFunc) { s.onEvent = append(s.onEvent, fn) }

func (s *Service) dispatch(ctx context.Context, tx database.Tx, p EventParams) error {
	for _, fn := range s.onEvent {
		if err := fn(ctx, tx, p); err != nil {
			return err
		}
	}
	return nil
}
