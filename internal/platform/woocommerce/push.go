package woocommerce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// productBody is a product create or update.
type productBody struct {
	Name         string         `json:"name,omitempty"`
	Slug         string         `json:"slug,omitempty"`
	Type         string         `json:"type,omitempty"`
	Status       string         `json:"status,omitempty"`
	Description  string         `json:"description,omitempty"`
	SKU          *string        `json:"sku,omitempty"`
	GlobalID     *string        `json:"global_unique_id,omitempty"`
	RegularPrice *string        `json:"regular_price,omitempty"`
	SalePrice    *string        `json:"sale_price,omitempty"`
	ManageStock  *bool          `json:"manage_stock,omitempty"`
	Backorders   string         `json:"backorders,omitempty"`
	Weight       *string        `json:"weight,omitempty"`
	Tags         []wooTag       `json:"tags,omitempty"`
	Images       *[]wooImage    `json:"images,omitempty"`
	Attributes   []wooAttribute `json:"attributes,omitempty"`
	MetaData     []wooMeta      `json:"meta_data,omitempty"`
}

// variationBody is a variation create or update in a batch.
type variationBody struct {
	ID           int64             `json:"id,omitempty"`
	SKU          string            `json:"sku"`
	GlobalID     string            `json:"global_unique_id"`
	RegularPrice string            `json:"regular_price"`
	SalePrice    string            `json:"sale_price"`
	ManageStock  bool              `json:"manage_stock"`
	Backorders   string            `json:"backorders"`
	Weight       *string           `json:"weight,omitempty"`
	MenuOrder    int               `json:"menu_order"`
	Attributes   []wooVarAttribute `json:"attributes"`
}

type batchBody[T any] struct {
	Create []T     `json:"create,omitempty"`
	Update []T     `json:"update,omitempty"`
	Delete []int64 `json:"delete,omitempty"`
}

func priceFields(price platform.Money, cmp *platform.Money) (regular, sale string) {
	if cmp != nil && cmp.Amount > price.Amount {
		return cmp.Decimal(), price.Decimal()
	}
	return price.Decimal(), ""
}

func backorders(allow bool) string {
	if allow {
		return "notify"
	}
	return "no"
}

// weightDecimal writes w in the store's weight unit.
func (c *Client) weightDecimal(ctx context.Context, w platform.Weight) (string, error) {
	unit, err := c.weightUnit(ctx)
	if err != nil {
		return "", err
	}
	conv, err := w.In(unit)
	if err != nil {
		return "", err
	}
	return conv.Decimal(), nil
}

// SetProduct creates or updates a product with its variants: a product without options is a
// simple product carrying its one variant's SKU and price; one with options is a variable
// product whose variations are written with the variations batch endpoint.
func (c *Client) SetProduct(ctx context.Context, in platform.ProductInput) (platform.Product, error) {
	op := "creating product"
	if in.ID != "" {
		op = "updating product"
	}
	if len(in.Variants) == 0 {
		return platform.Product{}, c.newError(op, platform.KindInvalidInput, "a product needs at least one variant")
	}
	variable := len(in.Options) > 0
	if !variable && len(in.Variants) > 1 {
		return platform.Product{}, c.newError(op, platform.KindInvalidInput, "several variants need options naming what differs")
	}
	for i, v := range in.Variants {
		if variable && len(v.Options) != len(in.Options) {
			return platform.Product{}, c.newError(op, platform.KindInvalidInput, fmt.Sprintf("variants.%d: %d option values for %d options", i, len(v.Options), len(in.Options)))
		}
	}
	var existing *wooProduct
	if in.ID != "" {
		n, err := parseID(in.ID)
		if err != nil {
			return platform.Product{}, c.newError(op, platform.KindInvalidInput, err.Error())
		}
		var wp wooProduct
		if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/products/" + id(n), safe: true}, &wp); err != nil {
			return platform.Product{}, err
		}
		existing = &wp
	} else if in.CreateKey != "" {
		found, ok, err := c.findProductByKey(ctx, op, in)
		if err != nil {
			return platform.Product{}, err
		}
		if ok {
			existing = &found
		}
	}
	if existing != nil && existing.Type == "variable" && !variable {
		return platform.Product{}, c.newError(op, platform.KindInvalidInput, "a variable product cannot be made simple: give its options, or delete it and create it again")
	}
	body, err := c.productBody(ctx, in, existing)
	if err != nil {
		return platform.Product{}, c.newError(op, platform.KindInvalidInput, err.Error())
	}
	var wp wooProduct
	if existing == nil {
		if in.CreateKey != "" {
			body.MetaData = append(body.MetaData, strMeta(MetaProductKey, in.CreateKey))
		}
		_, err = c.do(ctx, call{op: op, method: http.MethodPost, path: "/products", body: body}, &wp)
		if err != nil {
			return platform.Product{}, outcomeUnknown(err, c.cfg.OrderSearchLag)
		}
		if in.CreateKey != "" {
			c.mu.Lock()
			c.pushes["product:"+in.CreateKey] = id(wp.ID)
			c.mu.Unlock()
		}
	} else {
		_, err = c.do(ctx, call{op: op, method: http.MethodPut, path: "/products/" + id(existing.ID), body: body, safe: true}, &wp)
		if err != nil {
			return platform.Product{}, err
		}
	}
	if variable {
		if err := c.setVariations(ctx, op, wp.ID, in); err != nil {
			return platform.Product{}, err
		}
	}
	return c.Product(ctx, id(wp.ID))
}

// outcomeUnknown turns the failure of a create whose answer may have been lost into
// KindOutcomeUnknown; a refusal (4xx, 429) stays as it is.
func outcomeUnknown(err error, lag time.Duration) error {
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Kind != platform.KindUnavailable {
		return err
	}
	out := *pe
	out.Kind = platform.KindOutcomeUnknown
	out.Retryable = true
	out.Message = "the create was sent and its answer lost: it may have been made; " + pe.Message
	out.RetryAfter = max(out.RetryAfter, lag)
	return &out
}

func (c *Client) productBody(ctx context.Context, in platform.ProductInput, existing *wooProduct) (productBody, error) {
	b := productBody{Name: in.Title, Status: wooStatus(in.Status), Description: in.DescriptionHTML}
	if existing == nil {
		b.Slug = in.Handle
		if b.Name == "" {
			return b, fmt.Errorf("title: a new product needs a title")
		}
		b.Type = "simple"
		if len(in.Options) > 0 {
			b.Type = "variable"
		}
	} else if existing.Type != "variable" && len(in.Options) > 0 {
		b.Type = "variable"
	}
	if in.Tags != nil {
		tags, err := c.tagIDs(ctx, in.Tags)
		if err != nil {
			return b, err
		}
		b.Tags = tags
		if len(tags) == 0 {
			b.Tags = []wooTag{}
		}
	}
	if in.Images != nil {
		ims := make([]wooImage, 0, len(in.Images))
		for i, im := range in.Images {
			w := wooImage{Alt: im.AltText, Position: i}
			if im.ID != "" {
				n, err := parseID(im.ID)
				if err != nil {
					return b, fmt.Errorf("images.%d.id: %w", i, err)
				}
				w.ID = n
			} else {
				if !strings.HasPrefix(im.URL, "https://") && !strings.HasPrefix(im.URL, "http://") {
					return b, fmt.Errorf("images.%d.url: want an http(s) URL", i)
				}
				w.Src = im.URL
			}
			ims = append(ims, w)
		}
		b.Images = &ims
	}
	if len(in.Options) > 0 {
		for i, name := range in.Options {
			a := wooAttribute{Name: name, Position: i, Visible: true, Variation: true}
			seen := map[string]bool{}
			for _, v := range in.Variants {
				if !seen[v.Options[i]] {
					seen[v.Options[i]] = true
					a.Options = append(a.Options, v.Options[i])
				}
			}
			b.Attributes = append(b.Attributes, a)
		}
		return b, nil
	}
	v := in.Variants[0]
	reg, sale := priceFields(v.Price, v.CompareAtPrice)
	if reg == "" {
		return b, fmt.Errorf("variants.0.price: no valid amount")
	}
	sku, gid := v.SKU, v.Barcode
	b.SKU, b.GlobalID, b.RegularPrice, b.SalePrice = &sku, &gid, &reg, &sale
	tracked := v.Tracked
	b.ManageStock = &tracked
	b.Backorders = backorders(v.AllowBackorder)
	if v.Weight != nil {
		w, err := c.weightDecimal(ctx, *v.Weight)
		if err != nil {
			return b, fmt.Errorf("variants.0.weight: %w", err)
		}
		b.Weight = &w
	}
	return b, nil
}

// setVariations makes the product's variations those of in: updated by id, created, and the
// others deleted, in batches within the item limit.
func (c *Client) setVariations(ctx context.Context, op string, productID int64, in platform.ProductInput) error {
	current, err := c.variations(ctx, op, productID)
	if err != nil {
		return err
	}
	keep := map[int64]bool{}
	var creates, updates []variationBody
	for i, v := range in.Variants {
		reg, sale := priceFields(v.Price, v.CompareAtPrice)
		if reg == "" {
			return c.newError(op, platform.KindInvalidInput, fmt.Sprintf("variants.%d.price: no valid amount", i))
		}
		var w *string
		if v.Weight != nil {
			s, err := c.weightDecimal(ctx, *v.Weight)
			if err != nil {
				return c.newError(op, platform.KindInvalidInput, fmt.Sprintf("variants.%d.weight: %v", i, err))
			}
			w = &s
		}
		vb := variationBody{SKU: v.SKU, GlobalID: v.Barcode, RegularPrice: reg, SalePrice: sale, ManageStock: v.Tracked,
			Backorders: backorders(v.AllowBackorder), Weight: w, MenuOrder: i}
		for j, name := range in.Options {
			vb.Attributes = append(vb.Attributes, wooVarAttribute{Name: name, Option: v.Options[j]})
		}
		if v.ID != "" {
			pid, vid, err := parseVariantID(v.ID)
			if err != nil || pid != productID || vid == 0 {
				return c.newError(op, platform.KindInvalidInput, fmt.Sprintf("variants.%d.id %q: not a variation of product %d", i, v.ID, productID))
			}
			vb.ID = vid
			keep[vid] = true
			updates = append(updates, vb)
			continue
		}
		creates = append(creates, vb)
	}
	var deletes []int64
	for _, cv := range current {
		if !keep[cv.ID] {
			deletes = append(deletes, cv.ID)
		}
	}
	limit := c.cfg.BatchLimit
	path := "/products/" + id(productID) + "/variations/batch"
	for len(creates)+len(updates)+len(deletes) > 0 {
		var b batchBody[variationBody]
		room := limit
		take := func(n int) int { k := min(n, room); room -= k; return k }
		k := take(len(deletes))
		b.Delete, deletes = deletes[:k], deletes[k:]
		k = take(len(updates))
		b.Update, updates = updates[:k], updates[k:]
		k = take(len(creates))
		b.Create, creates = creates[:k], creates[k:]
		var res wooBatchResult[wooVariation]
		// Not safe to repeat blindly: creates would be made twice.
		if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: path, body: b, safe: len(b.Create) == 0}, &res); err != nil {
			return err
		}
		for _, group := range [][]batchItem[wooVariation]{res.Create, res.Update, res.Delete} {
			for _, it := range group {
				if it.Err != nil {
					e := c.newError(op, platform.KindInvalidInput, it.Err.Message)
					e.Fields = []platform.FieldError{{Field: "variants", Code: it.Err.Code, Message: it.Err.Message}}
					return e
				}
			}
		}
	}
	return nil
}

// tagIDs finds or creates the product tags named (product writes take tags by id).
func (c *Client) tagIDs(ctx context.Context, names []string) ([]wooTag, error) {
	const op = "resolving product tags"
	find := func(name string) (int64, error) {
		var list []wooTag
		q := url.Values{"search": {name}, "per_page": {strconv.Itoa(MaxPerPage)}}
		if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/products/tags", query: q, safe: true}, &list); err != nil {
			return 0, err
		}
		for _, t := range list {
			if strings.EqualFold(t.Name, name) {
				return t.ID, nil
			}
		}
		return 0, nil
	}
	var out []wooTag
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		tid, err := find(name)
		if err != nil {
			return nil, err
		}
		if tid == 0 {
			var t wooTag
			_, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/products/tags", body: wooTag{Name: name}}, &t)
			switch {
			case err == nil:
				tid = t.ID
			case platform.HasFieldCode(err, "term_exists"): // made meanwhile, or named alike
				if tid, err = find(name); err != nil {
					return nil, err
				}
				if tid == 0 {
					return nil, c.newError(op, platform.KindConflict, "tag "+strconv.Quote(name)+" exists under another name")
				}
			default:
				return nil, err
			}
		}
		out = append(out, wooTag{ID: tid})
	}
	return out, nil
}

// findProductByKey looks for the product an earlier attempt of a keyed create made: one this
// client made, or, after an uncertain attempt, one modified since then carrying the key. It
// reports whether there is one.
func (c *Client) findProductByKey(ctx context.Context, op string, in platform.ProductInput) (wooProduct, bool, error) {
	c.mu.Lock()
	known := c.pushes["product:"+in.CreateKey]
	c.mu.Unlock()
	if known != "" {
		var wp wooProduct
		_, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/products/" + known, safe: true}, &wp)
		if err == nil {
			return wp, true, nil
		}
		if platform.KindOf(err) != platform.KindNotFound {
			return wooProduct{}, false, err
		}
	}
	if in.UncertainSince.IsZero() {
		return wooProduct{}, false, nil
	}
	if err := c.waitLag(ctx, in.UncertainSince); err != nil {
		return wooProduct{}, false, err
	}
	q := url.Values{"modified_after": {modifiedAfter(c.since(in.UncertainSince))}, "dates_are_gmt": {"true"},
		"per_page": {strconv.Itoa(MaxPerPage)}, "status": {"any"}, "orderby": {"id"}, "order": {"asc"}}
	for page := 1; ; page++ {
		q.Set("page", strconv.Itoa(page))
		var list []wooProduct
		h, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/products", query: q, safe: true}, &list)
		if err != nil {
			return wooProduct{}, false, err
		}
		for i := range list {
			if v, ok := metaValue(list[i].MetaData, MetaProductKey); ok && v == in.CreateKey {
				return list[i], true, nil
			}
		}
		if _, pages := pageInfo(h); page >= pages || len(list) == 0 {
			return wooProduct{}, false, nil
		}
	}
}
