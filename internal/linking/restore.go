package linking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
)

// RestoreArgs is the job that restores, after a reconnect, the links a keep disconnect ended.
type RestoreArgs struct {
	ConnectionID int64 `json:"connection_id"`
	AccountID    int64 `json:"account_id"`
	Seq          int64 `json:"seq"` // the disconnect whose links to restore
}

// Kind implements river.JobArgs.
func (RestoreArgs) Kind() string { return "linking.restore" }

// InsertOpts makes one job per reconnect of a disconnect.
func (RestoreArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// restoreBatch is how many destination products one transaction of a restore settles.
const restoreBatch = 50

type restoreWorker struct {
	river.WorkerDefaults[RestoreArgs]
	s *Service
}

// Timeout lets a restore read every destination product of a large connection in one attempt.
func (w *restoreWorker) Timeout(*river.Job[RestoreArgs]) time.Duration { return mapTimeout }

// Work reads again each destination product whose links the disconnect ended and restores, by
// identifier, the links it finds as they were: the destination variant is still there with the
// link's identifier (the connection's sku or barcode). A product gone, a variant gone or an
// identifier changed is listed as a conflict, for a person to resolve (pick the pair) or skip.
// Each batch commits its links and conflicts together; a restore run again restores nothing
// twice (restored links are no longer ended) and finds the same conflicts (recorded once).
func (w *restoreWorker) Work(ctx context.Context, job *river.Job[RestoreArgs]) error {
	s, a := w.s, job.Args
	c, err := s.conns.Get(ctx, connection.GetParams{AccountID: a.AccountID, ID: a.ConnectionID})
	if errors.Is(err, connection.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !c.Syncs() || c.Disconnect == nil || c.Disconnect.Seq != a.Seq {
		return nil // disconnected (or blocked) again meanwhile: a later reconnect restores
	}
	products, err := itemsOf(ctx, s.db, c.ID, a.Seq)
	if err != nil {
		return err
	}
	dst, err := s.destinationClient(ctx, c)
	if err != nil {
		return err
	}
	for from := 0; from < len(products); from += restoreBatch {
		batch := products[from:min(from+restoreBatch, len(products))]
		links, err := s.links.EndedLinks(ctx, s.db, catalog.EndedLinksParams{ConnectionID: c.ID, DestinationProductIDs: batch})
		if err != nil {
			return err
		}
		restore, conflicts, err := s.recheck(ctx, c, dst, links)
		if err != nil {
			return err
		}
		if err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if err := s.links.RestoreLinks(ctx, tx, catalog.RestoreLinksParams{ConnectionID: c.ID, LinkIDs: restore}); err != nil {
				return err
			}
			return addConflicts(ctx, tx, c.ID, conflicts, s.now())
		}); err != nil {
			return err
		}
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
}

// recheck reads the destination products of ended links and sorts the links: those to restore,
// and a conflict per (source product, destination product) whose links cannot all be restored.
func (s *Service) recheck(ctx context.Context, c connection.Connection, dst platform.CatalogReader, links []catalog.Link) ([]int64, []newConflict, error) {
	type pairKey struct{ src, dst string }
	groups := map[pairKey][]catalog.Link{}
	var order []pairKey
	for _, l := range links {
		k := pairKey{l.SourceProductID, l.DestinationProductID}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], l)
	}
	read := map[string]*platform.Product{}
	var restore []int64
	var conflicts []newConflict
	for _, k := range order {
		p, ok := read[k.dst]
		if !ok {
			got, err := dst.Product(ctx, k.dst)
			switch {
			case err == nil:
				p = &got
			case platform.KindOf(err) != platform.KindNotFound:
				return nil, nil, fmt.Errorf("reading destination product %s: %w", k.dst, err)
			}
			read[k.dst] = p
		}
		ls := groups[k]
		why := restorable(c.Settings.Identifier, p, ls)
		if why == "" {
			for _, l := range ls {
				restore = append(restore, l.ID)
			}
			continue
		}
		nc := newConflict{kind: "missing_identifier", identifier: ls[0].Identifier, sourceIDs: []string{k.src},
			reason: "not restored on reconnect: " + why + "; pick the destination product to link, import the source product again, or skip"}
		if p != nil {
			nc.destIDs = []string{k.dst}
			if len(p.Variants) != len(ls) {
				nc.kind = "variant_count"
			}
		}
		conflicts = append(conflicts, nc)
	}
	return restore, conflicts, nil
}

// restorable says why the links of one source product to destination product p cannot be
// restored as they were, or "" when every destination variant is still there with the link's
// identifier (a link made without one, by a person's pick, needs only its variant).
func restorable(id catalog.Identifier, p *platform.Product, ls []catalog.Link) string {
	if p == nil {
		return fmt.Sprintf("destination product %s no longer exists", ls[0].DestinationProductID)
	}
	byID := make(map[string]platform.Variant, len(p.Variants))
	for _, v := range p.Variants {
		byID[v.ID] = v
	}
	for _, l := range ls {
		v, ok := byID[l.DestinationVariantID]
		if !ok {
			return fmt.Sprintf("destination variant %s of %q no longer exists", l.DestinationVariantID, p.Title)
		}
		if got := identifierOf(id, v); l.Identifier != "" && got != l.Identifier {
			return fmt.Sprintf("destination variant %s of %q has identifier %q, linked as %q", v.ID, p.Title, got, l.Identifier)
		}
	}
	return ""
}

// addConflicts records conflicts found outside a map (a conflict already known is left as it
// is: a skipped one stays skipped). Unlike a map, it resolves no other conflict: it has not
// looked at the whole catalog.
func addConflicts(ctx context.Context, tx database.Tx, connectionID int64, found []newConflict, at time.Time) error {
	for _, c := range found {
		sids, err := json.Marshal(nonNil(c.sourceIDs))
		if err != nil {
			return fmt.Errorf("recording a conflict of connection %d: %w", connectionID, err)
		}
		dids, err := json.Marshal(nonNil(c.destIDs))
		if err != nil {
			return fmt.Errorf("recording a conflict of connection %d: %w", connectionID, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO conflicts (connection_id, kind, reason, source_product_ids, destination_product_ids,
			identifier, fingerprint, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)
			ON CONFLICT (connection_id, fingerprint) DO NOTHING`, connectionID, c.kind, c.reason, string(sids), string(dids), c.identifier,
			c.fingerprint(), at.UTC()); err != nil {
			return fmt.Errorf("recording a conflict of connection %d: %w", connectionID, err)
		}
	}
	return nil
}
