package api

import (
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// maxID is the largest id (and integer parameter) the API takes: 2^53−1, the largest integer
// every JSON client reads exactly.
const maxID = 1<<53 - 1

// finishSpec completes every registered operation, whoever registered it, with what the gate, the
// input checks and the idempotency keys do, so that the description and the server agree: the
// error answers they give, the Idempotency-Key header of every POST, and a maximum on every
// integer parameter (which huma then enforces).
func finishSpec(hapi huma.API) {
	oapi := hapi.OpenAPI()
	errSchema := oapi.Components.Schemas.Schema(reflect.TypeFor[huma.ErrorModel](), true, "")
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			codes := []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusInternalServerError}
			hasPath := false
			for _, p := range op.Parameters {
				if p.In == "path" {
					hasPath = true
				}
				boundInteger(p)
			}
			if hasPath {
				codes = append(codes, http.StatusNotFound, http.StatusUnprocessableEntity)
			}
			if len(op.Parameters) > 0 {
				codes = append(codes, http.StatusUnprocessableEntity)
			}
			if op.RequestBody != nil {
				codes = append(codes, http.StatusBadRequest, http.StatusRequestEntityTooLarge,
					http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
			}
			if op.Method == http.MethodPost {
				codes = append(codes, http.StatusConflict, http.StatusUnprocessableEntity)
				addIdempotencyKey(op)
			}
			if op.Responses == nil {
				op.Responses = map[string]*huma.Response{}
			}
			if op.Method == http.MethodPost {
				for code, res := range op.Responses {
					if strings.HasPrefix(code, "2") && res != nil {
						if res.Headers == nil {
							res.Headers = map[string]*huma.Header{}
						}
						res.Headers[replayedHeader] = &huma.Header{Description: "true when this is the kept answer " +
							"of an earlier request with the same Idempotency-Key, replayed", Schema: &huma.Schema{Type: "string", Enum: []any{"true"}}}
					}
				}
			}
			for _, c := range codes {
				k := strconv.Itoa(c)
				if op.Responses[k] == nil {
					op.Responses[k] = &huma.Response{Description: http.StatusText(c),
						Content: map[string]*huma.MediaType{"application/problem+json": {Schema: errSchema}}}
				}
			}
		}
	}
}

func boundInteger(p *huma.Param) {
	s := p.Schema
	if s == nil || s.Type != "integer" || s.Maximum != nil {
		return
	}
	m := float64(maxID)
	s.Maximum = &m
	s.PrecomputeMessages()
}

func addIdempotencyKey(op *huma.Operation) {
	for _, p := range op.Parameters {
		if strings.EqualFold(p.Name, idempotencyHeader) && p.In == "header" {
			return
		}
	}
	op.Parameters = append(op.Parameters, &huma.Param{Name: idempotencyHeader, In: "header",
		Description: "Any string of 1 to 255 printable characters (a UUID, say). The first answer to a POST with this key " +
			"(status and body) is kept for 24 hours, per account, and replayed to a retry with the same key, marked " +
			"`Idempotent-Replayed: true`; the same key with a different body is a 422, and a retry while the first is " +
			"still running a 409.",
		Schema: &huma.Schema{Type: "string", MinLength: new(1), MaxLength: new(255)}})
}

// allowedMethods returns the methods the API serves at path, for a 405's Allow header.
func allowedMethods(hapi huma.API, path string) []string {
	seen := map[string]bool{}
	for tmpl, item := range hapi.OpenAPI().Paths {
		if !pathMatches(tmpl, path) {
			continue
		}
		for m, op := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post,
			http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete} {
			if op != nil {
				seen[m] = true
				if m == http.MethodGet {
					seen[http.MethodHead] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// pathMatches reports whether path fits the template ("/api/v2/jobs/{id}").
func pathMatches(tmpl, path string) bool {
	ts, ps := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}
