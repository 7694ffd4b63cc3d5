package feed

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
)

// Row is one accepted feed row. A nil Quantity, Price or Cost is a field the row does not give
// (not mapped, or its cell empty): the caller leaves that field as it is.
type Row struct {
	Line     int // 1-based, as in the file (a CSV or XLSX header is line 1)
	SKU      string
	Barcode  string
	Quantity *int64 // after Rules: at least 0, multiplied, capped
	Price    *int64 // minor units of Mapping.Currency
	Cost     *int64 // minor units of Mapping.Currency
	Title    string
}

// Refusal is one refused row and why.
type Refusal struct {
	Line       int    `json:"line"`
	Identifier string `json:"identifier,omitempty"` // the row's SKU, else its barcode, when it has one
	Field      string `json:"field,omitempty"`      // "quantity", "price"… when one field is at fault
	Column     string `json:"column,omitempty"`     // that field's header text
	Reason     string `json:"reason"`               // e.g. `quantity "12x" is not a whole number`
}

// Report is what Parse read. Read == Accepted + Refused.
type Report struct {
	Format Format   `json:"format"`
	Header []string `json:"header"`
	// Missing is Rules.Missing (MissingLeave when it was empty), for the caller to apply to the
	// items the feed did not list.
	Missing  string `json:"missing"`
	Read     int    `json:"read"`     // data rows read (blank rows are skipped, not counted)
	Accepted int    `json:"accepted"` // rows handed to fn
	Refused  int    `json:"refused"`  // rows refused, duplicates included
	// Clamped counts accepted rows whose negative quantity became 0; Capped those lowered to
	// Rules.QuantityCap.
	Clamped int `json:"clamped"`
	Capped  int `json:"capped"`
	// Duplicates counts rows refused because an earlier row had the same identifier: the first
	// row wins.
	Duplicates int `json:"duplicates"`
	// RefusedRows are the first MaxRefusedKept refusals, in file order.
	RefusedRows []Refusal `json:"refused_rows"`
}

// open returns the source of format.
func open(ctx context.Context, r io.Reader, format Format, sheet string) (source, error) {
	switch format {
	case CSV:
		return newCSV(r)
	case JSON:
		return newJSON(r)
	case XLSX:
		return newXLSX(ctx, r, sheet)
	}
	return nil, &FieldError{Field: "format", Message: fmt.Sprintf("%q is not a feed format: use csv, xlsx or json", format)}
}

// Parse reads a feed of format from r, calls fn with each accepted row in file order, and
// returns the Report. A bad mapping or rules is a *FieldError before anything is read; a broken
// file is a *FileError, returned with the Report of the rows before it; an error from fn stops
// the parse and is returned wrapped, naming the line. Each Row's pointers are its own: fn may keep
// them.
func Parse(ctx context.Context, r io.Reader, format Format, m Mapping, rules Rules, fn func(Row) error) (Report, error) {
	if err := m.Validate(); err != nil {
		return Report{}, err
	}
	rc, err := rules.compile()
	if err != nil {
		return Report{}, err
	}
	src, err := open(ctx, r, format, m.Sheet)
	if err != nil {
		return Report{}, err
	}
	defer func() { _ = src.close() }() // a second close does nothing
	header, err := src.header()
	if err != nil {
		return Report{}, err
	}
	cols, err := m.resolve(header)
	if err != nil {
		return Report{}, err
	}
	p, err := newParser(format, m, rc, cols)
	if err != nil {
		return Report{}, err
	}
	p.rep.Header = cols.names
	for i := 0; ; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return p.rep, fmt.Errorf("parsing the %s feed: %w", format, err)
			}
		}
		rec, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p.rep, err
		}
		row, ok := p.row(rec)
		if !ok {
			continue
		}
		if err := fn(row); err != nil {
			return p.rep, fmt.Errorf("line %d: %w", row.Line, err)
		}
	}
	if err := src.close(); err != nil {
		return p.rep, fmt.Errorf("closing the %s feed: %w", format, err)
	}
	return p.rep, nil
}

// seen finds duplicate identifiers in memory that grows by a fixed small entry per row: a 128-bit
// hash of the identifier (two independent seeds), not the identifier itself. Two different
// identifiers collide with a probability of about n²/2¹²⁹, nil for any feed.
type seen struct {
	a, b  maphash.Hash
	lines map[[2]uint64]int32
}

func newSeen() *seen {
	s := &seen{lines: map[[2]uint64]int32{}}
	s.a.SetSeed(maphash.MakeSeed())
	s.b.SetSeed(maphash.MakeSeed())
	return s
}

// add records id (of kind 's' SKU or 'b' barcode) at line and returns the line it was first
// seen at, or 0.
func (s *seen) add(kind byte, id string, line int) int {
	s.a.Reset()
	s.b.Reset()
	_ = s.a.WriteByte(kind)
	_ = s.b.WriteByte(kind)
	_, _ = s.a.WriteString(id)
	_, _ = s.b.WriteString(id)
	k := [2]uint64{s.a.Sum64(), s.b.Sum64()}
	if first, ok := s.lines[k]; ok {
		return int(first)
	}
	s.lines[k] = int32(min(line, 1<<31-1)) //nolint:gosec // G115: clamped to int32's range on this line
	return 0
}
