package feed

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var stdMapping = Mapping{SKU: "sku", Barcode: "ean", Quantity: "qty", Price: "price", Cost: "cost", Title: "title", Currency: "EUR"}

func TestParseFormats(t *testing.T) {
	t.Parallel()
	want := []Row{
		{Line: 2, SKU: "A-1", Barcode: "4006381333931", Quantity: ptr(12), Price: ptr(1999), Cost: ptr(1000), Title: "Mug, blue"},
		{Line: 3, SKU: "B-2", Quantity: ptr(0), Price: ptr(500), Title: `Cap "red"`},
	}
	for _, tc := range []struct {
		name, data string
		format     Format
		want       []Row
	}{
		{name: "comma", format: CSV, data: "SKU,EAN,Qty,Price,Cost,Title\nA-1,4006381333931,12,19.99,10,\"Mug, blue\"\nB-2,,0,5.00,,\"Cap \"\"red\"\"\"\n", want: want},
		{name: "semicolon, BOM, CRLF, spaced header", format: CSV, data: "\uFEFF S K U ;ean;QTY;Price;cost;Title\r\nA-1;4006381333931;12;19.99;10.00;Mug, blue\r\nB-2;;0;5;;\"Cap \"\"red\"\"\"\r\n", want: want},
		{name: "tab", format: CSV, data: "sku\tean\tqty\tprice\tcost\ttitle\nA-1\t4006381333931\t12\t19.99\t10\tMug, blue\nB-2\t\t0\t5\t\tCap \"red\"\n", want: want},
		{name: "blank lines skipped", format: CSV, data: "sku,ean,qty,price,cost,title\n\nA-1,4006381333931,12,19.99,10,\"Mug, blue\"\n,,,,,\nB-2,,0,5,,\"Cap \"\"red\"\"\"\n", want: []Row{{Line: 3, SKU: "A-1", Barcode: "4006381333931", Quantity: ptr(12), Price: ptr(1999), Cost: ptr(1000), Title: "Mug, blue"}, {Line: 5, SKU: "B-2", Quantity: ptr(0), Price: ptr(500), Title: `Cap "red"`}}},
		{name: "quoted newline", format: CSV, data: "sku,qty\n\"A\n1\",3\nB,4\n", want: []Row{{Line: 2, SKU: "A\n1", Quantity: ptr(3)}, {Line: 4, SKU: "B", Quantity: ptr(4)}}},
		{name: "json array", format: JSON, data: "[\n {\"SKU\": \"A-1\", \"EAN\": 4006381333931, \"Qty\": 12, \"Price\": 19.99, \"Cost\": \"10\", \"Title\": \"Mug, blue\"},\n {\"sku\": \"B-2\", \"qty\": \"0\", \"price\": 5, \"title\": \"Cap \\\"red\\\"\", \"tags\": [\"x\"], \"ean\": null}\n]\n",
			want: []Row{{Line: 2, SKU: "A-1", Barcode: "4006381333931", Quantity: ptr(12), Price: ptr(1999), Cost: ptr(1000), Title: "Mug, blue"}, {Line: 3, SKU: "B-2", Quantity: ptr(0), Price: ptr(500), Title: `Cap "red"`}}},
		{name: "ndjson", format: JSON, data: "{\"SKU\": \"A-1\", \"EAN\": \"4006381333931\", \"Qty\": 12, \"Price\": 19.99, \"Cost\": 10, \"Title\": \"Mug, blue\"}\n\n{\"sku\": \"B-2\", \"qty\": 0, \"price\": \"5\", \"title\": \"Cap \\\"red\\\"\"}\n",
			want: []Row{{Line: 1, SKU: "A-1", Barcode: "4006381333931", Quantity: ptr(12), Price: ptr(1999), Cost: ptr(1000), Title: "Mug, blue"}, {Line: 3, SKU: "B-2", Quantity: ptr(0), Price: ptr(500), Title: `Cap "red"`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := stdMapping
			if !strings.Contains(strings.ToLower(tc.data), "ean") {
				m = Mapping{SKU: "sku", Quantity: "qty"}
			}
			p := parse(t, tc.format, tc.data, m, Rules{})
			if p.err != nil {
				t.Fatal(p.err)
			}
			checkInvariants(t, p)
			if diff := diff(tc.want, p.rows); diff != "" {
				t.Fatalf("rows :\n%s", diff)
			}
			if p.rep.Refused != 0 || p.rep.Read != len(tc.want) || p.rep.Format != tc.format || p.rep.Missing != MissingLeave {
				t.Fatalf("report %+v", p.rep)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	const head = "sku,ean,qty,price,cost,title\n"
	for _, tc := range []struct {
		name, data string
		format     Format
		field      string
		reason     string
	}{
		{name: "quantity not whole", data: head + "A,,12x,,,\n", field: "quantity", reason: `quantity "12x" is not a whole number`},
		{name: "quantity fraction", data: head + "A,,12.5,,,\n", field: "quantity", reason: `quantity "12.5" is not a whole number`},
		{name: "quantity out of range", data: head + "A,,99999999999999999999,,,\n", field: "quantity", reason: `quantity "99999999999999999999" is out of range`},
		{name: "price decimals", data: head + "A,,1,19.999,,\n", field: "price", reason: `price "19.999" has more than 2 decimal places for EUR`},
		{name: "price not decimal", data: head + "A,,1,€19.99,,\n", field: "price", reason: `price "€19.99" is not a decimal amount`},
		{name: "price comma", data: head + "A,,1,\"19,99\",,\n", field: "price", reason: `price "19,99" is not a decimal amount`},
		{name: "price negative", data: head + "A,,1,-1,,\n", field: "price", reason: `price "-1" is negative`},
		{name: "price out of range", data: head + "A,,1,99999999999999999999,,\n", field: "price", reason: `price "99999999999999999999" is out of range`},
		{name: "cost decimals", data: head + "A,,1,1,2.001,\n", field: "cost", reason: `cost "2.001" has more than 2 decimal places for EUR`},
		{name: "no identifier", data: head + ",,1,1,1,Mug\n", field: "sku", reason: "sku and barcode are both empty"},
		{name: "duplicate sku", data: head + "A,,1,,,\nA,,2,,,\n", field: "sku", reason: `sku "A" is a duplicate of line 2: the first row wins`},
		{name: "duplicate barcode", data: head + ",123,1,,,\n,123,2,,,\n", field: "barcode", reason: `barcode "123" is a duplicate of line 2: the first row wins`},
		{name: "cell too large", data: head + "A,,1,,," + strings.Repeat("x", MaxCellBytes+1) + "\n", reason: `column "title" has a cell of 65537 bytes, over the 64 KiB limit`},
		{name: "row too wide", data: head + "A" + strings.Repeat(",", MaxColumns) + "\n", reason: "the row has 1025 cells, more than 1024"},
		{name: "bare quote", data: head + "A,,1,2\"x,,\n", reason: `malformed CSV: bare " in non-quoted-field (line 2, column 7)`},
		{name: "not UTF-8", data: head + "A,,1,,,Caf\xe9\n", field: "title", reason: `title "Caf\xe9" is not UTF-8 text`},
		{name: "json nested", format: JSON, data: `[{"sku":"A","qty":1,"price":1,"ean":"","cost":"","title":""},{"sku":"B","qty":{"n":1}}]`, field: "quantity", reason: "quantity is an object, not a string or number"},
		{name: "json array value", format: JSON, data: `[{"sku":"A","qty":1,"price":1,"ean":"","cost":"","title":""},{"sku":"B","title":[1,[2]]}]`, field: "title", reason: "title is an array, not a string or number"},
		{name: "json element not object", format: JSON, data: `[{"sku":"A","qty":1,"price":1,"ean":"","cost":"","title":""},"B"]`, reason: "the array element is a string, not an object"},
		{name: "ndjson malformed line", format: JSON, data: "{\"sku\":\"A\",\"qty\":1,\"price\":1,\"ean\":\"\",\"cost\":\"\",\"title\":\"\"}\n{\"sku\":\"B\",\n", reason: "malformed JSON: the line ends inside an object"},
		{name: "ndjson not object", format: JSON, data: "{\"sku\":\"A\",\"qty\":1,\"price\":1,\"ean\":\"\",\"cost\":\"\",\"title\":\"\"}\n[1]\n", reason: "the line is an array, not an object"},
		{name: "ndjson two values", format: JSON, data: "{\"sku\":\"A\",\"qty\":1,\"price\":1,\"ean\":\"\",\"cost\":\"\",\"title\":\"\"}\n{\"sku\":\"B\"} 1\n", reason: "malformed JSON: more than one value on the line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			format := tc.format
			if format == "" {
				format = CSV
			}
			p := parse(t, format, tc.data, stdMapping, Rules{})
			if p.err != nil {
				t.Fatal(p.err)
			}
			checkInvariants(t, p)
			if p.rep.Refused != 1 || len(p.rep.RefusedRows) != 1 {
				t.Fatalf("refused %d, want 1: %+v", p.rep.Refused, p.rep.RefusedRows)
			}
			got := p.rep.RefusedRows[0]
			if got.Reason != tc.reason || got.Field != tc.field {
				t.Fatalf("refusal %+v, want field %q reason %q", got, tc.field, tc.reason)
			}
			if tc.field != "" && got.Column != tc.field && !(tc.field == "barcode" && got.Column == "ean") && !(tc.field == "quantity" && got.Column == "qty") {
				t.Fatalf("refusal names column %q for field %q", got.Column, tc.field)
			}
		})
	}
}

func TestRefusalKeepsIdentifierAndLine(t *testing.T) {
	t.Parallel()
	p := parse(t, CSV, "sku,qty\nA,1\nB,x\nC,3\n", Mapping{SKU: "SKU", Quantity: "QTY"}, Rules{})
	checkInvariants(t, p)
	want := []Refusal{{Line: 3, Identifier: "B", Field: "quantity", Column: "qty", Reason: `quantity "x" is not a whole number`}}
	if diff := diff(want, p.rep.RefusedRows); diff != "" {
		t.Fatalf("refusals :\n%s", diff)
	}
	if p.rep.Accepted != 2 || p.rows[1].SKU != "C" {
		t.Fatalf("the rows after a refused one are not applied: %+v", p.rows)
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	const data = "sku,qty\nA,5\nB,-3\nC,1000\nD,1\nE,\n"
	for _, tc := range []struct {
		name            string
		rules           Rules
		want            []any
		clamped, capped int
	}{
		{name: "none", want: []any{int64(5), int64(0), int64(1000), int64(1), nil}, clamped: 1},
		{name: "half rounds down", rules: Rules{QuantityMultiplier: "0.5"}, want: []any{int64(2), int64(0), int64(500), int64(0), nil}, clamped: 1},
		{name: "times 1.25", rules: Rules{QuantityMultiplier: "1.25"}, want: []any{int64(6), int64(0), int64(1250), int64(1), nil}, clamped: 1},
		{name: "cap after multiplier", rules: Rules{QuantityMultiplier: "2", QuantityCap: ptr(100)}, want: []any{int64(10), int64(0), int64(100), int64(2), nil}, clamped: 1, capped: 1},
		{name: "cap zero", rules: Rules{QuantityCap: ptr(0), Missing: MissingZero}, want: []any{int64(0), int64(0), int64(0), int64(0), nil}, clamped: 1, capped: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := parse(t, CSV, data, Mapping{SKU: "sku", Quantity: "qty"}, tc.rules)
			if p.err != nil {
				t.Fatal(p.err)
			}
			checkInvariants(t, p)
			var got []any
			for _, r := range p.rows {
				got = append(got, val(r.Quantity))
			}
			if diff := diff(tc.want, got); diff != "" {
				t.Fatalf("quantities :\n%s", diff)
			}
			if p.rep.Clamped != tc.clamped || p.rep.Capped != tc.capped {
				t.Fatalf("clamped %d capped %d, want %d %d", p.rep.Clamped, p.rep.Capped, tc.clamped, tc.capped)
			}
			wantMissing := tc.rules.Missing
			if wantMissing == "" {
				wantMissing = MissingLeave
			}
			if p.rep.Missing != wantMissing {
				t.Fatalf("missing %q", p.rep.Missing)
			}
		})
	}
	p := parse(t, CSV, "sku,qty\nA,9000000000000000000\n", Mapping{SKU: "sku", Quantity: "qty"}, Rules{QuantityMultiplier: "2"})
	if p.rep.Refused != 1 || p.rep.RefusedRows[0].Reason != `quantity "9000000000000000000" times the multiplier is out of range` {
		t.Fatalf("overflow: %+v", p.rep)
	}
}

func TestCurrencyDigits(t *testing.T) {
	t.Parallel()
	p := parse(t, CSV, "sku,price\nA,1200\nB,12.5\nC,1.234\n", Mapping{SKU: "sku", Price: "price", Currency: "jpy"}, Rules{})
	checkInvariants(t, p)
	if len(p.rows) != 1 || *p.rows[0].Price != 1200 || p.rep.RefusedRows[0].Reason != `price "12.5" has more than 0 decimal places for JPY` {
		t.Fatalf("JPY: %+v %+v", p.rows, p.rep.RefusedRows)
	}
	p = parse(t, CSV, "sku,price\nA,1.234\nB,1.2345\n", Mapping{SKU: "sku", Price: "price", Currency: "KWD"}, Rules{})
	if len(p.rows) != 1 || *p.rows[0].Price != 1234 || p.rep.Refused != 1 {
		t.Fatalf("KWD: %+v %+v", p.rows, p.rep.RefusedRows)
	}
}

func TestRefusedKeepsTheFirstThousand(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("sku,qty\n")
	for i := range 1500 {
		fmt.Fprintf(&b, "S%d,bad%d\n", i, i)
	}
	b.WriteString("OK,1\n")
	p := parse(t, CSV, b.String(), Mapping{SKU: "sku", Quantity: "qty"}, Rules{})
	checkInvariants(t, p)
	if p.rep.Refused != 1500 || len(p.rep.RefusedRows) != MaxRefusedKept || p.rep.Accepted != 1 {
		t.Fatalf("refused %d kept %d accepted %d", p.rep.Refused, len(p.rep.RefusedRows), p.rep.Accepted)
	}
	if last := p.rep.RefusedRows[MaxRefusedKept-1]; last.Line != 1001 || last.Identifier != "S999" {
		t.Fatalf("last kept %+v", last)
	}
}

func TestCallbackErrorStops(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	n := 0
	rep, err := Parse(t.Context(), strings.NewReader("sku\nA\nB\nC\n"), CSV, Mapping{SKU: "sku"}, Rules{}, func(Row) error {
		n++
		if n == 2 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "line 3") || rep.Accepted != 2 || n != 2 {
		t.Fatalf("err %v, report %+v, calls %d", err, rep, n)
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := contextWithCancel(t)
	cancel()
	_, err := Parse(ctx, strings.NewReader("sku\nA\n"), CSV, Mapping{SKU: "sku"}, Rules{}, func(Row) error {
		t.Fatal("fn called after cancel")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("err %v", err)
	}
}
