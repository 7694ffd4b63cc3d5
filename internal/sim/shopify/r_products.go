package shopifysim

import (
	"context"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

type productR struct {
	sh *Shop
	p  *product
}

type variantR struct {
	sh *Shop
	v  *variant
}

func (rootResolver) Product(ctx context.Context, a idArgs) (*productR, error) {
	sh := fromCtx(ctx).shop
	p, err := lookup(sh.data.Products, "Product", a.ID)
	if p == nil {
		return nil, err
	}
	return &productR{sh, p}, nil
}

func (rootResolver) ProductVariant(ctx context.Context, a idArgs) (*variantR, error) {
	sh := fromCtx(ctx).shop
	v, err := lookup(sh.data.Variants, "ProductVariant", a.ID)
	if v == nil {
		return nil, err
	}
	return &variantR{sh, v}, nil
}

type listArgs struct {
	pageArgs
	Query   *string
	Reverse bool
	SortKey string
}

func (rootResolver) Products(ctx context.Context, a listArgs) (*conn[*productR], error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	ts := searchTerms(a.Query)
	items := sortedCache(sh, "products/"+a.SortKey, a.Reverse, func() []keyed[*product] {
		items := make([]keyed[*product], 0, len(sh.data.Products))
		for _, p := range sh.data.Products {
			var k string
			switch a.SortKey {
			case "UPDATED_AT":
				k = timeKey(p.UpdatedAt, p.ID)
			case "CREATED_AT":
				k = timeKey(p.CreatedAt, p.ID)
			case "TITLE":
				k = sortKey(strings.ToLower(p.Title), p.ID)
			default:
				k = idKey(p.ID)
			}
			items = append(items, keyed[*product]{k, p})
		}
		return items
	})
	return paginateMatching(rc.lim, items, a.Reverse, a.pageArgs,
		func(p *product) bool {
			return sh.searchVisible(p.CreatedAt, a.Query) && matchAll(ts, sh.productField(p))
		},
		func(p *product) *productR { return &productR{sh, p} })
}

func (sh *Shop) productField(p *product) func(string) (fieldValue, bool) {
	return func(f string) (fieldValue, bool) {
		switch f {
		case "id":
			return nv(p.ID), true
		case "updated_at":
			return tv(p.UpdatedAt), true
		case "created_at":
			return tv(p.CreatedAt), true
		case "title", "default":
			return sv(p.Title), true
		case "handle":
			return sv(p.Handle), true
		case "vendor":
			return sv(p.Vendor), true
		case "product_type":
			return sv(p.ProductType), true
		case "status":
			return sv(p.Status), true
		case "tag":
			return sv(p.Tags...), true
		case "sku", "barcode":
			var vals []string
			for _, vid := range p.VariantIDs {
				if v := sh.data.Variants[vid]; v != nil {
					vals = append(vals, map[string]string{"sku": v.SKU, "barcode": v.Barcode}[f])
				}
			}
			return sv(vals...), true
		}
		return fieldValue{}, false
	}
}

func (rootResolver) ProductVariants(ctx context.Context, a listArgs) (*conn[*variantR], error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	ts := searchTerms(a.Query)
	items := sortedCache(sh, "variants/"+a.SortKey, a.Reverse, func() []keyed[*variant] {
		items := make([]keyed[*variant], 0, len(sh.data.Variants))
		for _, v := range sh.data.Variants {
			k := idKey(v.ID)
			switch a.SortKey {
			case "SKU":
				k = sortKey(v.SKU, v.ID)
			case "POSITION":
				k = sortKey(strconvID(int64(v.Position)), v.ID)
			}
			items = append(items, keyed[*variant]{k, v})
		}
		return items
	})
	match := func(v *variant) bool {
		return matchAll(ts, func(f string) (fieldValue, bool) {
			switch f {
			case "id":
				return nv(v.ID), true
			case "product_id":
				return nv(v.ProductID), true
			case "updated_at":
				return tv(v.UpdatedAt), true
			case "sku", "default":
				return sv(v.SKU), true
			case "barcode":
				return sv(v.Barcode), true
			case "title":
				return sv(v.Title), true
			}
			return fieldValue{}, false
		})
	}
	return paginateMatching(rc.lim, items, a.Reverse, a.pageArgs, match, func(v *variant) *variantR { return &variantR{sh, v} })
}

func (r *productR) ID() graphql.ID                 { return graphql.ID(gid("Product", r.p.ID)) }
func (r *productR) LegacyResourceID() uint64Scalar { return uint64Scalar(r.p.ID) }
func (r *productR) Title() string                  { return r.p.Title }
func (r *productR) Handle() string                 { return r.p.Handle }
func (r *productR) Vendor() string                 { return r.p.Vendor }
func (r *productR) ProductType() string            { return r.p.ProductType }
func (r *productR) DescriptionHTML() htmlScalar    { return htmlScalar(r.p.Description) }
func (r *productR) Status() string                 { return r.p.Status }
func (r *productR) Tags() []string                 { return nonNil(r.p.Tags) }
func (r *productR) CreatedAt() dateTime            { return dateTime{r.p.CreatedAt} }
func (r *productR) UpdatedAt() dateTime            { return dateTime{r.p.UpdatedAt} }
func (r *productR) TotalInventory() int32 {
	total := 0
	for _, vid := range r.p.VariantIDs {
		total += r.sh.variantAvailable(r.sh.data.Variants[vid])
	}
	return int32(total)
}

func (r *productR) VariantsCount() *countR { return &countR{int32Of(len(r.p.VariantIDs))} }

func (r *productR) Variants(ctx context.Context, a struct {
	pageArgs
	Reverse bool
}) (*conn[*variantR], error) {
	vs := make([]*variant, 0, len(r.p.VariantIDs))
	for _, id := range r.p.VariantIDs {
		vs = append(vs, r.sh.data.Variants[id])
	}
	if a.Reverse {
		for i, j := 0, len(vs)-1; i < j; i, j = i+1, j-1 {
			vs[i], vs[j] = vs[j], vs[i]
		}
	}
	return positional(fromCtx(ctx).lim, vs, a.pageArgs, func(v *variant) *variantR { return &variantR{r.sh, v} })
}

type countR struct{ n int32 }

func (c *countR) Count() int32      { return c.n }
func (c *countR) Precision() string { return "EXACT" }

func (sh *Shop) variantAvailable(v *variant) int {
	if v == nil {
		return 0
	}
	total := 0
	if it := sh.data.Items[v.InventoryItemID]; it != nil {
		for _, l := range it.Levels {
			total += l.Available
		}
	}
	return total
}

func (r *variantR) ID() graphql.ID                 { return graphql.ID(gid("ProductVariant", r.v.ID)) }
func (r *variantR) LegacyResourceID() uint64Scalar { return uint64Scalar(r.v.ID) }
func (r *variantR) Title() string                  { return r.v.Title }
func (r *variantR) SKU() *string                   { return optString(r.v.SKU) }
func (r *variantR) Barcode() *string               { return optString(r.v.Barcode) }
func (r *variantR) Price() moneyScalar             { return moneyScalar{r.v.Price} }
func (r *variantR) Position() int32                { return int32Of(r.v.Position) }
func (r *variantR) InventoryPolicy() string {
	if r.v.InventoryPolicy == "" {
		return "DENY"
	}
	return r.v.InventoryPolicy
}
func (r *variantR) CreatedAt() dateTime { return dateTime{r.v.CreatedAt} }
func (r *variantR) UpdatedAt() dateTime { return dateTime{r.v.UpdatedAt} }
func (r *variantR) InventoryQuantity() *int32 {
	n := int32Of(r.sh.variantAvailable(r.v))
	return &n
}
func (r *variantR) CompareAtPrice() *moneyScalar {
	if r.v.CompareAtPrice == nil {
		return nil
	}
	return &moneyScalar{*r.v.CompareAtPrice}
}
func (r *variantR) Product() *productR { return &productR{r.sh, r.sh.data.Products[r.v.ProductID]} }
func (r *variantR) DisplayName() string {
	return r.sh.data.Products[r.v.ProductID].Title + " - " + r.v.Title
}
func (r *variantR) InventoryItem() *itemR {
	return &itemR{r.sh, r.sh.data.Items[r.v.InventoryItemID]}
}

func (r *variantR) SelectedOptions() []*selectedOptionR {
	p := r.sh.data.Products[r.v.ProductID]
	var out []*selectedOptionR
	for i, val := range r.v.OptionValues {
		if i < len(p.Options) {
			out = append(out, &selectedOptionR{p.Options[i].Name, val})
		}
	}
	return out
}

type selectedOptionR struct{ name, value string }

func (s *selectedOptionR) Name() string  { return s.name }
func (s *selectedOptionR) Value() string { return s.value }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
