package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/platform"
)

// pollExport starts the source's catalog export (or adopts the one running) and keeps its
// handle in the run's row, then polls it, one call per attempt, snoozing between polls: nothing
// waits inside the job, and a re-run after a crash polls the same export instead of starting a
// second (which the platform would refuse or run beside it).
func (s *Service) pollExport(ctx context.Context, p *progress, sd sides) (time.Duration, error) {
	if p.export == "" {
		h, err := sd.src.StartCatalogExport(ctx)
		if err != nil {
			return 0, err
		}
		b, err := json.Marshal(h)
		if err != nil {
			return 0, fmt.Errorf("keeping the export handle: %w", err)
		}
		p.export = string(b)
		return s.cfg.PollInterval, s.commit(ctx, p, nil)
	}
	h, err := handleOf(p)
	if err != nil {
		return 0, err
	}
	st, err := sd.src.ExportStatus(ctx, h)
	var pe *platform.Error
	if errors.As(err, &pe) && pe.Kind == platform.KindNotFound {
		p.export = "" // the platform forgot it (expired): start another
		return 0, s.commit(ctx, p, nil)
	}
	if err != nil {
		return 0, err
	}
	switch st.Status {
	case platform.ExportRunning:
		return s.cfg.PollInterval, nil
	case platform.ExportFailed:
		if !st.Retryable {
			return 0, &platform.Error{Op: "exporting the source catalog", Kind: platform.KindUnavailable,
				Message: "the export failed: " + st.Reason}
		}
		p.export = ""
		return s.cfg.PollInterval, s.commit(ctx, p, nil)
	case platform.ExportCompleted:
	}
	p.Phase, p.cursor = phaseRead, 0
	return 0, s.commit(ctx, p, nil)
}

func handleOf(p *progress) (platform.ExportHandle, error) {
	var h platform.ExportHandle
	if err := json.Unmarshal([]byte(p.export), &h); err != nil {
		return h, fmt.Errorf("reading the export handle of reconciliation %d: %w", p.ID, err)
	}
	return h, nil
}

// errStreamPaused ends an attempt reading an export's stream at a batch's end, to go on in the
// next attempt.
var errStreamPaused = errors.New("the export's stream is paused at a batch's end")

// readExport streams the completed export, in batches of about Batch variants, each compared
// and committed with the count of products done: an attempt cut off reads the stream again and
// skips (decodes, but does nothing with) the products committed already. With one source
// location the export's variant quantities are the levels (the source phase is skipped);
// with more, the source phase reads each location's levels.
func (s *Service) readExport(ctx context.Context, p *progress, sd sides) error {
	h, err := handleOf(p)
	if err != nil {
		return err
	}
	done := p.cursor
	var n int64
	var batch []platform.Product
	variants := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		p.cursor = n
		err := s.commit(ctx, p, func(ctx context.Context, tx database.Tx) (step, error) { return s.exportBatch(ctx, tx, p, sd, batch) })
		batch, variants = batch[:0], 0
		return err
	}
	// The attempt stops itself, at a batch's end, well before its timeout: the next attempt
	// reads the stream again and skips what was committed (a timeout would be an error, and
	// the queue's backoff would wait longer after each).
	stopAt := time.Now().Add(s.cfg.StreamTimeout * 3 / 4)
	err = sd.src.ReadExport(ctx, h, func(pr platform.Product) error {
		n++
		if n <= done {
			return nil
		}
		batch = append(batch, pr)
		variants += len(pr.Variants)
		if variants < s.cfg.Batch {
			return nil
		}
		if err := flush(); err != nil {
			return err
		}
		if time.Now().After(stopAt) {
			return errStreamPaused
		}
		return nil
	})
	if errors.Is(err, errStreamPaused) {
		return errStreamPaused
	}
	var pe *platform.Error
	if errors.As(err, &pe) && (pe.Kind == platform.KindNotFound || pe.Kind == platform.KindUnavailable && pe.Retryable && p.cursor == 0) {
		p.Phase, p.export, p.cursor = phaseExport, "", 0 // expired or failed: export again
		return s.commit(ctx, p, nil)
	}
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	p.Phase, p.cursor, p.export = phaseSource, 0, ""
	if len(sd.srcLocs) == 1 {
		p.Phase = phaseDestination
	}
	return s.commit(ctx, p, nil)
}

// exportBatch compares a batch of exported products in tx: products changed unheard go to the
// follower; with one source location, the linked variants' quantities are its levels.
func (s *Service) exportBatch(ctx context.Context, tx database.Tx, p *progress, sd sides, products []platform.Product) (step, error) {
	links, err := s.linksOf(ctx, tx, p, products)
	if err != nil {
		return step{}, err
	}
	st, err := s.followLinked(ctx, tx, p, sd, products, links)
	if err != nil || len(sd.srcLocs) != 1 || len(links) == 0 {
		return st, err
	}
	qty := map[string]int64{} // source inventory item → its quantity in the export
	for _, pr := range products {
		for _, v := range pr.Variants {
			if v.Quantity != nil {
				qty[v.InventoryItemID] = *v.Quantity
			}
		}
	}
	levels := make([]platform.InventoryLevel, 0, len(links))
	linkOf := map[string]int64{}
	for _, l := range links {
		n, ok := qty[l.SourceInventoryItemID]
		if _, seen := linkOf[l.SourceInventoryItemID]; !ok || seen {
			continue
		}
		linkOf[l.SourceInventoryItemID] = l.ID
		levels = append(levels, platform.InventoryLevel{InventoryItemID: l.SourceInventoryItemID, LocationID: sd.srcLocs[0].ID, Available: n})
	}
	// The export is a snapshot from when it started: a level the hub recorded after that (a
	// webhook) is newer than the export's.
	h, err := handleOf(p)
	if err != nil {
		return st, err
	}
	olderThanExport := func(_, _ string, rec inventory.RecordedLevel, known bool) bool {
		return !known || rec.UpdatedAt.Before(h.StartedAt)
	}
	ls, err := s.sourceDrifts(ctx, tx, sd, levels, linkOf, olderThanExport)
	st.levels += ls.levels
	st.drifts = append(st.drifts, ls.drifts...)
	return st, err
}
