package woocommerce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

// WooCommerce ships an order as a whole: a fulfilment is the order's status (completed) with its
// tracking, so an order has at most one fulfilment, whose id is the order's. Tracking lives in the
// Shipment Tracking extension's items where the store has the extension, and in an order note
// written by storesync otherwise (the latest such note is the order's tracking).

type trackingMode int

const (
	trackingUnknown trackingMode = iota
	trackingExtension
	trackingNotes
)

// noteHeader starts every tracking note storesync writes.
const noteHeader = "Shipped"

// trackingMode learns, once per client, whether the store has the Shipment Tracking extension:
// without it WordPress answers its route with 404 rest_no_route.
func (c *Client) trackingMode(ctx context.Context, op string, orderID int64) (trackingMode, []wooTracking, error) {
	c.mu.Lock()
	mode := c.track
	c.mu.Unlock()
	if mode == trackingNotes {
		return mode, nil, nil
	}
	var items []wooTracking
	_, err := c.do(ctx, call{op: op, method: http.MethodGet, root: TrackingPath, path: "/orders/" + id(orderID) + "/shipment-trackings", safe: true}, &items)
	if err != nil {
		if !platform.HasFieldCode(err, "rest_no_route") {
			return trackingUnknown, nil, err
		}
		c.mu.Lock()
		c.track = trackingNotes
		c.mu.Unlock()
		return trackingNotes, nil, nil
	}
	c.mu.Lock()
	c.track = trackingExtension
	c.mu.Unlock()
	return trackingExtension, items, nil
}

// shipment is an order with its tracking, as the client reads it.
type shipment struct {
	order    wooOrder
	mode     trackingMode
	items    []wooTracking // extension
	note     *wooNote      // latest tracking note
	tracking []platform.Tracking
}

func (c *Client) readShipment(ctx context.Context, op string, orderID int64) (shipment, error) {
	var s shipment
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/orders/" + id(orderID), safe: true}, &s.order); err != nil {
		return s, err
	}
	mode, items, err := c.trackingMode(ctx, op, orderID)
	if err != nil {
		return s, err
	}
	s.mode = mode
	if mode == trackingExtension {
		s.items = items
		for _, it := range items {
			company := it.TrackingProvider
			if company == "" {
				company = it.CustomTrackingProvider
			}
			link := it.TrackingLink
			if link == "" {
				link = it.CustomTrackingLink
			}
			s.tracking = append(s.tracking, platform.Tracking{Company: company, Number: it.TrackingNumber, URL: link})
		}
		return s, nil
	}
	var notes []wooNote
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/orders/" + id(orderID) + "/notes", query: url.Values{"type": {"any"}}, safe: true}, &notes); err != nil {
		return s, err
	}
	for i := range notes {
		n := &notes[i]
		if !strings.HasPrefix(n.Note, noteHeader) {
			continue
		}
		if s.note == nil || parseGMT(n.DateCreatedGMT).After(parseGMT(s.note.DateCreatedGMT)) || (n.DateCreatedGMT == s.note.DateCreatedGMT && n.ID > s.note.ID) {
			s.note = n
		}
	}
	if s.note != nil {
		s.tracking = parseTrackingNote(s.note.Note)
	}
	return s, nil
}

// trackingNote writes tracking as a note a person reads and the client parses back.
func trackingNote(ts []platform.Tracking) string {
	var b strings.Builder
	b.WriteString(noteHeader)
	if carrier := platform.Carrier(ts); carrier != "" {
		b.WriteString(" by " + carrier)
	}
	for _, t := range ts {
		if t.Number == "" {
			continue
		}
		b.WriteString("\nTracking number: " + t.Number)
		if t.URL != "" {
			b.WriteString(" " + t.URL)
		}
	}
	return b.String()
}

func parseTrackingNote(note string) []platform.Tracking {
	lines := strings.Split(note, "\n")
	carrier := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(lines[0], noteHeader), " by"))
	var out []platform.Tracking
	for _, l := range lines[1:] {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "Tracking number:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		t := platform.Tracking{Company: carrier, Number: f[0]}
		if len(f) > 1 {
			t.URL = f[1]
		}
		out = append(out, t)
	}
	return out
}

func (s shipment) fulfillment() (platform.Fulfillment, bool) {
	if s.order.Status != "completed" && len(s.tracking) == 0 {
		return platform.Fulfillment{}, false
	}
	f := platform.Fulfillment{ID: id(s.order.ID), OrderID: id(s.order.ID), Name: "#" + s.order.Number,
		Status: "success", Tracking: s.tracking, CreatedAt: parseGMT(s.order.DateCompletedGMT), UpdatedAt: parseGMT(s.order.DateModifiedGMT)}
	if s.order.Status != "completed" {
		f.Status = "pending"
	}
	if s.order.Status == "cancelled" {
		f.Status = "cancelled"
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = f.UpdatedAt
	}
	for _, li := range s.order.LineItems {
		f.Lines = append(f.Lines, platform.FulfillmentLine{OrderLineID: id(li.ID), SKU: li.SKU, Quantity: li.Quantity})
	}
	return f, true
}

// Fulfillments reads the order's one fulfilment: the order completed, or carrying tracking.
func (c *Client) Fulfillments(ctx context.Context, orderID string) ([]platform.Fulfillment, error) {
	const op = "reading fulfilments"
	n, err := parseID(orderID)
	if err != nil {
		return nil, c.newError(op, platform.KindInvalidInput, err.Error())
	}
	s, err := c.readShipment(ctx, op, n)
	if err != nil {
		return nil, err
	}
	if f, ok := s.fulfillment(); ok {
		return []platform.Fulfillment{f}, nil
	}
	return nil, nil
}

// CreateFulfillment ships the order: adds the tracking numbers it does not carry yet, and
// completes it when every line is shipped. WooCommerce cannot ship part of an order: lines
// naming less than the whole order add the tracking and leave the order open.
func (c *Client) CreateFulfillment(ctx context.Context, in platform.FulfillmentInput) ([]platform.Fulfillment, error) {
	const op = "creating fulfilment"
	n, err := parseID(in.OrderID)
	if err != nil {
		return nil, c.newError(op, platform.KindInvalidInput, err.Error())
	}
	s, err := c.readShipment(ctx, op, n)
	if err != nil {
		return nil, err
	}
	if s.order.Status == "cancelled" || s.order.Status == "refunded" || s.order.Status == "failed" {
		return nil, c.newError(op, platform.KindInvalidInput, fmt.Sprintf("order %d is %s: it cannot be shipped", n, s.order.Status))
	}
	whole, err := coversOrder(s.order, in.Lines)
	if err != nil {
		return nil, c.newError(op, platform.KindInvalidInput, err.Error())
	}
	want := append([]platform.Tracking{in.Tracking}, in.MoreTracking...)
	for i := range want {
		if want[i].Company == "" {
			want[i].Company = in.Tracking.Company
		}
	}
	merged := slices.Clone(s.tracking)
	for _, t := range want {
		if t.Number == "" || hasNumber(merged, t.Number) {
			continue
		}
		merged = append(merged, t)
	}
	if err := c.writeTracking(ctx, op, s, merged, in.NotifyCustomer); err != nil {
		return nil, err
	}
	if whole && s.order.Status != "completed" {
		if _, err := c.do(ctx, call{op: op, method: http.MethodPut, path: "/orders/" + id(n), body: map[string]string{"status": "completed"}, safe: true}, nil); err != nil {
			return nil, err
		}
	}
	s, err = c.readShipment(ctx, op, n)
	if err != nil {
		return nil, err
	}
	f, ok := s.fulfillment()
	if !ok {
		return nil, nil
	}
	return []platform.Fulfillment{f}, nil
}

func hasNumber(ts []platform.Tracking, number string) bool {
	return slices.ContainsFunc(ts, func(t platform.Tracking) bool { return t.Number == number })
}

// coversOrder reports whether lines (empty: all) ship every line of the order in full.
func coversOrder(o wooOrder, lines []platform.FulfillmentLine) (bool, error) {
	if len(lines) == 0 {
		return true, nil
	}
	asked := map[string]int64{}
	for i, l := range lines {
		found := false
		for _, li := range o.LineItems {
			if id(li.ID) == l.OrderLineID {
				found = true
			}
		}
		if !found {
			return false, fmt.Errorf("lines.%d.order_line_id %q: not a line of order %d", i, l.OrderLineID, o.ID)
		}
		asked[l.OrderLineID] += l.Quantity
	}
	for _, li := range o.LineItems {
		if asked[id(li.ID)] < li.Quantity {
			return false, nil
		}
	}
	return true, nil
}

// writeTracking makes the order's tracking ts: extension items added and removed, or a new note
// replacing the last one. Nothing is written when the tracking is already ts.
func (c *Client) writeTracking(ctx context.Context, op string, s shipment, ts []platform.Tracking, notify bool) error {
	if slices.Equal(ts, s.tracking) {
		return nil
	}
	oid := id(s.order.ID)
	if s.mode == trackingExtension {
		base := "/orders/" + oid + "/shipment-trackings"
		for _, it := range s.items {
			if !hasNumber(ts, it.TrackingNumber) {
				if _, err := c.do(ctx, call{op: op, method: http.MethodDelete, root: TrackingPath, path: base + "/" + url.PathEscape(it.TrackingID), safe: true}, nil); err != nil && platform.KindOf(err) != platform.KindNotFound {
					return err
				}
			}
		}
		for _, t := range ts {
			if slices.ContainsFunc(s.items, func(it wooTracking) bool { return it.TrackingNumber == t.Number }) {
				continue
			}
			body := wooTracking{CustomTrackingProvider: t.Company, CustomTrackingLink: t.URL, TrackingNumber: t.Number,
				DateShipped: c.cfg.Now().UTC().Format("2006-01-02")}
			if _, err := c.do(ctx, call{op: op, method: http.MethodPost, root: TrackingPath, path: base, body: body}, nil); err != nil {
				return err
			}
		}
		return nil
	}
	if len(ts) == 0 && s.note == nil {
		return nil
	}
	note := map[string]any{"note": trackingNote(ts), "customer_note": notify}
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/orders/" + oid + "/notes", body: note}, nil); err != nil {
		return err
	}
	if s.note != nil {
		_, err := c.do(ctx, call{op: op, method: http.MethodDelete, path: "/orders/" + oid + "/notes/" + id(s.note.ID),
			query: url.Values{"force": {"true"}}, safe: true}, nil)
		if err != nil && platform.KindOf(err) != platform.KindNotFound {
			return err
		}
	}
	return nil
}

// UpdateTracking replaces the tracking of the order's fulfilment (its id is the order's).
func (c *Client) UpdateTracking(ctx context.Context, p platform.UpdateTrackingParams) (platform.Fulfillment, error) {
	const op = "updating tracking"
	n, err := parseID(p.FulfillmentID)
	if err != nil {
		return platform.Fulfillment{}, c.newError(op, platform.KindInvalidInput, err.Error())
	}
	s, err := c.readShipment(ctx, op, n)
	if err != nil {
		return platform.Fulfillment{}, err
	}
	if _, ok := s.fulfillment(); !ok || s.order.Status == "cancelled" {
		return platform.Fulfillment{}, c.newError(op, platform.KindNotFound, "order "+strconv.FormatInt(n, 10)+" has no fulfilment")
	}
	ts := slices.Clone(p.Tracking)
	carrier := platform.Carrier(ts)
	for i := range ts {
		if ts[i].Company == "" {
			ts[i].Company = carrier
		}
	}
	if err := c.writeTracking(ctx, op, s, ts, p.NotifyCustomer); err != nil {
		return platform.Fulfillment{}, err
	}
	s, err = c.readShipment(ctx, op, n)
	if err != nil {
		return platform.Fulfillment{}, err
	}
	f, _ := s.fulfillment()
	return f, nil
}
