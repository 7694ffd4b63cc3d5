package api

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/webhook"
)

// The hub API's operations, in one list. The back office's are in boapi/routes.go; the stores'
// come with Stores (stores.go). Every one passes the gate, the input checks and the
// idempotency keys (api.go), and its errors the one mapper (errors.go).

func registerMe(hapi huma.API, accounts *account.Service) {
	huma.Register(hapi, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/api/v2/me",
		Summary: "Who am I", Description: "The account, permission and usage (hits, last use) of the API key sent.",
		Tags: []string{"Account"}}, getMe(accounts))
}

// Webhooks adds the operations that manage an account's webhook endpoints and show deliveries.
func Webhooks(svc *webhook.Service) func(huma.API) {
	h := webhookHandlers{svc: svc}
	tags := []string{"Webhooks"}
	return func(hapi huma.API) {
		huma.Register(hapi, huma.Operation{OperationID: "list-webhook-endpoints", Method: http.MethodGet,
			Path: "/api/v2/webhook-endpoints", Summary: "List webhook endpoints", Tags: tags}, h.listEndpoints)
		huma.Register(hapi, huma.Operation{OperationID: "create-webhook-endpoint", Method: http.MethodPost,
			Path: "/api/v2/webhook-endpoints", Summary: "Create a webhook endpoint", DefaultStatus: http.StatusCreated, Tags: tags},
			h.createEndpoint)
		huma.Register(hapi, huma.Operation{OperationID: "get-webhook-endpoint", Method: http.MethodGet,
			Path: "/api/v2/webhook-endpoints/{id}", Summary: "Read a webhook endpoint", Tags: tags}, h.getEndpoint)
		huma.Register(hapi, huma.Operation{OperationID: "disable-webhook-endpoint", Method: http.MethodPost,
			Path: "/api/v2/webhook-endpoints/{id}/disable", Summary: "Disable a webhook endpoint",
			DefaultStatus: http.StatusNoContent, Tags: tags}, h.disableEndpoint)
		huma.Register(hapi, huma.Operation{OperationID: "list-webhook-deliveries", Method: http.MethodGet,
			Path: "/api/v2/webhook-deliveries", Summary: "List recent webhook deliveries", Tags: tags}, h.listDeliveries)
	}
}

// Connections adds the operations on connections between stores (connections.go).
func Connections(svc *connection.Service) func(huma.API) {
	return connectionHandlers{svc: svc}.register
}

// Decoration adds the operations on a store's logos and its products' decoration (decoration.go).
func Decoration(svc *decoration.Service) func(huma.API) {
	return decorationHandlers{svc: svc}.register
}

// Orders adds the operations on destination orders and a connection's order settings (orders.go);
// bo, when set, gives each order its back-office status.
func Orders(svc *orders.Service, bo BackOfficeStatuses) func(huma.API) {
	return func(hapi huma.API) {
		orderHandlers{svc: svc, bo: bo}.register(hapi)
		reportHandlers{svc: svc, log: slog.Default()}.register(hapi) // the pushed-orders report (reports.go)
	}
}

// Reservations adds the operation that lists a connection's reservations.
func Reservations(svc *inventory.Service) func(huma.API) {
	h := reservationHandlers{svc: svc}
	return func(hapi huma.API) {
		huma.Register(hapi, huma.Operation{OperationID: "list-reservations", Method: http.MethodGet,
			Path: "/api/v2/connections/{id}/reservations", Summary: "List inventory reservations",
			Description: "Each destination order line of a linked variant reserves its quantity at the source the moment the " +
				"order arrives: every destination of that source item is lowered by it, so none oversells before the source " +
				"store has the order. held: reserved; pushed: the order is at the source, whose quantity does not show it yet; " +
				"released: no longer reserved (reason says why: cancelled, removed, not pushed, or the source's quantity " +
				"reflects it). Newest first. The destination's account only.",
			Errors: []int{http.StatusNotFound, http.StatusForbidden}, Tags: []string{"Connections"}}, h.list)
	}
}
