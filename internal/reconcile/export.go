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

// exportRef is what a run keeps of its export: the platform's handle and, once a batch of its
// stream is committed, the position the stream resumes at after that batch's last product.
type exportRef struct {
	platform.ExportHandle
	Resume string `json:"resume,omitempty"`
}

func refOf(p *progress) (exportRef, error) {
	var r exportRef
	if err := json.Unmarshal([]byte(p.export), &r); err != nil {
		return r, fmt.Errorf("reading the export handle of reconciliation %d: %w", p.ID, err)
	}
	return r, nil
}

func handleOf(p *progress) (platform.ExportHandle, error) {
	r, err := refOf(p)
	return r.ExportHandle, err
}

// ResumableExport is a platform whose export stream can start again after a product: with each
// product it gives the position just after it (opaque; a byte offset of the file, say), and
// reading from that position yields the products after it, each once.
type ResumableExport interface {
	ReadExportFrom(ctx context.Context, h platform.ExportHandle, from string, fn func(p platform.Product, next string) error) error
}

// readFrom streams the export from the saved position where the platform resumes streams; on
// another it reads from the beginning and skips the first skip products (decoded, unused).
func readFrom(ctx context.Context, src platform.Store, ref exportRef, skip int64, fn func(p platform.Product, next string) error) error {
	if r, ok := src.(ResumableExport); ok {
		if ref.Resume == "" && skip > 0 {
			// Committed by a version that kept no position: read from the start, skipping.
			var n int64
			return r.ReadExportFrom(ctx, ref.ExportHandle, "", func(p platform.Product, next string) error {
				if n++; n <= skip {
					return nil
				}
				return fn(p, next)
			})
		}
		return r.ReadExportFrom(ctx, ref.ExportHandle, ref.Resume, fn)
	}
	var n int64
	return src.ReadExport(ctx, ref.ExportHandle, func(p platform.Product) error {
		if n++; n <= skip {
			return nil
		}
		return fn(p, "")
	})
}

// errStreamPaused ends an attempt reading an export's stream at a batch's end, to go on in the
// next attempt.
var errStreamPaused = errors.New("the export's stream is paused at a batch's end")

// readExport streams the completed export, in batches of about Batch variants, each compared
// and committed with the count of products done and the position after the batch's last
// product: an attempt cut off resumes the stream there, so each product is read once (a
// platform that cannot resume reads the stream again and skips the products committed). With
// one source location the export's variant quantities are the levels (the source phase is
// skipped); with more, the source phase reads each location's levels.
func (s *Service) readExport(ctx context.Context, p *progress, sd sides) error {
	ref, err := refOf(p)
	if err != nil {
		return err
	}
	var batch []platform.Product
	variants := 0
	resume := ref.Resume
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		p.cursor += int64(len(batch))
		if resume != "" {
			ref.Resume = resume
			b, err := json.Marshal(ref)
			if err != nil {
				return fmt.Errorf("keeping the export's position: %w", err)
			}
			p.export = string(b)
		}
		err := s.commit(ctx, p, func(ctx context.Context, tx database.Tx) (step, error) { return s.exportBatch(ctx, tx, p, sd, batch) })
		batch, variants = batch[:0], 0
		return err
	}
	// The attempt stops itself, at a batch's end, well before its timeout, and the next one
	// goes on from there (a timeout would be an error, and the queue's backoff would wait
	// longer after each).
	stopAt := time.Now().Add(s.cfg.StreamTimeout * 3 / 4)
	err = readFrom(ctx, sd.src, ref, p.cursor, func(pr platform.Product, next string) error {
		batch = append(batch, pr)
		resume = next
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
