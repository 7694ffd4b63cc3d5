package feed

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/storesync/storesync/internal/money"
)

type item struct {
	sku, title string
	qty, price int64
}

// TestRoundTrip writes random items as every format, parses them back and expects the items,
// the first of each SKU winning and the others reported as duplicates.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		items := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) item {
			return item{
				sku:   rapid.StringMatching(`[A-Za-z0-9][A-Za-z0-9 ,;"'\t-]{0,8}[A-Za-z0-9]|[A-Z]`).Draw(t, "sku"),
				title: rapid.StringMatching(`[a-zA-Z0-9 ,;"\n]{0,20}`).Draw(t, "title"),
				qty:   rapid.Int64Range(-1000, 1<<40).Draw(t, "qty"),
				price: rapid.Int64Range(0, 1<<50).Draw(t, "price"),
			}
		}), 1, 50).Draw(t, "items")
		format := rapid.SampledFrom([]string{"csv,", "csv;", "csv\t", "json", "ndjson"}).Draw(t, "format")
		data := encode(t, format, items)
		m := Mapping{SKU: "SKU", Quantity: "Qty", Price: "Price", Title: "Title", Currency: "USD"}
		f := CSV
		if strings.Contains(format, "json") {
			f = JSON
		}
		p := parseBytes(t.Context(), f, data, m, Rules{})
		if p.err != nil {
			t.Fatalf("%s: %v\n%q", format, p.err, data)
		}
		var want []item
		first := map[string]bool{}
		dups, clamped := 0, 0
		for _, it := range items {
			if first[it.sku] {
				dups++
				continue
			}
			first[it.sku] = true
			if it.qty < 0 {
				it.qty = 0
				clamped++
			}
			it.title = strings.TrimSpace(it.title)
			want = append(want, it)
		}
		var got []item
		for _, r := range p.rows {
			got = append(got, item{sku: r.SKU, title: r.Title, qty: *r.Quantity, price: *r.Price})
		}
		if d := diff(want, got); d != "" {
			t.Fatalf("%s: %s\n%q", format, d, data)
		}
		if p.rep.Read != len(items) || p.rep.Duplicates != dups || p.rep.Refused != dups || p.rep.Clamped != clamped {
			t.Fatalf("%s: report %+v, want %d read %d duplicates %d clamped", format, p.rep, len(items), dups, clamped)
		}
	})
}

func encode(t *rapid.T, format string, items []item) []byte {
	var b bytes.Buffer
	switch format {
	case "json", "ndjson":
		objs := make([]map[string]any, 0, len(items))
		for _, it := range items {
			objs = append(objs, map[string]any{"SKU": it.sku, "Qty": it.qty, "Price": money.FormatDigits(it.price, 2), "Title": it.title})
		}
		if format == "json" {
			if err := json.NewEncoder(&b).Encode(objs); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
		enc := json.NewEncoder(&b)
		for _, o := range objs {
			if err := enc.Encode(o); err != nil {
				t.Fatal(err)
			}
		}
		return b.Bytes()
	}
	w := csv.NewWriter(&b)
	w.Comma = rune(format[3])
	_ = w.Write([]string{"SKU", "Qty", "Price", "Title"})
	for _, it := range items {
		_ = w.Write([]string{it.sku, strconv.FormatInt(it.qty, 10), money.FormatDigits(it.price, 2), it.title})
	}
	w.Flush()
	return b.Bytes()
}
