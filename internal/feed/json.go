package feed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// jsonObjects decodes objects into cells by the header the first object set.
type jsonObjects struct {
	hdr     []string
	index   map[string]int // normalized key → header index
	raw     map[string]int // key as sent → header index (-1: not in the header), a cache
	rec     record
	badUsed bool
}

// maxKeyCache bounds the cache of keys as sent, so a feed of random keys cannot grow it.
const maxKeyCache = 4096

// decode reads one object (its '{' already read) from dec. With capture set, its keys become the
// header. A syntax error is returned; a value that cannot be used marks the record instead.
func (o *jsonObjects) decode(dec *json.Decoder, capture bool) error {
	o.rec.bad = ""
	o.rec.cells = o.rec.cells[:0]
	for range o.hdr {
		o.rec.cells = append(o.rec.cells, "")
	}
	if o.badUsed {
		clear(o.rec.badCells)
		o.badUsed = false
	}
	keys := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		keys++
		tok, err = dec.Token()
		if err != nil {
			return err
		}
		value, bad := "", ""
		switch v := tok.(type) {
		case string:
			value = v
		case json.Number:
			value = v.String()
		case bool:
			value = strconv.FormatBool(v)
		case nil:
		case json.Delim:
			if err := skipValue(dec); err != nil {
				return err
			}
			bad = "an array"
			if v == '{' {
				bad = "an object"
			}
		}
		if keys > MaxColumns {
			o.rec.bad = fmt.Sprintf("the object has more than %d fields", MaxColumns)
			continue
		}
		i := o.column(key, capture)
		if i < 0 {
			continue
		}
		o.rec.cells[i] = value
		if bad != "" {
			for len(o.rec.badCells) < len(o.hdr) {
				o.rec.badCells = append(o.rec.badCells, "")
			}
			o.rec.badCells[i], o.badUsed = bad, true
		}
	}
	_, err := dec.Token() // '}'
	return err
}

// column returns the header index of key, adding it to the header while capturing.
func (o *jsonObjects) column(key string, capture bool) int {
	if i, ok := o.raw[key]; ok {
		return i
	}
	n := normalize(key)
	i, ok := o.index[n]
	switch {
	case ok:
	case capture && n != "":
		i = len(o.hdr)
		o.hdr = append(o.hdr, key)
		o.index[n] = i
		o.rec.cells = append(o.rec.cells, "")
	default:
		i = -1
	}
	if len(o.raw) < maxKeyCache {
		o.raw[key] = i
	}
	return i
}

// skipValue reads past the rest of an object or array whose opening delimiter was just read.
func skipValue(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func kindOf(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// newJSON opens a JSON feed: an array when its first byte (past spaces and a BOM) is '[', else
// NDJSON.
func newJSON(r io.Reader) (source, error) {
	br := bufio.NewReaderSize(r, peekSize)
	skipped := int64(0)
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
		skipped = int64(len(utf8BOM))
	}
	head, err := br.Peek(peekSize - len(utf8BOM))
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &FileError{Format: JSON, Line: 1, Err: err}
	}
	t := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(t) == 0:
		return nil, &FileError{Format: JSON, Line: 1, Err: errors.New("the feed is empty: no object")}
	case t[0] == '[':
		return newJSONArray(br, skipped), nil
	case t[0] == '{':
		return &ndjsonSource{br: br, objs: newObjects()}, nil
	}
	off := int64(len(head) - len(t))
	return nil, &FileError{Format: JSON, Line: 1 + bytes.Count(head[:off], []byte{'\n'}), Offset: off + skipped, Err: fmt.Errorf("the feed starts with %q, not an array or an object", t[0])}
}

func newObjects() *jsonObjects {
	return &jsonObjects{index: map[string]int{}, raw: map[string]int{}}
}

// jsonArray reads a top-level array of objects token by token.
type jsonArray struct {
	g       *guard
	dec     *json.Decoder
	skipped int64
	objs    *jsonObjects
	started bool
	pending bool // the header's object, not yet returned by next
}

func newJSONArray(br *bufio.Reader, skipped int64) *jsonArray {
	g := &guard{r: br, limit: MaxRecordBytes, track: true}
	dec := json.NewDecoder(g)
	dec.UseNumber()
	return &jsonArray{g: g, dec: dec, skipped: skipped, objs: newObjects()}
}

func (a *jsonArray) fail(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // the array is not closed; io.EOF would read as its end
	}
	off := a.dec.InputOffset()
	return &FileError{Format: JSON, Line: a.g.lineAt(off), Offset: off + a.skipped, Err: err}
}

func (a *jsonArray) header() ([]string, error) {
	if _, err := a.dec.Token(); err != nil { // '['
		return nil, a.fail(err)
	}
	a.started = true
	rec, err := a.read(true)
	if errors.Is(err, io.EOF) {
		return nil, &FileError{Format: JSON, Line: 1, Err: errors.New("the feed is an empty array: no object")}
	}
	if err != nil {
		return nil, err
	}
	if rec.bad != "" {
		return nil, &FileError{Format: JSON, Line: rec.line, Err: fmt.Errorf("the first element is not a usable object: %s", rec.bad)}
	}
	a.pending = true
	return a.objs.hdr, nil
}

func (a *jsonArray) next() (*record, error) {
	if a.pending {
		a.pending = false
		return &a.objs.rec, nil
	}
	return a.read(false)
}

func (a *jsonArray) read(capture bool) (*record, error) {
	a.g.base = a.dec.InputOffset()
	if !a.dec.More() {
		if _, err := a.dec.Token(); err != nil { // ']'
			return nil, a.fail(err)
		}
		if tok, err := a.dec.Token(); !errors.Is(err, io.EOF) {
			if err != nil {
				return nil, a.fail(err)
			}
			return nil, a.fail(fmt.Errorf("%s after the array", kindOf(tok)))
		}
		return nil, io.EOF
	}
	tok, err := a.dec.Token()
	if err != nil {
		return nil, a.fail(err)
	}
	a.objs.rec.line = a.g.lineAt(a.dec.InputOffset() - 1)
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		if ok {
			if err := skipValue(a.dec); err != nil {
				return nil, a.fail(err)
			}
		}
		a.objs.rec.cells, a.objs.rec.bad = a.objs.rec.cells[:0], fmt.Sprintf("the array element is %s, not an object", kindOf(tok))
		return &a.objs.rec, nil
	}
	if err := a.objs.decode(a.dec, capture); err != nil {
		return nil, a.fail(err)
	}
	return &a.objs.rec, nil
}

func (a *jsonArray) close() error { return nil }

// ndjsonSource reads one object per line; a malformed line is refused, not the end of the feed.
type ndjsonSource struct {
	br      *bufio.Reader
	objs    *jsonObjects
	line    int
	buf     []byte
	pending bool
	eof     bool
}

func (n *ndjsonSource) header() ([]string, error) {
	rec, err := n.read(true)
	if errors.Is(err, io.EOF) {
		return nil, &FileError{Format: JSON, Line: 1, Err: errors.New("the feed is empty: no object")}
	}
	if err != nil {
		return nil, err
	}
	if rec.bad != "" {
		return nil, &FileError{Format: JSON, Line: rec.line, Err: fmt.Errorf("the first line is not a usable object: %s", rec.bad)}
	}
	n.pending = true
	return n.objs.hdr, nil
}

func (n *ndjsonSource) next() (*record, error) {
	if n.pending {
		n.pending = false
		return &n.objs.rec, nil
	}
	return n.read(false)
}

// readLine returns the next line without its end; over MaxRecordBytes it skips the rest of the
// line and says so.
func (n *ndjsonSource) readLine() (line []byte, tooLong bool, err error) {
	n.buf = n.buf[:0]
	for {
		chunk, err := n.br.ReadSlice('\n')
		if !tooLong {
			if len(n.buf)+len(chunk) > MaxRecordBytes {
				tooLong, n.buf = true, n.buf[:0]
			} else {
				n.buf = append(n.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (len(n.buf) > 0 || tooLong) && errors.Is(err, io.EOF) {
			return n.buf, tooLong, nil
		}
		return n.buf, tooLong, err
	}
}

func (n *ndjsonSource) read(capture bool) (*record, error) {
	for {
		if n.eof {
			return nil, io.EOF
		}
		line, tooLong, err := n.readLine()
		if errors.Is(err, io.EOF) {
			n.eof = true
			return nil, io.EOF
		}
		if err != nil {
			return nil, &FileError{Format: JSON, Line: n.line + 1, Err: err}
		}
		n.line++
		rec := &n.objs.rec
		rec.line = n.line
		if tooLong {
			rec.cells, rec.bad = rec.cells[:0], fmt.Sprintf("the line is over %d MiB", MaxRecordBytes>>20)
			return rec, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if bad := n.objs.decodeLine(line, capture); bad != "" {
			rec.cells, rec.bad = rec.cells[:0], bad
		}
		return rec, nil
	}
}

// decodeLine decodes one NDJSON line into the record, returning why it is malformed ("" when
// it is not).
func (o *jsonObjects) decodeLine(line []byte, capture bool) string {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Sprintf("the line is %s, not an object", kindOf(tok))
	}
	if err := o.decode(dec, capture); err != nil {
		return malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "malformed JSON: more than one value on the line"
	}
	return ""
}

func (n *ndjsonSource) close() error { return nil }

func malformed(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "malformed JSON: the line ends inside an object"
	}
	return "malformed JSON: " + err.Error()
}
