package shopifysim

import (
	_ "embed"
	"fmt"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// SchemaSDL is the simulator's schema: a faithful subset of Shopify's Admin API 2026-07.
//
//go:embed schema.graphql
var SchemaSDL string

// APIVersion is the one Admin API version the simulator serves.
const APIVersion = "2026-07"

// parseSchema loads SchemaSDL with gqlparser, which the cost walk and validation use.
func parseSchema() (*ast.Schema, error) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: SchemaSDL})
	if err != nil {
		return nil, fmt.Errorf("parsing simulator schema: %w", err)
	}
	return s, nil
}
