package shopifysim

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestBulkQueryJSONL runs a bulk query over more than one internal page and reads the JSONL
// file: one line per product and per variant, variants pointing at their product.
func TestBulkQueryJSONL(t *testing.T) {
	t.Parallel()
	const products, variants = 260, 2
	h := newHarness(t, ShopConfig{}, products, variants)
	d := h.ok(`mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } userErrors { code message } } }`,
		map[string]any{"q": `{ products { edges { node { id title variants { edges { node { id sku price } } } } } } }`})
	if ue := get(d, "bulkOperationRunQuery", "userErrors").([]any); len(ue) > 0 {
		t.Fatal(ue)
	}
	id := get(d, "bulkOperationRunQuery", "bulkOperation", "id")
	var op any
	for deadline := time.Now().Add(20 * time.Second); ; {
		op = get(h.ok(`query($id: ID!) { bulkOperation(id: $id) { status url objectCount rootObjectCount fileSize } }`, map[string]any{"id": id}), "bulkOperation")
		if get(op, "status") == "COMPLETED" {
			break
		}
		if time.Now().After(deadline) || (get(op, "status") != "CREATED" && get(op, "status") != "RUNNING") {
			t.Fatalf("bulk operation %v", op)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if get(op, "objectCount") != "780" || get(op, "rootObjectCount") != "260" {
		t.Errorf("counts %v", op)
	}
	cur := get(h.ok(`{ currentBulkOperation { id status } }`, nil), "currentBulkOperation", "id")
	if cur != id {
		t.Errorf("currentBulkOperation %v, want %v", cur, id)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, get(op, "url").(string), nil)
	resp, err := http.DefaultClient.Do(req) // a signed URL at Shopify: no token needed
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("result status %d", resp.StatusCode)
	}
	parents := map[string]bool{}
	lines, children := 0, 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		lines++
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d: %v", lines, err)
		}
		if p, ok := line["__parentId"].(string); ok {
			children++
			if !parents[p] {
				t.Fatalf("line %d: parent %s not seen before its child", lines, p)
			}
			if line["sku"] == nil || line["price"] == nil {
				t.Errorf("variant line without sku or price: %v", line)
			}
		} else {
			parents[line["id"].(string)] = true
			if _, nested := line["variants"]; nested {
				t.Errorf("product line carries its nested connection: %v", line)
			}
		}
	}
	if lines != products*(1+variants) || children != products*variants || len(parents) != products {
		t.Errorf("%d lines, %d variants, %d products", lines, children, len(parents))
	}
	bad := h.ok(`mutation { bulkOperationRunQuery(query: "{ shop { name } }") { userErrors { code message } } }`, nil)
	if get(bad, "bulkOperationRunQuery", "userErrors", 0, "code") != "INVALID" {
		t.Errorf("bulk query without a connection: %v", bad)
	}
	// The result is a file, not memory, and Close removes it.
	if files, err := os.ReadDir(h.sim.bulkDir); err != nil || len(files) != 1 {
		t.Fatalf("bulk results folder: %v, %v", files, err)
	}
	if err := h.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(h.sim.bulkDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("bulk results folder left after Close: %v", err)
	}
}
