// Package adminschema turns Shopify's Admin API introspection JSON into a gqlparser schema, so that
// the GraphQL documents the client sends, and the schema the simulator serves, can be checked
// against the real API in tests instead of against what someone here believes the API looks like.
package adminschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// TestdataFile is where scripts/testdata.sh (make testdata) unpacks the 2026-07 introspection JSON,
// relative to the module root.
const TestdataFile = "testdata/npm/shopify-admin-2026-07.json"

// ErrNoTestdata reports that the introspection file has not been fetched; tests skip on it.
var ErrNoTestdata = errors.New("shopify admin schema not found: run make testdata (bash scripts/testdata.sh)")

// FindTestdata walks up from dir to the module root (the folder holding go.mod) and returns the
// path of TestdataFile there, or ErrNoTestdata when it is absent. Tests in any package call it
// with "." so they need not know how deep they sit.
func FindTestdata(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("finding module root from %s: %w", dir, err)
	}
	for {
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err == nil {
			p := filepath.Join(abs, TestdataFile)
			if _, err := os.Stat(p); err != nil {
				return "", ErrNoTestdata
			}
			return p, nil
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", ErrNoTestdata
		}
		abs = parent
	}
}

// LoadFile reads an introspection JSON file and returns the schema it describes.
func LoadFile(path string) (*ast.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening admin schema: %w", err)
	}
	defer func() { _ = f.Close() }() // opened for reading: closing loses nothing
	return Load(f)
}

// Load reads introspection JSON (either {"data":{"__schema":…}} or {"__schema":…}) and returns
// the schema it describes.
func Load(r io.Reader) (*ast.Schema, error) {
	sdl, err := SDL(r)
	if err != nil {
		return nil, err
	}
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "shopify-admin.graphql", Input: sdl})
	if err != nil {
		return nil, fmt.Errorf("loading admin schema SDL: %w", err)
	}
	return s, nil
}

// SDL converts introspection JSON to schema definition language, leaving out what gqlparser's
// prelude already declares (built-in scalars, standard directives, introspection types).
// Descriptions of types and fields are kept (tests read them, e.g. which mutations document
// @idempotent); those of arguments and enum values are dropped.
func SDL(r io.Reader) (string, error) {
	var doc struct {
		Data *struct {
			Schema schema `json:"__schema"`
		} `json:"data"`
		Schema *schema `json:"__schema"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return "", fmt.Errorf("decoding introspection JSON: %w", err)
	}
	var s *schema
	switch {
	case doc.Data != nil:
		s = &doc.Data.Schema
	case doc.Schema != nil:
		s = doc.Schema
	default:
		return "", errors.New("decoding introspection JSON: no __schema")
	}
	return s.sdl(), nil
}

type schema struct {
	QueryType        *named      `json:"queryType"`
	MutationType     *named      `json:"mutationType"`
	SubscriptionType *named      `json:"subscriptionType"`
	Types            []fullType  `json:"types"`
	Directives       []directive `json:"directives"`
}

type named struct {
	Name string `json:"name"`
}

type typeRef struct {
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	OfType *typeRef `json:"ofType"`
}

func (t typeRef) String() string {
	switch t.Kind {
	case "NON_NULL":
		return t.OfType.String() + "!"
	case "LIST":
		return "[" + t.OfType.String() + "]"
	default:
		return t.Name
	}
}

type inputValue struct {
	Name         string  `json:"name"`
	Type         typeRef `json:"type"`
	DefaultValue *string `json:"defaultValue"`
}

type field struct {
	Name              string       `json:"name"`
	Description       string       `json:"description"`
	Args              []inputValue `json:"args"`
	Type              typeRef      `json:"type"`
	IsDeprecated      bool         `json:"isDeprecated"`
	DeprecationReason *string      `json:"deprecationReason"`
}

type enumValue struct {
	Name         string `json:"name"`
	IsDeprecated bool   `json:"isDeprecated"`
}

type fullType struct {
	Kind          string       `json:"kind"`
	Description   string       `json:"description"`
	Name          string       `json:"name"`
	Fields        []field      `json:"fields"`
	InputFields   []inputValue `json:"inputFields"`
	Interfaces    []typeRef    `json:"interfaces"`
	EnumValues    []enumValue  `json:"enumValues"`
	PossibleTypes []typeRef    `json:"possibleTypes"`
	IsOneOf       bool         `json:"isOneOf"`
}

type directive struct {
	Name         string       `json:"name"`
	Locations    []string     `json:"locations"`
	Args         []inputValue `json:"args"`
	IsRepeatable bool         `json:"isRepeatable"`
}

func (s *schema) sdl() string {
	prelude := validator.PreludeDocument()
	builtin := map[string]bool{}
	for _, d := range prelude.Definitions {
		builtin[d.Name] = true
	}
	builtinDirective := map[string]bool{}
	for _, d := range prelude.Directives {
		builtinDirective[d.Name] = true
	}

	var b strings.Builder
	b.WriteString("schema {\n")
	if s.QueryType != nil {
		fmt.Fprintf(&b, "  query: %s\n", s.QueryType.Name)
	}
	if s.MutationType != nil {
		fmt.Fprintf(&b, "  mutation: %s\n", s.MutationType.Name)
	}
	if s.SubscriptionType != nil {
		fmt.Fprintf(&b, "  subscription: %s\n", s.SubscriptionType.Name)
	}
	b.WriteString("}\n\n")

	for _, d := range s.Directives {
		if builtinDirective[d.Name] {
			continue
		}
		fmt.Fprintf(&b, "directive @%s%s", d.Name, args(d.Args))
		if d.IsRepeatable {
			b.WriteString(" repeatable")
		}
		fmt.Fprintf(&b, " on %s\n\n", strings.Join(d.Locations, " | "))
	}

	types := append([]fullType(nil), s.Types...)
	sort.Slice(types, func(i, j int) bool { return types[i].Name < types[j].Name })
	for _, t := range types {
		if builtin[t.Name] || strings.HasPrefix(t.Name, "__") {
			continue
		}
		writeType(&b, t)
	}
	return b.String()
}

func writeType(b *strings.Builder, t fullType) {
	if t.Description != "" {
		b.WriteString(quote(t.Description) + "\n")
	}
	switch t.Kind {
	case "SCALAR":
		fmt.Fprintf(b, "scalar %s\n\n", t.Name)
	case "OBJECT", "INTERFACE":
		kw := "type"
		if t.Kind == "INTERFACE" {
			kw = "interface"
		}
		fmt.Fprintf(b, "%s %s", kw, t.Name)
		if len(t.Interfaces) > 0 {
			names := make([]string, len(t.Interfaces))
			for i, in := range t.Interfaces {
				names[i] = in.Name
			}
			fmt.Fprintf(b, " implements %s", strings.Join(names, " & "))
		}
		b.WriteString(" {\n")
		for _, f := range t.Fields {
			if f.Description != "" {
				b.WriteString("  " + quote(f.Description) + "\n")
			}
			fmt.Fprintf(b, "  %s%s: %s%s\n", f.Name, args(f.Args), f.Type, deprecated(f.IsDeprecated, f.DeprecationReason))
		}
		b.WriteString("}\n\n")
	case "UNION":
		names := make([]string, len(t.PossibleTypes))
		for i, p := range t.PossibleTypes {
			names[i] = p.Name
		}
		fmt.Fprintf(b, "union %s = %s\n\n", t.Name, strings.Join(names, " | "))
	case "ENUM":
		fmt.Fprintf(b, "enum %s {\n", t.Name)
		for _, v := range t.EnumValues {
			fmt.Fprintf(b, "  %s%s\n", v.Name, deprecated(v.IsDeprecated, nil))
		}
		b.WriteString("}\n\n")
	case "INPUT_OBJECT":
		fmt.Fprintf(b, "input %s", t.Name)
		if t.IsOneOf {
			b.WriteString(" @oneOf")
		}
		b.WriteString(" {\n")
		for _, f := range t.InputFields {
			fmt.Fprintf(b, "  %s\n", inputValueSDL(f))
		}
		b.WriteString("}\n\n")
	}
}

func args(in []inputValue) string {
	if len(in) == 0 {
		return ""
	}
	parts := make([]string, len(in))
	for i, a := range in {
		parts[i] = inputValueSDL(a)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func inputValueSDL(v inputValue) string {
	s := v.Name + ": " + v.Type.String()
	if v.DefaultValue != nil {
		s += " = " + *v.DefaultValue
	}
	return s
}

func deprecated(is bool, reason *string) string {
	if !is {
		return ""
	}
	if reason == nil {
		return " @deprecated"
	}
	return " @deprecated(reason: " + quote(*reason) + ")"
}

func quote(s string) string {
	b, _ := json.Marshal(s) //nolint:errchkjson // a string always encodes
	return string(b)
}
