package feed

import (
	"bytes"
	"errors"
	"testing"
)

// The fuzz targets run as ordinary tests from their seeds and testdata/fuzz/<name>/; with -fuzz
// they look for input that breaks what every parse promises.

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("sku,qty,price,title\nA,1,2.50,Mug\nB,-1,x,\n"))
	f.Add([]byte("\uFEFFsku;qty\n\"A;1\";2\nA;3\n"))
	f.Add([]byte("sku\tqty\nA\t1\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, CSV, data) })
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`[{"sku":"A","qty":1,"price":"2.5"},{"sku":"B","qty":{"x":1}},3]`))
	f.Add([]byte("{\"sku\":\"A\",\"qty\":1}\n{\"sku\":\n[1]\n{\"sku\":\"A\"}\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, JSON, data) })
}

func FuzzParseXLSX(f *testing.F) {
	f.Add(workbook(f, map[string][][]any{"S": {{"sku", "qty", "price"}, {"A", 1, 2.5}, nil, {"B", "x", -1}}}, "S"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, XLSX, data) })
}

// fuzzParse maps the first four header columns (whatever they are called) to sku, quantity,
// price and title, parses, and checks the report's invariants.
func fuzzParse(t *testing.T, format Format, data []byte) {
	header, rows, err := Preview(t.Context(), bytes.NewReader(data), format, 5)
	if err != nil {
		checkFuzzError(t, err)
		return
	}
	if len(rows) > 5 {
		t.Fatalf("preview of 5 rows gave %d", len(rows))
	}
	m := Mapping{Currency: "EUR"}
	for i, target := range []*string{&m.SKU, &m.Quantity, &m.Price, &m.Title} {
		if i < len(header) && normalize(header[i]) != "" {
			*target = header[i]
		}
	}
	if m.SKU == "" {
		m.Barcode = "x"
	}
	p := parseBytes(t.Context(), format, data, m, Rules{QuantityMultiplier: "0.5", QuantityCap: ptr(1000)})
	if p.err != nil {
		checkFuzzError(t, p.err)
	}
	checkInvariants(t, p)
	for _, row := range p.rows {
		if row.Quantity != nil && *row.Quantity > 1000 {
			t.Fatalf("line %d: quantity %d over the cap", row.Line, *row.Quantity)
		}
		if row.Price != nil && *row.Price < 0 {
			t.Fatalf("line %d: price %d", row.Line, *row.Price)
		}
	}
}

// checkFuzzError accepts the errors a feed may cause: a broken file, or a mapping its header
// does not fit.
func checkFuzzError(t *testing.T, err error) {
	var fe *FileError
	var me *FieldError
	if !errors.As(err, &fe) && !errors.As(err, &me) {
		t.Fatalf("error of an unexpected kind: %T %v", err, err)
	}
	if fe != nil && fe.Line < 0 {
		t.Fatalf("error at line %d: %v", fe.Line, err)
	}
}
