package linking

import (
	"context"
	"fmt"
	"strings"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/platform"
)

// BrowseParams select a page of a connection's source products.
type BrowseParams struct {
	AccountID    int64
	ConnectionID int64
	Cursor       string // "" for the first page; the NextCursor of the page before
	Query        string // matches the title or a variant's SKU, case-insensitive; "" all
}

// SourceProduct is a source product with its link, if it has one.
type SourceProduct struct {
	Product platform.Product
	// DestinationProductID is the destination product linked to it, "" when none.
	DestinationProductID string
	LinkedVariants       int
}

// BrowsePage is one page of source products, read live from the source.
type BrowsePage struct {
	Items      []SourceProduct
	NextCursor string
}

// browsePages bounds how many source pages a search reads for one answer, so a search that
// matches little answers in bounded time; the cursor lets the person read on.
const browsePages = 20

// SourceProducts reads a page of the source's products from the source platform, with those
// already linked marked. Only the destination's account browses, and only a connected source.
func (s *Service) SourceProducts(ctx context.Context, p BrowseParams) (BrowsePage, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return BrowsePage{}, err
	}
	if err := syncing(c); err != nil {
		return BrowsePage{}, err
	}
	src, _, err := s.clients(ctx, c)
	if err != nil {
		return BrowsePage{}, err
	}
	q := strings.ToLower(strings.TrimSpace(p.Query))
	cursor := p.Cursor
	var out BrowsePage
	for range browsePages {
		page, err := src.ListProducts(ctx, platform.ListParams{Cursor: cursor, Limit: PerPage})
		if err != nil {
			return BrowsePage{}, fmt.Errorf("reading the products of %s: %w", c.Source.Name, err)
		}
		for _, pr := range page.Items {
			if matches(pr, q) {
				out.Items = append(out.Items, SourceProduct{Product: pr})
			}
		}
		cursor = page.NextCursor
		if len(out.Items) > 0 || cursor == "" {
			break
		}
	}
	out.NextCursor = cursor
	ids := make([]string, len(out.Items))
	for i, it := range out.Items {
		ids[i] = it.Product.ID
	}
	links, err := s.links.LinksOfProducts(ctx, s.db, catalog.LinksOfProductsParams{ConnectionID: c.ID, Side: "source", ProductIDs: ids})
	if err != nil {
		return BrowsePage{}, err
	}
	byProduct := map[string][]catalog.Link{}
	for _, l := range links {
		byProduct[l.SourceProductID] = append(byProduct[l.SourceProductID], l)
	}
	for i := range out.Items {
		if ls := byProduct[out.Items[i].Product.ID]; len(ls) > 0 {
			out.Items[i].DestinationProductID, out.Items[i].LinkedVariants = ls[0].DestinationProductID, len(ls)
		}
	}
	return out, nil
}

func matches(p platform.Product, q string) bool {
	if q == "" || strings.Contains(strings.ToLower(p.Title), q) {
		return true
	}
	for _, v := range p.Variants {
		if strings.Contains(strings.ToLower(v.SKU), q) {
			return true
		}
	}
	return false
}
