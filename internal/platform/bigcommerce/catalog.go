package bigcommerce

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// product is a catalog v3 product as the API sends it.
type product struct {
	ID             int64         `json:"id"`
	Name           string        `json:"name"`
	Type           string        `json:"type"`
	SKU            string        `json:"sku"`
	Description    string        `json:"description"`
	Weight         json.Number   `json:"weight"`
	Price          json.Number   `json:"price"`
	RetailPrice    json.Number   `json:"retail_price"`
	InventoryLevel int64         `json:"inventory_level"`
	Tracking       string        `json:"inventory_tracking"`
	IsVisible      bool          `json:"is_visible"`
	Availability   string        `json:"availability"`
	SearchKeywords string        `json:"search_keywords"`
	UPC            string        `json:"upc"`
	CustomURL      *customURL    `json:"custom_url,omitempty"`
	DateCreated    string        `json:"date_created"`
	DateModified   string        `json:"date_modified"`
	Variants       []variant     `json:"variants"`
	Images         []image       `json:"images"`
	CustomFields   []customField `json:"custom_fields"`
}

type customURL struct {
	URL          string `json:"url"`
	IsCustomized bool   `json:"is_customized"`
}

type customField struct {
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// variant is a catalog v3 variant.
type variant struct {
	ID             int64         `json:"id"`
	ProductID      int64         `json:"product_id"`
	SKU            string        `json:"sku"`
	Price          *json.Number  `json:"price"`
	RetailPrice    *json.Number  `json:"retail_price"`
	Weight         *json.Number  `json:"weight"`
	UPC            string        `json:"upc"`
	InventoryLevel int64         `json:"inventory_level"`
	OptionValues   []optionValue `json:"option_values"`
}

type optionValue struct {
	ID                int64  `json:"id,omitempty"`
	OptionID          int64  `json:"option_id,omitempty"`
	Label             string `json:"label"`
	OptionDisplayName string `json:"option_display_name"`
}

type image struct {
	ID          int64  `json:"id,omitempty"`
	ImageURL    string `json:"image_url,omitempty"`
	URLStandard string `json:"url_standard,omitempty"`
	Description string `json:"description"`
	SortOrder   int    `json:"sort_order"`
	IsThumbnail bool   `json:"is_thumbnail,omitempty"`
}

// pagination is v3's meta.pagination.
type pagination struct {
	Total       int `json:"total"`
	Count       int `json:"count"`
	PerPage     int `json:"per_page"`
	CurrentPage int `json:"current_page"`
	TotalPages  int `json:"total_pages"`
}

type listMeta struct {
	Pagination pagination `json:"pagination"`
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// parseID reads one of the platform's integer ids, naming what it is on failure.
func (c *Client) parseID(op, what, s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		e := c.newError(op, platform.KindInvalidInput, fmt.Sprintf("%s %q is not a BigCommerce id (a positive integer)", what, truncate(s, 40)))
		return 0, e
	}
	return n, nil
}

// parseTime reads v3's RFC 3339 dates and v2's RFC 1123 ones; zero when empty or unreadable.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// pageOf reads a cursor, which for BigCommerce is the page number.
func (c *Client) pageOf(op, cursor string) (int, error) {
	if cursor == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(cursor)
	if err != nil || n < 1 {
		return 0, c.newError(op, platform.KindInvalidInput, fmt.Sprintf("cursor %q is not a page of this store's list", truncate(cursor, 40)))
	}
	return n, nil
}

func limitOf(l int) int {
	if l <= 0 || l > MaxPageLimit {
		return MaxPageLimit
	}
	return l
}

const productIncludes = "variants,images,custom_fields"

// ListProducts reads a page of products with their variants and images, those changed since
// p.UpdatedSince when it is set.
func (c *Client) ListProducts(ctx context.Context, p platform.ListParams) (platform.Page[platform.Product], error) {
	const op = "listing products"
	page, err := c.pageOf(op, p.Cursor)
	if err != nil {
		return platform.Page[platform.Product]{}, err
	}
	q := url.Values{"include": {productIncludes}, "page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(limitOf(p.Limit))}, "sort": {"id"}}
	if !p.UpdatedSince.IsZero() {
		q.Set("date_modified:min", p.UpdatedSince.UTC().Format(time.RFC3339))
	}
	return c.productPage(ctx, op, q)
}

func (c *Client) productPage(ctx context.Context, op string, q url.Values) (platform.Page[platform.Product], error) {
	var out struct {
		Data []product `json:"data"`
		Meta listMeta  `json:"meta"`
	}
	if err := c.call(ctx, op, get("/v3/catalog/products", q), &out); err != nil {
		return platform.Page[platform.Product]{}, err
	}
	cur, unit, err := c.settings(ctx)
	if err != nil {
		return platform.Page[platform.Product]{}, err
	}
	var pg platform.Page[platform.Product]
	for _, bp := range out.Data {
		p, err := c.toProduct(op, bp, cur, unit)
		if err != nil {
			return platform.Page[platform.Product]{}, err
		}
		pg.Items = append(pg.Items, p)
	}
	if m := out.Meta.Pagination; m.CurrentPage < m.TotalPages {
		pg.NextCursor = strconv.Itoa(m.CurrentPage + 1)
	}
	return pg, nil
}

// Product reads one product with its variants and images.
func (c *Client) Product(ctx context.Context, pid string) (platform.Product, error) {
	const op = "reading product"
	n, err := c.parseID(op, "product id", pid)
	if err != nil {
		return platform.Product{}, err
	}
	var out struct {
		Data product `json:"data"`
	}
	if err := c.call(ctx, op, get("/v3/catalog/products/"+id(n), url.Values{"include": {productIncludes}}), &out); err != nil {
		return platform.Product{}, err
	}
	cur, unit, err := c.settings(ctx)
	if err != nil {
		return platform.Product{}, err
	}
	return c.toProduct(op, out.Data, cur, unit)
}

func (c *Client) money(op, field string, n json.Number, cur string) (platform.Money, error) {
	s := n.String()
	if s == "" {
		s = "0"
	}
	m, err := platform.ParseMoney(s, cur)
	if err != nil {
		e := c.newError(op, platform.KindInternal, "the store sent a price that is not an amount of "+cur+": "+field)
		e.Err = err
		return platform.Money{}, e
	}
	return m, nil
}

func (c *Client) toProduct(op string, bp product, cur string, unit platform.WeightUnit) (platform.Product, error) {
	p := platform.Product{
		// BigCommerce's type (physical or digital) is not a merchant's product type: left empty.
		ID: id(bp.ID), Title: bp.Name, Status: platform.ProductActive,
		DescriptionHTML: bp.Description, CreatedAt: parseTime(bp.DateCreated), UpdatedAt: parseTime(bp.DateModified),
	}
	if !bp.IsVisible {
		p.Status = platform.ProductDraft
	}
	if bp.Availability == "disabled" {
		p.Status = platform.ProductArchived
	}
	if bp.CustomURL != nil {
		p.Handle = strings.Trim(bp.CustomURL.URL, "/")
	}
	for t := range strings.SplitSeq(bp.SearchKeywords, ",") {
		if t = strings.TrimSpace(t); t != "" {
			p.Tags = append(p.Tags, t)
		}
	}
	for _, f := range bp.CustomFields {
		if f.Name == keyField {
			p.Tags = append(p.Tags, f.Value)
		}
	}
	for i, v := range bp.Variants {
		for _, ov := range v.OptionValues {
			if i == 0 {
				p.Options = append(p.Options, ov.OptionDisplayName)
			}
		}
		pv := platform.Variant{
			ID: id(v.ID), ProductID: id(bp.ID), InventoryItemID: id(v.ID), SKU: v.SKU, Barcode: v.UPC,
			Position: i + 1, Tracked: bp.Tracking != "none" && bp.Tracking != "", UpdatedAt: p.UpdatedAt,
		}
		if pv.Barcode == "" && len(bp.Variants) == 1 {
			pv.Barcode = bp.UPC
		}
		for _, ov := range v.OptionValues {
			pv.Options = append(pv.Options, ov.Label)
		}
		price := bp.Price
		if v.Price != nil {
			price = *v.Price
		}
		m, err := c.money(op, "variants.price", price, cur)
		if err != nil {
			return platform.Product{}, err
		}
		pv.Price = m
		retail := bp.RetailPrice
		if v.RetailPrice != nil {
			retail = *v.RetailPrice
		}
		if r, err := c.money(op, "variants.retail_price", retail, cur); err == nil && r.Amount > 0 {
			pv.CompareAtPrice = &r
		}
		q := v.InventoryLevel
		pv.Quantity = &q
		w := bp.Weight
		if v.Weight != nil {
			w = *v.Weight
		}
		if w.String() != "" {
			if pw, err := platform.ParseWeight(w.String(), unit); err == nil {
				pv.Weight = &pw
			}
		}
		p.Variants = append(p.Variants, pv)
	}
	for i, im := range bp.Images {
		p.Images = append(p.Images, platform.Image{ID: id(im.ID), URL: im.URLStandard, AltText: im.Description, Position: i + 1})
	}
	return p, nil
}

// keyField is the custom field that marks a product storesync created with a CreateKey.
const keyField = "storesync-key"

// KeyTag is the mark a keyed create leaves on what it creates (a product's custom field, an
// order's staff notes): derived from the key, so every attempt of one job leaves the same.
func KeyTag(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "storesync-" + hex.EncodeToString(sum[:8])
}

// ExportCatalog streams every product, page by page.
func (c *Client) ExportCatalog(ctx context.Context, fn func(platform.Product) error) error {
	cursor := ""
	for {
		pg, err := c.ListProducts(ctx, platform.ListParams{Cursor: cursor, Limit: MaxPageLimit})
		if err != nil {
			return err
		}
		for _, p := range pg.Items {
			if err := fn(p); err != nil {
				return err
			}
		}
		if pg.NextCursor == "" {
			return nil
		}
		cursor = pg.NextCursor
	}
}

// exportPrefix names the exports this client makes: BigCommerce has no server-side export, so
// an export is read by paging inside ReadExport and is done as soon as it starts.
const exportPrefix = "bigcommerce-paged-export:"

// StartCatalogExport returns a handle of a paged export, done at once.
func (c *Client) StartCatalogExport(ctx context.Context) (platform.ExportHandle, error) {
	now := c.cfg.Now().UTC()
	return platform.ExportHandle{ID: exportPrefix + c.cfg.StoreHash + ":" + strconv.FormatInt(now.UnixNano(), 10), StartedAt: now}, nil
}

func (c *Client) checkHandle(op string, h platform.ExportHandle) error {
	if !strings.HasPrefix(h.ID, exportPrefix+c.cfg.StoreHash+":") {
		return c.newError(op, platform.KindNotFound, fmt.Sprintf("export %q is not one of this store's", truncate(h.ID, 80)))
	}
	return nil
}

// ExportStatus reports a paged export completed: its pages are read in ReadExport.
func (c *Client) ExportStatus(ctx context.Context, h platform.ExportHandle) (platform.ExportState, error) {
	if err := c.checkHandle("reading export status", h); err != nil {
		return platform.ExportState{}, err
	}
	return platform.ExportState{Status: platform.ExportCompleted}, nil
}

// ReadExport pages through the catalog from the beginning.
func (c *Client) ReadExport(ctx context.Context, h platform.ExportHandle, fn func(platform.Product) error) error {
	if err := c.checkHandle("reading export", h); err != nil {
		return err
	}
	return c.ExportCatalog(ctx, fn)
}

// DeleteProduct removes a product; one already gone is not an error.
func (c *Client) DeleteProduct(ctx context.Context, pid string) error {
	const op = "deleting product"
	n, err := c.parseID(op, "product id", pid)
	if err != nil {
		return err
	}
	err = c.call(ctx, op, request{method: http.MethodDelete, path: "/v3/catalog/products/" + id(n), resend: true}, nil)
	if platform.KindOf(err) == platform.KindNotFound {
		return nil
	}
	return err
}
