package shopifysim

import (
	_ "embed"
	"fmt"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

//go:embed schema.graphql
var schemaSDL string

// SchemaSDL returns the simulator's schema: a faithful subset of Shopify's Admin API 2026-07,
// for tools that check documents against what the simulator serves.
func SchemaSDL() string { return schemaSDL }

// APIVersion is the one Admin API version the simulator serves.
const APIVersion = "2026-07"

// parseSchema loads SchemaSDL with gqlparser, which the cost walk and validation use.
func parseSchema() (*ast.Schema, error) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: schemaSDL})
	if err != nil {
		return nil, fmt.Errorf("parsing simulator schema: %w", err)
	}
	return s, nil
}
