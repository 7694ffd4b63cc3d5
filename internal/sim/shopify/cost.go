package shopifysim

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Shopify's cost rules: scalars and enums 0, objects 1, connections 2 plus their page size times
// the cost of one node, every mutation field 10; a single query may cost at most 1,000 points and
// input arrays hold at most 250 items.
const (
	maxQueryCost   = 1000
	mutationCost   = 10
	connectionCost = 2
	maxInputArray  = 250
)

// costWalker computes a document's requested cost (from first: arguments) and, given the
// response data, its actual cost (from what was returned).
type costWalker struct {
	schema *ast.Schema
	vars   map[string]any
}

func (c *costWalker) requested(op *ast.OperationDefinition) int {
	if op.Operation == ast.Mutation {
		return mutationCost * len(collectFields(op.SelectionSet))
	}
	return c.selection(op.SelectionSet, nil, false)
}

func (c *costWalker) actual(op *ast.OperationDefinition, data map[string]any) int {
	if op.Operation == ast.Mutation {
		return mutationCost * len(collectFields(op.SelectionSet))
	}
	return c.selection(op.SelectionSet, data, true)
}

// selection sums the fields of a selection set. With useData, data is the object the selection
// was resolved into and connections count the nodes returned instead of first:.
func (c *costWalker) selection(set ast.SelectionSet, data map[string]any, useData bool) int {
	total := 0
	for _, f := range collectFields(set) {
		if strings.HasPrefix(f.Name, "__") || f.Definition == nil {
			continue
		}
		var value any
		if useData {
			if data == nil {
				continue
			}
			value = data[f.Alias]
			if value == nil {
				continue
			}
		}
		total += c.field(f, value, useData)
	}
	return total
}

func (c *costWalker) field(f *ast.Field, value any, useData bool) int {
	def := c.schema.Types[f.Definition.Type.Name()]
	if def == nil || def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return 0
	}
	if isConnection(def) {
		return c.connection(f, value, useData)
	}
	if f.Definition.Type.Elem != nil { // a list of objects
		if useData {
			sum := 0
			for _, item := range asList(value) {
				sum += 1 + c.selection(f.SelectionSet, asObject(item), true)
			}
			return sum
		}
		return c.pageSize(f) * (1 + c.selection(f.SelectionSet, nil, false))
	}
	return 1 + c.selection(f.SelectionSet, asObject(value), useData)
}

func (c *costWalker) connection(f *ast.Field, value any, useData bool) int {
	if !useData {
		per := 0
		for _, sub := range collectFields(f.SelectionSet) {
			switch sub.Name {
			case "nodes":
				per = max(per, 1+c.selection(sub.SelectionSet, nil, false))
			case "edges":
				for _, e := range collectFields(sub.SelectionSet) {
					if e.Name == "node" {
						per = max(per, 1+c.selection(e.SelectionSet, nil, false))
					}
				}
			}
		}
		return connectionCost + c.pageSize(f)*per
	}
	obj := asObject(value)
	total := connectionCost
	for _, sub := range collectFields(f.SelectionSet) {
		switch sub.Name {
		case "nodes":
			for _, n := range asList(obj[sub.Alias]) {
				total += 1 + c.selection(sub.SelectionSet, asObject(n), true)
			}
		case "edges":
			for _, e := range asList(obj[sub.Alias]) {
				for _, nf := range collectFields(sub.SelectionSet) {
					if nf.Name == "node" {
						total += 1 + c.selection(nf.SelectionSet, asObject(asObject(e)[nf.Alias]), true)
					}
				}
			}
		}
	}
	return total
}

// pageSize is the first: (or last:) argument, or 1 when a list field has none.
func (c *costWalker) pageSize(f *ast.Field) int {
	for _, name := range []string{"first", "last"} {
		if a := f.Arguments.ForName(name); a != nil {
			v, err := a.Value.Value(c.vars)
			if err != nil {
				continue
			}
			switch n := v.(type) {
			case int64:
				return int(n)
			case int:
				return n
			case float64:
				return int(n)
			}
		}
	}
	if a := f.Arguments.ForName("ids"); a != nil {
		if v, err := a.Value.Value(c.vars); err == nil {
			return len(asList(v))
		}
	}
	return 1
}

func isConnection(def *ast.Definition) bool {
	return def.Kind == ast.Object && strings.HasSuffix(def.Name, "Connection") &&
		def.Fields.ForName("pageInfo") != nil
}

// collectFields flattens fragment spreads and inline fragments into the fields they select.
func collectFields(set ast.SelectionSet) []*ast.Field {
	var out []*ast.Field
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, s)
		case *ast.InlineFragment:
			out = append(out, collectFields(s.SelectionSet)...)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out = append(out, collectFields(s.Definition.SelectionSet)...)
			}
		}
	}
	return out
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// checkInputSizes refuses any list argument or variable longer than Shopify's 250 items.
func checkInputSizes(vars map[string]any, op *ast.OperationDefinition) *gqlError {
	var walk func(v any) *gqlError
	walk = func(v any) *gqlError {
		switch x := v.(type) {
		case []any:
			if len(x) > maxInputArray {
				return &gqlError{Code: "MAX_INPUT_SIZE_EXCEEDED", Message: fmt.Sprintf(
					"The input array size of %d is greater than the maximum allowed of %d.", len(x), maxInputArray)}
			}
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(vars); err != nil {
		return err
	}
	var inline func(set ast.SelectionSet) *gqlError
	inline = func(set ast.SelectionSet) *gqlError {
		for _, f := range collectFields(set) {
			for _, a := range f.Arguments {
				if v, err := a.Value.Value(vars); err == nil {
					if err := walk(v); err != nil {
						return err
					}
				}
			}
			if err := inline(f.SelectionSet); err != nil {
				return err
			}
		}
		return nil
	}
	return inline(op.SelectionSet)
}

// checkChangeFrom enforces 2026-04's rule that every inventorySetQuantities quantity states
// changeFromQuantity explicitly: a number to compare with, or null to skip the check.
func checkChangeFrom(op *ast.OperationDefinition, vars map[string]any) *gqlError {
	if op.Operation != ast.Mutation {
		return nil
	}
	for _, f := range collectFields(op.SelectionSet) {
		a := f.Arguments.ForName("input")
		if f.Name != "inventorySetQuantities" || a == nil {
			continue
		}
		v, err := a.Value.Value(vars)
		if err != nil {
			continue
		}
		for i, q := range asList(asObject(v)["quantities"]) {
			if _, ok := asObject(q)["changeFromQuantity"]; !ok {
				return &gqlError{Code: "BAD_REQUEST", Message: fmt.Sprintf(
					"input.quantities.%d.changeFromQuantity is required: pass the quantity you expect, or null to skip the check.", i)}
			}
		}
	}
	return nil
}

// idempotencyKeys lists, per mutation field name in document order, the @idempotent key of each
// occurrence ("" when it has none). Mutation fields run one after another, so each resolver takes
// the next key of its name.
func idempotencyKeys(op *ast.OperationDefinition, vars map[string]any) map[string][]string {
	if op.Operation != ast.Mutation {
		return nil
	}
	keys := map[string][]string{}
	for _, f := range collectFields(op.SelectionSet) {
		key := ""
		if d := f.Directives.ForName("idempotent"); d != nil {
			if a := d.Arguments.ForName("key"); a != nil {
				if v, err := a.Value.Value(vars); err == nil {
					key, _ = v.(string)
				}
			}
		}
		keys[f.Name] = append(keys[f.Name], key)
	}
	return keys
}
