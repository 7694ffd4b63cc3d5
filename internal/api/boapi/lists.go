package boapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/backoffice"
)

type listItemsInput struct {
	PageQuery
}

type commissionCodesInput struct {
	PageQuery
	Kind string `query:"kind" enum:"dropship,store" doc:"Only the commission codes of dropship or of store jobs."`
}

// supportingLists maps each supporting list to its route.
var supportingLists = []struct {
	list       backoffice.ListName
	path, name string
	use        string
}{
	{backoffice.ListCardTypes, "/api/v2/card-types", "card types", "Credit card types (Visa, Amex...) for payments."},
	{backoffice.ListPaymentTypes, "/api/v2/payment-types", "payment types", "Payment types for payments on sales and purchase orders."},
	{backoffice.ListPaymentTerms, "/api/v2/payment-terms", "payment terms", "Payment terms of contacts."},
	{backoffice.ListAdjustmentTypes, "/api/v2/adjustment-types", "adjustment types", "Adjustments (bad debt, card surcharge...) used on payments."},
	{backoffice.ListSuppliers, "/api/v2/suppliers", "suppliers", "Suppliers of purchase orders."},
	{backoffice.ListProductIndices, "/api/v2/product-indices", "product indices", "Product indices of jobs."},
}

func (h *handlers) registerLists(api huma.API) {
	huma.Register(api, op(http.MethodGet, "/api/v2/commission-codes", "list-commission-codes", tagLists, "List commission codes",
		"Commission codes of dropship and store jobs."),
		func(ctx context.Context, in *commissionCodesInput) (*ListOutput[ListItem], error) {
			return h.listItems(ctx, backoffice.ListCommissionCodes, backoffice.Kind(in.Kind), in.PageQuery)
		})
	for _, l := range supportingLists {
		huma.Register(api, op(http.MethodGet, l.path, "list-"+l.path[len("/api/v2/"):], tagLists, "List "+l.name, l.use),
			func(ctx context.Context, in *listItemsInput) (*ListOutput[ListItem], error) {
				return h.listItems(ctx, l.list, "", in.PageQuery)
			})
	}
}

func (h *handlers) listItems(ctx context.Context, list backoffice.ListName, kind backoffice.Kind, q PageQuery) (*ListOutput[ListItem], error) {
	acct, err := accountID(ctx)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListItems(ctx, backoffice.ListItemsParams{AccountID: acct, List: list, Kind: kind, Page: q.Page})
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return listOutput(q, page, func(it backoffice.ListItem) ListItem {
		return ListItem{ID: it.ID, Code: it.Code, Name: it.Name, Kind: string(it.Kind), Active: it.Active}
	}), nil
}
