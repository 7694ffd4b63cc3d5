package api

import (
	"time"

	"github.com/storesync/storesync/internal/orders"
)

// OrderTracking is one parcel's tracking.
type OrderTracking struct {
	Company string `json:"company,omitempty" doc:"the carrier"`
	Number  string `json:"number,omitempty"`
	URL     string `json:"url,omitempty"`
}

// OrderFulfilledLine is how much of one destination order line a fulfilment ships.
type OrderFulfilledLine struct {
	PlatformLineID string `json:"platform_line_id" doc:"the destination order's line"`
	Quantity       int64  `json:"quantity"`
}

// OrderFulfillment is one fulfilment a source store made of its part of the order, and the
// destination fulfilment the hub made of it.
type OrderFulfillment struct {
	SourceStoreID             int64                `json:"source_store_id"`
	SourceName                string               `json:"source_name"`
	SourceFulfillmentID       string               `json:"source_fulfillment_id"`
	SourceFulfillmentName     string               `json:"source_fulfillment_name"`
	SourceStatus              string               `json:"source_status" doc:"the source platform's words: success, pending, open, cancelled, ..."`
	Status                    string               `json:"status" enum:"pending,applied,failed,cancelled,skipped" doc:"pending: to apply (or not shipped yet); applied: the destination has it; failed: refused (error says why); cancelled: cancelled at the source before it was applied (nothing sent); skipped: it ships no line of this order"`
	Error                     string               `json:"error,omitempty"`
	DestinationFulfillmentIDs []string             `json:"destination_fulfillment_ids" nullable:"false" doc:"the destination fulfilment made of it (one; more only if the destination split it by location)"`
	Tracking                  []OrderTracking      `json:"tracking" nullable:"false" doc:"the source's tracking now: every parcel's number and URL"`
	Lines                     []OrderFulfilledLine `json:"lines" nullable:"false" doc:"the destination order's lines it ships"`
	AppliedAt                 *time.Time           `json:"applied_at,omitempty" doc:"when the destination fulfilment was made"`
	TrackingAppliedAt         *time.Time           `json:"tracking_applied_at,omitempty" doc:"when the destination last received the tracking"`
	CancelledAt               *time.Time           `json:"cancelled_at,omitempty" doc:"when the source cancelled it: flagged on the timeline, the destination's fulfilment is left to a person"`
}

func fulfillmentsOut(fs []orders.Fulfillment) []OrderFulfillment {
	if fs == nil {
		return nil
	}
	out := make([]OrderFulfillment, 0, len(fs))
	for _, f := range fs {
		o := OrderFulfillment{SourceStoreID: f.SourceStoreID, SourceName: f.SourceName, SourceFulfillmentID: f.SourceFulfillmentID,
			SourceFulfillmentName: f.SourceFulfillmentName, SourceStatus: f.SourceStatus, Status: f.State, Error: f.Error,
			DestinationFulfillmentIDs: f.DestinationFulfillmentIDs, Tracking: []OrderTracking{}, Lines: []OrderFulfilledLine{},
			AppliedAt: f.AppliedAt, TrackingAppliedAt: f.TrackingAppliedAt, CancelledAt: f.CancelledAt}
		if o.DestinationFulfillmentIDs == nil {
			o.DestinationFulfillmentIDs = []string{}
		}
		for _, t := range f.Tracking {
			o.Tracking = append(o.Tracking, OrderTracking{Company: t.Company, Number: t.Number, URL: t.URL})
		}
		for _, l := range f.Lines {
			o.Lines = append(o.Lines, OrderFulfilledLine{PlatformLineID: l.PlatformLineID, Quantity: l.Quantity})
		}
		out = append(out, o)
	}
	return out
}
