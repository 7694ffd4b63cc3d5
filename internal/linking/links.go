package linking

import (
	"context"
	"errors"
	"fmt"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
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
	// ConnectionBuffer is the connection's buffer, which applies to a link without its own.
	ConnectionBuffer int64
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
	return LinkPage{Items: items, Page: page, Total: total, ConnectionBuffer: c.Settings.Buffer}, nil
}

// LinkBufferHook runs in the transaction that changed a link's own buffer (the inventory decides
// the link's quantity again there); an error undoes the change.
type LinkBufferHook func(ctx context.Context, tx database.Tx, l catalog.Link) error

// OnLinkBuffer adds a hook run on every change of a link's buffer. Call it while wiring.
func (s *Service) OnLinkBuffer(h LinkBufferHook) { s.bufferHooks = append(s.bufferHooks, h) }

// SetLinkBufferParams set (Buffer nil: clear) the own buffer of one product link of a connection.
type SetLinkBufferParams struct {
	AccountID    int64
	ConnectionID int64
	LinkID       int64
	Buffer       *int64
}

// SetLinkBuffer sets the link's own buffer, overriding its connection's (nil: the connection's
// applies again), and decides its destination quantity again in the same transaction. The
// destination's account only; a link of another connection is not found. A negative buffer is a
// *catalog.ValidationError naming buffer.
func (s *Service) SetLinkBuffer(ctx context.Context, p SetLinkBufferParams) (BufferedLink, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return BufferedLink{}, err
	}
	var out catalog.Link
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		l, err := s.links.SetBuffer(ctx, tx, catalog.SetBufferParams{ConnectionID: c.ID, LinkID: p.LinkID, Buffer: p.Buffer})
		if errors.Is(err, database.ErrNotFound) {
			return refuse(connection.ErrNotFound, "", fmt.Sprintf("no product link %d in connection %d", p.LinkID, c.ID))
		}
		if err != nil {
			return err
		}
		for _, h := range s.bufferHooks {
			if err := h(ctx, tx, l); err != nil {
				return err
			}
		}
		out = l
		return nil
	})
	if err != nil {
		return BufferedLink{}, err
	}
	return BufferedLink{Link: out, ConnectionBuffer: c.Settings.Buffer}, nil
}

// BufferedLink is a link with its connection's buffer (which applies when it has none of its own).
type BufferedLink struct {
	Link             catalog.Link
	ConnectionBuffer int64
}
