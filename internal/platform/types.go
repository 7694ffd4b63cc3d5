package platform

import "time"

// Ids are opaque strings: Shopify uses GraphQL global ids ("gid://shopify/Order/1"), WooCommerce
// and BigCommerce integers. storesync stores them as the platform gave them and never parses them.

// ShopInfo identifies a store; "verify connection" reads it.
type ShopInfo struct {
	ID        string
	Name      string
	Domain    string // the platform's stable domain (acme.myshopify.com)
	Email     string
	Currency  string // ISO 4217 of the shop's prices
	Timezone  string // IANA
	Plan      string
	PlanLimit string // e.g. "plus": platforms whose limits depend on the plan say so
}

// Location is a place holding stock. Platforms without locations (WooCommerce) expose one.
type Location struct {
	ID                   string
	Name                 string
	Active               bool
	FulfillsOnlineOrders bool
	Address              Address
}

// Address is a postal address with the person or company at it.
type Address struct {
	FirstName    string
	LastName     string
	Company      string
	Address1     string
	Address2     string
	City         string
	Province     string
	ProvinceCode string
	Zip          string
	Country      string
	CountryCode  string // ISO 3166-1 alpha-2
	Phone        string
	Email        string // WooCommerce and BigCommerce carry it on the billing address
}

// IsZero reports whether no field of a is set.
func (a Address) IsZero() bool { return a == Address{} }

// ProductStatus is whether a product is for sale.
type ProductStatus string

// Product statuses, common to the three platforms (Woo "publish" maps to active).
const (
	ProductActive   ProductStatus = "active"
	ProductDraft    ProductStatus = "draft"
	ProductArchived ProductStatus = "archived"
)

// Product is a product with its variants. A platform whose simple products have no variants
// (WooCommerce, BigCommerce) reports one variant carrying the product's SKU and price.
type Product struct {
	ID              string
	Title           string
	Handle          string // URL slug
	Status          ProductStatus
	Vendor          string
	ProductType     string
	Tags            []string
	DescriptionHTML string
	Options         []string // option names in order ("Size", "Color")
	Variants        []Variant
	Images          []Image // in display order
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Variant is one sellable item: the unit storesync matches across stores by SKU or barcode.
type Variant struct {
	ID              string
	ProductID       string
	InventoryItemID string // the id inventory calls take; equal to ID where the platform has no separate item
	Title           string
	SKU             string
	Barcode         string
	Price           Money
	CompareAtPrice  *Money
	Position        int
	Options         []string // values in the order of Product.Options
	Quantity        *int64   // total available across locations, when the platform reports it
	Tracked         bool     // inventory is tracked
	AllowBackorder  bool     // sell when out of stock
	Weight          *Weight  // shipping weight, nil when the platform has none for the variant
	UpdatedAt       time.Time
}

// Image is one image of a product. ID is the platform's id of it, which a later ProductInput
// names to keep the image instead of uploading it again.
type Image struct {
	ID       string
	URL      string
	AltText  string
	Position int // 1-based display order
}

// ProductInput creates or updates one product with all its variants (a "set": the variants given
// are the product's variants afterwards). ID empty creates. Handle is the URL slug a new product
// asks for; it never identifies a product, since another product (someone else's) may hold it: a
// platform gives a create whose handle is taken another slug, or refuses it.
//
// On an update, an empty Title, Vendor, ProductType, DescriptionHTML or Status, nil Tags and nil
// Images leave the product's value as it is; a variant's nil Weight leaves its weight. A nil
// CompareAtPrice is no compare-at price (a sale that ended is followed).
type ProductInput struct {
	ID string
	// CreateKey, on a create (no ID), makes it happen at most once per key: platforms without an
	// idempotency key mark the product with one storesync owns (a tag) and, before creating, adopt
	// the product carrying it. A product without the mark, the same handle or not, is never
	// touched. A create whose answer is lost fails with KindOutcomeUnknown (retry after RetryAfter).
	CreateKey string
	// UncertainSince is when the last earlier attempt of this create may have made the product
	// without recording it (as OrderInput.UncertainSince): the lookup waits for the platform's
	// search to show what was made by then. Zero on a first attempt.
	UncertainSince  time.Time
	Handle          string
	Title           string
	Status          ProductStatus
	Vendor          string
	ProductType     string
	Tags            []string
	DescriptionHTML string
	Options         []string
	Variants        []VariantInput
	// Images, when not nil, are the product's images afterwards, in this order: one with an ID
	// already on the product is kept (its alt text updated), one without is fetched from URL by
	// the platform, and images not listed are removed. Empty but not nil removes all.
	Images []ImageInput
}

// ImageInput is one image of a ProductInput.
type ImageInput struct {
	ID      string // an image already on this product (Image.ID); empty for a new one
	URL     string // a public http(s) URL the platform fetches a new image from
	AltText string
}

// VariantInput is one variant of a ProductInput.
type VariantInput struct {
	ID             string // empty for a new variant
	SKU            string
	Barcode        string
	Price          Money
	CompareAtPrice *Money
	Options        []string // values in the order of ProductInput.Options
	Tracked        bool
	AllowBackorder bool
	Weight         *Weight // nil leaves the variant's weight as it is
}

// InventoryLevel is the quantity of one item at one location.
type InventoryLevel struct {
	InventoryItemID string
	LocationID      string
	SKU             string
	Available       int64
	OnHand          *int64
	UpdatedAt       time.Time
}

// InventoryChange sets one item's available quantity at a location. Expected, when set, makes the
// change compare-and-set: the platform applies it only if the current quantity still equals
// Expected (Shopify changeFromQuantity). Platforms without compare-and-set ignore it.
type InventoryChange struct {
	InventoryItemID string
	LocationID      string
	Quantity        int64
	Expected        *int64
}

// SetInventoryParams is a batch of inventory changes. IdempotencyKey comes from the job that
// decided the change, so a retried call never applies twice; the platform splits the batch into
// as few calls as its maximum allows and derives one key per call from it.
type SetInventoryParams struct {
	IdempotencyKey string
	Reason         string // e.g. "correction"; platforms that take one
	Changes        []InventoryChange
	// RereadOnConflict, when true, re-reads the current quantity of items whose Expected was
	// stale and sets them again with the fresh value (last writer wins for those items).
	RereadOnConflict bool
}

// SetInventoryResult counts what a SetInventory did, for the sync run's history and benchmarks.
type SetInventoryResult struct {
	Applied   int      // changes applied
	Calls     int      // API calls made
	Conflicts int      // stale compare-and-set answers seen (re-read and retried if asked)
	Skipped   []string // inventory item ids not applied because their expected value was stale
}

// Page is one page of a list, with the cursor of the next one ("" when it is the last).
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// ListParams selects a page of products or orders. UpdatedSince makes the read incremental.
type ListParams struct {
	UpdatedSince time.Time // zero: everything
	Cursor       string    // "" for the first page
	Limit        int       // at most this many; 0: the platform's default (platforms cap it to what one call can carry)
}
