package queries

import (
	"errors"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/platform/shopify/adminschema"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

func realSchema(t *testing.T) *ast.Schema {
	t.Helper()
	path, err := adminschema.FindTestdata(".")
	if errors.Is(err, adminschema.ErrNoTestdata) {
		t.Skip("Shopify admin schema absent: run make testdata")
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := adminschema.LoadFile(path)
	if err != nil {
		t.Fatalf("loading admin schema: %v", err)
	}
	return s
}

// TestDocumentsValidateAgainstRealSchema checks every document against Shopify's own 2026-07
// schema, so a field, argument or type Shopify would reject fails here first. It also checks the
// @idempotent directive: present on every mutation whose documentation says 2026-04 requires it,
// absent from mutations that do not document support (Shopify rejects it there).
func TestDocumentsValidateAgainstRealSchema(t *testing.T) {
	t.Parallel()
	s := realSchema(t)
	names := Names()
	if len(names) < 15 {
		t.Fatalf("only %d documents embedded: %v", len(names), names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, perr := parser.ParseQuery(&ast.Source{Name: name, Input: Get(name)})
			if perr != nil {
				t.Fatalf("parse: %v", perr)
			}
			if errs := validator.ValidateWithRules(s, doc, rules.NewDefaultRules()); len(errs) > 0 {
				t.Fatalf("invalid against Shopify 2026-07: %v", errs)
			}
			if len(doc.Operations) != 1 {
				t.Fatalf("want one operation, got %d", len(doc.Operations))
			}
			op := doc.Operations[0]
			if !strings.EqualFold(op.Name, name) {
				t.Errorf("operation %q does not match file name %q", op.Name, name)
			}
			if op.Operation != ast.Mutation {
				return
			}
			for _, sel := range op.SelectionSet {
				f, ok := sel.(*ast.Field)
				if !ok {
					continue
				}
				desc := s.Mutation.Fields.ForName(f.Name).Description
				required := strings.Contains(desc, "idempotency key is required")
				has := f.Directives.ForName("idempotent") != nil
				if required != has {
					t.Errorf("mutation %s: @idempotent present=%v, documented as required=%v", f.Name, has, required)
				}
			}
		})
	}
}

func TestGetUnknownPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("Get of an unknown name did not panic")
		}
	}()
	Get("noSuchDocument")
}
