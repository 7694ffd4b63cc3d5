package boapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/storesync/storesync/internal/api/boapi"
	"github.com/storesync/storesync/internal/backoffice"
)

// The rows of the Open API table, as the issue lists them.
var table = []string{
	"GET /api/v1/jobs", "GET /api/v1/contacts",
	"GET /api/v2/contacts", "GET /api/v2/contacts/{id}", "POST /api/v2/contacts", "PUT /api/v2/contacts/{id}",
	"POST /api/v2/store-contacts", "PUT /api/v2/store-contacts/{id}",
	"GET /api/v2/jobs", "GET /api/v2/jobs/{id}", "POST /api/v2/jobs", "PUT /api/v2/jobs/{id}",
	"POST /api/v2/store-jobs", "PUT /api/v2/store-jobs/{id}",
	"GET /api/v2/jobs/{job}/sales-orders", "POST /api/v2/jobs/{job}/sales-orders",
	"GET /api/v2/jobs/{job}/sales-orders/{so}", "PUT /api/v2/jobs/{job}/sales-orders/{so}",
	"GET /api/v2/jobs/{job}/sales-orders/{so}/line-items", "POST /api/v2/jobs/{job}/sales-orders/{so}/line-items",
	"GET /api/v2/jobs/{job}/sales-orders/{so}/line-items/{id}", "PUT /api/v2/jobs/{job}/sales-orders/{so}/line-items/{id}",
	"GET /api/v2/jobs/{job}/sales-orders/{so}/payments", "POST /api/v2/jobs/{job}/sales-orders/{so}/payments",
	"GET /api/v2/jobs/{job}/purchase-orders", "POST /api/v2/jobs/{job}/purchase-orders",
	"GET /api/v2/jobs/{job}/purchase-orders/{po}", "PUT /api/v2/jobs/{job}/purchase-orders/{po}",
	"GET /api/v2/jobs/{job}/purchase-orders/{po}/line-items",
	"GET /api/v2/jobs/{job}/purchase-orders/{po}/line-items/{id}", "PUT /api/v2/jobs/{job}/purchase-orders/{po}/line-items/{id}",
	"GET /api/v2/jobs/{job}/purchase-orders/{po}/payments", "POST /api/v2/jobs/{job}/purchase-orders/{po}/payments",
	"GET /api/v2/commission-codes", "GET /api/v2/card-types", "GET /api/v2/payment-types", "GET /api/v2/payment-terms",
	"GET /api/v2/adjustment-types", "GET /api/v2/suppliers", "GET /api/v2/product-indices",
	"GET /api/v2/users",
	"GET /api/v2/inventory-items", "POST /api/v2/inventory-items", "GET /api/v2/inventory-items/{id}",
	"PATCH /api/v2/inventory-items/{id}", "POST /api/v2/inventory-items/{id}/adjustments",
	"GET /api/v2/inventory-items/{id}/history",
}

func TestSpecCoversTheTable(t *testing.T) {
	t.Parallel()
	api := humago.New(http.NewServeMux(), huma.DefaultConfig("test", "1"))
	boapi.Register(api, backoffice.NewService(nil, nil))
	spec := api.OpenAPI()
	seen := map[string]bool{}
	ids := map[string]bool{}
	for p, item := range spec.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "DELETE": item.Delete, "PATCH": item.Patch} {
			if op == nil {
				continue
			}
			row := method + " " + p
			seen[row] = true
			if op.OperationID == "" || ids[op.OperationID] || len(op.Tags) == 0 || op.Summary == "" {
				t.Errorf("%s: operation ID %q (duplicate %v), tags %v, summary %q", row, op.OperationID, ids[op.OperationID], op.Tags, op.Summary)
			}
			ids[op.OperationID] = true
			if (method == "PUT" || method == "PATCH") && !hasParam(op, "header", "If-Match") {
				t.Errorf("%s does not document If-Match", row)
			}
		}
	}
	for _, row := range table {
		if !seen[row] {
			t.Errorf("%s is not registered", row)
		}
		delete(seen, row)
	}
	for row := range seen {
		t.Errorf("%s is registered but not in the table", row)
	}
	b, err := json.Marshal(spec)
	if err != nil || !strings.Contains(string(b), `"openapi":"3.1`) {
		t.Fatalf("spec does not marshal as OpenAPI 3.1: %v", err)
	}
	// Money is never a number in the description.
	for _, name := range []string{"SalesOrder", "LineItem", "Payment"} {
		for prop, s := range spec.Components.Schemas.Map()[name].Properties {
			if (prop == "subtotal" || prop == "unit_price" || prop == "amount") && s.Type != "string" {
				t.Errorf("%s.%s is %s, want a decimal string", name, prop, s.Type)
			}
		}
	}
}

func hasParam(op *huma.Operation, in, name string) bool {
	for _, p := range op.Parameters {
		if p.In == in && p.Name == name {
			return true
		}
	}
	return false
}
