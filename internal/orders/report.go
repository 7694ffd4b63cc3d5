package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// The pushed-orders report (the "Generate report" of a connection): every push of a connection
// made between two instants, with what the source order has, and totals. Read in pages by
// (pushed_at, order id), so a long range streams in memory that does not grow with it.

// ReportPage is how many pushes one read of the report takes.
const ReportPage = 500

// MaxReportRange bounds a report's range.
const MaxReportRange = 366 * 24 * time.Hour * 5

// ReportParams select a connection's pushes made at or after From and before To. The connection
// is one the account is the destination of, or the source of (the source has these orders on
// its store already: the report tells it nothing it does not hold).
type ReportParams struct {
	AccountID    int64
	ConnectionID int64
	From, To     time.Time
}

// ReportHead names the connection a report is of.
type ReportHead struct {
	ConnectionID     int64
	DestinationStore string
	SourceStore      string
}

// ReportPush is one push of the report.
type ReportPush struct {
	OrderID          int64
	PushedAt         time.Time
	DestinationStore string
	DestinationOrder string
	SourceStore      string
	SourceOrder      string
	SourceOrderID    string
	Status           string // the push's status now (pushed, or cancelled since)
	Currency         string
	Lines            []ReportLine
	Shipping         int64
	Discount         int64
	Total            int64
}

// ReportLine is one line of a pushed source order.
type ReportLine struct {
	SKU       string
	Title     string
	Quantity  int64
	UnitPrice int64
	Total     int64
}

// ReportTotal sums a report's pushes of one currency.
type ReportTotal struct {
	Currency string
	Pushes   int64
	Units    int64
	Lines    int64 // Σ line totals
	Shipping int64
	Discount int64
	Total    int64
}

// ErrNoConnection: the report's connection is not one of the account's.
var ErrNoConnection = errors.New("no such connection in this account")

// ReportHeadOf checks the report's parameters and the connection before anything is written:
// a bad range is an *Error naming from, an unknown connection an *Error naming connection_id.
func (s *Service) ReportHeadOf(ctx context.Context, p ReportParams) (ReportHead, error) {
	h := ReportHead{ConnectionID: p.ConnectionID}
	if p.From.After(p.To) {
		return h, &Error{Field: "from", Message: "from is after to: give a range whose from is on or before its to", Value: p.From.Format(time.DateOnly)}
	}
	if p.To.Sub(p.From) > MaxReportRange {
		return h, &Error{Field: "to", Message: "a report covers at most 5 years", Value: p.To.Format(time.DateOnly)}
	}
	err := s.db.QueryRow(ctx, `SELECT d.name, s.name FROM connections c JOIN stores d ON d.id = c.destination_store_id
		JOIN stores s ON s.id = c.source_store_id WHERE c.id = $1 AND (d.account_id = $2 OR s.account_id = $2)`,
		p.ConnectionID, p.AccountID).Scan(&h.DestinationStore, &h.SourceStore)
	if errors.Is(err, database.ErrNoRows) {
		return h, &Error{Field: "connection_id", Message: "no connection " + strconv.FormatInt(p.ConnectionID, 10) +
			" in this account: use the id of one of your connections", Value: p.ConnectionID}
	}
	if err != nil {
		return h, fmt.Errorf("reading connection %d: %w", p.ConnectionID, err)
	}
	return h, nil
}

// PushedReport calls fn with each push of the report, oldest first, and returns the totals per
// currency. Call ReportHeadOf first: it checks what PushedReport assumes.
func (s *Service) PushedReport(ctx context.Context, p ReportParams, fn func(ReportPush) error) ([]ReportTotal, error) {
	totals := map[string]*ReportTotal{}
	afterAt := p.From.UTC().Add(-time.Microsecond)
	var afterOrder int64
	for {
		page, err := s.reportPage(ctx, p, afterAt, afterOrder)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			t := totals[r.Currency]
			if t == nil {
				t = &ReportTotal{Currency: r.Currency}
				totals[r.Currency] = t
			}
			t.Pushes++
			for _, l := range r.Lines {
				t.Units += l.Quantity
				t.Lines += l.Total
			}
			t.Shipping += r.Shipping
			t.Discount += r.Discount
			t.Total += r.Total
			if err := fn(r); err != nil {
				return nil, err
			}
		}
		if len(page) < ReportPage {
			break
		}
		last := page[len(page)-1]
		afterAt, afterOrder = last.PushedAt, last.OrderID
	}
	out := make([]ReportTotal, 0, len(totals))
	for _, t := range totals {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out, nil
}

// reportPage reads the pushes after (at, order) in the range. A connection has one push per
// order, so (pushed_at, order_id) orders them.
func (s *Service) reportPage(ctx context.Context, p ReportParams, afterAt time.Time, afterOrder int64) ([]ReportPush, error) {
	rows, err := s.db.Query(ctx, `SELECT p.order_id, p.pushed_at, d.name, o.name, st.name, p.source_order_name, p.source_order_id,
			p.status, p.sent, p.line_positions, o.currency
		FROM order_pushes p JOIN orders o ON o.id = p.order_id JOIN stores d ON d.id = o.store_id JOIN stores st ON st.id = p.source_store_id
		WHERE p.connection_id = $1 AND p.pushed_at IS NOT NULL AND p.pushed_at >= $2 AND p.pushed_at < $3
			AND (p.pushed_at > $4 OR (p.pushed_at = $4 AND p.order_id > $5))
		ORDER BY p.pushed_at, p.order_id LIMIT $6`,
		p.ConnectionID, p.From.UTC(), p.To.UTC(), afterAt, afterOrder, ReportPage)
	if err != nil {
		return nil, fmt.Errorf("reading the pushes of connection %d: %w", p.ConnectionID, err)
	}
	var out []ReportPush
	var positions []string
	for rows.Next() {
		var r ReportPush
		var sentJSON, pos string
		if err := rows.Scan(&r.OrderID, &r.PushedAt, &r.DestinationStore, &r.DestinationOrder, &r.SourceStore, &r.SourceOrder,
			&r.SourceOrderID, &r.Status, &sentJSON, &pos, &r.Currency); err != nil {
			rows.Close()
			return nil, err
		}
		if sentJSON != "" {
			var sn sent
			if err := json.Unmarshal([]byte(sentJSON), &sn); err == nil {
				r.Currency, r.Shipping, r.Discount, r.Total = sn.Currency, sn.Shipping, sn.Discount, sn.Total
				for _, l := range sn.Lines {
					r.Lines = append(r.Lines, ReportLine{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
						Total: l.UnitPrice * l.Quantity})
				}
				pos = ""
			}
		}
		out = append(out, r)
		positions = append(positions, pos)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// A push recorded without what the source has (made before the report existed): its lines as
	// the destination order has them.
	for i, pos := range positions {
		if pos == "" {
			continue
		}
		if err := s.destinationLines(ctx, &out[i], pos); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) destinationLines(ctx context.Context, r *ReportPush, positions string) error {
	var pos []int
	if err := json.Unmarshal([]byte(positions), &pos); err != nil {
		return err
	}
	k, err := loadKept(ctx, s.db, r.OrderID)
	if err != nil {
		return err
	}
	for _, p := range pos {
		if p < 0 || p >= len(k.lines) {
			continue
		}
		l := k.lines[p]
		r.Lines = append(r.Lines, ReportLine{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.Price, Total: l.Price * l.Quantity})
		r.Total += l.Price * l.Quantity
	}
	return nil
}
