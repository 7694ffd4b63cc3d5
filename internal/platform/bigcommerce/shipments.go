package bigcommerce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

type shipment struct {
	ID              int64  `json:"id"`
	OrderID         int64  `json:"order_id"`
	OrderAddressID  int64  `json:"order_address_id"`
	DateCreated     string `json:"date_created"`
	TrackingNumber  string `json:"tracking_number"`
	ShippingMethod  string `json:"shipping_method"`
	ShippingProvide string `json:"shipping_provider"`
	TrackingCarrier string `json:"tracking_carrier"`
	TrackingLink    string `json:"tracking_link"`
	Comments        string `json:"comments"`
	Items           []struct {
		OrderProductID int64 `json:"order_product_id"`
		ProductID      int64 `json:"product_id"`
		Quantity       int64 `json:"quantity"`
	} `json:"items"`
}

// moreLine is the line of a shipment's comments that lists its further parcels' numbers: a
// BigCommerce shipment has one tracking number.
const moreLine = "More tracking numbers: "

// fulfillmentID names a shipment: shipments are addressed under their order.
func fulfillmentID(orderID, shipmentID int64) string { return id(orderID) + "/" + id(shipmentID) }

func (c *Client) parseFulfillmentID(op, s string) (int64, int64, error) {
	o, sh, ok := strings.Cut(s, "/")
	on, err1 := strconv.ParseInt(o, 10, 64)
	sn, err2 := strconv.ParseInt(sh, 10, 64)
	if !ok || err1 != nil || err2 != nil || on <= 0 || sn <= 0 {
		return 0, 0, c.newError(op, platform.KindInvalidInput, fmt.Sprintf("fulfillment id %q is not ORDER/SHIPMENT", truncate(s, 40)))
	}
	return on, sn, nil
}

func moreNumbers(comments string) []string {
	var ns []string
	for line := range strings.SplitSeq(comments, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), moreLine); ok {
			for n := range strings.SplitSeq(rest, ",") {
				if n = strings.TrimSpace(n); n != "" {
					ns = append(ns, n)
				}
			}
		}
	}
	return ns
}

func toFulfillment(s shipment, skus map[int64]string) platform.Fulfillment {
	f := platform.Fulfillment{ID: fulfillmentID(s.OrderID, s.ID), OrderID: id(s.OrderID), Name: "#" + id(s.OrderID) + "-" + id(s.ID),
		Status: "success", CreatedAt: parseTime(s.DateCreated)}
	f.UpdatedAt = f.CreatedAt
	carrier := s.TrackingCarrier
	if carrier == "" {
		carrier = commentCarrier(s.Comments)
	}
	if carrier == "" {
		carrier = s.ShippingProvide
	}
	if s.TrackingNumber != "" {
		f.Tracking = append(f.Tracking, platform.Tracking{Company: carrier, Number: s.TrackingNumber, URL: s.TrackingLink})
	}
	for _, n := range moreNumbers(s.Comments) {
		f.Tracking = append(f.Tracking, platform.Tracking{Company: carrier, Number: n})
	}
	for _, it := range s.Items {
		f.Lines = append(f.Lines, platform.FulfillmentLine{OrderLineID: id(it.OrderProductID), SKU: skus[it.OrderProductID], Quantity: it.Quantity})
	}
	return f
}

func (c *Client) shipments(ctx context.Context, op string, oid int64) ([]shipment, error) {
	var all []shipment
	for page := 1; ; page++ {
		var ss []shipment
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(MaxPageLimit)}}
		if err := c.call(ctx, op, get("/v2/orders/"+id(oid)+"/shipments", q), &ss); err != nil {
			return nil, err
		}
		all = append(all, ss...)
		if len(ss) < MaxPageLimit {
			return all, nil
		}
	}
}

func skuMap(lines []orderProduct) map[int64]string {
	m := map[int64]string{}
	for _, l := range lines {
		m[l.ID] = l.SKU
	}
	return m
}

// Fulfillments reads an order's shipments with their tracking.
func (c *Client) Fulfillments(ctx context.Context, orderID string) ([]platform.Fulfillment, error) {
	const op = "reading fulfillments"
	oid, err := c.parseID(op, "order id", orderID)
	if err != nil {
		return nil, err
	}
	ss, err := c.shipments(ctx, op, oid)
	if err != nil {
		return nil, err
	}
	lines, err := c.orderProducts(ctx, op, oid)
	if err != nil {
		return nil, err
	}
	skus := skuMap(lines)
	fs := make([]platform.Fulfillment, 0, len(ss))
	for _, s := range ss {
		fs = append(fs, toFulfillment(s, skus))
	}
	return fs, nil
}

// CreateFulfillment ships lines of an order as one shipment per shipping address, with the
// tracking number; further numbers go in the shipment's comments. Shipments an earlier run made
// with the same tracking number count as shipped, so a re-run creates only what is missing.
func (c *Client) CreateFulfillment(ctx context.Context, in platform.FulfillmentInput) ([]platform.Fulfillment, error) {
	const op = "creating fulfillment"
	oid, err := c.parseID(op, "order id", in.OrderID)
	if err != nil {
		return nil, err
	}
	lines, err := c.orderProducts(ctx, op, oid)
	if err != nil {
		return nil, err
	}
	existing, err := c.shipments(ctx, op, oid)
	if err != nil {
		return nil, err
	}
	skus := skuMap(lines)
	byID := map[int64]orderProduct{}
	for _, l := range lines {
		byID[l.ID] = l
	}
	// What this tracking number's shipments already carry, and which of them there are.
	var mine []platform.Fulfillment
	shippedHere := map[int64]int64{}
	if in.Tracking.Number != "" {
		for _, s := range existing {
			// A shipment excluded as another's is not this input's, even with its number.
			if f := toFulfillment(s, skus); s.TrackingNumber == in.Tracking.Number && !slices.Contains(in.Exclude, f.ID) {
				mine = append(mine, f)
				for _, it := range s.Items {
					shippedHere[it.OrderProductID] += it.Quantity
				}
			}
		}
	}
	want := map[int64]int64{}
	var order []int64
	if len(in.Lines) == 0 {
		for _, l := range lines {
			if open := l.Quantity - l.QuantityShipped - l.QuantityRefund; open > 0 || shippedHere[l.ID] > 0 {
				want[l.ID] = max(open, 0) + shippedHere[l.ID]
				order = append(order, l.ID)
			}
		}
	} else {
		for i, fl := range in.Lines {
			lid, err := c.parseID(op, fmt.Sprintf("lines.%d.order_line_id", i), fl.OrderLineID)
			if err != nil {
				return nil, err
			}
			if _, ok := byID[lid]; !ok {
				e := c.newError(op, platform.KindInvalidInput, "a line is not one of the order's")
				e.Fields = []platform.FieldError{{Field: fmt.Sprintf("lines.%d.order_line_id", i), Message: "order " + in.OrderID + " has no line " + fl.OrderLineID}}
				return nil, e
			}
			if want[lid] == 0 {
				order = append(order, lid)
			}
			want[lid] += fl.Quantity
		}
	}
	// Missing quantities, grouped by shipping address (a shipment ships to one).
	byAddr := map[int64][]map[string]any{}
	var addrs []int64
	for _, lid := range order {
		q := want[lid] - shippedHere[lid]
		if q <= 0 {
			continue
		}
		a := byID[lid].OrderAddressID
		if _, ok := byAddr[a]; !ok {
			addrs = append(addrs, a)
		}
		byAddr[a] = append(byAddr[a], map[string]any{"order_product_id": lid, "quantity": q})
	}
	if len(addrs) == 0 {
		if len(mine) == 0 {
			return nil, c.newError(op, platform.KindInvalidInput, "nothing left to ship on order "+in.OrderID)
		}
		return mine, nil
	}
	var more []string
	for _, t := range in.MoreTracking {
		if t.Number != "" {
			more = append(more, t.Number)
		}
	}
	for _, a := range addrs {
		body := map[string]any{"order_address_id": a, "tracking_number": in.Tracking.Number, "tracking_carrier": carrierCode(in.Tracking.Company),
			"shipping_provider": "", "items": byAddr[a]}
		if c := comments(in.Tracking.Company, more); c != "" {
			body["comments"] = c
		}
		var s shipment
		if err := c.call(ctx, op, request{method: http.MethodPost, path: "/v2/orders/" + id(oid) + "/shipments", body: body}, &s); err != nil {
			if pe, ok := errors.AsType[*platform.Error](err); ok && len(mine) > 0 {
				made := make([]string, len(mine))
				for i, f := range mine {
					made[i] = f.ID
				}
				pe.Message = strings.TrimSpace(pe.Message + fmt.Sprintf(" (shipment to address %d failed; made: %s)", a, strings.Join(made, ", ")))
			}
			return mine, err
		}
		mine = append(mine, toFulfillment(s, skus))
	}
	return mine, nil
}

// knownCarriers are tracking_carrier codes BigCommerce takes, by the names people write.
var knownCarriers = map[string]string{
	"ups": "ups", "usps": "usps", "fedex": "fedex", "dhl": "dhl", "dhl express": "dhl", "auspost": "auspost",
	"australia post": "auspost", "royal mail": "royal-mail", "royalmail": "royal-mail", "canada post": "canada-post",
}

// carrierCode is BigCommerce's tracking_carrier for a carrier's name, "" for a carrier it does
// not know (the name then goes in the comments, so it is not lost).
func carrierCode(name string) string {
	return knownCarriers[strings.ToLower(strings.TrimSpace(name))]
}

// carrierLine is the line of a shipment's comments naming a carrier BigCommerce has no code for.
const carrierLine = "Carrier: "

// comments writes a shipment's comments: the carrier BigCommerce has no code for, and the
// further parcels' numbers.
func comments(carrier string, more []string) string {
	var lines []string
	if carrier != "" && carrierCode(carrier) == "" {
		lines = append(lines, carrierLine+carrier)
	}
	if len(more) > 0 {
		lines = append(lines, moreLine+strings.Join(more, ", "))
	}
	return strings.Join(lines, "\n")
}

func commentCarrier(c string) string {
	for line := range strings.SplitSeq(c, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), carrierLine); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// UpdateTracking replaces a shipment's tracking: the carrier, its number and the further numbers.
func (c *Client) UpdateTracking(ctx context.Context, p platform.UpdateTrackingParams) (platform.Fulfillment, error) {
	const op = "updating tracking"
	oid, sid, err := c.parseFulfillmentID(op, p.FulfillmentID)
	if err != nil {
		return platform.Fulfillment{}, err
	}
	carrier := platform.Carrier(p.Tracking)
	var more []string
	if len(p.Tracking) > 1 {
		for _, t := range p.Tracking[1:] {
			more = append(more, t.Number)
		}
	}
	body := map[string]any{"tracking_number": "", "tracking_carrier": carrierCode(carrier), "comments": comments(carrier, more)}
	if len(p.Tracking) > 0 {
		body["tracking_number"] = p.Tracking[0].Number
	}
	var s shipment
	path := "/v2/orders/" + id(oid) + "/shipments/" + id(sid)
	if err := c.call(ctx, op, request{method: http.MethodPut, path: path, body: body, resend: true}, &s); err != nil {
		return platform.Fulfillment{}, err
	}
	lines, err := c.orderProducts(ctx, op, oid)
	if err != nil {
		return platform.Fulfillment{}, err
	}
	return toFulfillment(s, skuMap(lines)), nil
}
