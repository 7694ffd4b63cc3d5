package feed

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/storesync/storesync/internal/money"
)

// parser turns records into Rows by a mapping and rules, counting into the report.
type parser struct {
	cols     columns
	rules    compiled
	currency string
	digits   int
	floats   bool // cells may be a spreadsheet's float text ("19.989999999999998")
	seen     *seen
	rep      Report
}

func newParser(format Format, m Mapping, rc compiled, cols columns) (*parser, error) {
	p := &parser{cols: cols, rules: rc, floats: format == XLSX, seen: newSeen()}
	p.rep = Report{Format: format, Missing: rc.missing, RefusedRows: []Refusal{}}
	if cols.price >= 0 || cols.cost >= 0 {
		c, err := money.Normalize(m.Currency)
		if err != nil {
			return nil, &FieldError{Field: "mapping.currency", Message: fmt.Sprintf("%q is not a known currency", m.Currency)}
		}
		p.currency = c
		p.digits, _ = money.Digits(c)
	}
	return p, nil
}

// refusal is why a row is refused; field is "" for the whole row.
type refusal struct {
	field, reason string
	index         int
}

func (p *parser) refuse(rec *record, id string, r refusal) {
	p.rep.Refused++
	if len(p.rep.RefusedRows) >= MaxRefusedKept {
		return
	}
	f := Refusal{Line: rec.line, Identifier: clip(id), Field: r.field, Reason: r.reason}
	if r.field != "" && r.index >= 0 && r.index < len(p.cols.names) {
		f.Column = clip(p.cols.names[r.index])
	}
	p.rep.RefusedRows = append(p.rep.RefusedRows, f)
}

// row converts one record; false when it is blank (not counted) or refused (counted).
func (p *parser) row(rec *record) (Row, bool) {
	if rec.bad == "" && blank(rec.cells) {
		return Row{}, false
	}
	p.rep.Read++
	row := Row{Line: rec.line}
	row.SKU = strings.TrimSpace(p.cell(rec, p.cols.sku))
	row.Barcode = strings.TrimSpace(p.cell(rec, p.cols.barcode))
	id := row.SKU
	if id == "" {
		id = row.Barcode
	}
	if !utf8.ValidString(id) {
		id = strings.ToValidUTF8(id, "\uFFFD")
	}
	if r, bad := p.check(rec); bad {
		p.refuse(rec, id, r)
		return Row{}, false
	}
	if row.SKU == "" && row.Barcode == "" {
		p.refuse(rec, "", p.noIdentifier())
		return Row{}, false
	}
	var quantityClamped, quantityCapped bool
	var r refusal
	var bad bool
	if row.Quantity, quantityClamped, quantityCapped, r, bad = p.quantity(rec); bad {
		p.refuse(rec, id, r)
		return Row{}, false
	}
	if row.Price, r, bad = p.amount(rec, "price", p.cols.price); bad {
		p.refuse(rec, id, r)
		return Row{}, false
	}
	if row.Cost, r, bad = p.amount(rec, "cost", p.cols.cost); bad {
		p.refuse(rec, id, r)
		return Row{}, false
	}
	row.Title = strings.TrimSpace(p.cell(rec, p.cols.title))
	kind, key := byte('s'), row.SKU
	if key == "" {
		kind, key = 'b', row.Barcode
	}
	if first := p.seen.add(kind, key, row.Line); first > 0 {
		p.rep.Duplicates++
		name, col := "sku", p.cols.sku
		if kind == 'b' {
			name, col = "barcode", p.cols.barcode
		}
		p.refuse(rec, id, refusal{field: name, index: col, reason: fmt.Sprintf("%s %s is a duplicate of line %d: the first row wins", name, quote(key), first)})
		return Row{}, false
	}
	if quantityClamped {
		p.rep.Clamped++
	}
	if quantityCapped {
		p.rep.Capped++
	}
	p.rep.Accepted++
	return row, true
}

func (p *parser) cell(rec *record, i int) string {
	if i < 0 || i >= len(rec.cells) {
		return ""
	}
	return rec.cells[i]
}

func (p *parser) noIdentifier() refusal {
	switch {
	case p.cols.sku >= 0 && p.cols.barcode >= 0:
		return refusal{field: "sku", index: p.cols.sku, reason: "sku and barcode are both empty"}
	case p.cols.sku >= 0:
		return refusal{field: "sku", index: p.cols.sku, reason: "sku is empty"}
	}
	return refusal{field: "barcode", index: p.cols.barcode, reason: "barcode is empty"}
}

// check refuses a malformed or oversized row, and mapped cells that are not text.
func (p *parser) check(rec *record) (refusal, bool) {
	if rec.bad != "" {
		return refusal{reason: rec.bad, index: -1}, true
	}
	if len(rec.cells) > MaxColumns {
		return refusal{reason: fmt.Sprintf("the row has %d cells, more than %d", len(rec.cells), MaxColumns), index: -1}, true
	}
	for i, c := range rec.cells {
		if len(c) > MaxCellBytes {
			name := "a column past the header"
			if i < len(p.cols.names) {
				name = "column " + strconv.Quote(clip(p.cols.names[i]))
			}
			return refusal{reason: fmt.Sprintf("%s has a cell of %d bytes, over the %d KiB limit", name, len(c), MaxCellBytes>>10), index: -1}, true
		}
	}
	for _, f := range []struct {
		name string
		i    int
	}{{"sku", p.cols.sku}, {"barcode", p.cols.barcode}, {"quantity", p.cols.quantity}, {"price", p.cols.price}, {"cost", p.cols.cost}, {"title", p.cols.title}} {
		if f.i < 0 {
			continue
		}
		if f.i < len(rec.badCells) && rec.badCells[f.i] != "" {
			return refusal{field: f.name, index: f.i, reason: fmt.Sprintf("%s is %s, not a string or number", f.name, rec.badCells[f.i])}, true
		}
		if v := p.cell(rec, f.i); !utf8.ValidString(v) {
			return refusal{field: f.name, index: f.i, reason: fmt.Sprintf("%s %s is not UTF-8 text", f.name, quote(v))}, true
		}
	}
	return refusal{}, false
}

// quantity reads the quantity cell and applies the rules: negative → 0 (clamped), × multiplier
// rounded down, then the cap.
func (p *parser) quantity(rec *record) (q *int64, clamped, capped bool, r refusal, bad bool) {
	v := strings.TrimSpace(p.cell(rec, p.cols.quantity))
	if v == "" {
		return nil, false, false, refusal{}, false
	}
	n, err := money.ParseDigits(p.number(v), 0)
	if err != nil {
		reason := fmt.Sprintf("quantity %s is not a whole number", quote(v))
		if errors.Is(err, money.ErrOutOfRange) {
			reason = fmt.Sprintf("quantity %s is out of range", quote(v))
		}
		return nil, false, false, refusal{field: "quantity", index: p.cols.quantity, reason: reason}, true
	}
	if n < 0 {
		n, clamped = 0, true
	}
	if p.rules.mul != mulScale {
		hi, lo := bits.Mul64(uint64(n), uint64(p.rules.mul)) //nolint:gosec // G115: n ≥ 0 (clamped above) and mul > 0 (validated)
		if hi >= mulScale {
			return nil, false, false, refusal{field: "quantity", index: p.cols.quantity, reason: fmt.Sprintf("quantity %s times the multiplier is out of range", quote(v))}, true
		}
		quo, _ := bits.Div64(hi, lo, mulScale)
		if quo > math.MaxInt64 {
			return nil, false, false, refusal{field: "quantity", index: p.cols.quantity, reason: fmt.Sprintf("quantity %s times the multiplier is out of range", quote(v))}, true
		}
		n = int64(quo)
	}
	if p.rules.cap >= 0 && n > p.rules.cap {
		n, capped = p.rules.cap, true
	}
	return &n, clamped, capped, refusal{}, false
}

// amount reads a price or cost cell in the mapping's currency.
func (p *parser) amount(rec *record, name string, i int) (*int64, refusal, bool) {
	v := strings.TrimSpace(p.cell(rec, i))
	if v == "" {
		return nil, refusal{}, false
	}
	n, err := money.Parse(p.number(v), p.currency)
	if err != nil {
		reason := fmt.Sprintf("%s %s is not a decimal amount", name, quote(v))
		switch {
		case errors.Is(err, money.ErrOutOfRange):
			reason = fmt.Sprintf("%s %s is out of range", name, quote(v))
		case tooPrecise(v, p.digits):
			reason = fmt.Sprintf("%s %s has more than %d decimal places for %s", name, quote(v), p.digits, p.currency)
		}
		return nil, refusal{field: name, index: i, reason: reason}, true
	}
	if n < 0 {
		return nil, refusal{field: name, index: i, reason: fmt.Sprintf("%s %s is negative", name, quote(v))}, true
	}
	return &n, refusal{}, false
}

// number undoes a spreadsheet's float text: an XLSX cell may hold "19.989999999999998",
// "0.30000000000000004" or "1E3" for what the spreadsheet shows as 19.99, 0.3 or 1000. Such text
// (an exponent, or 16 characters or more) is rounded to 15 significant digits, the precision
// spreadsheets keep, and written as a plain decimal. Other formats' cells are taken as written.
func (p *parser) number(v string) string {
	if !p.floats || (!strings.ContainsAny(v, "eE") && len(v) < 16) {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	f, err = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		return v
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// tooPrecise reports whether v is a plain decimal number ("12.345", "-3", ".5") with more than
// digits decimal places that are not zeros.
func tooPrecise(v string, digits int) bool {
	if v != "" && (v[0] == '+' || v[0] == '-') {
		v = v[1:]
	}
	whole, frac, _ := strings.Cut(v, ".")
	if whole+frac == "" {
		return false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return false
		}
	}
	return len(strings.TrimRight(frac, "0")) > digits
}

// clipAt bounds the values a Report keeps, so a thousand refusals stay small.
const clipAt = 100

func clip(s string) string {
	if len(s) <= clipAt {
		return s
	}
	cut := clipAt
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func quote(s string) string { return strconv.Quote(clip(s)) }
