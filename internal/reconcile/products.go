package reconcile

import (
	"context"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/linking"
	"github.com/storesync/storesync/internal/platform"
)

// productsPage is how many changed products one call reads.
const productsPage = 50

// Announcer tells when the hub last heard of a source product's change (*linking.Follower).
type Announcer interface {
	Announced(ctx context.Context, q database.Querier, p linking.AnnouncedParams) (map[string]time.Time, error)
}

// productsBatch reads one page of the source's products changed since the run's cursor and
// hands those the hub never heard of to the follower.
func (s *Service) productsBatch(ctx context.Context, p *progress, sd sides) error {
	lp := platform.ListParams{Cursor: p.pageCursor, Limit: productsPage}
	if p.since != nil {
		lp.UpdatedSince = *p.since
	}
	page, err := sd.src.ListProducts(ctx, lp)
	if err != nil {
		return err
	}
	p.pageCursor = page.NextCursor
	if page.NextCursor == "" {
		p.Phase, p.cursor = phaseSource, 0
	}
	return s.commit(ctx, p, func(ctx context.Context, tx database.Tx) (step, error) {
		return s.followChanged(ctx, tx, p, sd, page.Items)
	})
}

// followChanged hands the follower, in tx, the linked products whose update the hub never
// heard of (updated after the run's cursor and after the last change announced for them),
// each a drift of the source side. Their stock is the levels phases' business.
func (s *Service) followChanged(ctx context.Context, tx database.Tx, p *progress, sd sides, products []platform.Product) (step, error) {
	links, err := s.linksOf(ctx, tx, p, products)
	if err != nil {
		return step{}, err
	}
	return s.followLinked(ctx, tx, p, sd, products, links)
}

// linksOf reads, in tx, the connection's links of the products' variants.
func (s *Service) linksOf(ctx context.Context, tx database.Tx, p *progress, products []platform.Product) ([]catalog.Link, error) {
	var variantIDs []string
	for _, pr := range products {
		for _, v := range pr.Variants {
			variantIDs = append(variantIDs, v.ID)
		}
	}
	if len(variantIDs) == 0 {
		return nil, nil
	}
	return s.cfg.Links.LinksOfSourceVariants(ctx, tx, catalog.LinksOfSourceVariantsParams{ConnectionID: p.ConnectionID, VariantIDs: variantIDs})
}

// followLinked is followChanged with the products' links read.
func (s *Service) followLinked(ctx context.Context, tx database.Tx, p *progress, sd sides, products []platform.Product, links []catalog.Link) (step, error) {
	st := step{products: int64(len(products))}
	for _, pr := range products {
		st.variants += int64(len(pr.Variants))
	}
	linked := map[string]int64{} // source product → a link of it
	var ids []string
	for _, l := range links {
		if _, ok := linked[l.SourceProductID]; !ok {
			linked[l.SourceProductID] = l.ID
			ids = append(ids, l.SourceProductID)
		}
	}
	if len(ids) == 0 {
		return st, nil
	}
	heard, err := s.cfg.Announcer.Announced(ctx, tx, linking.AnnouncedParams{ConnectionID: p.ConnectionID, ProductIDs: ids})
	if err != nil {
		return st, err
	}
	for _, pr := range products {
		linkID, ok := linked[pr.ID]
		if !ok || p.since != nil && !pr.UpdatedAt.After(*p.since) {
			continue
		}
		last, known := heard[pr.ID]
		if known && !pr.UpdatedAt.After(last) {
			continue
		}
		if err := s.cfg.Follower.SourceChanged(ctx, tx, linking.SourceChangedParams{SourceStoreID: sd.c.Source.ID, SourceProductID: pr.ID}); err != nil {
			return st, err
		}
		expected := "no change heard"
		if known {
			expected = "changed " + last.UTC().Format(time.RFC3339)
		}
		st.drifts = append(st.drifts, Drift{LinkID: &linkID, Side: SideSource, Attribute: "product", ItemID: pr.ID,
			Expected: expected, Found: "changed " + pr.UpdatedAt.UTC().Format(time.RFC3339)})
	}
	return st, nil
}
