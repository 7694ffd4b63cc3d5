package linking

import (
	"context"

	"github.com/storesync/storesync/internal/catalog"
)

// LinksParams select a page of a connection's product links.
type LinksParams struct {
	AccountID    int64
	ConnectionID int64
	Page         int
}

// LinkPage is a page of links with the count of all.
type LinkPage struct {
	Items []catalog.Link
	Page  int
	Total int64
}

// ListLinks returns a page of the connection's product links, in the order they were made.
func (s *Service) ListLinks(ctx context.Context, p LinksParams) (LinkPage, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return LinkPage{}, err
	}
	page := min(max(p.Page, 1), MaxPage)
	items, total, err := s.links.ListLinks(ctx, catalog.ListLinksParams{ConnectionID: c.ID, Limit: PerPage, Offset: (page - 1) * PerPage})
	if err != nil {
		return LinkPage{}, err
	}
	return LinkPage{Items: items, Page: page, Total: total}, nil
}
