package shopify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Shapes of the GraphQL answers, as the documents in queries/ select them. Nullable strings
// decode to "" (JSON null leaves a string untouched).

type gPageInfo struct {
	HasNextPage bool   `json:"hasNextPage"`
	EndCursor   string `json:"endCursor"`
}

type gMoney struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

type gMoneyBag struct {
	ShopMoney gMoney `json:"shopMoney"`
}

func (b *gMoneyBag) money() (platform.Money, error) {
	if b == nil || b.ShopMoney.Amount == "" {
		return platform.Money{}, nil
	}
	return platform.ParseMoney(b.ShopMoney.Amount, b.ShopMoney.CurrencyCode)
}

type gAddress struct {
	FirstName     string `json:"firstName"`
	LastName      string `json:"lastName"`
	Company       string `json:"company"`
	Address1      string `json:"address1"`
	Address2      string `json:"address2"`
	City          string `json:"city"`
	Province      string `json:"province"`
	ProvinceCode  string `json:"provinceCode"`
	Zip           string `json:"zip"`
	Country       string `json:"country"`
	CountryCodeV2 string `json:"countryCodeV2"`
	CountryCode   string `json:"countryCode"` // LocationAddress spells it this way
	Phone         string `json:"phone"`
}

func (a *gAddress) address() *platform.Address {
	if a == nil {
		return nil
	}
	cc := a.CountryCodeV2
	if cc == "" {
		cc = a.CountryCode
	}
	return &platform.Address{
		FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Address1: a.Address1,
		Address2: a.Address2, City: a.City, Province: a.Province, ProvinceCode: a.ProvinceCode,
		Zip: a.Zip, Country: a.Country, CountryCode: cc, Phone: a.Phone,
	}
}

type gVariant struct {
	ID                string    `json:"id"`
	Title             string    `json:"title"`
	SKU               string    `json:"sku"`
	Barcode           string    `json:"barcode"`
	Price             string    `json:"price"`
	CompareAtPrice    string    `json:"compareAtPrice"`
	Position          int       `json:"position"`
	InventoryPolicy   string    `json:"inventoryPolicy"`
	InventoryQuantity *int64    `json:"inventoryQuantity"`
	UpdatedAt         time.Time `json:"updatedAt"`
	SelectedOptions   []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"selectedOptions"`
	InventoryItem struct {
		ID          string `json:"id"`
		Tracked     bool   `json:"tracked"`
		Measurement *struct {
			Weight *gWeight `json:"weight"`
		} `json:"measurement"`
	} `json:"inventoryItem"`
	ParentID string `json:"__parentId"` // bulk JSONL only
}

// gWeight is Shopify's Weight. Its value is a GraphQL Float: decoded as json.Number, it keeps the
// digits Shopify sent and never passes through float64.
type gWeight struct {
	Unit  string      `json:"unit"`
	Value json.Number `json:"value"`
}

var weightUnits = map[string]platform.WeightUnit{
	"GRAMS": platform.Grams, "KILOGRAMS": platform.Kilograms, "POUNDS": platform.Pounds, "OUNCES": platform.Ounces,
}

func (w *gWeight) weight() (*platform.Weight, error) {
	if w == nil || w.Value == "" {
		return nil, nil //nolint:nilnil // no weight is a valid answer, and Variant.Weight is a pointer for it
	}
	unit, ok := weightUnits[w.Unit]
	if !ok {
		return nil, fmt.Errorf("unknown weight unit %q", w.Unit)
	}
	out, err := platform.ParseWeight(w.Value.String(), unit)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// weightInput is the WeightInput of a platform weight: the value as a JSON number literal of its
// exact decimal digits.
func weightInput(w platform.Weight) (map[string]any, error) {
	for name, u := range weightUnits {
		if u == w.Unit {
			return map[string]any{"unit": name, "value": json.Number(w.Decimal())}, nil
		}
	}
	return nil, fmt.Errorf("weight unit %q: Shopify takes g, kg, lb or oz", w.Unit)
}

// gMedia is one node of Product.media as ProductImageFields selects it: a MediaImage has an id,
// other media arrive empty (or, in bulk JSONL, with their __typename only).
type gMedia struct {
	TypeName string `json:"__typename"`
	ID       string `json:"id"`
	Alt      string `json:"alt"`
	Image    *struct {
		URL     string `json:"url"`
		AltText string `json:"altText"`
	} `json:"image"`
}

func (m *gMedia) isImage() bool {
	return m.ID != "" && (m.TypeName == "" || m.TypeName == "MediaImage")
}

// images turns media nodes into a product's images, in their order. An image still being
// processed has no URL yet; it is kept with its id so a write that names it keeps it.
func images(media []gMedia) []platform.Image {
	var out []platform.Image
	for i := range media {
		m := &media[i]
		if !m.isImage() {
			continue
		}
		img := platform.Image{ID: m.ID, AltText: m.Alt, Position: len(out) + 1}
		if m.Image != nil {
			img.URL = m.Image.URL
			if img.AltText == "" {
				img.AltText = m.Image.AltText
			}
		}
		out = append(out, img)
	}
	return out
}

type gProduct struct {
	ID              string    `json:"id"`
	Title           string    `json:"title"`
	Handle          string    `json:"handle"`
	Status          string    `json:"status"`
	Vendor          string    `json:"vendor"`
	ProductType     string    `json:"productType"`
	Tags            []string  `json:"tags"`
	DescriptionHTML string    `json:"descriptionHtml"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
	Media           struct {
		Nodes    []gMedia  `json:"nodes"`
		PageInfo gPageInfo `json:"pageInfo"`
	} `json:"media"`
	Variants struct {
		Nodes    []gVariant `json:"nodes"`
		PageInfo gPageInfo  `json:"pageInfo"`
	} `json:"variants"`
}

func (p *gProduct) product(currency string) (platform.Product, error) {
	out := platform.Product{
		ID: p.ID, Title: p.Title, Handle: p.Handle, Status: platform.ProductStatus(strings.ToLower(p.Status)),
		Vendor: p.Vendor, ProductType: p.ProductType, Tags: p.Tags, DescriptionHTML: p.DescriptionHTML,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Images: images(p.Media.Nodes),
	}
	for _, gv := range p.Variants.Nodes {
		v, err := gv.variant(p.ID, currency)
		if err != nil {
			return platform.Product{}, fmt.Errorf("product %s: %w", p.ID, err)
		}
		out.Variants = append(out.Variants, v)
	}
	out.Options = optionNames(p.Variants.Nodes)
	return out, nil
}

func optionNames(vs []gVariant) []string {
	if len(vs) == 0 {
		return nil
	}
	var names []string
	for _, o := range vs[0].SelectedOptions {
		names = append(names, o.Name)
	}
	return names
}

func (v *gVariant) variant(productID, currency string) (platform.Variant, error) {
	price, err := platform.ParseMoney(orZero(v.Price), currency)
	if err != nil {
		return platform.Variant{}, fmt.Errorf("variant %s price: %w", v.ID, err)
	}
	out := platform.Variant{
		ID: v.ID, ProductID: productID, InventoryItemID: v.InventoryItem.ID, Title: v.Title, SKU: v.SKU,
		Barcode: v.Barcode, Price: price, Position: v.Position, Quantity: v.InventoryQuantity,
		Tracked: v.InventoryItem.Tracked, AllowBackorder: v.InventoryPolicy == "CONTINUE", UpdatedAt: v.UpdatedAt,
	}
	if v.CompareAtPrice != "" {
		compare, err := platform.ParseMoney(v.CompareAtPrice, currency)
		if err != nil {
			return platform.Variant{}, fmt.Errorf("variant %s compare-at price: %w", v.ID, err)
		}
		out.CompareAtPrice = &compare
	}
	for _, o := range v.SelectedOptions {
		out.Options = append(out.Options, o.Value)
	}
	if m := v.InventoryItem.Measurement; m != nil {
		if out.Weight, err = m.Weight.weight(); err != nil {
			return platform.Variant{}, fmt.Errorf("variant %s weight: %w", v.ID, err)
		}
	}
	return out, nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
