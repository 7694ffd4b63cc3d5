package shopify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Page sizes chosen so a page stays well under MaxQueryCost: a connection costs about
// first × (cost of one node), and each product node carries a page of variants.
const (
	productsPerPage        = 8
	variantsPerProductPage = 20
	variantsPerPage        = 100
	mediaPerProductPage    = 5
	mediaPerPage           = 100
)

// updatedSinceQuery is Shopify search syntax for "changed at or after t". At-or-after, not
// after: two changes in the same second must not be missed; the caller drops what it has seen.
func updatedSinceQuery(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("updated_at:>='%s'", t.UTC().Format(time.RFC3339))
}

type gProducts struct {
	Products struct {
		Nodes    []gProduct `json:"nodes"`
		PageInfo gPageInfo  `json:"pageInfo"`
	} `json:"products"`
}

// ListProducts reads one page of products, oldest change first. With UpdatedSince set it is the
// incremental read; for a whole large catalog ExportCatalog is cheaper. Products with more
// variants than fit a page are completed with further calls, so every product is whole.
func (c *Client) ListProducts(ctx context.Context, p platform.ListParams) (platform.Page[platform.Product], error) {
	first := productsPerPage // also the most that fits under MaxQueryCost
	if p.Limit > 0 {
		first = min(p.Limit, productsPerPage)
	}
	return c.listProducts(ctx, first, p.Cursor, updatedSinceQuery(p.UpdatedSince))
}

// listProducts reads one page of the products matching query (Shopify search syntax; "" for all).
func (c *Client) listProducts(ctx context.Context, first int, cursor, query string) (platform.Page[platform.Product], error) {
	cur, err := c.currency(ctx)
	if err != nil {
		return platform.Page[platform.Product]{}, err
	}
	vars := map[string]any{
		"first": first, "after": nullable(cursor), "query": nullable(query),
		"variantsFirst": variantsPerProductPage, "mediaFirst": mediaPerProductPage,
	}
	var out gProducts
	if err := c.do(ctx, op{doc: "products", what: "listing products", retrySafe: true}, vars, &out); err != nil {
		return platform.Page[platform.Product]{}, err
	}
	page := platform.Page[platform.Product]{}
	for i := range out.Products.Nodes {
		gp := &out.Products.Nodes[i]
		if err := c.completeVariants(ctx, gp); err != nil {
			return platform.Page[platform.Product]{}, err
		}
		prod, err := gp.product(cur)
		if err != nil {
			return platform.Page[platform.Product]{}, c.decodeError("listing products", err)
		}
		page.Items = append(page.Items, prod)
	}
	if out.Products.PageInfo.HasNextPage {
		page.NextCursor = out.Products.PageInfo.EndCursor
	}
	return page, nil
}

type gProductByID struct {
	Product *gProduct `json:"product"`
}

// Product reads one product with all its variants.
func (c *Client) Product(ctx context.Context, id string) (platform.Product, error) {
	cur, err := c.currency(ctx)
	if err != nil {
		return platform.Product{}, err
	}
	var out gProductByID
	vars := map[string]any{"id": id, "variantsFirst": variantsPerPage, "variantsAfter": nil, "mediaFirst": mediaPerProductPage}
	if err := c.do(ctx, op{doc: "product", what: "reading product", retrySafe: true}, vars, &out); err != nil {
		return platform.Product{}, err
	}
	if out.Product == nil {
		return platform.Product{}, c.newError("reading product", platform.KindNotFound, "no product "+id)
	}
	if err := c.completeVariants(ctx, out.Product); err != nil {
		return platform.Product{}, err
	}
	prod, err := out.Product.product(cur)
	if err != nil {
		return platform.Product{}, c.decodeError("reading product", err)
	}
	return prod, nil
}

// completeVariants fetches the remaining pages of a product's variants.
func (c *Client) completeVariants(ctx context.Context, gp *gProduct) error {
	for gp.Variants.PageInfo.HasNextPage {
		var out gProductByID
		vars := map[string]any{"id": gp.ID, "variantsFirst": variantsPerPage, "variantsAfter": gp.Variants.PageInfo.EndCursor, "mediaFirst": 1}
		if err := c.do(ctx, op{doc: "product", what: "reading product variants", retrySafe: true}, vars, &out); err != nil {
			return err
		}
		if out.Product == nil {
			return c.newError("reading product variants", platform.KindNotFound, "product "+gp.ID+" disappeared")
		}
		gp.Variants.Nodes = append(gp.Variants.Nodes, out.Product.Variants.Nodes...)
		gp.Variants.PageInfo = out.Product.Variants.PageInfo
	}
	return c.completeMedia(ctx, gp)
}

// completeMedia fetches the remaining pages of a product's media: a product written back with
// part of its images would lose the rest.
func (c *Client) completeMedia(ctx context.Context, gp *gProduct) error {
	for gp.Media.PageInfo.HasNextPage {
		var out gProductByID
		vars := map[string]any{"id": gp.ID, "first": mediaPerPage, "after": gp.Media.PageInfo.EndCursor}
		if err := c.do(ctx, op{doc: "productMedia", what: "reading product images", retrySafe: true}, vars, &out); err != nil {
			return err
		}
		if out.Product == nil {
			return c.newError("reading product images", platform.KindNotFound, "product "+gp.ID+" disappeared")
		}
		gp.Media.Nodes = append(gp.Media.Nodes, out.Product.Media.Nodes...)
		gp.Media.PageInfo = out.Product.Media.PageInfo
	}
	return nil
}

func (c *Client) decodeError(what string, err error) error {
	e := c.newError(what, platform.KindInternal, "unexpected value from Shopify")
	e.Err = err
	return e
}

type gProductSet struct {
	ProductSet struct {
		Product *struct {
			ID        string    `json:"id"`
			Handle    string    `json:"handle"`
			UpdatedAt time.Time `json:"updatedAt"`
			Variants  struct {
				Nodes []gVariant `json:"nodes"`
			} `json:"variants"`
			Media struct {
				Nodes    []gMedia  `json:"nodes"`
				PageInfo gPageInfo `json:"pageInfo"`
			} `json:"media"`
		} `json:"product"`
		UserErrors []userError `json:"userErrors"`
	} `json:"productSet"`
}

// defaultOption is what Shopify calls the single option of a product without options.
const defaultOption, defaultOptionValue = "Title", "Default Title"

// SetProduct creates or updates a product with all its variants in one productSet call
// (synchronous). Variants not in the input are removed from the product, as productSet does.
// The returned product carries the ids Shopify assigned, with each variant's inventory item.
//
// A create with a CreateKey is made at most once per key, as CreateOrder is per push: the product
// is tagged KeyTag(key); before creating, SetProduct returns the product this client created for
// the key, or one the products search finds by the tag (waiting out the search lag after a doubt,
// in.UncertainSince or one this client saw). A create sent whose answer is lost is not sent again:
// the error is KindOutcomeUnknown, Retryable, RetryAfter the lag.
func (c *Client) SetProduct(ctx context.Context, in platform.ProductInput) (platform.Product, error) {
	if in.ID != "" || in.CreateKey == "" {
		p, _, err := c.productSet(ctx, in)
		return p, err
	}
	tag := KeyTag(in.CreateKey)
	p, found, err := findKeyedAndBegin(ctx, c, keyedFind[platform.Product]{
		what: "creating product",
		byID: c.Product,
		byTag: func(ctx context.Context, tag string) (platform.Product, bool, error) {
			page, err := c.listProducts(ctx, 1, "", fmt.Sprintf("tag:'%s'", tag))
			if err != nil || len(page.Items) == 0 {
				return platform.Product{}, false, err
			}
			c.log.InfoContext(ctx, "product already created", "product", page.Items[0].ID, "tag", tag)
			return page.Items[0], true, nil
		},
	}, tag, in.UncertainSince)
	if err != nil || found {
		return p, err
	}
	in.Tags = append(append([]string(nil), in.Tags...), tag)
	p, created, err := c.productSet(ctx, in)
	c.pushes.end(tag, created, platform.KindOf(err) == platform.KindOutcomeUnknown, c.cfg.Now(), c.cfg.OrderSearchLag)
	return p, err
}

// productSet sends productSet once (a create is not retried inside the call: sent twice it makes
// two). created is the new product's id whenever Shopify made one; a create that failed after it
// may have run is KindOutcomeUnknown.
func (c *Client) productSet(ctx context.Context, in platform.ProductInput) (res platform.Product, created string, err error) {
	const what = "setting product"
	defer func() {
		if created != "" && err != nil && platform.KindOf(err) != platform.KindOutcomeUnknown {
			err = c.outcomeUnknown(what, "product "+created+" created, what followed failed", err)
		}
	}()
	input, err := productSetInput(in)
	if err != nil {
		return platform.Product{}, "", c.invalid(what, err)
	}
	// Only the id identifies the product: productSet's handle identifier would update whatever
	// product holds that handle, someone else's included, so a handle is only the slug given.
	var ident any
	if in.ID != "" {
		ident = map[string]any{"id": in.ID}
	}
	vars := map[string]any{"identifier": ident, "input": input, "synchronous": true,
		"variantsFirst": max(1, min(len(in.Variants), MaxInputArray)), "mediaFirst": max(1, min(len(in.Images), mediaPerPage))}
	var out gProductSet
	// productSet on an id is a set: sending the same input twice leaves the same product. A
	// create is not: sent twice it makes two.
	sent, tctx := tracedSend(ctx)
	if err := c.do(tctx, op{doc: "productSet", what: what, retrySafe: in.ID != ""}, vars, &out); err != nil {
		if in.ID == "" && mayHaveRun(err, sent.Load()) {
			return platform.Product{}, "", c.outcomeUnknown("creating product", "the create was sent and its answer lost: the product may exist", err)
		}
		return platform.Product{}, "", err
	}
	if err := c.userErrorsToError(what, out.ProductSet.UserErrors); err != nil {
		return platform.Product{}, "", err
	}
	p := out.ProductSet.Product
	if p == nil {
		return platform.Product{}, "", c.newError(what, platform.KindInternal, "productSet returned no product")
	}
	if in.ID == "" {
		created = p.ID
	}
	res = platform.Product{ID: p.ID, Handle: p.Handle, Title: in.Title, Status: in.Status, UpdatedAt: p.UpdatedAt, Options: in.Options}
	for i, v := range p.Variants.Nodes {
		pv := platform.Variant{ID: v.ID, ProductID: p.ID, SKU: v.SKU, Barcode: v.Barcode, InventoryItemID: v.InventoryItem.ID}
		if i < len(in.Variants) && in.Variants[i].Weight != nil {
			// The weight written (variants come back in the order given); not read back, which
			// would make the answer's cost grow past what one call may request.
			w := *in.Variants[i].Weight
			pv.Weight = &w
		}
		res.Variants = append(res.Variants, pv)
	}
	if in.Images != nil {
		// Only when this call set them: the ids of the images it created are what a later
		// call names to keep them.
		gp := &gProduct{ID: p.ID}
		gp.Media.Nodes, gp.Media.PageInfo = p.Media.Nodes, p.Media.PageInfo
		if err := c.completeMedia(ctx, gp); err != nil {
			return platform.Product{}, created, err
		}
		res.Images = images(gp.Media.Nodes)
	}
	return res, created, nil
}

func (c *Client) invalid(what string, err error) error {
	e := c.newError(what, platform.KindInvalidInput, err.Error())
	e.Err = err
	return e
}

func productSetInput(in platform.ProductInput) (map[string]any, error) {
	if len(in.Variants) > 2048 {
		return nil, fmt.Errorf("%d variants: Shopify allows 2048 per product", len(in.Variants))
	}
	options := in.Options
	if len(options) == 0 {
		options = []string{defaultOption}
	}
	values := make([][]string, len(options))
	variants := make([]map[string]any, 0, len(in.Variants))
	for i, v := range in.Variants {
		vals := v.Options
		if len(in.Options) == 0 {
			vals = []string{defaultOptionValue}
		}
		if len(vals) != len(options) {
			return nil, fmt.Errorf("variant %d (%s) has %d option values for %d options", i, v.SKU, len(vals), len(options))
		}
		var ov []map[string]any
		for j, val := range vals {
			ov = append(ov, map[string]any{"optionName": options[j], "name": val})
			if !slices.Contains(values[j], val) {
				values[j] = append(values[j], val)
			}
		}
		vm := map[string]any{
			"sku": v.SKU, "barcode": nullable(v.Barcode), "price": v.Price.Decimal(), "optionValues": ov,
			"inventoryPolicy": map[bool]string{true: "CONTINUE", false: "DENY"}[v.AllowBackorder],
			"inventoryItem":   map[string]any{"tracked": v.Tracked},
		}
		if v.ID != "" {
			vm["id"] = v.ID
		}
		// null, not left out: productSet keeps a field left out, and a compare-at price the
		// input no longer has must go.
		vm["compareAtPrice"] = nil
		if v.CompareAtPrice != nil {
			vm["compareAtPrice"] = v.CompareAtPrice.Decimal()
		}
		if v.Weight != nil {
			w, err := weightInput(*v.Weight)
			if err != nil {
				return nil, fmt.Errorf("variant %d (%s): %w", i, v.SKU, err)
			}
			vm["inventoryItem"] = map[string]any{"tracked": v.Tracked, "measurement": map[string]any{"weight": w}}
		}
		variants = append(variants, vm)
	}
	var productOptions []map[string]any
	for i, name := range options {
		var vs []map[string]any
		for _, val := range values[i] {
			vs = append(vs, map[string]any{"name": val})
		}
		productOptions = append(productOptions, map[string]any{"name": name, "position": i + 1, "values": vs})
	}
	input := map[string]any{"productOptions": productOptions, "variants": variants}
	if in.Images != nil {
		files, err := filesInput(in.Images)
		if err != nil {
			return nil, err
		}
		input["files"] = files
	}
	for k, v := range map[string]string{"title": in.Title, "handle": in.Handle, "vendor": in.Vendor, "productType": in.ProductType, "descriptionHtml": in.DescriptionHTML} {
		if v != "" {
			input[k] = v
		}
	}
	if in.Status != "" {
		input["status"] = strings.ToUpper(string(in.Status))
	}
	if in.Tags != nil {
		input["tags"] = in.Tags
	}
	return input, nil
}

// filesInput is productSet's files for a product's images: an existing image by its id (so it is
// not uploaded again), a new one by the URL Shopify fetches it from.
func filesInput(imgs []platform.ImageInput) ([]map[string]any, error) {
	if len(imgs) > MaxInputArray {
		return nil, fmt.Errorf("%d images: at most %d per call", len(imgs), MaxInputArray)
	}
	files := make([]map[string]any, 0, len(imgs))
	for i, img := range imgs {
		f := map[string]any{"alt": img.AltText}
		switch {
		case img.ID != "":
			f["id"] = img.ID
		case strings.HasPrefix(img.URL, "https://") || strings.HasPrefix(img.URL, "http://"):
			f["originalSource"], f["contentType"] = img.URL, "IMAGE"
		default:
			return nil, fmt.Errorf("image %d: an id or an http(s) URL is required, got %q", i, img.URL)
		}
		files = append(files, f)
	}
	return files, nil
}
