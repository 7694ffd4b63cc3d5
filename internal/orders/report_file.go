package orders

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/storesync/storesync/internal/money"
)

// The pushed-orders report as a file: CSV (encoding/csv) or XLSX (excelize), one row per line of
// a push, written as the pushes are read.

// Report file formats.
const (
	ReportCSV  = "csv"
	ReportXLSX = "xlsx"
)

// ReportContentType is the media type of a report file format.
func ReportContentType(format string) string {
	if format == ReportXLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// WriteReportFile writes the report of p to w in format (ReportCSV or ReportXLSX). Call
// ReportHeadOf first. The XLSX workbook is written out at the end (its rows past excelize's buffer
// wait in a temporary file, not in memory).
func (s *Service) WriteReportFile(ctx context.Context, w io.Writer, format string, p ReportParams) error {
	var fw reportFile
	switch format {
	case ReportCSV:
		fw = newCSVReport(w)
	case ReportXLSX:
		fw = newXLSXReport(w)
	default:
		return &Error{Field: "format", Message: "use csv or xlsx", Value: format}
	}
	totals, err := s.PushedReport(ctx, p, fw.push)
	if err != nil {
		return err
	}
	return fw.end(totals)
}

type reportFile interface {
	push(p ReportPush) error
	end(totals []ReportTotal) error
}

func amountIn(minor int64, currency string) string {
	if s, err := money.Format(minor, currency); err == nil {
		return s
	}
	return strconv.FormatInt(minor, 10)
}

// reportColumns are the CSV and XLSX columns: one row per line of a push.
var reportColumns = []string{"pushed_at", "destination_store", "destination_order", "source_store", "source_order", "status",
	"currency", "sku", "title", "quantity", "unit_price", "line_total", "shipping", "discount", "order_total"}

// reportRows are a push's rows: its shipping, discount and total on the first only, so the
// columns sum to the totals.
func reportRows(p ReportPush) [][]string {
	lines := p.Lines
	if len(lines) == 0 {
		lines = []ReportLine{{}}
	}
	amount := func(minor int64) string { return amountIn(minor, p.Currency) }
	rows := make([][]string, 0, len(lines))
	for i, l := range lines {
		qty, unit, total := "", "", ""
		if l.Title != "" || l.Quantity != 0 {
			qty, unit, total = strconv.FormatInt(l.Quantity, 10), amount(l.UnitPrice), amount(l.Total)
		}
		row := []string{p.PushedAt.UTC().Format(time.RFC3339), p.DestinationStore, p.DestinationOrder, p.SourceStore, p.SourceOrder,
			p.Status, p.Currency, l.SKU, l.Title, qty, unit, total, "", "", ""}
		if i == 0 {
			row[12], row[13], row[14] = amount(p.Shipping), amount(p.Discount), amount(p.Total)
		}
		rows = append(rows, row)
	}
	return rows
}

func totalRow(t ReportTotal) []string {
	a := func(minor int64) string { return amountIn(minor, t.Currency) }
	return []string{"total", "", strconv.FormatInt(t.Pushes, 10) + " pushes", "", "", "", t.Currency, "", "",
		strconv.FormatInt(t.Units, 10), "", a(t.Lines), a(t.Shipping), a(t.Discount), a(t.Total)}
}

type csvReport struct {
	w      *csv.Writer
	header bool
}

func newCSVReport(w io.Writer) *csvReport { return &csvReport{w: csv.NewWriter(w)} }

func (c *csvReport) writeHeader() error {
	if c.header {
		return nil
	}
	c.header = true
	return c.w.Write(reportColumns)
}

func (c *csvReport) push(p ReportPush) error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	for _, row := range reportRows(p) {
		if err := c.w.Write(safeCells(row)); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

func (c *csvReport) end(ts []ReportTotal) error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	for _, t := range ts {
		if err := c.w.Write(totalRow(t)); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// safeCells keeps a spreadsheet from reading a store's or product's name as a formula.
func safeCells(row []string) []string {
	for i, v := range row {
		if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '@' || v[0] == '\t' || v[0] == '\r' || (v[0] == '-' && i < 9)) {
			row[i] = "'" + v
		}
	}
	return row
}

// xlsxReport writes one sheet through excelize's stream writer (rows past its buffer go to a
// temporary file, not memory); the workbook is written out at the end.
type xlsxReport struct {
	out io.Writer
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
	err error
}

const reportSheet = "Pushed orders"

func newXLSXReport(w io.Writer) *xlsxReport {
	x := &xlsxReport{out: w, f: excelize.NewFile()}
	if x.err = x.f.SetSheetName("Sheet1", reportSheet); x.err != nil {
		return x
	}
	x.sw, x.err = x.f.NewStreamWriter(reportSheet)
	if x.err == nil {
		x.err = x.write(reportColumns, false)
	}
	return x
}

// write adds a row; numeric columns (quantity and amounts) become numbers.
func (x *xlsxReport) write(row []string, numeric bool) error {
	x.row++
	cells := make([]any, len(row))
	for i, v := range row {
		cells[i] = v
		if numeric && i >= 9 && v != "" {
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				cells[i] = n
			}
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, cells)
}

func (x *xlsxReport) push(p ReportPush) error {
	if x.err != nil {
		return x.err
	}
	for _, row := range reportRows(p) {
		if err := x.write(row, true); err != nil {
			return err
		}
	}
	return nil
}

func (x *xlsxReport) end(ts []ReportTotal) error {
	if x.err != nil {
		return x.err
	}
	defer func() { _ = x.f.Close() }() // removes the stream writer's temporary file
	for _, t := range ts {
		if err := x.write(totalRow(t), true); err != nil {
			return err
		}
	}
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.out)
	return err
}
