package feed

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// peekSize is how much of a text feed is looked at before parsing (the header line, a BOM).
const peekSize = 64 << 10

type csvSource struct {
	g    *guard
	cr   *csv.Reader
	bom  int64
	rec  record
	line int // the last record's line
	hdr  []string
}

func newCSV(r io.Reader) (*csvSource, error) {
	g := &guard{r: r, limit: MaxRecordBytes + peekSize}
	br := bufio.NewReaderSize(g, peekSize)
	s := &csvSource{g: g}
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
		s.bom = int64(len(utf8BOM))
	}
	head, err := br.Peek(peekSize - len(utf8BOM))
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &FileError{Format: CSV, Line: 1, Err: err}
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	s.cr = csv.NewReader(br)
	s.cr.Comma = delimiter(head)
	s.cr.ReuseRecord = true
	s.cr.FieldsPerRecord = -1
	// Tab-separated exports rarely quote, and their text holds quotes ("5\" screen"): a quote
	// inside a field is text there. A field that starts with a quote is still a quoted field.
	s.cr.LazyQuotes = s.cr.Comma == '\t'
	return s, nil
}

// delimiter is the one of ',', ';' and tab the header line uses most outside quotes (',' when
// none).
func delimiter(line []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == ';' || c == '\t'):
			counts[c]++
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

func (s *csvSource) header() ([]string, error) {
	rec, err := s.next()
	if errors.Is(err, io.EOF) {
		return nil, &FileError{Format: CSV, Line: 1, Err: errors.New("the feed is empty: no header row")}
	}
	if err != nil {
		return nil, err
	}
	if rec.bad != "" {
		return nil, &FileError{Format: CSV, Line: rec.line, Err: fmt.Errorf("the header row is malformed: %s", rec.bad)}
	}
	for _, c := range rec.cells {
		if !utf8.ValidString(c) || !isText([]byte(c)) {
			return nil, &FileError{Format: CSV, Line: rec.line, Err: errors.New("the header row is not UTF-8 text: not a CSV file, or another character set")}
		}
	}
	s.hdr = append([]string(nil), rec.cells...)
	return s.hdr, nil
}

func (s *csvSource) next() (*record, error) {
	s.g.base = s.cr.InputOffset() + s.bom
	cells, err := s.cr.Read()
	var pe *csv.ParseError
	switch {
	case err == nil:
		s.line, _ = s.cr.FieldPos(0)
		s.rec = record{line: s.line, cells: cells}
		return &s.rec, nil
	case errors.Is(err, io.EOF):
		return nil, io.EOF
	case isTooLong(err):
		return nil, &FileError{Format: CSV, Line: s.line + 1, Offset: s.g.base, Err: err}
	case errors.As(err, &pe):
		if isTooLong(pe.Err) {
			return nil, &FileError{Format: CSV, Line: pe.StartLine, Offset: s.g.base, Err: pe.Err}
		}
		s.line = pe.StartLine
		s.rec = record{line: pe.StartLine, bad: fmt.Sprintf("malformed CSV: %v (line %d, column %d)", pe.Err, pe.Line, pe.Column)}
		return &s.rec, nil
	default:
		return nil, &FileError{Format: CSV, Line: s.line + 1, Offset: s.g.base, Err: err} // a read error, never io.EOF (above)
	}
}

func (s *csvSource) close() error { return nil }
