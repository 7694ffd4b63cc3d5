package shopifysim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

type productSetArgs struct {
	Identifier *struct {
		Handle *string
		ID     *graphql.ID
	}
	Input struct {
		DescriptionHTML *string
		Files           *[]fileSetInput
		Handle          *string
		ProductType     *string
		Status          *string
		Tags            *[]string
		Title           *string
		Vendor          *string
		ProductOptions  *[]struct {
			ID       *graphql.ID
			Name     *string
			Position *int32
			Values   *[]struct {
				ID   *graphql.ID
				Name *string
			}
		}
		Variants *[]variantSetInput
	}
	Synchronous bool
}

type variantSetInput struct {
	Barcode        *string
	CompareAtPrice nullMoney
	ID             *graphql.ID
	InventoryItem  *struct {
		Cost        *decimalScalar
		Measurement *struct {
			Weight *struct {
				Unit  string
				Value float64
			}
		}
		SKU     *string
		Tracked *bool
	}
	InventoryPolicy     *string
	InventoryQuantities *[]struct {
		LocationID graphql.ID
		Name       string
		Quantity   int32
	}
	OptionValues []struct {
		ID         *graphql.ID
		Name       *string
		OptionID   *graphql.ID
		OptionName *string
	}
	Position *int32
	Price    *moneyScalar
	SKU      *string
}

type productSetPayloadR struct {
	p      *productR
	op     *productSetOpR
	errors []userErr
}

func (r *productSetPayloadR) ProductSetOperation() *productSetOpR { return r.op }

// productSetOpR is the operation an asynchronous productSet returns; the simulator completes it
// at once.
type productSetOpR struct {
	id int64
	p  *productR
}

func (r *productSetOpR) ID() graphql.ID          { return graphql.ID(gid("ProductSetOperation", r.id)) }
func (r *productSetOpR) Product() *productR      { return r.p }
func (r *productSetOpR) Status() string          { return "COMPLETE" }
func (r *productSetOpR) UserErrors() []*userErrR { return []*userErrR{} }

func (r *productSetPayloadR) Product() *productR      { return r.p }
func (r *productSetPayloadR) UserErrors() []*userErrR { return wrapErrs(r.errors) }

// ProductSet creates or replaces a product with its options and its full list of variants, like
// Shopify's productSet: variants left out of the input are deleted.
func (rootResolver) ProductSet(ctx context.Context, a productSetArgs) (*productSetPayloadR, error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	sh.productSets.Add(1)
	fail := func(field []string, code, msg string) (*productSetPayloadR, error) {
		return &productSetPayloadR{errors: []userErr{{Field: field, Code: code, Message: msg}}}, nil
	}
	var p *product
	if id := a.Identifier; id != nil {
		switch {
		case id.ID != nil:
			n, err := parseGID("Product", string(*id.ID))
			if err != nil || sh.data.Products[n] == nil {
				return fail([]string{"identifier", "id"}, "PRODUCT_DOES_NOT_EXIST", "Product does not exist")
			}
			p = sh.data.Products[n]
		case id.Handle != nil:
			p = sh.productByHandle(*id.Handle)
		}
	}
	in := a.Input
	creating := p == nil
	if creating && (in.Title == nil || strings.TrimSpace(*in.Title) == "") {
		return fail([]string{"input", "title"}, "MISSING_FIELD_REQUIRED", "Title can't be blank")
	}
	specs, errs := variantSpecs(in.Variants)
	if len(errs) > 0 {
		return &productSetPayloadR{errors: errs}, nil
	}
	for i, s := range specs { // checked before anything is written
		if s.id != 0 && (p == nil || !slices.Contains(p.VariantIDs, s.id)) {
			return fail([]string{"input", "variants", strconv.Itoa(i), "id"}, "PRODUCT_VARIANT_DOES_NOT_EXIST", "Product variant does not exist")
		}
		for loc := range s.quantities {
			if sh.data.Locations[loc] == nil {
				return fail([]string{"input", "variants", strconv.Itoa(i), "inventoryQuantities"}, "INVALID_INPUT", "Location does not exist")
			}
		}
	}
	var imgs []image
	if in.Files != nil {
		var current []image
		if p != nil {
			current = p.Images
		}
		var errs []userErr
		if imgs, errs = sh.planImages(current, *in.Files); len(errs) > 0 {
			return &productSetPayloadR{errors: errs}, nil
		}
	}
	now := sh.sim.now()
	if creating {
		handle := *in.Title
		if in.Handle != nil {
			handle = *in.Handle
		} else if a.Identifier != nil && a.Identifier.Handle != nil {
			handle = *a.Identifier.Handle
		}
		p = sh.newProduct(*in.Title, sh.uniqueHandle(handle), now)
	}
	setIf(&p.Title, in.Title)
	setIf(&p.Vendor, in.Vendor)
	setIf(&p.ProductType, in.ProductType)
	setIf(&p.Description, in.DescriptionHTML)
	setIf(&p.Status, in.Status)
	if in.Tags != nil {
		p.Tags = append([]string(nil), *in.Tags...)
	}
	if in.Files != nil {
		p.Images = imgs
	}
	if in.ProductOptions != nil {
		p.Options = nil
		for _, o := range *in.ProductOptions {
			opt := option{Name: deref(o.Name)}
			if o.Values != nil {
				for _, v := range *o.Values {
					opt.Values = append(opt.Values, deref(v.Name))
				}
			}
			p.Options = append(p.Options, opt)
		}
	}
	if in.Variants != nil {
		if err := sh.replaceVariants(rc, p, specs, now); err != nil {
			return fail([]string{"input", "variants"}, "INVALID_VARIANT", err.Error())
		}
	} else if creating {
		sh.replaceVariants(rc, p, []variantSpec{{title: "Default Title", values: []string{"Default Title"}}}, now) //nolint:errcheck // a default variant cannot fail
	}
	p.UpdatedAt = now
	sh.changed()
	topic := "products/update"
	if creating {
		topic = "products/create"
	}
	rc.emit(sh.productEvent(topic, p))
	if !a.Synchronous {
		return &productSetPayloadR{op: &productSetOpR{sh.data.newID(), &productR{sh, p}}}, nil
	}
	return &productSetPayloadR{p: &productR{sh, p}}, nil
}

func setIf(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (sh *Shop) productByHandle(h string) *product {
	for _, p := range sh.data.Products {
		if p.Handle == h {
			return p
		}
	}
	return nil
}

func (sh *Shop) uniqueHandle(title string) string {
	base := handleize(title)
	h := base
	for i := 1; sh.productByHandle(h) != nil; i++ {
		h = fmt.Sprintf("%s-%d", base, i)
	}
	return h
}

func handleize(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// variantSpec is a variant as productSet or the catalog seeder describes it.
type variantSpec struct {
	id            int64
	title         string
	values        []string
	optionNames   []string
	sku, barcode  string
	price         int64
	compareAt     *int64
	compareAtSet  bool
	weight        *weight
	hasPrice      bool
	quantities    map[int64]int // location id -> available
	quantityName  string
	policy        string
	skuSet, bcSet bool
}

func variantSpecs(in *[]variantSetInput) ([]variantSpec, []userErr) {
	if in == nil {
		return nil, nil
	}
	var out []variantSpec
	for i, v := range *in {
		field := func(f string) []string { return []string{"input", "variants", strconv.Itoa(i), f} }
		s := variantSpec{quantities: map[int64]int{}, quantityName: "available"}
		if v.ID != nil {
			n, err := parseGID("ProductVariant", string(*v.ID))
			if err != nil {
				return nil, []userErr{{Field: field("id"), Code: "PRODUCT_VARIANT_DOES_NOT_EXIST", Message: "Product variant does not exist"}}
			}
			s.id = n
		}
		for _, ov := range v.OptionValues {
			s.values = append(s.values, deref(ov.Name))
			s.optionNames = append(s.optionNames, deref(ov.OptionName))
		}
		if len(s.values) == 0 {
			return nil, []userErr{{Field: field("optionValues"), Code: "INVALID_VARIANT", Message: "Option values can't be blank"}}
		}
		s.title = strings.Join(s.values, " / ")
		if v.SKU != nil {
			s.sku, s.skuSet = *v.SKU, true
		}
		if v.InventoryItem != nil && v.InventoryItem.SKU != nil {
			s.sku, s.skuSet = *v.InventoryItem.SKU, true
		}
		if v.InventoryPolicy != nil {
			s.policy = *v.InventoryPolicy
		}
		if v.Barcode != nil {
			s.barcode, s.bcSet = *v.Barcode, true
		}
		if v.Price != nil {
			s.price, s.hasPrice = v.Price.minor, true
		}
		if v.CompareAtPrice.Set {
			s.compareAt, s.compareAtSet = v.CompareAtPrice.Value, true
		}
		if it := v.InventoryItem; it != nil && it.Measurement != nil && it.Measurement.Weight != nil {
			w := it.Measurement.Weight
			if w.Value < 0 {
				return nil, []userErr{{Field: field("inventoryItem"), Code: "INVALID_INPUT", Message: "Weight must be greater than or equal to 0"}}
			}
			s.weight = &weight{Value: strconv.FormatFloat(w.Value, 'f', -1, 64), Unit: w.Unit}
		}
		if v.InventoryQuantities != nil {
			for _, q := range *v.InventoryQuantities {
				loc, err := parseGID("Location", string(q.LocationID))
				if err != nil {
					return nil, []userErr{{Field: field("inventoryQuantities"), Code: "INVALID_INPUT", Message: err.Error()}}
				}
				s.quantities[loc] = int(q.Quantity)
				s.quantityName = q.Name
			}
		}
		out = append(out, s)
	}
	return out, nil
}
