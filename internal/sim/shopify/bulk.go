package shopifysim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// maxConcurrentBulkQueries is how many bulk queries Shopify runs at once per shop (2026-01 on).
const maxConcurrentBulkQueries = 5

type bulkOperation struct {
	ID          int64      `json:"id"`
	Status      string     `json:"status"`
	Query       string     `json:"query"`
	URL         string     `json:"url"`
	ErrorCode   string     `json:"error_code"`
	Objects     int64      `json:"object_count"`
	Roots       int64      `json:"root_object_count"`
	FileSize    int64      `json:"file_size"`
	CreatedAt   time.Time  `json:"created_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

type bulkR struct{ b *bulkOperation }

func (r *bulkR) ID() graphql.ID                { return graphql.ID(gid("BulkOperation", r.b.ID)) }
func (r *bulkR) Status() string                { return r.b.Status }
func (r *bulkR) Type() string                  { return "QUERY" }
func (r *bulkR) Query() string                 { return r.b.Query }
func (r *bulkR) CreatedAt() dateTime           { return dateTime{r.b.CreatedAt} }
func (r *bulkR) ObjectCount() uint64Scalar     { return uint64Scalar(r.b.Objects) }
func (r *bulkR) RootObjectCount() uint64Scalar { return uint64Scalar(r.b.Roots) }
func (r *bulkR) ErrorCode() *string            { return optString(r.b.ErrorCode) }
func (r *bulkR) PartialDataURL() *urlScalar    { return nil }
func (r *bulkR) CompletedAt() *dateTime {
	if r.b.CompletedAt == nil {
		return nil
	}
	return &dateTime{*r.b.CompletedAt}
}
func (r *bulkR) FileSize() *uint64Scalar {
	if r.b.Status != "COMPLETED" {
		return nil
	}
	n := uint64Scalar(r.b.FileSize)
	return &n
}
func (r *bulkR) URL() *urlScalar {
	if r.b.URL == "" {
		return nil
	}
	u := urlScalar(r.b.URL)
	return &u
}

func (rootResolver) BulkOperation(ctx context.Context, a idArgs) (*bulkR, error) {
	sh := fromCtx(ctx).shop
	b, err := lookup(sh.data.BulkOperations, "BulkOperation", a.ID)
	if b == nil {
		return nil, err
	}
	return &bulkR{b}, nil
}

// CurrentBulkOperation is the shop's most recent bulk query (the simulator runs no bulk mutations).
func (rootResolver) CurrentBulkOperation(ctx context.Context, a struct{ Type string }) *bulkR {
	if a.Type != "QUERY" {
		return nil
	}
	var last *bulkOperation
	for _, b := range fromCtx(ctx).shop.data.BulkOperations {
		if last == nil || b.ID > last.ID {
			last = b
		}
	}
	if last == nil {
		return nil
	}
	return &bulkR{last}
}

type bulkPayloadR struct {
	b      *bulkOperation
	errors []userErr
}

func (r *bulkPayloadR) BulkOperation() *bulkR {
	if r.b == nil {
		return nil
	}
	return &bulkR{r.b}
}
func (r *bulkPayloadR) UserErrors() []*userErrR { return wrapErrs(r.errors) }

// BulkOperationRunQuery starts a bulk query: it runs in the background without page limits and
// leaves a JSONL file (one object a line, nested connection nodes with __parentId) at the URL the
// operation reports once COMPLETED.
func (rootResolver) BulkOperationRunQuery(ctx context.Context, a struct {
	GroupObjects bool
	Query        string
}) (*bulkPayloadR, error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	fail := func(code, msg string) (*bulkPayloadR, error) {
		return &bulkPayloadR{errors: []userErr{{Field: []string{"query"}, Code: code, Message: msg}}}, nil
	}
	running := 0
	for _, b := range sh.data.BulkOperations {
		if b.Status == "CREATED" || b.Status == "RUNNING" {
			running++
		}
	}
	if running >= maxConcurrentBulkQueries {
		return fail("OPERATION_IN_PROGRESS", "A bulk query operation for this app and shop is already in progress.")
	}
	rewritten, err := rewriteBulkQuery(sh.sim.ast, a.Query)
	if err != nil {
		return fail("INVALID", err.Error())
	}
	b := &bulkOperation{ID: sh.data.newID(), Status: "CREATED", Query: a.Query, CreatedAt: sh.sim.now()}
	sh.data.BulkOperations[b.ID] = b
	url := rc.baseURL + "/shops/" + sh.cfg.Domain + "/bulk/" + strconv.FormatInt(b.ID, 10) + ".jsonl"
	sim := sh.sim
	sim.mu.Lock()
	closed := sim.closed
	if !closed {
		sim.bg.Add(1)
	}
	sim.mu.Unlock()
	if closed {
		b.Status, b.ErrorCode = "FAILED", "INTERNAL_SERVER_ERROR"
		return &bulkPayloadR{b: b}, nil
	}
	go func() { //nolint:contextcheck // the operation outlives the request that started it; Close stops it
		defer sim.bg.Done()
		sim.runBulk(sh, b, rewritten, url)
	}()
	return &bulkPayloadR{b: b}, nil
}

// bulkPageSize is how many top-level objects a bulk query reads while holding the shop's lock;
// between pages other requests run, so polling a running operation answers at once.
const bulkPageSize = 100

// rewriteBulkQuery validates a bulk query (one top-level connection) and rewrites it to run page
// by page: the top-level connection takes first/after and reports its pageInfo, nested
// connections without first: get a size no catalog reaches.
func rewriteBulkQuery(schema *ast.Schema, q string) (string, error) {
	doc, errs := gqlparser.LoadQueryWithRules(schema, q, nil)
	if len(errs) > 0 {
		return "", fmt.Errorf("invalid bulk query: %s", errs[0].Message)
	}
	if len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Query {
		return "", fmt.Errorf("a bulk query must be exactly one query operation")
	}
	op := doc.Operations[0]
	top := collectFields(op.SelectionSet)
	if len(top) != 1 || top[0].Definition == nil || !isConnection(schema.Types[top[0].Definition.Type.Name()]) {
		return "", fmt.Errorf("a bulk query must select exactly one top-level connection")
	}
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, f := range collectFields(set) {
			if f.Definition != nil {
				if def := schema.Types[f.Definition.Type.Name()]; def != nil && isConnection(def) && f.Arguments.ForName("first") == nil {
					f.Arguments = append(f.Arguments, &ast.Argument{Name: "first",
						Value: &ast.Value{Kind: ast.IntValue, Raw: "2000000000"}})
				}
			}
			walk(f.SelectionSet)
		}
	}
	root := top[0]
	root.Arguments = slices.DeleteFunc(root.Arguments, func(a *ast.Argument) bool { return a.Name == "first" || a.Name == "after" })
	root.Arguments = append(root.Arguments,
		&ast.Argument{Name: "first", Value: &ast.Value{Kind: ast.IntValue, Raw: strconv.Itoa(bulkPageSize)}},
		&ast.Argument{Name: "after", Value: &ast.Value{Kind: ast.Variable, Raw: "bulkAfter"}})
	op.VariableDefinitions = append(op.VariableDefinitions, &ast.VariableDefinition{Variable: "bulkAfter", Type: ast.NamedType("String", nil)})
	walk(root.SelectionSet)
	root.SelectionSet = append(root.SelectionSet, &ast.Field{Alias: "bulkPageInfo", Name: "pageInfo",
		SelectionSet: ast.SelectionSet{&ast.Field{Name: "hasNextPage"}, &ast.Field{Name: "endCursor"}}})
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatQueryDocument(doc)
	return buf.String(), nil
}

// runBulk executes a rewritten bulk query one top-level page at a time and keeps the JSONL.
func (s *Sim) runBulk(sh *Shop, b *bulkOperation, query, url string) {
	doc, errs := gqlparser.LoadQueryWithRules(s.ast, query, nil)
	fail := func(err string) {
		now := s.now()
		b.CompletedAt = &now
		b.Status, b.ErrorCode = "FAILED", "INTERNAL_SERVER_ERROR"
		s.log.Warn("bulk query failed", "shop", sh.cfg.Domain, "err", err)
	}
	if len(errs) > 0 {
		sh.mu.Lock()
		fail(errs.Error())
		sh.mu.Unlock()
		return
	}
	root := collectFields(doc.Operations[0].SelectionSet)[0]
	path := filepath.Join(s.bulkDir, fmt.Sprintf("%d-%d.jsonl", shopNumber(sh.cfg.Domain), b.ID))
	f, err := os.Create(path)
	if err != nil {
		sh.mu.Lock()
		fail(err.Error())
		sh.mu.Unlock()
		return
	}
	out := &countingWriter{w: bufio.NewWriterSize(f, 1<<20)}
	enc := json.NewEncoder(out)
	abandon := func(msg string) {
		_ = f.Close()
		_ = os.Remove(path)
		fail(msg)
	}
	var after any
	for {
		sh.mu.Lock()
		b.Status = "RUNNING"
		rc := &reqCtx{shop: sh, lim: limits{unbounded: true}}
		res := s.schema.Exec(context.WithValue(s.ctx, reqCtxKey{}, rc), query, "", map[string]any{"bulkAfter": after})
		if len(res.Errors) > 0 {
			abandon(res.Errors[0].Message)
			sh.mu.Unlock()
			return
		}
		var data map[string]any
		_ = json.Unmarshal(res.Data, &data)
		for _, node := range connectionNodes(root, data[root.Alias]) {
			b.Roots++
			b.Objects += writeBulkNode(enc, s.ast, root, node, "")
		}
		page := asObject(asObject(data[root.Alias])["bulkPageInfo"])
		if next, _ := page["hasNextPage"].(bool); !next {
			if d := sh.faults.BulkDuration; d > 0 {
				sh.mu.Unlock()
				t := time.NewTimer(d - s.now().Sub(b.CreatedAt))
				select {
				case <-t.C:
				case <-s.ctx.Done():
				}
				t.Stop()
				sh.mu.Lock()
			}
			if err := errors.Join(out.w.Flush(), f.Close()); err != nil {
				abandon(err.Error())
				sh.mu.Unlock()
				return
			}
			now := s.now()
			sh.bulk[b.ID] = path
			b.FileSize, b.URL, b.Status, b.CompletedAt = out.n, url, "COMPLETED", &now
			sh.mu.Unlock()
			return
		}
		after = page["endCursor"]
		sh.mu.Unlock()
	}
}

// connectionNodes returns the nodes of a connection value, read from edges.node or nodes.
func connectionNodes(f *ast.Field, v any) []map[string]any {
	obj := asObject(v)
	var out []map[string]any
	for _, sub := range collectFields(f.SelectionSet) {
		switch sub.Name {
		case "nodes":
			for _, n := range asList(obj[sub.Alias]) {
				out = append(out, asObject(n))
			}
		case "edges":
			for _, e := range asList(obj[sub.Alias]) {
				for _, nf := range collectFields(sub.SelectionSet) {
					if nf.Name == "node" {
						out = append(out, asObject(asObject(e)[nf.Alias]))
					}
				}
			}
		}
	}
	return out
}

// nodeSelection is the selection set applied to each node of a connection field.
func nodeSelection(f *ast.Field) ast.SelectionSet {
	for _, sub := range collectFields(f.SelectionSet) {
		if sub.Name == "nodes" {
			return sub.SelectionSet
		}
		if sub.Name == "edges" {
			for _, nf := range collectFields(sub.SelectionSet) {
				if nf.Name == "node" {
					return nf.SelectionSet
				}
			}
		}
	}
	return nil
}

// writeBulkNode writes one node as a JSONL line, then its nested connections' nodes as lines of
// their own pointing back with __parentId. It returns the number of lines written.
func writeBulkNode(enc *json.Encoder, schema *ast.Schema, conn *ast.Field, node map[string]any, parent string) int64 {
	line := map[string]any{}
	type nested struct {
		f     *ast.Field
		nodes []map[string]any
	}
	var children []nested
	for _, f := range collectFields(nodeSelection(conn)) {
		if f.Definition != nil {
			if def := schema.Types[f.Definition.Type.Name()]; def != nil && isConnection(def) {
				children = append(children, nested{f, connectionNodes(f, node[f.Alias])})
				continue
			}
		}
		line[f.Alias] = node[f.Alias]
	}
	if parent != "" {
		line["__parentId"] = parent
	}
	_ = enc.Encode(line) //nolint:errchkjson // values decoded from JSON encode; a write error sticks in the bufio.Writer and its Flush reports it
	n := int64(1)
	id, _ := node["id"].(string)
	for _, c := range children {
		for _, child := range c.nodes {
			n += writeBulkNode(enc, schema, c.f, child, id)
		}
	}
	return n
}

// serveBulkResult serves a bulk result file, honouring a Range request (as the storage behind
// Shopify's signed URLs does): a download cut off resumes at a byte offset instead of reading
// the file again. With DownloadChunkBytes set it is sent slowly, a chunk at a time.
func (s *Sim) serveBulkResult(w http.ResponseWriter, r *http.Request, sh *Shop, name string) {
	id, err := strconv.ParseInt(strings.TrimSuffix(name, ".jsonl"), 10, 64)
	sh.mu.Lock()
	path, ok := sh.bulk[id]
	sh.mu.Unlock()
	if err != nil || !ok {
		writeJSONError(w, http.StatusNotFound, "Not Found")
		return
	}
	// A download resumes with one range (bytes=N-): a longer Range header is refused before the
	// standard library parses it (its parser has no size limit in go1.26.8, GO-2026-6609).
	if len(r.Header.Get("Range")) > maxRangeHeader {
		writeJSONError(w, http.StatusRequestedRangeNotSatisfiable, "Range header too long")
		return
	}
	file, err := os.Open(path)
	if err != nil {
		writeJSONError(w, http.StatusNotFound, "Not Found")
		return
	}
	defer func() { _ = file.Close() }() // read only
	st, err := file.Stat()
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	w.Header().Set("Content-Type", "application/jsonl")
	f := sh.currentFaults()
	if f.DownloadChunkBytes <= 0 {
		http.ServeContent(w, r, name, st.ModTime(), file)
		return
	}
	flusher, _ := w.(http.Flusher)
	http.ServeContent(&flushingWriter{ResponseWriter: w, flusher: flusher}, r, name, st.ModTime(),
		&slowFile{f: file, ctx: r.Context(), chunk: f.DownloadChunkBytes, delay: f.DownloadChunkDelay})
}

// maxRangeHeader bounds the Range header a result download accepts.
const maxRangeHeader = 128

// slowFile reads a file at most chunk bytes at a time, each read after delay.
type slowFile struct {
	f     *os.File
	ctx   context.Context //nolint:containedctx // an io.Reader has no context argument: the request's, to stop a slow read when the client goes
	chunk int
	delay time.Duration
}

func (s *slowFile) Read(p []byte) (int, error) {
	t := time.NewTimer(s.delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.ctx.Done():
		return 0, s.ctx.Err() //nolint:wrapcheck // the request's own cancellation, passed through
	}
	return s.f.Read(p[:min(len(p), s.chunk)]) //nolint:wrapcheck // an io.Reader passes its source's errors through
}

func (s *slowFile) Seek(offset int64, whence int) (int64, error) {
	return s.f.Seek(offset, whence) //nolint:wrapcheck // an io.Seeker passes its source's errors through
}

// flushingWriter flushes every write, so a slow download's chunks reach the client one by one.
type flushingWriter struct {
	http.ResponseWriter
	flusher http.Flusher
}

func (w *flushingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	if w.flusher != nil {
		w.flusher.Flush()
	}
	return n, err //nolint:wrapcheck // a writer passes its destination's errors through
}

// countingWriter counts the bytes of a bulk result as they are written.
type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err //nolint:wrapcheck // a writer passes its destination's errors through
}
