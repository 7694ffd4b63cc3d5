package boapi

import (
	"context"

	"github.com/storesync/storesync/internal/api"
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

func (h *handlers) listItems(ctx context.Context, list backoffice.ListName, kind backoffice.Kind, q PageQuery) (*ListOutput[ListItem], error) {
	acct := api.AccountID(ctx)
	page, err := h.svc.ListItems(ctx, backoffice.ListItemsParams{AccountID: acct, List: list, Kind: kind, Page: q.Page})
	if err != nil {
		return nil, err
	}
	return listOutput(q, page, func(it backoffice.ListItem) ListItem {
		return ListItem{ID: it.ID, Code: it.Code, Name: it.Name, Kind: string(it.Kind), Active: it.Active}
	}), nil
}

func (h *handlers) listUsers(ctx context.Context, in *listItemsInput) (*ListOutput[User], error) {
	acct := api.AccountID(ctx)
	page, err := h.svc.ListUsers(ctx, backoffice.ListUsersParams{AccountID: acct, Page: in.Page})
	if err != nil {
		return nil, err
	}
	return listOutput(in.PageQuery, page, func(u backoffice.User) User { return User{Email: u.Email, Name: u.Name} }), nil
}
