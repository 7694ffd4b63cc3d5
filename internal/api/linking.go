package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/linking"
	"github.com/storesync/storesync/internal/platform"
)

// The operations of a connection's products: browse the source, import, map, conflicts, links.
// The destination's account only: the source's is refused (403), any other sees no connection.

// Linking adds the operations on a connection's products (routes: see register below).
func Linking(svc *linking.Service) func(huma.API) { return linkingHandlers{svc: svc}.register }

type linkingHandlers struct{ svc *linking.Service }

func (h linkingHandlers) register(hapi huma.API) {
	tags := []string{"Connections"}
	op := func(method, path, id, summary, desc string, status int, errs ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Description: desc,
			DefaultStatus: status, Errors: errs, Tags: tags}
	}
	const p = "/api/v2/connections/{id}"
	huma.Register(hapi, op(http.MethodGet, p+"/source-products", "list-source-products", "Browse the source's products",
		"Read live from the source store, a page at a time (follow next), each with its link when it is linked already. "+
			"q matches the title or a variant's SKU; a search reads at most 20 source pages per answer.",
		0, http.StatusNotFound, http.StatusForbidden, http.StatusConflict), h.browse)
	huma.Register(hapi, op(http.MethodPost, p+"/imports", "create-import", "Import source products",
		"Creates the products on the destination with the attributes the settings follow and prices from the price rule, "+
			"and links every variant. A durable job: follow its progress at Location. A product linked already is updated, "+
			"not created again. A blocked or disconnected connection is a 409.",
		http.StatusAccepted, http.StatusNotFound, http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity), h.startImport)
	huma.Register(hapi, op(http.MethodGet, p+"/imports/{import_id}", "get-import", "Read an import or map run", "", 0, http.StatusNotFound), h.getRun)
	huma.Register(hapi, op(http.MethodPost, p+"/map", "create-map", "Map destination products to source products",
		"A durable job reading both catalogs: products whose variants match one for one by the connection's identifier are linked; "+
			"a missing or duplicated identifier, or variants that do not match, is a conflict, listed until a person resolves it.",
		http.StatusAccepted, http.StatusNotFound, http.StatusForbidden, http.StatusConflict), h.startMap)
	huma.Register(hapi, op(http.MethodGet, p+"/conflicts", "list-conflicts", "List conflicts", "", 0, http.StatusNotFound), h.conflicts)
	huma.Register(hapi, op(http.MethodPost, p+"/conflicts/{conflict_id}/resolve", "resolve-conflict", "Resolve a conflict by linking a pair",
		"Links the source and destination products given (one of them a product of the conflict), which must have as many variants.",
		0, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity), h.resolve)
	huma.Register(hapi, op(http.MethodPost, p+"/conflicts/{conflict_id}/skip", "skip-conflict", "Skip a conflict",
		"The products stay unlinked, and a later map does not list the conflict again.", 0, http.StatusNotFound, http.StatusConflict), h.skip)
	huma.Register(hapi, op(http.MethodGet, p+"/product-links", "list-product-links", "List product links",
		"Each with the buffer its inventory rule holds back: its own (buffer_override) or else the connection's.", 0, http.StatusNotFound), h.links)
	huma.Register(hapi, op(http.MethodPut, p+"/product-links/{link_id}", "put-product-link", "Set or clear a product link's own buffer",
		"buffer overrides the connection's buffer for this link (units held back: destination quantity = source available at the "+
			"connection's source locations − buffer, never below 0); null clears it, so the connection's applies again. "+
			"The destination quantity is decided again at once and written within seconds. A negative buffer is a 422 naming buffer; "+
			"a link of another connection, a 404.",
		0, http.StatusNotFound, http.StatusForbidden, http.StatusUnprocessableEntity), h.putLink)
}

// SourceVariant is one variant of a source product.
type SourceVariant struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	SKU      string `json:"sku"`
	Barcode  string `json:"barcode"`
	Price    Money  `json:"price"`
	Quantity *int64 `json:"quantity" doc:"available across locations, when the platform says"`
}

// Money is an exact amount: a decimal string in the currency's units.
type Money struct {
	Amount   string `json:"amount" example:"19.99"`
	Currency string `json:"currency" example:"EUR"`
}

func moneyOut(m platform.Money) Money { return Money{Amount: m.Decimal(), Currency: m.Currency} }

func moneyPtr(m *platform.Money) *Money {
	if m == nil {
		return nil
	}
	o := moneyOut(*m)
	return &o
}

// SourceProduct is a source product as the destination browses it.
type SourceProduct struct {
	ID                   string          `json:"id"`
	Title                string          `json:"title"`
	Status               string          `json:"status"`
	Vendor               string          `json:"vendor"`
	Variants             []SourceVariant `json:"variants" nullable:"false"`
	Linked               bool            `json:"linked" doc:"synced: linked to a destination product"`
	DestinationProductID *string         `json:"destination_product_id" doc:"the linked destination product, null when none"`
}

type browseInput struct {
	ID     int64  `path:"id" minimum:"1"`
	Q      string `query:"q" maxLength:"200" doc:"matches the title or a variant's SKU, case-insensitive"`
	Cursor string `query:"cursor" maxLength:"2000" doc:"from next; empty for the first page"`
	Page   int    `query:"page" minimum:"1" maximum:"1000000" default:"1" doc:"the number of this page, carried by next"`
	url    url.URL
}

// Resolve keeps the request URL, for the link to the next page.
func (in *browseInput) Resolve(ctx huma.Context) []error {
	in.url = ctx.URL()
	return nil
}

type browseOutput struct {
	Body struct {
		Data    []SourceProduct `json:"data" nullable:"false"`
		Page    int             `json:"page" minimum:"1"`
		PerPage int             `json:"per_page" doc:"Source products read per source page (10); a search answers the matches of the pages it read."`
		Total   *int64          `json:"total" nullable:"true" doc:"null: the source store is read live, a page at a time"`
		Next    *string         `json:"next" nullable:"true" doc:"Link to the next page, or null on the last."`
	}
}

func (h linkingHandlers) browse(ctx context.Context, in *browseInput) (*browseOutput, error) {
	pg, err := h.svc.SourceProducts(ctx, linking.BrowseParams{AccountID: AccountID(ctx), ConnectionID: in.ID, Cursor: in.Cursor, Query: in.Q})
	if err != nil {
		return nil, err
	}
	out := &browseOutput{}
	out.Body.Data = make([]SourceProduct, 0, len(pg.Items))
	for _, it := range pg.Items {
		sp := SourceProduct{ID: it.Product.ID, Title: it.Product.Title, Status: string(it.Product.Status), Vendor: it.Product.Vendor,
			Variants: make([]SourceVariant, 0, len(it.Product.Variants)), Linked: it.DestinationProductID != ""}
		if sp.Linked {
			d := it.DestinationProductID
			sp.DestinationProductID = &d
		}
		for _, v := range it.Product.Variants {
			sp.Variants = append(sp.Variants, SourceVariant{ID: v.ID, Title: v.Title, SKU: v.SKU, Barcode: v.Barcode, Price: moneyOut(v.Price), Quantity: v.Quantity})
		}
		out.Body.Data = append(out.Body.Data, sp)
	}
	out.Body.Page, out.Body.PerPage = in.Page, linking.PerPage
	if pg.NextCursor != "" {
		v := in.url.Query()
		v.Set("cursor", pg.NextCursor)
		v.Set("page", strconv.Itoa(in.Page+1))
		next := in.url.Path + "?" + v.Encode()
		out.Body.Next = &next
	}
	return out, nil
}

// Run is an import or map with its progress.
type Run struct {
	ID         int64              `json:"id"`
	Connection int64              `json:"connection_id"`
	Kind       string             `json:"kind" enum:"import,map"`
	All        bool               `json:"all"`
	Requested  int64              `json:"requested" doc:"products to import (with all: read from the source so far); for a map, source products read"`
	Done       int64              `json:"done" doc:"products imported, or for a map products linked"`
	Failed     int64              `json:"failed" doc:"products that failed, or for a map conflicts found"`
	State      string             `json:"state" enum:"queued,running,completed,failed"`
	Errors     []linking.RunError `json:"errors" nullable:"false" doc:"the first 100 failures, with the product and why"`
	CreatedAt  time.Time          `json:"created_at"`
	FinishedAt *time.Time         `json:"finished_at"`
}

func runOut(r linking.Run) Run {
	errs := r.Errors
	if errs == nil {
		errs = []linking.RunError{}
	}
	return Run{ID: r.ID, Connection: r.ConnectionID, Kind: r.Kind, All: r.All, Requested: r.Requested, Done: r.Done, Failed: r.Failed,
		State: r.State, Errors: errs, CreatedAt: r.CreatedAt, FinishedAt: r.FinishedAt}
}

type runOutput struct {
	Location string `header:"Location"`
	Body     Run
}

type importInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		SourceProductIDs []string `json:"source_product_ids,omitempty" maxItems:"10000" doc:"the source products to import"`
		All              bool     `json:"all,omitempty" doc:"every product of the source instead"`
	}
}

func runLocation(r linking.Run) string {
	return fmt.Sprintf("/api/v2/connections/%d/imports/%d", r.ConnectionID, r.ID)
}

func (h linkingHandlers) startImport(ctx context.Context, in *importInput) (*runOutput, error) {
	r, err := h.svc.StartImport(ctx, linking.ImportParams{AccountID: AccountID(ctx), ConnectionID: in.ID, ProductIDs: in.Body.SourceProductIDs, All: in.Body.All})
	if err != nil {
		return nil, err
	}
	return &runOutput{Location: runLocation(r), Body: runOut(r)}, nil
}

func (h linkingHandlers) startMap(ctx context.Context, in *connectionIDInput) (*runOutput, error) {
	r, err := h.svc.StartMap(ctx, linking.MapParams{AccountID: AccountID(ctx), ConnectionID: in.ID})
	if err != nil {
		return nil, err
	}
	return &runOutput{Location: runLocation(r), Body: runOut(r)}, nil
}

type runInput struct {
	ID       int64 `path:"id" minimum:"1"`
	ImportID int64 `path:"import_id" minimum:"1"`
}

type runBody struct{ Body Run }

func (h linkingHandlers) getRun(ctx context.Context, in *runInput) (*runBody, error) {
	r, err := h.svc.GetRun(ctx, linking.RunParams{AccountID: AccountID(ctx), ConnectionID: in.ID, ID: in.ImportID})
	if err != nil {
		return nil, err
	}
	return &runBody{Body: runOut(r)}, nil
}

// Conflict is a product that could not be linked without guessing.
type Conflict struct {
	ID                    int64      `json:"id"`
	Kind                  string     `json:"kind" enum:"missing_identifier,duplicate_identifier,variant_count"`
	Reason                string     `json:"reason"`
	SourceProductIDs      []string   `json:"source_product_ids" nullable:"false"`
	DestinationProductIDs []string   `json:"destination_product_ids" nullable:"false"`
	Identifier            string     `json:"identifier" doc:"the SKU or barcode at fault, for duplicate_identifier"`
	State                 string     `json:"state" enum:"open,resolved,skipped"`
	CreatedAt             time.Time  `json:"created_at"`
	ResolvedAt            *time.Time `json:"resolved_at"`
}

func conflictOut(c linking.Conflict) Conflict {
	return Conflict{ID: c.ID, Kind: c.Kind, Reason: c.Reason, SourceProductIDs: c.SourceProductIDs, DestinationProductIDs: c.DestinationProductIDs,
		Identifier: c.Identifier, State: c.State, CreatedAt: c.CreatedAt, ResolvedAt: c.ResolvedAt}
}

type pagedInput struct {
	ID    int64  `path:"id" minimum:"1"`
	State string `query:"state" enum:"open,resolved,skipped" doc:"conflicts only: those in this state"`
	Page  int    `query:"page" minimum:"1" maximum:"1000000" default:"1" doc:"1-based page number; 10 results a page."`
	url   url.URL
}

// Resolve keeps the request URL, for the link to the next page.
func (in *pagedInput) Resolve(ctx huma.Context) []error {
	in.url = ctx.URL()
	return nil
}

func (in *pagedInput) next(total int64) *string {
	if int64(in.Page)*linking.PerPage >= total {
		return nil
	}
	v := in.url.Query()
	v.Set("page", strconv.Itoa(in.Page+1))
	s := in.url.Path + "?" + v.Encode()
	return &s
}

type listBody[T any] struct {
	Body struct {
		Data    []T     `json:"data" nullable:"false"`
		Page    int     `json:"page" minimum:"1"`
		PerPage int     `json:"per_page" doc:"Always 10."`
		Total   int64   `json:"total" doc:"Matches on all pages."`
		Next    *string `json:"next" nullable:"true" doc:"Link to the next page, or null on the last."`
	}
}

func (h linkingHandlers) conflicts(ctx context.Context, in *pagedInput) (*listBody[Conflict], error) {
	pg, err := h.svc.Conflicts(ctx, linking.ConflictsParams{AccountID: AccountID(ctx), ConnectionID: in.ID, State: in.State, Page: in.Page})
	if err != nil {
		return nil, err
	}
	out := &listBody[Conflict]{}
	out.Body.Data = make([]Conflict, 0, len(pg.Items))
	for _, c := range pg.Items {
		out.Body.Data = append(out.Body.Data, conflictOut(c))
	}
	out.Body.Page, out.Body.PerPage, out.Body.Total, out.Body.Next = pg.Page, linking.PerPage, pg.Total, in.next(pg.Total)
	return out, nil
}

type conflictInput struct {
	ID         int64 `path:"id" minimum:"1"`
	ConflictID int64 `path:"conflict_id" minimum:"1"`
}

type resolveInput struct {
	ID         int64 `path:"id" minimum:"1"`
	ConflictID int64 `path:"conflict_id" minimum:"1"`
	Body       struct {
		SourceProductID      string `json:"source_product_id" minLength:"1" maxLength:"200"`
		DestinationProductID string `json:"destination_product_id" minLength:"1" maxLength:"200"`
	}
}

type conflictBody struct{ Body Conflict }

func (h linkingHandlers) resolve(ctx context.Context, in *resolveInput) (*conflictBody, error) {
	c, err := h.svc.Resolve(ctx, linking.ResolveParams{ConflictParams: linking.ConflictParams{AccountID: AccountID(ctx), ConnectionID: in.ID, ID: in.ConflictID},
		SourceProductID: in.Body.SourceProductID, DestinationProductID: in.Body.DestinationProductID})
	if err != nil {
		return nil, err
	}
	return &conflictBody{Body: conflictOut(c)}, nil
}

func (h linkingHandlers) skip(ctx context.Context, in *conflictInput) (*conflictBody, error) {
	c, err := h.svc.Skip(ctx, linking.ConflictParams{AccountID: AccountID(ctx), ConnectionID: in.ID, ID: in.ConflictID})
	if err != nil {
		return nil, err
	}
	return &conflictBody{Body: conflictOut(c)}, nil
}

// ProductLink is one destination variant following one source variant.
type ProductLink struct {
	ID                  int64      `json:"id"`
	Identifier          string     `json:"identifier" doc:"the SKU or barcode it was matched on"`
	Source              LinkSide   `json:"source"`
	Destination         LinkSide   `json:"destination"`
	SourceQuantity      *int64     `json:"source_quantity" doc:"last source available read; null until read"`
	DestinationQuantity *int64     `json:"destination_quantity" doc:"last destination quantity written; null until written"`
	SyncedAt            *time.Time `json:"synced_at"`
	FollowReason        string     `json:"follow_reason" doc:"why the destination product no longer follows its source (deleted or archived there); empty while it follows"`
	Buffer              int64      `json:"buffer" doc:"the units of stock the rule holds back for this link: buffer_override when set, else the connection's buffer"`
	BufferOverride      *int64     `json:"buffer_override" doc:"the link's own buffer; null: the connection's applies"`
	CreatedAt           time.Time  `json:"created_at"`
	EndedAt             *time.Time `json:"ended_at" doc:"when the link ended (a disconnect); null while it is a link. Ended links are the connection's history and sync nothing"`
	EndedReason         string     `json:"ended_reason,omitempty" doc:"why the link ended"`
}

// LinkSide is one side's ids of a link, with the last price read or written there.
type LinkSide struct {
	ProductID       string `json:"product_id"`
	VariantID       string `json:"variant_id"`
	InventoryItemID string `json:"inventory_item_id"`
	Price           *Money `json:"price"`
}

func linkOut(l catalog.Link, connectionBuffer int64) ProductLink {
	return ProductLink{ID: l.ID, Identifier: l.Identifier, Buffer: catalog.EffectiveBuffer(l, catalog.Settings{Buffer: connectionBuffer}), BufferOverride: l.Buffer,
		Source:         LinkSide{ProductID: l.SourceProductID, VariantID: l.SourceVariantID, InventoryItemID: l.SourceInventoryItemID, Price: moneyPtr(l.SourcePrice)},
		Destination:    LinkSide{ProductID: l.DestinationProductID, VariantID: l.DestinationVariantID, InventoryItemID: l.DestinationInventoryItemID, Price: moneyPtr(l.DestinationPrice)},
		SourceQuantity: l.SourceQuantity, DestinationQuantity: l.DestinationQuantity, SyncedAt: l.SyncedAt, FollowReason: l.FollowReason, CreatedAt: l.CreatedAt,
		EndedAt: l.EndedAt, EndedReason: l.EndedReason}
}

type linksInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Page int   `query:"page" minimum:"1" maximum:"1000000" default:"1" doc:"1-based page number; 10 results a page."`
	url  url.URL
}

// Resolve keeps the request URL, for the link to the next page.
func (in *linksInput) Resolve(ctx huma.Context) []error {
	in.url = ctx.URL()
	return nil
}

func (h linkingHandlers) links(ctx context.Context, in *linksInput) (*listBody[ProductLink], error) {
	pg, err := h.svc.ListLinks(ctx, linking.LinksParams{AccountID: AccountID(ctx), ConnectionID: in.ID, Page: in.Page})
	if err != nil {
		return nil, err
	}
	out := &listBody[ProductLink]{}
	out.Body.Data = make([]ProductLink, 0, len(pg.Items))
	for _, l := range pg.Items {
		out.Body.Data = append(out.Body.Data, linkOut(l, pg.ConnectionBuffer))
	}
	p := pagedInput{Page: in.Page, url: in.url}
	out.Body.Page, out.Body.PerPage, out.Body.Total, out.Body.Next = pg.Page, linking.PerPage, pg.Total, p.next(pg.Total)
	return out, nil
}

type putLinkInput struct {
	ID     int64 `path:"id" minimum:"1"`
	LinkID int64 `path:"link_id" minimum:"1"`
	Body   struct {
		Buffer *int64 `json:"buffer" nullable:"true" minimum:"0" maximum:"1000000000" doc:"units held back for this link, overriding the connection's buffer; null: the connection's applies"`
	}
}

type linkBody struct{ Body ProductLink }

func (h linkingHandlers) putLink(ctx context.Context, in *putLinkInput) (*linkBody, error) {
	l, err := h.svc.SetLinkBuffer(ctx, linking.SetLinkBufferParams{AccountID: AccountID(ctx), ConnectionID: in.ID, LinkID: in.LinkID, Buffer: in.Body.Buffer})
	if err != nil {
		return nil, err
	}
	return &linkBody{Body: linkOut(l.Link, l.ConnectionBuffer)}, nil
}
