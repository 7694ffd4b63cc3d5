package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxUnzipLimit caps the uncompressed size of a workbook's parts; sheets past excelize's
// in-memory limit (16 MiB) are unzipped to temporary files, not memory.
const xlsxUnzipLimit = 4 << 30

type xlsxSource struct {
	f     *excelize.File
	rows  *excelize.Rows
	spool string // the temporary copy of the workbook, removed by close
	line  int
	rec   record
}

// newXLSX opens a workbook and the sheet named (the first when empty). A reader that is not a
// regular file is copied to a temporary file first (a zip needs random access), up to
// MaxXLSXBytes.
func newXLSX(ctx context.Context, r io.Reader, sheet string) (*xlsxSource, error) {
	s := &xlsxSource{}
	path, err := s.pathOf(ctx, r)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: xlsxUnzipLimit})
	if err != nil {
		_ = s.close()
		return nil, &FileError{Format: XLSX, Err: fmt.Errorf("not a readable workbook: %w", err)}
	}
	s.f = f
	name, err := sheetNamed(f, sheet)
	if err != nil {
		_ = s.close()
		return nil, err
	}
	if s.rows, err = f.Rows(name); err != nil {
		_ = s.close()
		return nil, &FileError{Format: XLSX, Err: fmt.Errorf("reading sheet %q: %w", name, err)}
	}
	return s, nil
}

func (s *xlsxSource) pathOf(ctx context.Context, r io.Reader) (string, error) {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if st.Size() > MaxXLSXBytes {
				return "", &FileError{Format: XLSX, Err: fmt.Errorf("the workbook is over %d MiB", MaxXLSXBytes>>20)}
			}
			return f.Name(), nil
		}
	}
	tmp, err := os.CreateTemp("", "storesync-feed-*.xlsx")
	if err != nil {
		return "", fmt.Errorf("spooling the xlsx feed: %w", err)
	}
	s.spool = tmp.Name()
	n, err := io.Copy(tmp, io.LimitReader(ctxReader{ctx, r}, MaxXLSXBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		_ = s.close()
		return "", fmt.Errorf("spooling the xlsx feed: %w", err)
	case n > MaxXLSXBytes:
		_ = s.close()
		return "", &FileError{Format: XLSX, Err: fmt.Errorf("the workbook is over %d MiB", MaxXLSXBytes>>20)}
	}
	return s.spool, nil
}

// sheetNamed finds a sheet by name, ignoring case; empty names the first sheet.
func sheetNamed(f *excelize.File, sheet string) (string, error) {
	list := f.GetSheetList()
	if len(list) == 0 {
		return "", &FileError{Format: XLSX, Err: errors.New("the workbook has no sheet")}
	}
	if strings.TrimSpace(sheet) == "" {
		return list[0], nil
	}
	for _, name := range list {
		if strings.EqualFold(strings.TrimSpace(name), strings.TrimSpace(sheet)) {
			return name, nil
		}
	}
	return "", &FieldError{Field: "mapping.sheet", Message: fmt.Sprintf("sheet %q is not in the workbook (it has: %s)", sheet, listHeader(list))}
}

func (s *xlsxSource) header() ([]string, error) {
	for {
		rec, err := s.next()
		if errors.Is(err, io.EOF) {
			return nil, &FileError{Format: XLSX, Line: 1, Err: errors.New("the sheet is empty: no header row")}
		}
		if err != nil {
			return nil, err
		}
		if !blank(rec.cells) {
			return append([]string(nil), rec.cells...), nil
		}
	}
}

func (s *xlsxSource) next() (*record, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, &FileError{Format: XLSX, Line: s.line + 1, Err: err}
		}
		return nil, io.EOF
	}
	s.line++
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, &FileError{Format: XLSX, Line: s.line, Err: err}
	}
	s.rec = record{line: s.line, cells: cells}
	return &s.rec, nil
}

func (s *xlsxSource) close() error {
	var errs []error
	if s.rows != nil {
		errs = append(errs, s.rows.Close())
		s.rows = nil
	}
	if s.f != nil {
		errs = append(errs, s.f.Close())
		s.f = nil
	}
	if s.spool != "" {
		if err := os.Remove(s.spool); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		s.spool = ""
	}
	return errors.Join(errs...)
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context //nolint:containedctx // lives only for one io.Copy
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
