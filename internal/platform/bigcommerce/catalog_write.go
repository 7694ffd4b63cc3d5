package bigcommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

// SetProduct creates a product (in.ID empty) or updates one with all its variants: the
// variants given are the product's variants afterwards. A product without options is
// BigCommerce's simple product, whose one variant is the product itself.
func (c *Client) SetProduct(ctx context.Context, in platform.ProductInput) (platform.Product, error) {
	op := "updating product"
	if in.ID == "" {
		op = "creating product"
	}
	if err := c.checkProductInput(op, in); err != nil {
		return platform.Product{}, err
	}
	_, unit, err := c.settings(ctx)
	if err != nil {
		return platform.Product{}, err
	}
	if in.ID == "" && in.CreateKey != "" {
		found, ok, err := c.findKeyedProduct(ctx, in)
		if err != nil {
			return platform.Product{}, err
		}
		if ok {
			in.ID = id(found.ID)
			op = "updating product"
			if len(found.Images) > 0 {
				// The earlier attempt uploaded the images: fetching them again would add copies.
				in.Images = nil
			}
		}
	}
	if in.ID == "" {
		return c.createProduct(ctx, op, in, unit)
	}
	return c.updateProduct(ctx, op, in, unit)
}

func (c *Client) checkProductInput(op string, in platform.ProductInput) error {
	var fields []platform.FieldError
	if in.ID == "" && strings.TrimSpace(in.Title) == "" {
		fields = append(fields, platform.FieldError{Field: "title", Message: "a new product needs a title"})
	}
	if len(in.Variants) == 0 {
		fields = append(fields, platform.FieldError{Field: "variants", Message: "a product needs at least one variant"})
	}
	if len(in.Options) == 0 && len(in.Variants) > 1 {
		fields = append(fields, platform.FieldError{Field: "options", Message: "several variants need options telling them apart"})
	}
	for i, v := range in.Variants {
		if len(v.Options) != len(in.Options) {
			fields = append(fields, platform.FieldError{Field: fmt.Sprintf("variants.%d.options", i), Message: fmt.Sprintf("want %d values, one per option", len(in.Options))})
		}
		if v.Price.Decimal() == "" {
			fields = append(fields, platform.FieldError{Field: fmt.Sprintf("variants.%d.price", i), Message: "not an amount of a known currency"})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	e := c.newError(op, platform.KindInvalidInput, "the product cannot be written")
	e.Fields = fields
	return e
}

func num(m platform.Money) json.Number { return json.Number(m.Decimal()) }

func retail(m *platform.Money) json.Number {
	if m == nil {
		return "0"
	}
	return num(*m)
}

// weightNum gives w in the store's unit; false means the input has no weight.
func (c *Client) weightNum(w *platform.Weight, unit platform.WeightUnit) (json.Number, bool, error) {
	if w == nil {
		return "", false, nil
	}
	in, err := w.In(unit)
	if err != nil {
		return "", false, err
	}
	return json.Number(in.Decimal()), true, nil
}

func tracking(in platform.ProductInput) string {
	for _, v := range in.Variants {
		if v.Tracked {
			if len(in.Options) > 0 {
				return "variant"
			}
			return "product"
		}
	}
	return "none"
}

// productBody is the product's own fields of in, for a create or an update.
func (c *Client) productBody(in platform.ProductInput, unit platform.WeightUnit, create bool) (map[string]any, error) {
	b := map[string]any{}
	if in.Title != "" {
		b["name"] = in.Title
	}
	if in.DescriptionHTML != "" {
		b["description"] = in.DescriptionHTML
	}
	if in.ProductType == "physical" || in.ProductType == "digital" {
		b["type"] = in.ProductType
	} else if create {
		b["type"] = "physical"
	}
	switch in.Status {
	case platform.ProductActive:
		b["is_visible"], b["availability"] = true, "available"
	case platform.ProductDraft:
		b["is_visible"], b["availability"] = false, "available"
	case platform.ProductArchived:
		b["is_visible"], b["availability"] = false, "disabled"
	}
	if in.Tags != nil {
		b["search_keywords"] = strings.Join(in.Tags, ",")
	}
	if create && in.Handle != "" {
		b["custom_url"] = customURL{URL: "/" + strings.Trim(in.Handle, "/") + "/", IsCustomized: true}
	}
	b["inventory_tracking"] = tracking(in)
	v := in.Variants[0]
	b["price"] = num(v.Price)
	if len(in.Options) == 0 {
		b["sku"] = v.SKU
		b["upc"] = v.Barcode
		b["retail_price"] = retail(v.CompareAtPrice)
		w, ok, err := c.weightNum(v.Weight, unit)
		if err != nil {
			return nil, err
		}
		if ok {
			b["weight"] = w
		}
	}
	if _, ok := b["weight"]; !ok && create {
		b["weight"] = json.Number("0") // required on a create
	}
	return b, nil
}

func (c *Client) variantBody(in platform.ProductInput, v platform.VariantInput, unit platform.WeightUnit, withOptions bool) (map[string]any, error) {
	b := map[string]any{"sku": v.SKU, "price": num(v.Price), "retail_price": retail(v.CompareAtPrice), "upc": v.Barcode}
	w, ok, err := c.weightNum(v.Weight, unit)
	if err != nil {
		return nil, err
	}
	if ok {
		b["weight"] = w
	}
	if withOptions {
		ovs := make([]optionValue, len(v.Options))
		for i, val := range v.Options {
			ovs[i] = optionValue{OptionDisplayName: in.Options[i], Label: val}
		}
		b["option_values"] = ovs
	}
	return b, nil
}

func (c *Client) createProduct(ctx context.Context, op string, in platform.ProductInput, unit platform.WeightUnit) (platform.Product, error) {
	b, err := c.productBody(in, unit, true)
	if err != nil {
		return platform.Product{}, c.inputErr(op, err)
	}
	if len(in.Options) > 0 {
		var vs []map[string]any
		for _, v := range in.Variants {
			vb, err := c.variantBody(in, v, unit, true)
			if err != nil {
				return platform.Product{}, c.inputErr(op, err)
			}
			vs = append(vs, vb)
		}
		b["variants"] = vs
	}
	var ims []image
	for i, im := range in.Images {
		ims = append(ims, image{ImageURL: im.URL, Description: im.AltText, SortOrder: i, IsThumbnail: i == 0})
	}
	if len(ims) > 0 {
		b["images"] = ims
	}
	if in.CreateKey != "" {
		b["custom_fields"] = []customField{{Name: keyField, Value: KeyTag(in.CreateKey)}}
	}
	var out struct {
		Data product `json:"data"`
	}
	if err := c.call(ctx, op, request{method: http.MethodPost, path: "/v3/catalog/products", query: url.Values{"include": {productIncludes}}, body: b}, &out); err != nil {
		return platform.Product{}, err
	}
	return c.Product(ctx, id(out.Data.ID))
}

func (c *Client) inputErr(op string, err error) *platform.Error {
	e := c.newError(op, platform.KindInvalidInput, err.Error())
	e.Err = err
	return e
}

// findKeyedProduct looks for the product an earlier attempt of a keyed create made: one with
// the title asked for that carries the key's custom field.
func (c *Client) findKeyedProduct(ctx context.Context, in platform.ProductInput) (*product, bool, error) {
	tag := KeyTag(in.CreateKey)
	for page := 1; ; page++ {
		var out struct {
			Data []product `json:"data"`
			Meta listMeta  `json:"meta"`
		}
		q := url.Values{"name": {in.Title}, "include": {"custom_fields,images"}, "page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(MaxPageLimit)}}
		if err := c.call(ctx, "looking for the product of an earlier attempt", get("/v3/catalog/products", q), &out); err != nil {
			return nil, false, err
		}
		for i, p := range out.Data {
			for _, f := range p.CustomFields {
				if f.Name == keyField && f.Value == tag {
					return &out.Data[i], true, nil
				}
			}
		}
		if out.Meta.Pagination.CurrentPage >= out.Meta.Pagination.TotalPages {
			return nil, false, nil
		}
	}
}

func (c *Client) updateProduct(ctx context.Context, op string, in platform.ProductInput, unit platform.WeightUnit) (platform.Product, error) {
	pid, err := c.parseID(op, "product id", in.ID)
	if err != nil {
		return platform.Product{}, err
	}
	var cur struct {
		Data product `json:"data"`
	}
	if err := c.call(ctx, op, get("/v3/catalog/products/"+id(pid), url.Values{"include": {productIncludes}}), &cur); err != nil {
		return platform.Product{}, err
	}
	b, err := c.productBody(in, unit, false)
	if err != nil {
		return platform.Product{}, c.inputErr(op, err)
	}
	base := "/v3/catalog/products/" + id(pid)
	if err := c.call(ctx, op, request{method: http.MethodPut, path: base, body: b, resend: true}, nil); err != nil {
		return platform.Product{}, err
	}
	if len(in.Options) > 0 {
		if err := c.setVariants(ctx, op, pid, in, cur.Data.Variants, unit); err != nil {
			return platform.Product{}, err
		}
	}
	if in.Images != nil {
		if err := c.setImages(ctx, op, pid, in.Images, cur.Data.Images); err != nil {
			return platform.Product{}, err
		}
	}
	return c.Product(ctx, id(pid))
}

// setVariants updates the variants named (in batches of MaxVariantBatch), creates the new ones
// and deletes those no longer listed.
func (c *Client) setVariants(ctx context.Context, op string, pid int64, in platform.ProductInput, have []variant, unit platform.WeightUnit) error {
	// A variant given without an id that matches one the product has (same options, or the same
	// SKU) is that one: an adopted keyed create or a re-run updates instead of replacing it.
	in.Variants = slices.Clone(in.Variants)
	for i, v := range in.Variants {
		if v.ID != "" {
			continue
		}
		for _, h := range have {
			if sameOptions(h, v.Options) || (v.SKU != "" && h.SKU == v.SKU) {
				in.Variants[i].ID = id(h.ID)
				break
			}
		}
	}
	keep := map[int64]bool{}
	var updates []map[string]any
	for i, v := range in.Variants {
		if v.ID == "" {
			continue
		}
		vid, err := c.parseID(op, fmt.Sprintf("variants.%d.id", i), v.ID)
		if err != nil {
			return err
		}
		keep[vid] = true
		vb, err := c.variantBody(in, v, unit, false)
		if err != nil {
			return c.inputErr(op, err)
		}
		vb["id"] = vid
		updates = append(updates, vb)
	}
	base := "/v3/catalog/products/" + id(pid)
	for _, v := range have {
		if !keep[v.ID] {
			err := c.call(ctx, op, request{method: http.MethodDelete, path: base + "/variants/" + id(v.ID), resend: true}, nil)
			if err != nil && platform.KindOf(err) != platform.KindNotFound {
				return err
			}
		}
	}
	for start := 0; start < len(updates); start += MaxVariantBatch {
		batch := updates[start:min(start+MaxVariantBatch, len(updates))]
		if err := c.call(ctx, op, request{method: http.MethodPut, path: "/v3/catalog/variants", body: batch, resend: true}, nil); err != nil {
			return err
		}
	}
	for _, v := range in.Variants {
		if v.ID != "" {
			continue
		}
		vb, err := c.variantBody(in, v, unit, true)
		if err != nil {
			return c.inputErr(op, err)
		}
		if err := c.call(ctx, op, request{method: http.MethodPost, path: base + "/variants", body: vb}, nil); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) setImages(ctx context.Context, op string, pid int64, want []platform.ImageInput, have []image) error {
	base := "/v3/catalog/products/" + id(pid) + "/images"
	keep := map[int64]bool{}
	for _, im := range want {
		if im.ID != "" {
			n, err := c.parseID(op, "image id", im.ID)
			if err != nil {
				return err
			}
			keep[n] = true
		}
	}
	for _, im := range have {
		if !keep[im.ID] {
			err := c.call(ctx, op, request{method: http.MethodDelete, path: base + "/" + id(im.ID), resend: true}, nil)
			if err != nil && platform.KindOf(err) != platform.KindNotFound {
				return err
			}
		}
	}
	for i, im := range want {
		b := map[string]any{"description": im.AltText, "sort_order": i, "is_thumbnail": i == 0}
		if im.ID != "" {
			n, _ := strconv.ParseInt(im.ID, 10, 64)
			if err := c.call(ctx, op, request{method: http.MethodPut, path: base + "/" + id(n), body: b, resend: true}, nil); err != nil {
				return err
			}
			continue
		}
		if !strings.HasPrefix(im.URL, "https://") && !strings.HasPrefix(im.URL, "http://") {
			return c.inputErr(op, errors.New("images."+strconv.Itoa(i)+".url: want an http(s) URL"))
		}
		b["image_url"] = im.URL
		if err := c.call(ctx, op, request{method: http.MethodPost, path: base, body: b}, nil); err != nil {
			return err
		}
	}
	return nil
}

func sameOptions(v variant, values []string) bool {
	if len(v.OptionValues) == 0 || len(v.OptionValues) != len(values) {
		return false
	}
	for i, ov := range v.OptionValues {
		if ov.Label != values[i] {
			return false
		}
	}
	return true
}
