package app_test

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"pgregory.net/rapid"
)

// Generators of requests from the OpenAPI description. A valid request follows the schema of
// every parameter and body field (values that the domain may still refuse, such as a code not in
// a list); an invalid one breaks exactly one field in a way the schema forbids, and names it.

// known are values that make sense for fields whose schema alone cannot say (patterns, codes of
// the account's lists, users' emails), so that valid requests reach the domain rules.
var known = map[string][]any{
	"currency":      {"USD", "EUR", "JPY", "KWD", "usd"},
	"country":       {"US", "DE", "GB", "JP"},
	"unit_price":    {"8.50", "0.05", "12", "1000.1234"},
	"amount":        {"5.00", "-3.50", "0.01", "70"},
	"email":         {"ada@example.com", "rep@walk.test"},
	"primary_rep":   {"rep@walk.test", "nobody@walk.test"},
	"secondary_rep": {"rep@walk.test", ""},
	"csr":           {"rep@walk.test", ""},
	"payment_type":  {"card", "cash"},
	"supplier":      {"sanmar", "acme"},
	"shop_domain":   {"walk.myshopify.com"},
	"url":           {"https://hooks.example.com/in", "https://127.0.0.1:9/x"},
	"base_url":      {"https://127.0.0.1:9", "https://walk.myshopify.com"},
	"If-Match":      {`"v1"`, `"v2"`, "*"},
	"from":          {"2026-01-01", "2026-01-20"}, // days of the orders' and the report's ranges
	"to":            {"2026-01-31", "2026-12-31"},
}

func (w *walk) request(route *routers.Route, invalid bool) *rapid.Generator[req] {
	op := route.Operation
	return rapid.Custom(func(rt *rapid.T) req {
		r := req{method: route.Method, query: url.Values{}, header: http.Header{}}
		_ = rapid.Bool().Draw(rt, "draw") // every example draws, even for an operation without input
		// Targets an invalid request may break, in a fixed order so a seed always picks the same.
		var targets []string
		segs := strings.Split(route.Path, "/")
		params := map[string]*openapi3.Parameter{}
		for _, pr := range op.Parameters {
			if p := pr.Value; p != nil {
				params[p.In+"."+p.Name] = p
			}
		}
		names := make([]string, 0, len(params))
		for n := range params {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p := params[n]
			switch p.In {
			case "path":
				targets = append(targets, n)
			case "query":
				if rapid.Bool().Draw(rt, n+"?") || p.Required {
					r.query.Set(p.Name, fmt.Sprint(value(rt, p.Name, schemaOf(p.Schema), 0)))
				}
				targets = append(targets, n)
			case "header":
				if p.Name == "Idempotency-Key" && !invalid && rapid.Bool().Draw(rt, n+"?") {
					r.header.Set(p.Name, "walk-"+strconv.Itoa(rapid.IntRange(1, 3).Draw(rt, n)))
				} else if v, ok := known[p.Name]; ok && rapid.Bool().Draw(rt, n+"?") {
					r.header.Set(p.Name, fmt.Sprint(rapid.SampledFrom(v).Draw(rt, n)))
				}
			}
		}
		var bodySchema *openapi3.Schema
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
				bodySchema = schemaOf(mt.Schema)
				r.hasBody = true
				r.body = value(rt, "body", bodySchema, 0)
				for _, name := range sortedProps(bodySchema) {
					targets = append(targets, "body."+name)
				}
			}
		}
		pathValues := map[string]string{}
		for _, n := range names {
			if p := params[n]; p.In == "path" {
				pathValues[p.Name] = strconv.Itoa(rapid.IntRange(1, 3).Draw(rt, n))
			}
		}
		if invalid && len(targets) > 0 {
			target := rapid.SampledFrom(targets).Draw(rt, "target")
			r.field = target
			in, name, _ := strings.Cut(target, ".")
			switch in {
			case "path":
				pathValues[name] = breakParam(rt, schemaOf(params[target].Schema))
			case "query":
				r.query.Set(name, breakParam(rt, schemaOf(params[target].Schema)))
			case "body":
				obj, _ := r.body.(map[string]any)
				if obj == nil {
					obj = map[string]any{}
				}
				bad, missing := breakValue(rt, bodySchema, name)
				if missing {
					delete(obj, name)
					r.field = "body." + name
				} else {
					obj[name] = bad
				}
				r.body = obj
			}
		}
		for i, s := range segs {
			if strings.HasPrefix(s, "{") {
				segs[i] = url.PathEscape(pathValues[strings.Trim(s, "{}")])
			}
		}
		r.path = strings.Join(segs, "/")
		return r
	})
}

func schemaOf(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	return ref.Value
}

func sortedProps(s *openapi3.Schema) []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func typeOf(s *openapi3.Schema) string {
	if s == nil || s.Type == nil {
		return ""
	}
	for _, t := range s.Type.Slice() {
		if t != "null" {
			return t
		}
	}
	return ""
}

// value draws a value that s allows; name is the field's name, for the known values.
func value(rt *rapid.T, name string, s *openapi3.Schema, depth int) any {
	if s == nil {
		return "x"
	}
	if v, ok := known[name]; ok && typeOf(s) == "string" {
		return rapid.SampledFrom(v).Draw(rt, name)
	}
	if len(s.Enum) > 0 {
		return rapid.SampledFrom(s.Enum).Draw(rt, name)
	}
	switch typeOf(s) {
	case "object":
		obj := map[string]any{}
		if depth > 3 {
			return obj
		}
		req := map[string]bool{}
		for _, r := range s.Required {
			req[r] = true
		}
		for _, k := range sortedProps(s) {
			ps := schemaOf(s.Properties[k])
			if ps != nil && ps.ReadOnly {
				continue
			}
			if req[k] || rapid.Bool().Draw(rt, name+"."+k+"?") {
				obj[k] = value(rt, k, ps, depth+1)
			}
		}
		return obj
	case "array":
		n := rapid.IntRange(smallInt(s.MinItems), min(smallInt(s.MinItems)+2, maxOr(s.MaxItems, 2))).Draw(rt, name+"#")
		out := make([]any, 0, n)
		for range n {
			out = append(out, value(rt, name, schemaOf(s.Items), depth+1))
		}
		return out
	case "integer":
		lo, hi := int64(0), int64(1000)
		if s.Min != nil {
			lo = int64(*s.Min)
		}
		if s.Max != nil && int64(*s.Max) < hi {
			hi = int64(*s.Max)
		}
		if strings.HasSuffix(name, "_id") || name == "id" {
			hi = min(hi, 3)
		}
		return rapid.Int64Range(lo, max(lo, hi)).Draw(rt, name)
	case "number":
		return rapid.IntRange(0, 100).Draw(rt, name)
	case "boolean":
		return rapid.Bool().Draw(rt, name)
	case "string":
		switch s.Format {
		case "date-time":
			return time.Date(2026, 1, 1+rapid.IntRange(0, 300).Draw(rt, name), 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
		case "email":
			return "ada@example.com"
		case "uri":
			return "https://hooks.example.com/in"
		}
		lo := smallInt(s.MinLength)
		hi := maxOr(s.MaxLength, 24)
		hi = max(lo, min(hi, lo+24))
		return rapid.StringOfN(rapid.RuneFrom([]rune("abcdefghijklmnopqrstuvwxyz ABC-0123456789é")), lo, hi, -1).Draw(rt, name)
	}
	return "x"
}

func maxOr(p *uint64, def int) int {
	if p == nil {
		return def
	}
	return min(smallInt(*p), def)
}

// smallInt is a schema's size bound as an int: the description's bounds are small, and a larger
// one is as good as unbounded for the values drawn here.
func smallInt(u uint64) int {
	if u > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(u)
}

// breakParam draws a parameter value that its schema forbids.
func breakParam(rt *rapid.T, s *openapi3.Schema) string {
	switch typeOf(s) {
	case "integer", "number":
		opts := []string{"x", "1.5"}
		if s.Max != nil {
			opts = append(opts, strconv.FormatInt(int64(*s.Max)+1, 10))
		}
		return rapid.SampledFrom(opts).Draw(rt, "bad")
	case "boolean":
		return "maybe"
	}
	return rapid.SampledFrom([]string{"a\x00b", "a\x1bb"}).Draw(rt, "bad")
}

// breakValue draws a value for property name of s that the schema forbids, or says to leave a
// required property out.
func breakValue(rt *rapid.T, s *openapi3.Schema, name string) (any, bool) {
	ps := schemaOf(s.Properties[name])
	required := false
	for _, r := range s.Required {
		required = required || r == name
	}
	var opts []any
	switch typeOf(ps) {
	case "string":
		opts = []any{"a\x00b", "a\x01b", 12, nil}
		if ps.MaxLength != nil && *ps.MaxLength < 20000 {
			opts = append(opts, strings.Repeat("a", int(*ps.MaxLength)+1))
		}
	case "integer", "number":
		opts = []any{"x", nil, 1.5}
		if ps.Max != nil {
			opts = append(opts, int64(*ps.Max)+1)
		}
	case "boolean":
		opts = []any{"x", nil}
	case "array":
		opts = []any{"x", nil}
	case "object":
		opts = []any{"x", nil, []any{}}
	default:
		opts = []any{nil}
	}
	if ps != nil && ps.Type != nil && ps.Type.Includes("null") {
		opts = removeNil(opts)
	}
	if required {
		opts = append(opts, missingMarker{})
	}
	v := rapid.SampledFrom(opts).Draw(rt, "bad")
	if _, ok := v.(missingMarker); ok {
		return nil, true
	}
	return v, false
}

type missingMarker struct{}

func removeNil(in []any) []any {
	out := in[:0]
	for _, v := range in {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}
