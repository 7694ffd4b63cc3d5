package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// MaxPreviewRows is the most rows Preview returns.
const MaxPreviewRows = 1000

// Preview reads the header and the first n data rows (at most MaxPreviewRows) of a feed, as
// text, for a mapping screen: no mapping or rules apply, malformed rows are left out, and an XLSX
// feed shows its first sheet. Rows may be shorter or longer than the header.
func Preview(ctx context.Context, r io.Reader, format Format, n int) (header []string, rows [][]string, err error) {
	n = min(max(n, 0), MaxPreviewRows)
	src, err := open(ctx, r, format, "")
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = src.close() }() // a second close does nothing
	if header, err = src.header(); err != nil {
		return nil, nil, err
	}
	header = append([]string(nil), header...)
	rows = [][]string{}
	for len(rows) < n {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("previewing the %s feed: %w", format, err)
		}
		rec, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if rec.bad != "" || blank(rec.cells) {
			continue
		}
		row := make([]string, 0, min(len(rec.cells), MaxColumns))
		for _, c := range rec.cells[:min(len(rec.cells), MaxColumns)] {
			row = append(row, clipCell(c))
		}
		rows = append(rows, row)
	}
	return header, rows, nil
}

// previewCell bounds a previewed cell: a screen needs its start, not 64 KiB.
const previewCell = 1024

func clipCell(s string) string {
	if len(s) <= previewCell {
		return s
	}
	return s[:previewCell] + "…"
}
