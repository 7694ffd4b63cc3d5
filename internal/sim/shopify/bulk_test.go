package shopifysim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
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

// TestBulkResultRange: the result file honours a Range request from a byte offset (206 with
// the rest of the file), also when served slowly; an offset at or past its end is 416 naming
// the file's size; without a Range the whole file comes (200).
func TestBulkResultRange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 40, 2)
	d := h.ok(`mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { code message } } }`,
		map[string]any{"q": `{ products { edges { node { id variants { edges { node { id sku } } } } } } }`})
	id := get(d, "bulkOperationRunQuery", "bulkOperation", "id")
	var op any
	for deadline := time.Now().Add(20 * time.Second); ; {
		op = get(h.ok(`query($id: ID!) { bulkOperation(id: $id) { status url fileSize } }`, map[string]any{"id": id}), "bulkOperation")
		if get(op, "status") == "COMPLETED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bulk operation %v", op)
		}
		time.Sleep(5 * time.Millisecond)
	}
	url := get(op, "url").(string)
	fetch := func(rng string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, body
	}
	st, _, whole := fetch("")
	if st != http.StatusOK || strconv.Itoa(len(whole)) != get(op, "fileSize") {
		t.Fatalf("whole file: %d, %d bytes, fileSize %v", st, len(whole), get(op, "fileSize"))
	}
	for _, slow := range []bool{false, true} {
		if slow {
			h.sim.SetFaults(h.shop.cfg.Domain, Faults{DownloadChunkBytes: 1000, DownloadChunkDelay: time.Millisecond})
		}
		for _, from := range []int{1, 777, len(whole) - 1} {
			st, hdr, rest := fetch(fmt.Sprintf("bytes=%d-", from))
			wantRange := fmt.Sprintf("bytes %d-%d/%d", from, len(whole)-1, len(whole))
			if st != http.StatusPartialContent || hdr.Get("Content-Range") != wantRange || !bytes.Equal(rest, whole[from:]) {
				t.Errorf("slow %v, from %d: %d %q, %d bytes, want 206 %q and the %d after it", slow, from, st,
					hdr.Get("Content-Range"), len(rest), wantRange, len(whole)-from)
			}
		}
		for _, from := range []int{len(whole), len(whole) + 5} {
			st, hdr, _ := fetch(fmt.Sprintf("bytes=%d-", from))
			if st != http.StatusRequestedRangeNotSatisfiable || hdr.Get("Content-Range") != fmt.Sprintf("bytes */%d", len(whole)) {
				t.Errorf("slow %v, from %d (the end or past it): %d %q, want 416 with the size", slow, from, st, hdr.Get("Content-Range"))
			}
		}
	}
}
