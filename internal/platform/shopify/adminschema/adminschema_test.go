package adminschema

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// realSchema loads the 11 MB introspection file once for all tests of the package.
var realSchema = sync.OnceValues(func() (*ast.Schema, error) {
	path, err := FindTestdata(".")
	if err != nil {
		return nil, err
	}
	return LoadFile(path)
})

func loadReal(t *testing.T) *ast.Schema {
	t.Helper()
	s, err := realSchema()
	if errors.Is(err, ErrNoTestdata) {
		t.Skip("Shopify admin schema absent: run make testdata")
	}
	if err != nil {
		t.Fatalf("loading admin schema: %v", err)
	}
	return s
}

func TestLoadRealSchema(t *testing.T) {
	t.Parallel()
	s := loadReal(t)
	if s.Mutation == nil || s.Mutation.Fields.ForName("inventorySetQuantities") == nil {
		t.Fatal("mutation inventorySetQuantities missing")
	}
	if s.Directives["idempotent"] == nil {
		t.Fatal("directive @idempotent missing")
	}
	tests := []struct {
		name    string
		doc     string
		wantErr string
	}{
		{"valid", `query { shop { id name currencyCode } }`, ""},
		{"unknown field", `query { shop { id nope } }`, "nope"},
		{"wrong argument type", `query { products(first: "x") { nodes { id } } }`, "Int"},
		{"idempotent on mutation", `mutation($i: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $i) @idempotent(key: "k") { userErrors { code } } }`, ""},
		{"removed input field", `mutation { inventorySetQuantities(input: {name: "available", reason: "correction", ignoreCompareQuantity: true, quantities: []}) @idempotent(key: "k") { userErrors { code } } }`, "ignoreCompareQuantity"},
		{"missing required arg", `mutation { orderCancel(orderId: "gid://shopify/Order/1", restock: true) { job { id } } }`, "reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, perr := parser.ParseQuery(&ast.Source{Input: tc.doc})
			if perr != nil {
				t.Fatalf("parse: %v", perr)
			}
			errs := validator.ValidateWithRules(s, doc, rules.NewDefaultRules())
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Fatalf("unexpected errors: %v", errs)
			case tc.wantErr != "" && !strings.Contains(errs.Error(), tc.wantErr):
				t.Fatalf("errors %q do not mention %q", errs.Error(), tc.wantErr)
			}
		})
	}
}

func TestSDLSmall(t *testing.T) {
	t.Parallel()
	in := `{"__schema":{"queryType":{"name":"Q"},"types":[
	 {"kind":"OBJECT","name":"Q","fields":[{"name":"a","args":[{"name":"n","type":{"kind":"SCALAR","name":"Int"},"defaultValue":"3"}],"type":{"kind":"NON_NULL","ofType":{"kind":"LIST","ofType":{"kind":"SCALAR","name":"String"}}}}],"interfaces":[]},
	 {"kind":"ENUM","name":"E","enumValues":[{"name":"X"},{"name":"Y","isDeprecated":true}]}],"directives":[]}}`
	s, err := Load(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	f := s.Query.Fields.ForName("a")
	if f == nil || f.Type.String() != "[String]!" || f.Arguments.ForName("n").DefaultValue.String() != "3" {
		t.Fatalf("field a not converted: %+v", f)
	}
	if len(s.Types["E"].EnumValues) != 2 {
		t.Fatalf("enum values: %v", s.Types["E"].EnumValues)
	}
}

func TestDescriptionsKept(t *testing.T) {
	t.Parallel()
	s := loadReal(t)
	d := s.Mutation.Fields.ForName("inventorySetQuantities").Description
	if !strings.Contains(d, "@idempotent") {
		t.Fatalf("description of inventorySetQuantities lost: %q", d)
	}
}
