package boapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/backoffice"
)

// routes registers every operation of the back office's Open API, in one list, so that what the
// surface offers can be read in one place. Handlers live beside their types in the other files.
func (h *handlers) routes(api huma.API) {
	// Version 1: read-only searches, kept for existing clients.
	huma.Register(api, op(http.MethodGet, "/api/v1/jobs", "v1-search-jobs", tagV1, "Search jobs (v1)",
		"By created date, client group and status, ordered by job number."+windowNote),
		func(ctx context.Context, in *v1JobsInput) (*ListOutput[Job], error) {
			return h.doSearchJobs(ctx, in.JobSearchQuery, backoffice.SearchJobsParams{})
		})
	huma.Register(api, op(http.MethodGet, "/api/v1/contacts", "v1-search-contacts", tagV1, "Search contacts (v1)",
		"By created date, client group, email, state and client or prospect, ordered by id."),
		func(ctx context.Context, in *v1ContactsInput) (*ListOutput[Contact], error) {
			return h.doSearchContacts(ctx, in.ContactSearchQuery, "", "")
		})

	// Contacts.
	huma.Register(api, op(http.MethodGet, "/api/v2/contacts", "search-contacts", tagContacts, "Search contacts",
		"Dropship and store/program contacts, clients and prospects, ordered by id."), h.searchContacts)
	huma.Register(api, op(http.MethodGet, "/api/v2/contacts/{id}", "get-contact", tagContacts, "Get a contact", ""), h.getContact)
	huma.Register(api, op(http.MethodPost, "/api/v2/contacts", "create-contact", tagContacts, "Create a dropship contact", ""),
		func(ctx context.Context, in *createContactInput) (*WriteOutput, error) {
			return h.createContact(ctx, backoffice.KindDropship, in.Body.ContactFields, in.Body.StoreID)
		})
	huma.Register(api, op(http.MethodPut, "/api/v2/contacts/{id}", "update-contact", tagContacts, "Update a dropship contact",
		"Fields left out keep their value."),
		func(ctx context.Context, in *updateContactInput) (*WriteOutput, error) {
			return h.updateContact(ctx, backoffice.KindDropship, in)
		})
	huma.Register(api, op(http.MethodPost, "/api/v2/store-contacts", "create-store-contact", tagContacts,
		"Create a store/program contact (store_id required)", ""),
		func(ctx context.Context, in *createStoreContactInput) (*WriteOutput, error) {
			return h.createContact(ctx, backoffice.KindStore, in.Body.ContactFields, in.Body.StoreID)
		})
	huma.Register(api, op(http.MethodPut, "/api/v2/store-contacts/{id}", "update-store-contact", tagContacts,
		"Update a store/program contact (store_id required)", "Fields left out keep their value."),
		func(ctx context.Context, in *updateContactInput) (*WriteOutput, error) {
			return h.updateContact(ctx, backoffice.KindStore, in)
		})

	// Jobs.
	huma.Register(api, op(http.MethodGet, "/api/v2/jobs", "search-jobs", tagJobs, "Search jobs",
		"Dropship and store/program jobs, ordered by job number."+windowNote), h.searchJobs)
	huma.Register(api, op(http.MethodGet, "/api/v2/jobs/{id}", "get-job", tagJobs, "Get a job", windowNote[1:]), h.getJob)
	const newJob = "The job starts pending and gets the account's next job number. Reps are emails of users of the account."
	const jobChange = "Fields left out keep their value; a status change must be an allowed transition."
	huma.Register(api, op(http.MethodPost, "/api/v2/jobs", "create-job", tagJobs, "Create a dropship job", newJob),
		func(ctx context.Context, in *createJobInput) (*WriteOutput, error) {
			return h.createJob(ctx, backoffice.KindDropship, in.Body.JobFields, in.Body.StoreID)
		})
	huma.Register(api, op(http.MethodPut, "/api/v2/jobs/{id}", "update-job", tagJobs, "Update a dropship job", jobChange),
		func(ctx context.Context, in *updateJobInput) (*WriteOutput, error) {
			return h.updateJob(ctx, backoffice.KindDropship, in)
		})
	huma.Register(api, op(http.MethodPost, "/api/v2/store-jobs", "create-store-job", tagJobs,
		"Create a store/program job (store_id required)", newJob),
		func(ctx context.Context, in *createStoreJobInput) (*WriteOutput, error) {
			return h.createJob(ctx, backoffice.KindStore, in.Body.JobFields, in.Body.StoreID)
		})
	huma.Register(api, op(http.MethodPut, "/api/v2/store-jobs/{id}", "update-store-job", tagJobs,
		"Update a store/program job (store_id required)", jobChange),
		func(ctx context.Context, in *updateJobInput) (*WriteOutput, error) {
			return h.updateJob(ctx, backoffice.KindStore, in)
		})

	// Sales orders.
	huma.Register(api, op(http.MethodGet, soPath, "list-sales-orders", tagSales, "List the sales orders of a job", windowNote[1:]), h.listSalesOrders)
	huma.Register(api, op(http.MethodPost, soPath, "create-sales-order", tagSales, "Create a sales order",
		"Lines and payments may be sent with it; all is stored or nothing. Sold To defaults to the job's contact."), h.createSalesOrder)
	huma.Register(api, op(http.MethodGet, soPath+"/{so}", "get-sales-order", tagSales, "Get a sales order", ""), h.getSalesOrder)
	huma.Register(api, op(http.MethodPut, soPath+"/{so}", "update-sales-order", tagSales, "Update a sales order",
		"Fields left out keep their value; a status change must be an allowed transition."), h.updateSalesOrder)

	// Purchase orders.
	huma.Register(api, op(http.MethodGet, poPath, "list-purchase-orders", tagPurchase, "List the purchase orders of a job", windowNote[1:]), h.listPurchaseOrders)
	huma.Register(api, op(http.MethodPost, poPath, "create-purchase-order", tagPurchase, "Create a purchase order with its lines",
		"Purchase order lines are created with their order only."), h.createPurchaseOrder)
	huma.Register(api, op(http.MethodGet, poPath+"/{po}", "get-purchase-order", tagPurchase, "Get a purchase order", ""), h.getPurchaseOrder)
	huma.Register(api, op(http.MethodPut, poPath+"/{po}", "update-purchase-order", tagPurchase, "Update a purchase order",
		"Fields left out keep their value; a status change must be an allowed transition."), h.updatePurchaseOrder)

	// Line items of sales and purchase orders.
	huma.Register(api, op(http.MethodGet, soItems+"/line-items", "list-sales-order-line-items", tagSales, "List the line items of a sales order", ""),
		func(ctx context.Context, in *soItemsInput) (*ListOutput[LineItem], error) {
			return h.listLines(ctx, in.SalesOrderPath.ref, in.PageQuery)
		})
	huma.Register(api, op(http.MethodPost, soItems+"/line-items", "create-sales-order-line-item", tagSales,
		"Add a line item to a sales order", "One line per call."), h.createLine)
	huma.Register(api, op(http.MethodGet, soItems+"/line-items/{id}", "get-sales-order-line-item", tagSales, "Get a line item of a sales order", ""),
		func(ctx context.Context, in *soLineInput) (*GetOutput[LineItem], error) {
			return h.getLine(ctx, in.SalesOrderPath.ref, in.ID)
		})
	huma.Register(api, op(http.MethodPut, soItems+"/line-items/{id}", "update-sales-order-line-item", tagSales, "Update a line item of a sales order",
		"Fields left out keep their value."),
		func(ctx context.Context, in *soUpdateLineInput) (*WriteOutput, error) {
			return h.updateLine(ctx, in.SalesOrderPath.ref, in.ID, in.IfMatch, in.Body)
		})

	huma.Register(api, op(http.MethodGet, poItems+"/line-items", "list-purchase-order-line-items", tagPurchase, "List the line items of a purchase order",
		"Purchase order lines are created with their order."),
		func(ctx context.Context, in *poItemsInput) (*ListOutput[LineItem], error) {
			return h.listLines(ctx, in.PurchaseOrderPath.ref, in.PageQuery)
		})
	huma.Register(api, op(http.MethodGet, poItems+"/line-items/{id}", "get-purchase-order-line-item", tagPurchase, "Get a line item of a purchase order", ""),
		func(ctx context.Context, in *poLineInput) (*GetOutput[LineItem], error) {
			return h.getLine(ctx, in.PurchaseOrderPath.ref, in.ID)
		})
	huma.Register(api, op(http.MethodPut, poItems+"/line-items/{id}", "update-purchase-order-line-item", tagPurchase, "Update a line item of a purchase order",
		"Fields left out keep their value."),
		func(ctx context.Context, in *poUpdateLineInput) (*WriteOutput, error) {
			return h.updateLine(ctx, in.PurchaseOrderPath.ref, in.ID, in.IfMatch, in.Body)
		})

	// Payments of sales and purchase orders.
	huma.Register(api, op(http.MethodGet, soItems+"/payments", "list-sales-order-payments", tagSales, "List the payments of a sales order", ""),
		func(ctx context.Context, in *soItemsInput) (*ListOutput[Payment], error) {
			return h.listPayments(ctx, in.SalesOrderPath.ref, in.PageQuery)
		})
	huma.Register(api, op(http.MethodPost, soItems+"/payments", "create-sales-order-payment", tagSales, "Record a payment on a sales order", paymentsNote),
		func(ctx context.Context, in *soPaymentInput) (*WriteOutput, error) {
			return h.createPayment(ctx, in.SalesOrderPath.ref, in.Body)
		})
	huma.Register(api, op(http.MethodGet, poItems+"/payments", "list-purchase-order-payments", tagPurchase, "List the payments of a purchase order", ""),
		func(ctx context.Context, in *poItemsInput) (*ListOutput[Payment], error) {
			return h.listPayments(ctx, in.PurchaseOrderPath.ref, in.PageQuery)
		})
	huma.Register(api, op(http.MethodPost, poItems+"/payments", "create-purchase-order-payment", tagPurchase, "Record a payment on a purchase order", paymentsNote),
		func(ctx context.Context, in *poPaymentInput) (*WriteOutput, error) {
			return h.createPayment(ctx, in.PurchaseOrderPath.ref, in.Body)
		})

	// Inventory items: back-office stock by SKU (stock.go).
	huma.Register(api, op(http.MethodGet, itemsPath, "search-inventory-items", tagStock, "Search inventory items",
		"By part of SKU, barcode or description, or by a whole SKU or barcode; ordered by SKU."), h.searchItems)
	huma.Register(api, op(http.MethodPost, itemsPath, "create-inventory-item", tagStock, "Create an inventory item",
		"A SKU the account has (in any case) answers 422 naming sku."), h.createItem)
	huma.Register(api, op(http.MethodGet, itemsPath+"/{id}", "get-inventory-item", tagStock, "Get an inventory item", ""), h.getItem)
	patch := op(http.MethodPatch, itemsPath+"/{id}", "update-inventory-item", tagStock, "Update an inventory item",
		"Fields left out keep their value; stock counts change through adjustments.")
	patch.Errors = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusPreconditionFailed,
		http.StatusUnprocessableEntity}
	huma.Register(api, patch, h.updateItem)
	adjust := op(http.MethodPost, itemsPath+"/{id}/adjustments", "adjust-inventory-item", tagStock, "Adjust an item's stock",
		"Send delta (a change of on hand) or set (a count), not both. On hand may go below zero with a delta.")
	adjust.DefaultStatus = http.StatusOK
	adjust.Errors = append(adjust.Errors, http.StatusConflict)
	huma.Register(api, adjust, h.adjustItem)
	huma.Register(api, op(http.MethodGet, itemsPath+"/{id}/history", "list-inventory-item-history", tagStock,
		"List an item's stock history", "Newest first: adjustments, imports and what sales orders committed, relieved and released."),
		h.itemHistory)

	// Users: the reps a job may name.
	huma.Register(api, op(http.MethodGet, "/api/v2/users", "list-users", tagUsers, "List the account's users",
		"Their emails are what a job's primary_rep, secondary_rep and csr name; ordered by email."), h.listUsers)

	// Supporting lists.
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
