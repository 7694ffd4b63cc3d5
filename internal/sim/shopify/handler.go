package shopifysim

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
)

// gqlError is a top-level GraphQL error with Shopify's extensions.code. Resolvers may return it
// too: graphql-go copies Extensions() into the error it reports.
type gqlError struct {
	Message string
	Code    string
	Ext     map[string]any
}

func (e *gqlError) Error() string { return e.Message }

// Extensions returns extensions with the code, as graphql-go's ResolverError asks.
func (e *gqlError) Extensions() map[string]any {
	ext := maps.Clone(e.Ext)
	if ext == nil {
		ext = map[string]any{}
	}
	if e.Code != "" {
		ext["code"] = e.Code
	}
	return ext
}

func (e *gqlError) MarshalJSON() ([]byte, error) {
	out := map[string]any{"message": e.Message}
	if ext := e.Extensions(); len(ext) > 0 {
		out["extensions"] = ext
	}
	return json.Marshal(out)
}

type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

type gqlResponse struct {
	Data       json.RawMessage `json:"data,omitempty"`
	Errors     []any           `json:"errors,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// reqCtx is what resolvers need from the request around them.
type reqCtx struct {
	shop    *Shop
	lim     limits
	keys    map[string][]string
	baseURL string
	events  []event
	// internal: run by the simulator itself (generator, helpers), not sent by a client.
	internal bool
	// payment is how a helper's order is paid (internal requests only; see PlaceOrder).
	payment *Payment
}

type reqCtxKey struct{}

func fromCtx(ctx context.Context) *reqCtx {
	return ctx.Value(reqCtxKey{}).(*reqCtx) //nolint:forcetypeassert // every resolver runs under execute, which sets it
}

// nextKey pops the @idempotent key of the next occurrence of a mutation field.
func (rc *reqCtx) nextKey(field string) string {
	ks := rc.keys[field]
	if len(ks) == 0 {
		return ""
	}
	rc.keys[field] = ks[1:]
	return ks[0]
}

func (s *Sim) serveGraphQL(w http.ResponseWriter, r *http.Request, sh *Shop, body []byte) {
	var req gqlRequest
	if err := json.Unmarshal(body, &req); err != nil || req.Query == "" {
		writeJSONError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if mode := s.pickCallFault(sh, req); mode != 0 && s.serveWithCallFault(w, r, sh, req, mode) {
		return
	}
	resp := s.execute(r.Context(), sh, req, baseURL(r), false)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(resp) //nolint:errchkjson // a failed write to the client has nowhere to be reported
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// execute runs one GraphQL request against a shop: validation, input limits, cost, the leaky
// bucket, execution and the cost extension Shopify puts on every response.
//
// Internal requests (the order generator acting as the storefront) skip the bucket: they are not
// the app's API calls.
func (s *Sim) execute(ctx context.Context, sh *Shop, req gqlRequest, base string, internal bool) *gqlResponse {
	doc, errs := gqlparser.LoadQueryWithRules(s.ast, req.Query, nil)
	if len(errs) > 0 {
		return sh.costOnly(s, errorList(errs), nil)
	}
	op := pickOperation(doc, req.OperationName)
	if op == nil {
		msg := "An operation name is required when the document has more than one operation"
		if req.OperationName != "" {
			msg = fmt.Sprintf("No operation named %q", req.OperationName)
		}
		return sh.costOnly(s, []any{&gqlError{Message: msg}}, nil)
	}
	vars, verr := validator.VariableValues(s.ast, op, req.Variables)
	if verr != nil {
		return sh.costOnly(s, []any{&gqlError{Message: verr.Error()}}, nil)
	}
	if e := checkInputSizes(vars, op); e != nil {
		return sh.costOnly(s, []any{e}, nil)
	}
	if e := checkChangeFrom(op, vars); e != nil {
		return sh.costOnly(s, []any{e}, nil)
	}
	cw := &costWalker{schema: s.ast, vars: vars}
	requested := cw.requested(op)
	if requested > maxQueryCost {
		return sh.costOnly(s, []any{&gqlError{
			Code: "MAX_COST_EXCEEDED",
			Message: fmt.Sprintf("Query cost is %d, which exceeds the single query max cost limit (%d).",
				requested, maxQueryCost),
			Ext: map[string]any{"cost": requested, "maxCost": maxQueryCost},
		}}, &requested)
	}
	rc := &reqCtx{shop: sh, keys: idempotencyKeys(op, vars), baseURL: base, internal: internal}
	if internal {
		rc.payment, _ = ctx.Value(paymentKey{}).(*Payment)
	}
	for field, keys := range rc.keys {
		for _, k := range keys {
			if k != "" && !idempotentFields[field] {
				return sh.costOnly(s, []any{&gqlError{Code: "BAD_REQUEST",
					Message: fmt.Sprintf("The @idempotent directive is not supported on %s.", field)}}, &requested)
			}
		}
	}
	sh.mu.Lock()
	now := s.now()
	if internal {
		sh.bucket.refill(now)
	} else if !sh.bucket.take(now, float64(requested)) {
		status := sh.throttleStatus()
		sh.mu.Unlock()
		return &gqlResponse{
			Errors: []any{&gqlError{Code: "THROTTLED", Message: "Throttled",
				Ext: map[string]any{"documentation": "https://shopify.dev/api/usage/rate-limits"}}},
			Extensions: costExtension(requested, nil, status),
		}
	}
	res := s.schema.Exec(context.WithValue(ctx, reqCtxKey{}, rc), req.Query, op.Name, req.Variables)
	var data map[string]any
	_ = json.Unmarshal(res.Data, &data)
	actual := cw.actual(op, data)
	if actual < requested && !internal {
		sh.bucket.refund(now, float64(requested-actual))
	}
	status := sh.throttleStatus()
	events := rc.events
	sh.mu.Unlock()
	s.webhooks.enqueue(sh, events) //nolint:contextcheck // deliveries outlive the request, as Shopify's do; Close stops them
	out := &gqlResponse{Data: res.Data, Extensions: costExtension(requested, &actual, status)}
	for _, e := range res.Errors {
		out.Errors = append(out.Errors, e)
	}
	return out
}

func (sh *Shop) costOnly(s *Sim, errs []any, requested *int) *gqlResponse {
	sh.mu.Lock()
	sh.bucket.refill(s.now())
	status := sh.throttleStatus()
	sh.mu.Unlock()
	req := 0
	if requested != nil {
		req = *requested
	}
	return &gqlResponse{Errors: errs, Extensions: costExtension(req, nil, status)}
}

func (sh *Shop) throttleStatus() map[string]any {
	// Shopify writes the bucket size and rate as floats ("2000.0") and what is left as an
	// integer; a client decoding into integers breaks on the former.
	return map[string]any{
		"maximumAvailable":   json.Number(strconv.FormatFloat(sh.bucket.size, 'f', 1, 64)),
		"currentlyAvailable": int(sh.bucket.available),
		"restoreRate":        json.Number(strconv.FormatFloat(sh.bucket.rate, 'f', 1, 64)),
	}
}

func costExtension(requested int, actual *int, status map[string]any) map[string]any {
	var act any
	if actual != nil {
		act = *actual
	}
	return map[string]any{"cost": map[string]any{
		"requestedQueryCost": requested,
		"actualQueryCost":    act,
		"throttleStatus":     status,
	}}
}

func pickOperation(doc *ast.QueryDocument, name string) *ast.OperationDefinition {
	if name == "" {
		if len(doc.Operations) == 1 {
			return doc.Operations[0]
		}
		return nil
	}
	return doc.Operations.ForName(name)
}

func errorList(errs gqlerror.List) []any {
	out := make([]any, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return out
}
