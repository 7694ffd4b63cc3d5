package feed

import (
	"errors"
	"strings"
	"testing"
)

func TestMappingValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		m     Mapping
		field string
		msg   string
	}{
		{name: "no identifier", m: Mapping{Quantity: "qty"}, field: "mapping.sku", msg: "each row needs an identifier"},
		{name: "spaces are not a column", m: Mapping{SKU: "  ", Barcode: "\t"}, field: "mapping.sku", msg: "each row needs an identifier"},
		{name: "price without currency", m: Mapping{SKU: "sku", Price: "price"}, field: "mapping.currency", msg: "required when price or cost is mapped"},
		{name: "unknown currency", m: Mapping{Barcode: "ean", Cost: "cost", Currency: "EURO"}, field: "mapping.currency", msg: `"EURO" is not a known currency`},
		{name: "barcode alone is enough", m: Mapping{Barcode: "ean"}},
		{name: "currency without price is ignored", m: Mapping{SKU: "sku", Currency: "nope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.m.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Message, tc.msg) {
				t.Fatalf("err %v, want %s: …%s", err, tc.field, tc.msg)
			}
			// Parse refuses it too, before reading anything.
			_, perr := Parse(t.Context(), strings.NewReader("sku\nA\n"), CSV, tc.m, Rules{}, func(Row) error {
				t.Fatal("fn called with a refused mapping")
				return nil
			})
			if !errors.As(perr, &fe) || fe.Field != tc.field {
				t.Fatalf("Parse: %v", perr)
			}
		})
	}
}

func TestMappingColumnsAgainstHeader(t *testing.T) {
	t.Parallel()
	p := parse(t, CSV, "SKU,Stock,Price\nA,1,2\n", Mapping{SKU: "sku", Quantity: "quantity"}, Rules{})
	var fe *FieldError
	if !errors.As(p.err, &fe) || fe.Field != "mapping.quantity" ||
		fe.Message != `column "quantity" is not in the feed's header (it has: "SKU", "Stock", "Price")` {
		t.Fatalf("err %v", p.err)
	}
	if len(p.rows) != 0 {
		t.Fatal("rows applied with a bad mapping")
	}
	// Matching ignores case and spaces.
	p = parse(t, CSV, "Item Code,Stock Qty\nA,1\n", Mapping{SKU: "itemcode", Quantity: " STOCK qty "}, Rules{})
	if p.err != nil || len(p.rows) != 1 || *p.rows[0].Quantity != 1 {
		t.Fatalf("%v %+v", p.err, p.rows)
	}
}

func TestRulesValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		r     Rules
		field string
		msg   string
	}{
		{name: "missing", r: Rules{Missing: "delete"}, field: "rules.missing", msg: `"delete" is not "leave" or "zero"`},
		{name: "zero multiplier", r: Rules{QuantityMultiplier: "0"}, field: "rules.quantity_multiplier", msg: `"0" must be above 0`},
		{name: "negative multiplier", r: Rules{QuantityMultiplier: "-0.5"}, field: "rules.quantity_multiplier", msg: `"-0.5" must be above 0`},
		{name: "multiplier not a number", r: Rules{QuantityMultiplier: "half"}, field: "rules.quantity_multiplier", msg: "is not a decimal number"},
		{name: "multiplier too precise", r: Rules{QuantityMultiplier: "0.0000001"}, field: "rules.quantity_multiplier", msg: "at most 6 decimals"},
		{name: "negative cap", r: Rules{QuantityCap: ptr(-1)}, field: "rules.quantity_cap", msg: "-1 must be 0 or more"},
		{name: "valid", r: Rules{Missing: MissingZero, QuantityMultiplier: "0.000001", QuantityCap: ptr(0)}},
		{name: "empty", r: Rules{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.r.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Message, tc.msg) {
				t.Fatalf("err %v, want %s: …%s", err, tc.field, tc.msg)
			}
			if p := parse(t, CSV, "sku\nA\n", Mapping{SKU: "sku"}, tc.r); !errors.As(p.err, &fe) || len(p.rows) != 0 {
				t.Fatalf("Parse: %v, %d rows", p.err, len(p.rows))
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	t.Parallel()
	longQuote := "sku,title\nA,\"" + strings.Repeat("x\n", MaxRecordBytes)
	for _, tc := range []struct {
		name   string
		format Format
		data   string
		want   string
	}{
		{name: "csv empty", format: CSV, data: "", want: "reading csv feed, line 1: the feed is empty: no header row"},
		{name: "csv binary", format: CSV, data: "\x00\x01\x02sku\n", want: "reading csv feed, line 1: the header row is not UTF-8 text"},
		{name: "csv runaway quote", format: CSV, data: longQuote, want: "reading csv feed, line 2 (byte 10): a row is over 4 MiB"},
		{name: "json empty", format: JSON, data: "  \n ", want: "reading json feed, line 1: the feed is empty"},
		{name: "json not json", format: JSON, data: "sku,qty\n", want: `reading json feed, line 1: the feed starts with 's', not an array or an object`},
		{name: "json empty array", format: JSON, data: "[]", want: "the feed is an empty array"},
		{name: "json truncated array", format: JSON, data: "[\n{\"sku\":\"A\"},\n{\"sku\":", want: "reading json feed, line 3 (byte 22): unexpected EOF"},
		{name: "json syntax", format: JSON, data: "[\n{\"sku\":\"A\"},\n{\"sku\" 1}]", want: "reading json feed, line 3 (byte 22): invalid character '1' after object key"},
		{name: "json after the array", format: JSON, data: "[{\"sku\":\"A\"}]\n{}", want: "after the array"},
		{name: "json first object bad", format: JSON, data: "{\"sku\":\n{\"sku\":\"A\"}\n", want: "reading json feed, line 1: the first line is not a usable object"},
		{name: "json huge value", format: JSON, data: "[{\"sku\":\"A\"},{\"sku\":\"" + strings.Repeat("x", 2*MaxRecordBytes) + "\"}]", want: "a row is over 4 MiB"},
		{name: "xlsx garbage", format: XLSX, data: "sku,qty\nA,1\n", want: "reading xlsx feed: not a readable workbook: zip: not a valid zip file"},
		{name: "unknown format", format: "xls", data: "x", want: `format: "xls" is not a feed format`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := parse(t, tc.format, tc.data, Mapping{SKU: "sku"}, Rules{})
			if p.err == nil || !strings.Contains(p.err.Error(), tc.want) {
				t.Fatalf("err %v, want …%s", p.err, tc.want)
			}
			checkInvariants(t, p)
		})
	}
}

func TestNDJSONLongLineRefused(t *testing.T) {
	t.Parallel()
	data := "{\"sku\":\"A\"}\n{\"sku\":\"" + strings.Repeat("x", MaxRecordBytes+10) + "\"}\n{\"sku\":\"C\"}\n"
	p := parse(t, JSON, data, Mapping{SKU: "sku"}, Rules{})
	if p.err != nil {
		t.Fatal(p.err)
	}
	checkInvariants(t, p)
	if p.rep.Accepted != 2 || p.rep.Refused != 1 || p.rep.RefusedRows[0].Line != 2 || p.rep.RefusedRows[0].Reason != "the line is over 4 MiB" || p.rows[1].Line != 3 {
		t.Fatalf("%+v %+v", p.rep, p.rows)
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, ct string
		head           string
		want           Format
		err            string
	}{
		{name: "zip wins over name", file: "stock.csv", head: "PK\x03\x04rest", want: XLSX},
		{name: "content type", file: "download", ct: "text/csv; charset=utf-8", head: "[1]", want: CSV},
		{name: "ndjson type", ct: "application/x-ndjson", head: "{}", want: JSON},
		{name: "xlsx type", ct: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", head: "x", want: XLSX},
		{name: "name", file: "Stock.JSONL", ct: "application/octet-stream", head: "x", want: JSON},
		{name: "tsv name", file: `C:\feeds\stock.tsv`, head: "x", want: CSV},
		{name: "json by bytes", head: "\uFEFF\n  [{\"sku\":1}]", want: JSON},
		{name: "csv by bytes", head: "sku;qty\nA;1\n", want: CSV},
		{name: "xls", file: "old.xls", head: "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", err: "Excel 97–2003"},
		{name: "binary", file: "blob", head: "\x00\x01\x02\x03", err: "its first bytes are not text"},
		{name: "empty", file: "blob", head: "", err: "it starts empty"},
		{name: "cut rune is text", head: "sku,titl\xc3", want: CSV},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Detect(tc.file, tc.ct, []byte(tc.head))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want …%s", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q %v, want %q", got, err, tc.want)
			}
		})
	}
	for _, s := range []string{"CSV", " json ", "xlsx"} {
		if _, err := ParseFormat(s); err != nil {
			t.Fatalf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("xls"); err == nil || !strings.Contains(err.Error(), `"xls"`) {
		t.Fatalf("ParseFormat(xls): %v", err)
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	data := "SKU;Qty;Title\nA;1;" + strings.Repeat("t", 2000) + "\nB;x\n\nC;3;\"bad\"x\"\nD;4;d;extra\n"
	header, rows, err := Preview(t.Context(), strings.NewReader(data), CSV, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff([]string{"SKU", "Qty", "Title"}, header); d != "" {
		t.Fatal(d)
	}
	if len(rows) != 3 || rows[1][1] != "x" || rows[2][0] != "D" || len(rows[2]) != 4 || len(rows[0][2]) != previewCell+len("…") {
		t.Fatalf("rows %q", rows)
	}
	header, rows, err = Preview(t.Context(), strings.NewReader(`[{"b":1,"a":"x"},{"a":"y","c":2}]`), JSON, 10)
	if err != nil || diff([]string{"b", "a"}, header) != "" || diff([][]string{{"1", "x"}, {"", "y"}}, rows) != "" {
		t.Fatalf("json preview %q %q %v", header, rows, err)
	}
	if _, _, err := Preview(t.Context(), strings.NewReader(""), CSV, 3); err == nil {
		t.Fatal("empty feed previewed")
	}
}
