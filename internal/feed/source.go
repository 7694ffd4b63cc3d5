package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Limits that keep a feed's memory bounded whatever the file holds.
const (
	// MaxColumns is the most cells a row may have; a wider row is refused.
	MaxColumns = 1024
	// MaxCellBytes is the largest cell; a row with a larger one is refused.
	MaxCellBytes = 64 << 10
	// MaxRecordBytes is the largest row in the file's bytes. A CSV record or JSON value over it is
	// an error (the file cannot be followed further in bounded memory); an NDJSON line over it is
	// refused and skipped.
	MaxRecordBytes = 4 << 20
	// MaxXLSXBytes is the largest XLSX file Parse and Preview read.
	MaxXLSXBytes = 256 << 20
	// MaxRefusedKept is how many refused rows a Report keeps; Report.Refused counts them all.
	MaxRefusedKept = 1000
)

// FileError is a feed that cannot be read on: not the format at all, a truncated zip, a row over
// MaxRecordBytes. Line (1-based) or Offset (bytes) says where, when known.
type FileError struct {
	Format Format
	Line   int
	Offset int64
	Err    error
}

func (e *FileError) Error() string {
	where := ""
	switch {
	case e.Line > 0 && e.Offset > 0:
		where = fmt.Sprintf(", line %d (byte %d)", e.Line, e.Offset)
	case e.Line > 0:
		where = fmt.Sprintf(", line %d", e.Line)
	case e.Offset > 0:
		where = fmt.Sprintf(", byte %d", e.Offset)
	}
	return fmt.Sprintf("reading %s feed%s: %v", e.Format, where, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// errRecordTooLong is a record over MaxRecordBytes.
var errRecordTooLong = fmt.Errorf("a row is over %d MiB", MaxRecordBytes>>20)

// record is one row as a source read it.
type record struct {
	line  int
	cells []string
	// bad is why the whole row is refused (a malformed CSV line or JSON object), "" when it is
	// well formed.
	bad string
	// badCells, when not nil, holds per cell why its value cannot be used (a JSON object or array
	// where a string or number belongs); it matters only for mapped cells.
	badCells []string
}

// source yields a feed's rows. The record next returns is valid until the following call.
type source interface {
	// header returns the first row (the first non-blank row, or the first JSON object's keys).
	header() ([]string, error)
	// next returns the next row, or io.EOF after the last; any other error is a *FileError.
	next() (*record, error)
	close() error
}

// guard sits under a decoder and refuses to read on once the current record (the bytes since
// base, which the source moves at each record) is over limit, so a runaway quote or a huge
// value cannot take memory without bound. With track set it keeps the bytes not yet accounted
// for, so lineAt can tell the line of an offset.
type guard struct {
	r     io.Reader
	read  int64 // bytes read from r
	base  int64 // where the current record started
	limit int64

	track    bool
	win      []byte // bytes from winStart on, win[head:] not yet counted
	head     int
	winStart int64 // offset of win[head]
	lines    int   // newlines before winStart
}

func (g *guard) Read(p []byte) (int, error) {
	if g.read-g.base > g.limit {
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	if g.track && n > 0 {
		if g.head > 0 && g.head >= len(g.win)/2 {
			g.win = g.win[:copy(g.win, g.win[g.head:])]
			g.head = 0
		}
		g.win = append(g.win, p[:n]...)
	}
	return n, err
}

// lineAt returns the 1-based line of byte offset off (not before the last offset asked).
func (g *guard) lineAt(off int64) int {
	k := int(min(max(off-g.winStart, 0), int64(len(g.win)-g.head)))
	g.lines += bytes.Count(g.win[g.head:g.head+k], []byte{'\n'})
	g.head += k
	g.winStart += int64(k)
	return g.lines + 1
}

func isTooLong(err error) bool { return errors.Is(err, errRecordTooLong) }
