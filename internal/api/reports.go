package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/orders"
)

// The pushed-orders report: a connection's pushes made between two days, with what each source
// order has and totals, as JSON, CSV or XLSX, streamed.

// ReportLine is one line of a pushed source order.
type ReportLine struct {
	SKU       string `json:"sku"`
	Title     string `json:"title"`
	Quantity  int64  `json:"quantity"`
	UnitPrice string `json:"unit_price" example:"12.50"`
	Total     string `json:"total" example:"25.00" doc:"quantity × unit price"`
}

// ReportPush is one push of the report.
type ReportPush struct {
	PushedAt         time.Time    `json:"pushed_at"`
	DestinationStore string       `json:"destination_store"`
	DestinationOrder string       `json:"destination_order" example:"#1001"`
	SourceStore      string       `json:"source_store"`
	SourceOrder      string       `json:"source_order" example:"#5001"`
	SourceOrderID    string       `json:"source_order_id"`
	Status           string       `json:"status" enum:"not_pushed,pushed,failed,cancelled" doc:"the push's status now: pushed, or cancelled since"`
	Currency         string       `json:"currency" example:"USD"`
	Lines            []ReportLine `json:"lines" nullable:"false"`
	Shipping         string       `json:"shipping" example:"4.95"`
	Discount         string       `json:"discount" example:"0.00"`
	Total            string       `json:"total" example:"29.95" doc:"the source order's total: lines + shipping − discount"`
}

// ReportTotal sums the pushes of one currency.
type ReportTotal struct {
	Currency string `json:"currency"`
	Pushes   int64  `json:"pushes"`
	Units    int64  `json:"units"`
	Lines    string `json:"lines" doc:"Σ line totals"`
	Shipping string `json:"shipping"`
	Discount string `json:"discount"`
	Total    string `json:"total"`
}

// PushedOrdersReport is the JSON report.
type PushedOrdersReport struct {
	ConnectionID     int64         `json:"connection_id"`
	DestinationStore string        `json:"destination_store"`
	SourceStore      string        `json:"source_store"`
	From             string        `json:"from" example:"2026-01-20"`
	To               string        `json:"to" example:"2026-01-30"`
	Pushes           []ReportPush  `json:"pushes" nullable:"false" doc:"oldest first"`
	Totals           []ReportTotal `json:"totals" nullable:"false" doc:"one per currency"`
}

type reportInput struct {
	ConnectionID int64  `query:"connection_id" required:"true" minimum:"1" doc:"a connection your account is the destination or the source of"`
	From         string `query:"from" required:"true" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"pushed on or after this day (UTC), e.g. 2026-01-20"`
	To           string `query:"to" required:"true" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"pushed on or before this day (UTC); not before from"`
	Format       string `query:"format" enum:"json,csv,xlsx" default:"json"`
}

type reportHandlers struct {
	svc *orders.Service
	log *slog.Logger
}

func (h reportHandlers) register(hapi huma.API) {
	ref := hapi.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[PushedOrdersReport](), true, "")
	text := &huma.Schema{Type: "string"}
	binary := &huma.Schema{Type: "string", Format: "binary"}
	huma.Register(hapi, huma.Operation{OperationID: "pushed-orders-report", Method: http.MethodGet, Path: "/api/v2/reports/pushed-orders",
		Summary: "Report of a connection's pushed orders",
		Description: "The orders pushed through a connection between two days (UTC, both included): per push the destination " +
			"order, when it was pushed, the source store and its order, the lines with quantities and line totals, shipping, " +
			"discount and total, as the source answered the order's creation; totals per currency. format json (the default), " +
			"csv (one row per line, the push's shipping, discount and total on its first line, totals last) or xlsx. Streamed: " +
			"any range is read in pages. The destination's account and the source's (which holds these orders already) may read " +
			"it. from after to, a malformed day, a bad format or a connection not of your account is a 422 naming it.",
		Responses: map[string]*huma.Response{"200": {Description: "The report", Content: map[string]*huma.MediaType{
			"application/json": {Schema: ref}, "text/csv": {Schema: text}, orders.ReportContentType(orders.ReportXLSX): {Schema: binary}}}},
		Errors: []int{http.StatusUnprocessableEntity}, Tags: []string{"Orders"}}, h.report)
}

func (h reportHandlers) report(ctx context.Context, in *reportInput) (*huma.StreamResponse, error) {
	from, err := parseDay("from", in.From)
	if err != nil {
		return nil, ordersError(err, "query")
	}
	to, err := parseDay("to", in.To)
	if err != nil {
		return nil, ordersError(err, "query")
	}
	p := orders.ReportParams{AccountID: AccountID(ctx), ConnectionID: in.ConnectionID, From: *from, To: to.AddDate(0, 0, 1)}
	if from.After(*to) {
		return nil, ordersError(&orders.Error{Field: "from", Message: "from is after to: give a range whose from is on or before its to", Value: in.From}, "query")
	}
	head, err := h.svc.ReportHeadOf(ctx, p)
	if err != nil {
		return nil, ordersError(err, "query")
	}
	rep := PushedOrdersReport{ConnectionID: head.ConnectionID, DestinationStore: head.DestinationStore, SourceStore: head.SourceStore,
		From: in.From, To: in.To}
	name := fmt.Sprintf("pushed-orders-%d-%s-%s", in.ConnectionID, in.From, in.To)
	return &huma.StreamResponse{Body: func(hc huma.Context) { //nolint:contextcheck // the stream runs in the request's own context, hc.Context()
		var err error
		switch in.Format {
		case orders.ReportCSV, orders.ReportXLSX:
			hc.SetHeader("Content-Type", orders.ReportContentType(in.Format))
			hc.SetHeader("Content-Disposition", `attachment; filename="`+name+`.`+in.Format+`"`)
			hc.SetStatus(http.StatusOK)
			err = h.svc.WriteReportFile(hc.Context(), hc.BodyWriter(), in.Format, p)
		default:
			hc.SetHeader("Content-Type", "application/json")
			hc.SetStatus(http.StatusOK)
			w := &jsonReport{w: hc.BodyWriter(), head: rep}
			var totals []orders.ReportTotal
			totals, err = h.svc.PushedReport(hc.Context(), p, func(r orders.ReportPush) error { return w.push(reportPushOut(r)) })
			if err == nil {
				err = w.end(reportTotalsOut(totals))
			}
		}
		if err != nil { // the status is sent: the body ends short, which its reader notices
			h.log.ErrorContext(hc.Context(), "writing the pushed-orders report", "connection", in.ConnectionID, "error", err)
		}
	}}, nil
}

func amountOf(minor int64, currency string) string {
	if s, err := money.Format(minor, currency); err == nil {
		return s
	}
	return strconv.FormatInt(minor, 10)
}

func reportPushOut(r orders.ReportPush) ReportPush {
	out := ReportPush{PushedAt: r.PushedAt, DestinationStore: r.DestinationStore, DestinationOrder: r.DestinationOrder,
		SourceStore: r.SourceStore, SourceOrder: r.SourceOrder, SourceOrderID: r.SourceOrderID, Status: r.Status, Currency: r.Currency,
		Lines: make([]ReportLine, 0, len(r.Lines)), Shipping: amountOf(r.Shipping, r.Currency), Discount: amountOf(r.Discount, r.Currency),
		Total: amountOf(r.Total, r.Currency)}
	for _, l := range r.Lines {
		out.Lines = append(out.Lines, ReportLine{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity,
			UnitPrice: amountOf(l.UnitPrice, r.Currency), Total: amountOf(l.Total, r.Currency)})
	}
	return out
}

func reportTotalsOut(ts []orders.ReportTotal) []ReportTotal {
	out := make([]ReportTotal, 0, len(ts))
	for _, t := range ts {
		out = append(out, ReportTotal{Currency: t.Currency, Pushes: t.Pushes, Units: t.Units, Lines: amountOf(t.Lines, t.Currency),
			Shipping: amountOf(t.Shipping, t.Currency), Discount: amountOf(t.Discount, t.Currency), Total: amountOf(t.Total, t.Currency)})
	}
	return out
}

// jsonReport writes PushedOrdersReport one push at a time.
type jsonReport struct {
	w     io.Writer
	head  PushedOrdersReport
	count int
}

func (j *jsonReport) start() error {
	b, err := json.Marshal(j.head)
	if err != nil {
		return err
	}
	// The head's pushes and totals are empty: open its pushes array and write each push into it.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	delete(m, "pushes")
	delete(m, "totals")
	b, err = json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = io.WriteString(j.w, string(b[:len(b)-1])+`,"pushes":[`)
	return err
}

func (j *jsonReport) push(p ReportPush) error {
	if j.count == 0 {
		if err := j.start(); err != nil {
			return err
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if j.count > 0 {
		b = append([]byte(","), b...)
	}
	j.count++
	_, err = j.w.Write(b)
	return err
}

func (j *jsonReport) end(ts []ReportTotal) error {
	if j.count == 0 {
		if err := j.start(); err != nil {
			return err
		}
	}
	b, err := json.Marshal(ts)
	if err != nil {
		return err
	}
	_, err = io.WriteString(j.w, `],"totals":`+string(b)+"}\n")
	return err
}
