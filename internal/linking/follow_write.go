package linking

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// update writes source product p to one destination product linked to it, with what the
// connection follows (plan, as an import of a product already linked builds it), only when the
// result differs from the destination product as it is.
func (f *Follower) update(ctx context.Context, c connection.Connection, dst platform.Store, p platform.Product, links []catalog.Link, st followState) (recordFunc, error) {
	s := f.s
	destID := links[0].DestinationProductID
	cur, err := dst.Product(ctx, destID)
	if platform.KindOf(err) == platform.KindNotFound {
		return noRecord, nil // deleted at the destination: a person's choice, not followed back
	}
	if err != nil {
		return nil, fmt.Errorf("reading destination product %s: %w", destID, err)
	}
	prior := make(map[string]string, len(links))
	for _, l := range links {
		prior[l.SourceVariantID] = l.DestinationVariantID
	}
	retired, err := f.retiredLinks(ctx, c.ID, p.ID)
	if err != nil {
		return nil, err
	}
	pl, err := plan(c.Settings, p, &cur, prior)
	if err != nil {
		return nil, err
	}
	if len(retired) > 0 && p.Status != "" { // the source product is back: so is its destination product
		pl.in.Status = p.Status
	}
	images := st.images
	if c.Settings.Attributes.Images {
		fp := imagesFingerprint(p.Images)
		// Unknown (never followed): the import wrote them, unless the counts say otherwise.
		if st.images == "" && len(cur.Images) == len(p.Images) {
			images = fp
		}
		if fp != images {
			pl.in.Images = make([]platform.ImageInput, 0, len(p.Images))
			for _, im := range p.Images {
				pl.in.Images = append(pl.in.Images, platform.ImageInput{URL: im.URL, AltText: im.AltText})
			}
			images = fp
		}
	}
	out := cur
	if differs(pl.in, cur) {
		if out, err = dst.SetProduct(ctx, pl.in); err != nil {
			return nil, fmt.Errorf("writing %q to %s: %w", p.Title, c.Destination.Name, err)
		}
		if len(out.Variants) != len(pl.in.Variants) {
			return nil, fmt.Errorf("writing %q: the destination answered %d variants for %d", p.Title, len(out.Variants), len(pl.in.Variants))
		}
	} else {
		out.Variants = plannedVariants(pl.in, cur)
	}
	bySource := make(map[string]platform.Variant, len(p.Variants))
	for _, v := range p.Variants {
		bySource[v.ID] = v
	}
	var in []catalog.LinkInput
	for i, dv := range out.Variants {
		sv, ok := bySource[pl.sources[i]]
		if !ok {
			continue
		}
		sp, dp := sv.Price, pl.prices[i]
		in = append(in, catalog.LinkInput{SourceStoreID: c.Source.ID, SourceProductID: p.ID, SourceVariantID: sv.ID,
			SourceInventoryItemID: sv.InventoryItemID, DestinationStoreID: c.Destination.ID, DestinationProductID: out.ID,
			DestinationVariantID: dv.ID, DestinationInventoryItemID: dv.InventoryItemID, Identifier: identifierOf(c.Settings.Identifier, sv),
			SourcePrice: &sp, DestinationPrice: &dp})
	}
	return func(ctx context.Context, tx database.Tx) error {
		if err := s.links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: in, At: s.now(), Whole: true}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE product_links SET follow_reason = '' WHERE connection_id = $1 AND source_product_id = $2`,
			c.ID, p.ID); err != nil {
			return fmt.Errorf("recording that source product %s is followed: %w", p.ID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE product_follow SET images = $3 WHERE connection_id = $1 AND source_product_id = $2`,
			c.ID, p.ID, images); err != nil {
			return fmt.Errorf("recording the images of source product %s: %w", p.ID, err)
		}
		return nil
	}, nil
}

func noRecord(context.Context, database.Tx) error { return nil }

// plannedVariants is, for a plan that wrote nothing, the destination variants in the plan's order.
func plannedVariants(in platform.ProductInput, cur platform.Product) []platform.Variant {
	byID := make(map[string]platform.Variant, len(cur.Variants))
	for _, v := range cur.Variants {
		byID[v.ID] = v
	}
	out := make([]platform.Variant, len(in.Variants))
	for i, v := range in.Variants {
		out[i] = byID[v.ID]
	}
	return out
}

// differs reports whether writing in would change the destination product cur: an attribute in
// sets (an empty one leaves cur's) or a variant that is not what cur has.
func differs(in platform.ProductInput, cur platform.Product) bool {
	for _, f := range [][2]string{{in.Title, cur.Title}, {in.DescriptionHTML, cur.DescriptionHTML}, {in.Vendor, cur.Vendor},
		{in.ProductType, cur.ProductType}, {string(in.Status), string(cur.Status)}} {
		if f[0] != "" && f[0] != f[1] {
			return true
		}
	}
	if in.Tags != nil && !sameSet(in.Tags, cur.Tags) {
		return true
	}
	if in.Images != nil || (len(in.Options) > 0 && !slices.Equal(in.Options, cur.Options)) || len(in.Variants) != len(cur.Variants) {
		return true
	}
	byID := make(map[string]platform.Variant, len(cur.Variants))
	for _, v := range cur.Variants {
		byID[v.ID] = v
	}
	for _, v := range in.Variants {
		cv, ok := byID[v.ID]
		if !ok || v.SKU != cv.SKU || v.Barcode != cv.Barcode || v.Price != cv.Price || !sameMoney(v.CompareAtPrice, cv.CompareAtPrice) ||
			(len(in.Options) > 0 && !slices.Equal(v.Options, cv.Options)) || v.Tracked != cv.Tracked || v.AllowBackorder != cv.AllowBackorder ||
			(v.Weight != nil && (cv.Weight == nil || *v.Weight != *cv.Weight)) {
			return true
		}
	}
	return false
}

func sameMoney(a, b *platform.Money) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// imagesFingerprint identifies a source product's images (addresses and alt texts, in order):
// the destination's are written again only when it changes.
func imagesFingerprint(imgs []platform.Image) string {
	h := sha256.New()
	for _, im := range imgs {
		fmt.Fprintf(h, "%q %q\n", im.URL, im.AltText)
	}
	return hex.EncodeToString(h.Sum(nil))
}
