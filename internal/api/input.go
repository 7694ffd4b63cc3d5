package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode"

	"github.com/danielgtaylor/huma/v2"
)

// The checks every operation's input passes before huma decodes it, in one place, so that no
// handler (whoever writes it) stores what no database keeps alike: a NUL byte (PostgreSQL refuses
// it, SQLite keeps it), control characters in one-line fields, null where the schema has no
// null, and an empty or relative URL where a URL is required. Each refusal is a 422 naming the
// field; nothing is written.

// multiLine names the body fields that are free text over several lines (notes, instructions,
// descriptions): they may hold \n and \t; every other string holds no control character.
var multiLine = map[string]bool{
	"description": true, "customer_instructions": true, "csr_instructions": true, "instructions": true,
}

// humaContext lets bodyContext embed huma.Context under a name that does not hide its Context method.
type humaContext = huma.Context

// bodyContext hands huma the body the checks already read.
type bodyContext struct {
	humaContext
	body []byte
}

func (c *bodyContext) BodyReader() io.Reader { return bytes.NewReader(c.body) }

// checkInput is the API middleware that runs the checks; it sits right after the gate.
func (g *gate) checkInput(ctx huma.Context, next func(huma.Context)) {
	var details []error
	add := func(loc, msg string, v any) {
		details = append(details, &huma.ErrorDetail{Location: loc, Message: msg, Value: Echo(v)})
	}
	u := ctx.URL()
	if p, err := url.PathUnescape(u.EscapedPath()); err == nil && badText(p, false) != "" {
		add(pathLocation(ctx.Operation(), u.EscapedPath()), "must not contain "+badText(p, false), p)
	}
	q := u.Query()
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range q[name] {
			if why := badText(name+v, false); why != "" {
				add("query."+name, "must not contain "+why, v)
			}
		}
	}
	op := ctx.Operation()
	if op == nil || op.RequestBody == nil {
		g.finishInput(ctx, next, details, nil)
		return
	}
	limit := op.MaxBodyBytes
	if limit <= 0 {
		limit = 1 << 20 // huma's default
	}
	body, err := io.ReadAll(io.LimitReader(ctx.BodyReader(), limit+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || int64(len(body)) > limit {
		_ = huma.WriteErr(g.api, ctx, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the request body is too large: the limit is %d bytes", min(limit, maxBytes(tooBig, limit))))
		return
	}
	if err != nil {
		_ = huma.WriteErr(g.api, ctx, http.StatusBadRequest, "cannot read the request body")
		return
	}
	var schema *huma.Schema
	if mt := op.RequestBody.Content["application/json"]; mt != nil {
		schema = mt.Schema
	}
	if len(bytes.TrimSpace(body)) > 0 && schema != nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil { // malformed JSON is huma's to report
			w := walker{reg: g.api.OpenAPI().Components.Schemas, add: add}
			w.walk("body", "", v, schema)
		}
	}
	g.finishInput(ctx, next, details, body)
}

func (g *gate) finishInput(ctx huma.Context, next func(huma.Context), details []error, body []byte) {
	if len(details) > 0 {
		_ = huma.WriteErr(g.api, ctx, http.StatusUnprocessableEntity, "validation failed", details...)
		return
	}
	if body != nil {
		ctx = &bodyContext{humaContext: ctx, body: body}
	}
	next(ctx)
}

func maxBytes(e *http.MaxBytesError, def int64) int64 {
	if e == nil {
		return def
	}
	return e.Limit
}

// badText says what is wrong with s, or "" when nothing is: a NUL byte anywhere, a control
// character outside \n and \t in multi-line text, any control character elsewhere.
// pathLocation names the path parameter whose segment holds bad text ("path.product_id"), or
// "path" when no operation's parameter does.
func pathLocation(op *huma.Operation, escaped string) string {
	if op == nil {
		return "path"
	}
	tmpl, segs := strings.Split(op.Path, "/"), strings.Split(escaped, "/")
	for i, t := range tmpl {
		if i < len(segs) && strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if v, err := url.PathUnescape(segs[i]); err == nil && badText(v, false) != "" {
				return "path." + strings.Trim(t, "{}")
			}
		}
	}
	return "path"
}

func badText(s string, multi bool) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "a NUL byte"
	}
	for _, r := range s {
		if multi && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			if multi {
				return fmt.Sprintf("control character %U (only line feed and tab are allowed)", r)
			}
			return fmt.Sprintf("control character %U", r)
		}
	}
	return ""
}

type walker struct {
	reg huma.Registry
	add func(loc, msg string, v any)
}

func (w walker) resolve(s *huma.Schema) *huma.Schema {
	for i := 0; s != nil && s.Ref != "" && i < 10; i++ {
		s = w.reg.SchemaFromRef(s.Ref)
	}
	return s
}

// walk checks value v at loc (field is its property name) against schema s.
func (w walker) walk(loc, field string, v any, s *huma.Schema) {
	s = w.resolve(s)
	switch x := v.(type) {
	case nil:
		if s != nil && !s.Nullable && s.Type != "null" {
			w.add(loc, "must not be null: leave the field out instead", nil)
		}
	case string:
		if why := badText(x, multiLine[field]); why != "" {
			w.add(loc, "must not contain "+why, x)
			return
		}
		if s != nil && (s.Format == "uri" || s.Format == "url") {
			if u, err := url.Parse(x); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				w.add(loc, "must be an absolute http or https URL", x)
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if why := badText(k, false); why != "" {
				w.add(loc, "a field name must not contain "+why, k)
				continue
			}
			var ps *huma.Schema
			if s != nil && s.Properties != nil {
				ps = s.Properties[k]
			}
			w.walk(loc+"."+k, k, x[k], ps)
		}
	case []any:
		var is *huma.Schema
		if s != nil {
			is = s.Items
		}
		for i, e := range x {
			w.walk(fmt.Sprintf("%s[%d]", loc, i), field, e, is)
		}
	}
}
