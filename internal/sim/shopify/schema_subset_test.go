package shopifysim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// introspectionPath is where `make testdata` unpacks Shopify's Admin API 2026-07 schema.
func introspectionPath(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0) //nolint:dogsled // only the file of this test is wanted
	p := filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "npm", "shopify-admin-2026-07.json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("Shopify Admin API schema not found (%v): run `make testdata` (scripts/testdata.sh)", err)
	}
	return p
}

type introType struct {
	Kind   string     `json:"kind"`
	Name   string     `json:"name"`
	OfType *introType `json:"ofType"`
}

func (t *introType) String() string {
	switch t.Kind {
	case "NON_NULL":
		return t.OfType.String() + "!"
	case "LIST":
		return "[" + t.OfType.String() + "]"
	}
	return t.Name
}

type introValue struct {
	Name         string    `json:"name"`
	Type         introType `json:"type"`
	DefaultValue *string   `json:"defaultValue"`
}

type introField struct {
	Name string       `json:"name"`
	Args []introValue `json:"args"`
	Type introType    `json:"type"`
}

type introFullType struct {
	Kind        string       `json:"kind"`
	Name        string       `json:"name"`
	Fields      []introField `json:"fields"`
	InputFields []introValue `json:"inputFields"`
	EnumValues  []struct {
		Name string `json:"name"`
	} `json:"enumValues"`
}

type introSchema struct {
	Data struct {
		Schema struct {
			QueryType struct {
				Name string `json:"name"`
			} `json:"queryType"`
			MutationType struct {
				Name string `json:"name"`
			} `json:"mutationType"`
			Types      []introFullType `json:"types"`
			Directives []struct {
				Name      string       `json:"name"`
				Locations []string     `json:"locations"`
				Args      []introValue `json:"args"`
			} `json:"directives"`
		} `json:"__schema"`
	} `json:"data"`
}

func loadIntrospection(t *testing.T) *introSchema {
	t.Helper()
	raw, err := os.ReadFile(introspectionPath(t))
	if err != nil {
		t.Fatalf("reading introspection: %v", err)
	}
	var s introSchema
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("decoding introspection: %v", err)
	}
	return &s
}

var kindNames = map[ast.DefinitionKind]string{
	ast.Scalar: "SCALAR", ast.Object: "OBJECT", ast.Interface: "INTERFACE",
	ast.Union: "UNION", ast.Enum: "ENUM", ast.InputObject: "INPUT_OBJECT",
}

// TestSchemaIsFaithfulSubset checks that every type, field, argument, input field, enum value and
// directive the simulator declares exists in Shopify's real 2026-07 schema with the same type.
func TestSchemaIsFaithfulSubset(t *testing.T) {
	t.Parallel()
	shopify := loadIntrospection(t)
	sch, err := parseSchema()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]*introFullType{}
	for i := range shopify.Data.Schema.Types {
		types[shopify.Data.Schema.Types[i].Name] = &shopify.Data.Schema.Types[i]
	}
	if got, want := sch.Query.Name, shopify.Data.Schema.QueryType.Name; got != want {
		t.Errorf("query root %s, Shopify's is %s", got, want)
	}
	if got, want := sch.Mutation.Name, shopify.Data.Schema.MutationType.Name; got != want {
		t.Errorf("mutation root %s, Shopify's is %s", got, want)
	}
	var problems []string
	checked := 0
	for name, def := range sch.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		checked++
		problems = append(problems, compareType(def, types[name])...)
	}
	for _, d := range sch.Directives {
		if d.Position == nil || d.Position.Src.BuiltIn {
			continue
		}
		problems = append(problems, compareDirective(d, shopify)...)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	if checked < 50 {
		t.Errorf("checked only %d types; the schema did not load as expected", checked)
	}
}

func compareType(def *ast.Definition, rt *introFullType) []string {
	if rt == nil {
		return []string{fmt.Sprintf("type %s does not exist in Shopify's schema", def.Name)}
	}
	if kindNames[def.Kind] != rt.Kind {
		return []string{fmt.Sprintf("type %s is %s here but %s at Shopify", def.Name, def.Kind, rt.Kind)}
	}
	var out []string
	switch def.Kind { //nolint:exhaustive // scalars and unions have nothing to compare beyond their kind
	case ast.Object, ast.Interface:
		rf := map[string]introField{}
		for _, f := range rt.Fields {
			rf[f.Name] = f
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			r, ok := rf[f.Name]
			if !ok {
				out = append(out, fmt.Sprintf("field %s.%s does not exist at Shopify", def.Name, f.Name))
				continue
			}
			if f.Type.String() != r.Type.String() {
				out = append(out, fmt.Sprintf("field %s.%s is %s here but %s at Shopify", def.Name, f.Name, f.Type, r.Type.String()))
			}
			out = append(out, compareArgs(def.Name+"."+f.Name, f.Arguments, r.Args)...)
		}
	case ast.InputObject:
		rf := map[string]introValue{}
		for _, f := range rt.InputFields {
			rf[f.Name] = f
		}
		for _, f := range def.Fields {
			r, ok := rf[f.Name]
			if !ok {
				out = append(out, fmt.Sprintf("input field %s.%s does not exist at Shopify", def.Name, f.Name))
			} else if f.Type.String() != r.Type.String() {
				out = append(out, fmt.Sprintf("input field %s.%s is %s here but %s at Shopify", def.Name, f.Name, f.Type, r.Type.String()))
			}
		}
		for _, r := range rt.InputFields {
			if r.Type.Kind == "NON_NULL" && r.DefaultValue == nil && def.Fields.ForName(r.Name) == nil {
				out = append(out, fmt.Sprintf("input %s lacks required field %s", def.Name, r.Name))
			}
		}
	case ast.Enum:
		rv := map[string]bool{}
		for _, v := range rt.EnumValues {
			rv[v.Name] = true
		}
		for _, v := range def.EnumValues {
			if !rv[v.Name] {
				out = append(out, fmt.Sprintf("enum value %s.%s does not exist at Shopify", def.Name, v.Name))
			}
		}
	}
	return out
}

func compareArgs(where string, args ast.ArgumentDefinitionList, shopify []introValue) []string {
	var out []string
	ra := map[string]introValue{}
	for _, a := range shopify {
		ra[a.Name] = a
	}
	for _, a := range args {
		r, ok := ra[a.Name]
		if !ok {
			out = append(out, fmt.Sprintf("argument %s(%s) does not exist at Shopify", where, a.Name))
		} else if a.Type.String() != r.Type.String() {
			out = append(out, fmt.Sprintf("argument %s(%s) is %s here but %s at Shopify", where, a.Name, a.Type, r.Type.String()))
		}
	}
	for _, r := range shopify {
		if r.Type.Kind == "NON_NULL" && r.DefaultValue == nil && args.ForName(r.Name) == nil {
			out = append(out, fmt.Sprintf("%s lacks required argument %s", where, r.Name))
		}
	}
	return out
}

func compareDirective(d *ast.DirectiveDefinition, shopify *introSchema) []string {
	for _, rd := range shopify.Data.Schema.Directives {
		if rd.Name == d.Name {
			return compareArgs("@"+d.Name, d.Arguments, rd.Args)
		}
	}
	return []string{fmt.Sprintf("directive @%s does not exist at Shopify", d.Name)}
}
