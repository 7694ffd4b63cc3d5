package platform

import "context"

// FulfillmentTrackingUpdater replaces the tracking of a fulfilment that exists: the carrier, and
// every parcel's number and URL. A supplier often ships first and adds the tracking later; the
// destination's fulfilment then follows it.
//
// UpdateTracking sets what is given, not adds to it: running it twice with the same params leaves
// the fulfilment as once (a customer notified twice at most), so a job calling it is safe to
// retry. A fulfilment the platform no longer has (or that is cancelled) is a *Error of
// KindNotFound or KindInvalidInput.
type FulfillmentTrackingUpdater interface {
	UpdateTracking(ctx context.Context, p UpdateTrackingParams) (Fulfillment, error)
}

// UpdateTrackingParams is the whole tracking of one fulfilment.
type UpdateTrackingParams struct {
	FulfillmentID string
	// Tracking is every parcel of the shipment, in order. Platforms that keep one carrier per
	// fulfilment (Shopify) take the first Company given.
	Tracking       []Tracking
	NotifyCustomer bool
}

// Carrier is the first carrier named in ts, "" when none is.
func Carrier(ts []Tracking) string {
	for _, t := range ts {
		if t.Company != "" {
			return t.Company
		}
	}
	return ""
}
