package woocommerce

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// catalogContext is what converting products needs.
func (c *Client) catalogContext(ctx context.Context) (string, platform.WeightUnit, error) {
	cur, err := c.currency(ctx)
	if err != nil {
		return "", "", err
	}
	unit, err := c.weightUnit(ctx)
	if err != nil {
		return "", "", err
	}
	return cur, unit, nil
}

// ListProducts reads one page of products (every status), oldest id first, each with its
// variations; UpdatedSince reads those modified since then.
func (c *Client) ListProducts(ctx context.Context, p ListParams) (platform.Page[platform.Product], error) {
	const op = "listing products"
	cur, err := c.decodeCursor(op, p.Cursor)
	if err != nil {
		return platform.Page[platform.Product]{}, err
	}
	if p.Cursor == "" {
		cur.Since = p.UpdatedSince
	}
	currency, unit, err := c.catalogContext(ctx)
	if err != nil {
		return platform.Page[platform.Product]{}, err
	}
	q := url.Values{"page": {strconv.Itoa(cur.Page)}, "per_page": {strconv.Itoa(perPage(p.Limit))},
		"orderby": {"id"}, "order": {"asc"}, "status": {"any"}}
	if !cur.Since.IsZero() {
		q.Set("modified_after", modifiedAfter(cur.Since))
		q.Set("dates_are_gmt", "true")
	}
	var list []wooProduct
	h, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/products", query: q, safe: true}, &list)
	if err != nil {
		return platform.Page[platform.Product]{}, err
	}
	out := platform.Page[platform.Product]{}
	for _, wp := range list {
		pr, err := c.withVariations(ctx, op, wp, currency, unit)
		if err != nil {
			return platform.Page[platform.Product]{}, err
		}
		out.Items = append(out.Items, pr)
	}
	if _, pages := pageInfo(h); cur.Page < pages && len(list) > 0 {
		next := cur
		next.Page++
		if out.NextCursor, err = c.encodeCursor(op, next); err != nil {
			return platform.Page[platform.Product]{}, err
		}
	}
	return out, nil
}

// ListParams is platform.ListParams.
type ListParams = platform.ListParams

func (c *Client) withVariations(ctx context.Context, op string, wp wooProduct, currency string, unit platform.WeightUnit) (platform.Product, error) {
	var vars []wooVariation
	if wp.Type == "variable" {
		var err error
		if vars, err = c.variations(ctx, op, wp.ID); err != nil {
			return platform.Product{}, err
		}
	}
	pr, err := toProduct(wp, vars, currency, unit)
	if err != nil {
		e := c.newError(op, platform.KindInternal, "product the client cannot read")
		e.Err = err
		return platform.Product{}, e
	}
	return pr, nil
}

// variations reads every variation of a variable product, in menu order.
func (c *Client) variations(ctx context.Context, op string, productID int64) ([]wooVariation, error) {
	var all []wooVariation
	for page := 1; ; page++ {
		var list []wooVariation
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(MaxPerPage)}, "orderby": {"menu_order"}, "order": {"asc"}}
		h, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/products/" + id(productID) + "/variations", query: q, safe: true}, &list)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
		if _, pages := pageInfo(h); page >= pages || len(list) == 0 {
			return all, nil
		}
	}
}

// Product reads one product with its variations.
func (c *Client) Product(ctx context.Context, productID string) (platform.Product, error) {
	const op = "reading product"
	n, err := parseID(productID)
	if err != nil {
		return platform.Product{}, c.newError(op, platform.KindInvalidInput, err.Error())
	}
	currency, unit, err := c.catalogContext(ctx)
	if err != nil {
		return platform.Product{}, err
	}
	var wp wooProduct
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/products/" + id(n), safe: true}, &wp); err != nil {
		return platform.Product{}, err
	}
	return c.withVariations(ctx, op, wp, currency, unit)
}

// DeleteProduct deletes a product for good (force=true: not to the trash), its variations with
// it. A product already gone is not an error.
func (c *Client) DeleteProduct(ctx context.Context, productID string) error {
	const op = "deleting product"
	n, err := parseID(productID)
	if err != nil {
		return c.newError(op, platform.KindInvalidInput, err.Error())
	}
	_, err = c.do(ctx, call{op: op, method: http.MethodDelete, path: "/products/" + id(n), query: url.Values{"force": {"true"}}, safe: true}, nil)
	if platform.KindOf(err) == platform.KindNotFound {
		return nil
	}
	return err
}

// ExportCatalog pages through every product.
func (c *Client) ExportCatalog(ctx context.Context, fn func(platform.Product) error) error {
	cursor := ""
	for {
		page, err := c.ListProducts(ctx, ListParams{Cursor: cursor, Limit: MaxPerPage})
		if err != nil {
			return err
		}
		for _, p := range page.Items {
			if err := fn(p); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}

// exportID names the one kind of export a WooCommerce store has: paging the catalog when read.
const exportID = "woocommerce-paging"

// StartCatalogExport returns a handle of an export done at once: WooCommerce has no server-side
// exports, so ReadExport pages the catalog.
func (c *Client) StartCatalogExport(ctx context.Context) (platform.ExportHandle, error) {
	if err := ctx.Err(); err != nil {
		return platform.ExportHandle{}, err
	}
	return platform.ExportHandle{ID: exportID, StartedAt: c.cfg.Now().UTC()}, nil
}

// ExportStatus reports a paging export completed.
func (c *Client) ExportStatus(ctx context.Context, h platform.ExportHandle) (platform.ExportState, error) {
	if h.ID != exportID {
		return platform.ExportState{}, c.newError("reading export", platform.KindNotFound, "no export "+strconv.Quote(h.ID))
	}
	return platform.ExportState{Status: platform.ExportCompleted}, ctx.Err()
}

// ReadExport pages the catalog to fn.
func (c *Client) ReadExport(ctx context.Context, h platform.ExportHandle, fn func(platform.Product) error) error {
	if h.ID != exportID {
		return c.newError("reading export", platform.KindNotFound, "no export "+strconv.Quote(h.ID))
	}
	return c.ExportCatalog(ctx, fn)
}

// since is the earliest modification time a lookup for an uncertain write reads from.
func (c *Client) since(uncertain time.Time) time.Time {
	return uncertain.Add(-10 * time.Minute)
}
