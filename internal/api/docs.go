package api

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/yuin/goldmark"
)

// docsOp is one operation as the reference page shows it.
type docsOp struct {
	Method, Path, Summary, ID string
	Description               template.HTML
	Params                    []*huma.Param
	Body                      string
	Responses                 []string
}

// markdown renders the descriptions of the OpenAPI document, which are CommonMark. goldmark's
// default renderer leaves raw HTML out and drops dangerous link targets (javascript: and the
// like), so a description cannot inject markup into the page.
var markdown = goldmark.New()

// md renders a description as HTML.
func md(s string) template.HTML {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(s), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(s)) //nolint:gosec // escaped just above
	}
	return template.HTML(b.String()) //nolint:gosec // goldmark's safe mode: no raw HTML, no dangerous links
}

// mdInline renders a one-line description without its paragraph, for table cells.
func mdInline(s string) template.HTML {
	h := strings.TrimSpace(string(md(s)))
	if strings.HasPrefix(h, "<p>") && strings.HasSuffix(h, "</p>") && strings.Count(h, "<p>") == 1 {
		h = strings.TrimSuffix(strings.TrimPrefix(h, "<p>"), "</p>")
	}
	return template.HTML(h) //nolint:gosec // from md
}

type docsTag struct {
	Name string
	Ops  []docsOp
}

// docsHandler serves a readable API reference built from the OpenAPI document on the server, so it
// works offline: no script, no CDN.
func docsHandler(hapi huma.API) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		oapi := hapi.OpenAPI()
		byTag := map[string][]docsOp{}
		for path, item := range oapi.Paths {
			for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put,
				"PATCH": item.Patch, "DELETE": item.Delete} {
				if op == nil {
					continue
				}
				d := docsOp{Method: method, Path: path, Summary: op.Summary, Description: md(op.Description), ID: op.OperationID, Params: op.Parameters}
				if op.RequestBody != nil {
					for _, mt := range op.RequestBody.Content {
						if mt.Schema != nil {
							d.Body = strings.TrimPrefix(mt.Schema.Ref, "#/components/schemas/")
						}
					}
				}
				for code := range op.Responses {
					d.Responses = append(d.Responses, code)
				}
				slices.Sort(d.Responses)
				tag := "Other"
				if len(op.Tags) > 0 {
					tag = op.Tags[0]
				}
				byTag[tag] = append(byTag[tag], d)
			}
		}
		var tags []docsTag
		for name, ops := range byTag {
			slices.SortFunc(ops, func(a, b docsOp) int {
				if c := strings.Compare(a.Path, b.Path); c != 0 {
					return c
				}
				return strings.Compare(a.Method, b.Method)
			})
			tags = append(tags, docsTag{Name: name, Ops: ops})
		}
		slices.SortFunc(tags, func(a, b docsTag) int { return strings.Compare(a.Name, b.Name) })
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = docsPage.Execute(w, map[string]any{"Title": oapi.Info.Title, "Version": oapi.Info.Version,
			"Description": md(oapi.Info.Description), "Tags": tags})
	}
}

var docsPage = template.Must(template.New("docs").Funcs(template.FuncMap{"md": mdInline}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{margin-bottom:.2rem} nav a{margin-right:.8rem} code{background:#f2f4f8;padding:0 .25rem;border-radius:3px}
.op{border:1px solid #d9dee8;border-radius:6px;margin:1rem 0;padding:.6rem 1rem}
.m{display:inline-block;min-width:3.6rem;font-weight:700}.GET{color:#0a6b3d}.POST{color:#1f4fbf}.PUT{color:#a35a00}.DELETE{color:#b3261e}
table{border-collapse:collapse;margin:.4rem 0}td,th{border-bottom:1px solid #e6e9ef;padding:.15rem .6rem;text-align:left;font-size:14px}
</style></head><body>
<p><a href="/">← Dashboard</a></p>
<h1>{{.Title}}</h1><p>Version {{.Version}} · machine-readable: <a href="/api/openapi.json">/api/openapi.json</a></p>
{{.Description}}
<nav>{{range .Tags}}<a href="#{{.Name}}">{{.Name}}</a>{{end}}</nav>
{{range .Tags}}<h2 id="{{.Name}}">{{.Name}}</h2>
{{range .Ops}}<div class="op" id="{{.ID}}"><div><span class="m {{.Method}}">{{.Method}}</span> <code>{{.Path}}</code> — {{.Summary}}</div>
{{if .Description}}<div class="desc">{{.Description}}</div>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th>meaning</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{if .Schema}}{{.Schema.Type}}{{if .Schema.Format}} ({{.Schema.Format}}){{end}}{{end}}</td><td>{{if .Required}}yes{{end}}</td><td>{{md .Description}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<p>Request body: <code>{{.Body}}</code></p>{{end}}
<p>Responses: {{range .Responses}}<code>{{.}}</code> {{end}}</p></div>{{end}}{{end}}
</body></html>`))
