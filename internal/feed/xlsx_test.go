package feed

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// workbook builds an XLSX in memory: sheets by name, each a list of rows (nil is a blank row).
func workbook(t testing.TB, sheets map[string][][]any, order ...string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			if row == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseXLSX(t *testing.T) {
	t.Parallel()
	data := workbook(t, map[string][][]any{
		"Notes": {{"not the feed"}},
		"Stock": {
			nil,
			{"SKU", "EAN", "Stock", "Price", "Cost", "Title"},
			{"00042", "4006381333931", 12, 19.99, 10, "Mug"},
			nil,
			{"B-2", "", -4, "5", nil, "Cap"},
			{"C-3", "", 1.5, 1, 1, "Half"},
			{"D-4", "", 3, 0.1 + 0.2, 1, "Float noise"},
			{"E-5", "", 1e3, 2.5e1, nil, "Exponent"},
		},
	}, "Notes", "Stock")
	m := Mapping{SKU: "sku", Barcode: "ean", Quantity: "stock", Price: "price", Cost: "cost", Title: "title", Currency: "USD", Sheet: "stock"}
	p := parseBytes(t.Context(), XLSX, data, m, Rules{})
	if p.err != nil {
		t.Fatal(p.err)
	}
	checkInvariants(t, p)
	want := []Row{
		{Line: 3, SKU: "00042", Barcode: "4006381333931", Quantity: ptr(12), Price: ptr(1999), Cost: ptr(1000), Title: "Mug"},
		{Line: 5, SKU: "B-2", Quantity: ptr(0), Price: ptr(500), Title: "Cap"},
		{Line: 7, SKU: "D-4", Quantity: ptr(3), Price: ptr(30), Cost: ptr(100), Title: "Float noise"},
		{Line: 8, SKU: "E-5", Quantity: ptr(1000), Price: ptr(2500), Title: "Exponent"},
	}
	if d := diff(want, p.rows); d != "" {
		t.Fatal(d)
	}
	wantRefused := []Refusal{
		{Line: 6, Identifier: "C-3", Field: "quantity", Column: "Stock", Reason: `quantity "1.5" is not a whole number`},
	}
	if d := diff(wantRefused, p.rep.RefusedRows); d != "" {
		t.Fatal(d)
	}
	if p.rep.Clamped != 1 || diff([]string{"SKU", "EAN", "Stock", "Price", "Cost", "Title"}, p.rep.Header) != "" {
		t.Fatalf("report %+v", p.rep)
	}

	// The first sheet by default, and from a file without a copy.
	path := filepath.Join(t.TempDir(), "feed.xlsx")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header, rows, err := Preview(t.Context(), f, XLSX, 5)
	if err != nil || diff([]string{"not the feed"}, header) != "" || len(rows) != 0 {
		t.Fatalf("preview %q %q %v", header, rows, err)
	}

	// A sheet the workbook does not have.
	m.Sheet = "Prices"
	p = parseBytes(t.Context(), XLSX, data, m, Rules{})
	var fe *FieldError
	if !errors.As(p.err, &fe) || fe.Field != "mapping.sheet" || !strings.Contains(fe.Message, `sheet "Prices" is not in the workbook (it has: "Notes", "Stock")`) {
		t.Fatalf("err %v", p.err)
	}
}

func TestXLSXBroken(t *testing.T) {
	t.Parallel()
	data := workbook(t, map[string][][]any{"S": {{"sku"}, {"A"}}}, "S")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{name: "truncated zip", data: data[:len(data)/2], want: "reading xlsx feed: not a readable workbook: zip: not a valid zip file"},
		{name: "empty sheet", data: workbook(t, map[string][][]any{"S": {}}, "S"), want: "reading xlsx feed, line 1: the sheet is empty: no header row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := parseBytes(t.Context(), XLSX, tc.data, Mapping{SKU: "sku"}, Rules{})
			if p.err == nil || p.err.Error() != tc.want {
				t.Fatalf("err %v, want %s", p.err, tc.want)
			}
		})
	}
}

func TestXLSXSpoolRemoved(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	data := workbook(t, map[string][][]any{"S": {{"sku"}, {"A"}}}, "S")
	p := parseBytes(t.Context(), XLSX, data, Mapping{SKU: "sku"}, Rules{})
	if p.err != nil || len(p.rows) != 1 {
		t.Fatalf("%v %+v", p.err, p.rows)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "storesync-feed-*"))
	if len(left) != 0 {
		t.Fatalf("temporary copies left: %q", left)
	}
}

func TestSpreadsheetNumbers(t *testing.T) {
	t.Parallel()
	p := &parser{floats: true}
	for in, want := range map[string]string{
		"19.989999999999998":   "19.99",
		"0.30000000000000004":  "0.3",
		"1E3":                  "1000",
		"2.5E-1":               "0.25",
		"12":                   "12",
		"12.345":               "12.345",
		"0.1234567890123456":   "0.123456789012346",
		"00012345678901234567": "12345678901234600",
		"abc":                  "abc",
	} {
		if got := p.number(in); got != want {
			t.Errorf("number(%q) = %q, want %q", in, got, want)
		}
	}
	p.floats = false
	if got := p.number("19.989999999999998"); got != "19.989999999999998" {
		t.Errorf("a CSV cell was rewritten: %q", got)
	}
}
