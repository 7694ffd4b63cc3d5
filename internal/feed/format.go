package feed

import (
	"bytes"
	"fmt"
	"mime"
	"path"
	"strings"
	"unicode/utf8"
)

// Format is a feed's file format, as stored with a feed's settings.
type Format string

// The formats Parse reads.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
	JSON Format = "json" // a top-level array of objects, or NDJSON
)

// ParseFormat reads a stored or requested format name ("csv", "xlsx", "json", any case).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case CSV, XLSX, JSON:
		return f, nil
	}
	return "", fmt.Errorf("format %q is not a feed format: use csv, xlsx or json", s)
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // Excel 97–2003 (.xls)
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
)

// Detect tells a feed's format from its first bytes when they are decisive (a zip file is XLSX),
// else from its content type, else from its file name's extension, else from the first bytes
// again (text starting with '[' or '{' is JSON, other text is CSV). head is the start of the
// file; 512 bytes are plenty. An Excel 97 file, or bytes that are not text, is an error.
func Detect(name, contentType string, head []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return XLSX, nil
	case bytes.HasPrefix(head, oleMagic):
		return "", fmt.Errorf("feed %q is an Excel 97–2003 (.xls) or encrypted workbook: save it as .xlsx, CSV or JSON", name)
	}
	if f, ok := formatOfContentType(contentType); ok {
		return f, nil
	}
	if f, ok := formatOfName(name); ok {
		return f, nil
	}
	text := bytes.TrimPrefix(head, utf8BOM)
	trimmed := bytes.TrimLeft(text, " \t\r\n")
	if len(trimmed) == 0 {
		return "", fmt.Errorf("cannot tell the format of feed %q (content type %q): it starts empty", name, contentType)
	}
	if !isText(text) {
		return "", fmt.Errorf("cannot tell the format of feed %q (content type %q): its first bytes are not text, a zip or JSON", name, contentType)
	}
	if trimmed[0] == '[' || trimmed[0] == '{' {
		return JSON, nil
	}
	return CSV, nil
}

func formatOfContentType(contentType string) (Format, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	switch mt {
	case "text/csv", "text/tab-separated-values", "application/csv":
		return CSV, true
	case "application/json", "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		return JSON, true
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return XLSX, true
	}
	return "", false
}

func formatOfName(name string) (Format, bool) {
	switch strings.ToLower(path.Ext(strings.ReplaceAll(name, "\\", "/"))) {
	case ".csv", ".tsv", ".tab":
		return CSV, true
	case ".json", ".ndjson", ".jsonl":
		return JSON, true
	case ".xlsx":
		return XLSX, true
	}
	return "", false
}

// isText reports whether b looks like text: valid UTF-8 (a rune cut at the end is allowed) and no
// NUL or other control byte besides tab, CR, LF and form feed.
func isText(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		if r < 0x20 && r != '\t' && r != '\r' && r != '\n' && r != '\f' {
			return false
		}
		b = b[size:]
	}
	return true
}
