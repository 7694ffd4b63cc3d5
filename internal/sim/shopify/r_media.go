package shopifysim

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

// mediaR is the Media interface; the simulator's products carry images only.
type mediaR struct {
	sh  *Shop
	img *image
}

func (m *mediaR) ID() graphql.ID                { return graphql.ID(gid("MediaImage", m.img.ID)) }
func (m *mediaR) Alt() *string                  { return optString(m.img.Alt) }
func (m *mediaR) MediaContentType() string      { return "IMAGE" }
func (m *mediaR) Status() string                { return "READY" }
func (m *mediaR) ToMediaImage() (*mediaR, bool) { return m, true }
func (m *mediaR) CreatedAt() dateTime           { return dateTime{m.img.CreatedAt} }
func (m *mediaR) UpdatedAt() dateTime           { return dateTime{m.img.UpdatedAt} }
func (m *mediaR) Image() *imageR                { return &imageR{m.img} }

type imageR struct{ img *image }

func (r *imageR) ID() *graphql.ID {
	id := graphql.ID(gid("ImageSource", r.img.ID))
	return &id
}
func (r *imageR) URL() urlScalar   { return urlScalar(r.img.URL) }
func (r *imageR) AltText() *string { return optString(r.img.Alt) }
func (r *imageR) Width() *int32    { w := int32(1024); return &w }
func (r *imageR) Height() *int32   { h := int32(1024); return &h }

func (r *productR) Media(ctx context.Context, a struct {
	pageArgs
	Reverse bool
}) (*conn[*mediaR], error) {
	imgs := make([]*image, 0, len(r.p.Images))
	for i := range r.p.Images {
		imgs = append(imgs, &r.p.Images[i])
	}
	if a.Reverse {
		for i, j := 0, len(imgs)-1; i < j; i, j = i+1, j-1 {
			imgs[i], imgs[j] = imgs[j], imgs[i]
		}
	}
	return positional(fromCtx(ctx).lim, imgs, a.pageArgs, func(img *image) *mediaR { return &mediaR{r.sh, img} })
}

type measurementR struct{ it *inventoryItem }

func (r *itemR) Measurement() *measurementR { return &measurementR{r.it} }

func (m *measurementR) ID() graphql.ID {
	return graphql.ID(gid("InventoryItemMeasurement", m.it.ID))
}

// Weight is the item's weight; an item never given one weighs 0 kg, as on Shopify.
func (m *measurementR) Weight() *weightR {
	if m.it.Weight == nil {
		return &weightR{weight{Value: "0", Unit: "KILOGRAMS"}}
	}
	return &weightR{*m.it.Weight}
}

type weightR struct{ w weight }

func (r *weightR) Unit() string { return r.w.Unit }
func (r *weightR) Value() float64 {
	f, _ := strconv.ParseFloat(r.w.Value, 64) // stored from a float64: it parses
	return f
}

// fileSetInput is productSet's FileSetInput.
type fileSetInput struct {
	Alt            *string
	ContentType    *string
	ID             *graphql.ID
	OriginalSource *string
}

// planImages returns a product's images made exactly files, in order: an id keeps an image of
// the product (updating its alt text), an originalSource adds one. It changes nothing, so
// productSet can refuse the whole input before writing any of it.
func (sh *Shop) planImages(current []image, files []fileSetInput) ([]image, []userErr) {
	now := sh.sim.now()
	out := make([]image, 0, len(files))
	for i, f := range files {
		field := []string{"input", "files", strconv.Itoa(i)}
		switch {
		case f.ID != nil:
			n, err := parseGID("MediaImage", string(*f.ID))
			idx := -1
			for j := range current {
				if err == nil && current[j].ID == n {
					idx = j
				}
			}
			if idx < 0 {
				return nil, []userErr{{Field: append(field, "id"), Code: "INVALID_INPUT", Message: "File does not exist"}}
			}
			img := current[idx]
			if f.Alt != nil && *f.Alt != img.Alt {
				img.Alt, img.UpdatedAt = *f.Alt, now
			}
			out = append(out, img)
		case f.OriginalSource != nil && (strings.HasPrefix(*f.OriginalSource, "https://") || strings.HasPrefix(*f.OriginalSource, "http://")):
			if f.ContentType != nil && *f.ContentType != "IMAGE" {
				return nil, []userErr{{Field: append(field, "contentType"), Code: "INVALID_INPUT", Message: "The simulator stores images only"}}
			}
			id := sh.data.newID()
			out = append(out, image{ID: id, URL: sh.cdnURL(*f.OriginalSource, id), Alt: deref(f.Alt), CreatedAt: now, UpdatedAt: now})
		default:
			return nil, []userErr{{Field: append(field, "originalSource"), Code: "INVALID_INPUT", Message: "Original source must be an http(s) URL"}}
		}
	}
	return out, nil
}

// cdnURL is where Shopify serves an image it fetched from src: its own CDN, under the file's
// name, so a URL read from one shop never equals the one written to another.
func (sh *Shop) cdnURL(src string, id int64) string {
	name := path.Base(strings.SplitN(src, "?", 2)[0])
	if name == "" || name == "/" || name == "." {
		name = "image.jpg"
	}
	return fmt.Sprintf("https://cdn.shopify.com/s/files/1/%d/files/%s?v=%d", shopNumber(sh.cfg.Domain), name, id)
}
