package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/decoration"
)

// Logo is a store's logo as the API shows it.
type Logo struct {
	ID                 int64     `json:"id"`
	StoreID            int64     `json:"store_id"`
	Name               string    `json:"name" doc:"unique in the store, whatever its case; the design name of the sales order lines that name it"`
	DecorationMethod   string    `json:"decoration_method" doc:"empty: the product's decoration method applies"`
	DecorationSupplier string    `json:"decoration_supplier" doc:"empty: the product's decoration supplier applies"`
	Placements         int64     `json:"placements" doc:"products' placements of the logo"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

func logoOut(l decoration.Logo) Logo {
	return Logo{ID: l.ID, StoreID: l.StoreID, Name: l.Name, DecorationMethod: l.Method, DecorationSupplier: l.Supplier,
		Placements: l.Placements, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

// Placement is a logo of the store at a location on a product.
type Placement struct {
	LogoID   int64  `json:"logo_id"`
	LogoName string `json:"logo_name"`
	Location string `json:"location"`
}

// ProductDecoration is a product's decoration and supplier data.
type ProductDecoration struct {
	StoreID            int64       `json:"store_id"`
	ProductID          string      `json:"product_id" doc:"the platform's product id"`
	Supplier           string      `json:"supplier" doc:"the product's supplier"`
	DecorationMethod   string      `json:"decoration_method"`
	DecorationSupplier string      `json:"decoration_supplier"`
	DesignName         string      `json:"design_name"`
	DecorationLocation string      `json:"decoration_location"`
	Placements         []Placement `json:"placements" nullable:"false"`
	UpdatedAt          *time.Time  `json:"updated_at" doc:"null when nothing is kept for the product"`
}

func productDecorationOut(p decoration.Product) ProductDecoration {
	out := ProductDecoration{StoreID: p.StoreID, ProductID: p.ProductID, Supplier: p.Supplier, DecorationMethod: p.Method,
		DecorationSupplier: p.DecorationSupplier, DesignName: p.DesignName, DecorationLocation: p.Location,
		Placements: make([]Placement, 0, len(p.Placements)), UpdatedAt: p.UpdatedAt}
	for _, pl := range p.Placements {
		out.Placements = append(out.Placements, Placement{LogoID: pl.LogoID, LogoName: pl.LogoName, Location: pl.Location})
	}
	return out
}

type logoBody struct {
	Name               string `json:"name" minLength:"1" maxLength:"200"`
	DecorationMethod   string `json:"decoration_method,omitempty" maxLength:"200" doc:"how the logo is applied, whatever the product (embroidery, screen print...)"`
	DecorationSupplier string `json:"decoration_supplier,omitempty" maxLength:"200" doc:"who applies the logo, whatever the product"`
}

type storeLogosInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type createLogoInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body logoBody
}

type logoIDInput struct {
	ID     int64 `path:"id" minimum:"1"`
	LogoID int64 `path:"logo_id" minimum:"1"`
}

type updateLogoInput struct {
	ID     int64 `path:"id" minimum:"1"`
	LogoID int64 `path:"logo_id" minimum:"1"`
	Body   logoBody
}

type logoList struct {
	Body struct {
		Data []Logo `json:"data" nullable:"false"`
	}
}

type logoOutput struct {
	Body Logo
}

type createdLogoOutput struct {
	Location string `header:"Location"`
	Body     Logo
}

type deleteLogoOutput struct {
	Body struct {
		ID                int64 `json:"id"`
		PlacementsDeleted int64 `json:"placements_deleted" doc:"products' placements of the logo, deleted with it"`
	}
}

type productDecorationInput struct {
	ID        int64  `path:"id" minimum:"1"`
	ProductID string `path:"product_id" minLength:"1" maxLength:"200" doc:"the platform's product id, path-escaped (gid%3A%2F%2Fshopify%2FProduct%2F1)"`
}

type placementBody struct {
	LogoID   int64  `json:"logo_id" minimum:"1" doc:"a logo of the store"`
	Location string `json:"location" minLength:"1" maxLength:"200"`
}

type putProductDecorationInput struct {
	ID        int64  `path:"id" minimum:"1"`
	ProductID string `path:"product_id" minLength:"1" maxLength:"200" doc:"the platform's product id, path-escaped"`
	Body      struct {
		Supplier           string          `json:"supplier,omitempty" maxLength:"200" doc:"the product's supplier"`
		DecorationMethod   string          `json:"decoration_method,omitempty" maxLength:"200"`
		DecorationSupplier string          `json:"decoration_supplier,omitempty" maxLength:"200"`
		DesignName         string          `json:"design_name,omitempty" maxLength:"200"`
		DecorationLocation string          `json:"decoration_location,omitempty" maxLength:"200"`
		Placements         []placementBody `json:"placements,omitempty" maxItems:"50" doc:"logos of the store at locations; one logo at one location once"`
	}
}

type productDecorationOutput struct {
	Body ProductDecoration
}

// decorationError answers a refused decoration request naming the input at fault, and a store
// or logo of no account's own as not found; every other error goes to the one mapper (errors.go).
func decorationError(err error) error {
	ve, invalid := errors.AsType[*decoration.ValidationError](err)
	ce, conflict := errors.AsType[*decoration.ConflictError](err)
	switch {
	case err == nil:
		return nil
	case invalid:
		details := make([]error, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			loc := "body." + f.Field
			if f.Field == "product_id" {
				loc = "path.product_id"
			}
			details = append(details, &huma.ErrorDetail{Location: loc, Message: f.Message, Value: Echo(f.Value)})
		}
		return huma.Error422UnprocessableEntity("validation failed", details...)
	case conflict:
		return huma.Error409Conflict(ce.Message, &huma.ErrorDetail{Location: "body." + ce.Field, Message: ce.Message})
	case errors.Is(err, database.ErrNotFound):
		what := strings.TrimSuffix(err.Error(), ": "+database.ErrNotFound.Error())
		return huma.Error404NotFound("no " + what + " in this account")
	}
	return err
}

// register adds the operations on a store's logos and its products' decoration and supplier
// data, which the store's orders carry to their sales order lines.
func (h decorationHandlers) register(hapi huma.API) {
	tags := []string{"Decoration"}
	huma.Register(hapi, huma.Operation{OperationID: "list-logos", Method: http.MethodGet, Path: "/api/v2/stores/{id}/logos",
		Summary: "List a store's logos", Description: "By name. A line of the store's orders names its logo (and its location) " +
			"in its properties; the logo's name becomes the sales order line's design name.",
		Errors: []int{http.StatusNotFound}, Tags: tags}, h.listLogos)
	huma.Register(hapi, huma.Operation{OperationID: "create-logo", Method: http.MethodPost, Path: "/api/v2/stores/{id}/logos",
		Summary: "Add a logo to a store", Description: "A name the store already has, whatever its case, is a 409 naming body.name.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict}, Tags: tags}, h.createLogo)
	huma.Register(hapi, huma.Operation{OperationID: "get-logo", Method: http.MethodGet, Path: "/api/v2/stores/{id}/logos/{logo_id}",
		Summary: "Read a logo", Errors: []int{http.StatusNotFound}, Tags: tags}, h.getLogo)
	huma.Register(hapi, huma.Operation{OperationID: "update-logo", Method: http.MethodPut, Path: "/api/v2/stores/{id}/logos/{logo_id}",
		Summary: "Replace a logo's name, method and supplier", Description: "Its placements stay. A name another logo of the store " +
			"has, whatever its case, is a 409 naming body.name; nothing changes.",
		Errors: []int{http.StatusNotFound, http.StatusConflict}, Tags: tags}, h.updateLogo)
	huma.Register(hapi, huma.Operation{OperationID: "delete-logo", Method: http.MethodDelete, Path: "/api/v2/stores/{id}/logos/{logo_id}",
		Summary: "Delete a logo and its placements", Description: "Deletes the logo and every placement of it on the store's products " +
			"(placements_deleted counts them): lines that name it from then on carry their product's decoration, with a note.",
		Errors: []int{http.StatusNotFound}, Tags: tags}, h.deleteLogo)
	huma.Register(hapi, huma.Operation{OperationID: "get-product-decoration", Method: http.MethodGet,
		Path: "/api/v2/stores/{id}/products/{product_id}/decoration", Summary: "Read a product's decoration",
		Description: "A product with nothing kept answers its empty decoration (updated_at null).",
		Errors:      []int{http.StatusNotFound}, Tags: tags}, h.getProduct)
	huma.Register(hapi, huma.Operation{OperationID: "put-product-decoration", Method: http.MethodPut,
		Path: "/api/v2/stores/{id}/products/{product_id}/decoration", Summary: "Replace a product's decoration and logo placements",
		Description: "Every field is given again; absent fields are emptied, and a product left with nothing is forgotten. " +
			"A line of the product takes each field from its logo placement (the logo and location its properties name), " +
			"then the logo's method and supplier, then these. A placement naming a logo the store does not have is a 422 " +
			"naming body.placements[i].logo_id; nothing changes.",
		Errors: []int{http.StatusNotFound}, Tags: tags}, h.putProduct)
}

type decorationHandlers struct {
	svc *decoration.Service
}

func (h decorationHandlers) listLogos(ctx context.Context, in *storeLogosInput) (*logoList, error) {
	list, err := h.svc.ListLogos(ctx, decoration.StoreParams{AccountID: AccountID(ctx), StoreID: in.ID})
	if err != nil {
		return nil, decorationError(err)
	}
	out := &logoList{}
	out.Body.Data = make([]Logo, 0, len(list))
	for _, l := range list {
		out.Body.Data = append(out.Body.Data, logoOut(l))
	}
	return out, nil
}

func (h decorationHandlers) createLogo(ctx context.Context, in *createLogoInput) (*createdLogoOutput, error) {
	l, err := h.svc.CreateLogo(ctx, decoration.SaveLogoParams{AccountID: AccountID(ctx), StoreID: in.ID, Name: in.Body.Name,
		Method: in.Body.DecorationMethod, Supplier: in.Body.DecorationSupplier})
	if err != nil {
		return nil, decorationError(err)
	}
	return &createdLogoOutput{Location: fmt.Sprintf("/api/v2/stores/%d/logos/%d", in.ID, l.ID), Body: logoOut(l)}, nil
}

func (h decorationHandlers) getLogo(ctx context.Context, in *logoIDInput) (*logoOutput, error) {
	l, err := h.svc.GetLogo(ctx, decoration.LogoParams{AccountID: AccountID(ctx), StoreID: in.ID, LogoID: in.LogoID})
	if err != nil {
		return nil, decorationError(err)
	}
	return &logoOutput{Body: logoOut(l)}, nil
}

func (h decorationHandlers) updateLogo(ctx context.Context, in *updateLogoInput) (*logoOutput, error) {
	l, err := h.svc.UpdateLogo(ctx, decoration.SaveLogoParams{AccountID: AccountID(ctx), StoreID: in.ID, LogoID: in.LogoID,
		Name: in.Body.Name, Method: in.Body.DecorationMethod, Supplier: in.Body.DecorationSupplier})
	if err != nil {
		return nil, decorationError(err)
	}
	return &logoOutput{Body: logoOut(l)}, nil
}

func (h decorationHandlers) deleteLogo(ctx context.Context, in *logoIDInput) (*deleteLogoOutput, error) {
	d, err := h.svc.DeleteLogo(ctx, decoration.LogoParams{AccountID: AccountID(ctx), StoreID: in.ID, LogoID: in.LogoID})
	if err != nil {
		return nil, decorationError(err)
	}
	out := &deleteLogoOutput{}
	out.Body.ID, out.Body.PlacementsDeleted = in.LogoID, d.Placements
	return out, nil
}

func (h decorationHandlers) getProduct(ctx context.Context, in *productDecorationInput) (*productDecorationOutput, error) {
	p, err := h.svc.GetProduct(ctx, decoration.ProductParams{AccountID: AccountID(ctx), StoreID: in.ID, ProductID: in.ProductID})
	if err != nil {
		return nil, decorationError(err)
	}
	return &productDecorationOutput{Body: productDecorationOut(p)}, nil
}

func (h decorationHandlers) putProduct(ctx context.Context, in *putProductDecorationInput) (*productDecorationOutput, error) {
	b := in.Body
	p := decoration.PutProductParams{AccountID: AccountID(ctx), StoreID: in.ID, ProductID: in.ProductID, Supplier: b.Supplier,
		Method: b.DecorationMethod, DecorationSupplier: b.DecorationSupplier, DesignName: b.DesignName, Location: b.DecorationLocation}
	for _, pl := range b.Placements {
		p.Placements = append(p.Placements, decoration.PlacementInput{LogoID: pl.LogoID, Location: pl.Location})
	}
	out, err := h.svc.PutProduct(ctx, p)
	if err != nil {
		return nil, decorationError(err)
	}
	return &productDecorationOutput{Body: productDecorationOut(out)}, nil
}
