package shopifysim

import (
	"context"

	graphql "github.com/graph-gophers/graphql-go"
)

// trackingInput is Shopify's FulfillmentTrackingInput: one parcel (number, url) or several
// (numbers, urls, paired by position), with one carrier.
type trackingInput struct {
	Company, Number *string
	Numbers         *[]string
	URL             *urlScalar
	URLs            *[]urlScalar
}

// setTracking replaces the fulfilment's tracking with t, as Shopify does: numbers win over
// number, urls over url.
func (f *fulfillment) setTracking(t trackingInput) {
	numbers := []string{}
	if t.Numbers != nil && len(*t.Numbers) > 0 {
		numbers = append(numbers, *t.Numbers...)
	} else if n := deref(t.Number); n != "" {
		numbers = append(numbers, n)
	}
	urls := []string{}
	if t.URLs != nil && len(*t.URLs) > 0 {
		for _, u := range *t.URLs {
			urls = append(urls, string(u))
		}
	} else if t.URL != nil && *t.URL != "" {
		urls = append(urls, string(*t.URL))
	}
	f.Company, f.Number, f.URL, f.Numbers, f.URLs = deref(t.Company), "", "", nil, nil
	if len(numbers) > 0 {
		f.Number = numbers[0]
	}
	if len(urls) > 0 {
		f.URL = urls[0]
	}
	if len(numbers) > 1 || len(urls) > 1 {
		f.Numbers, f.URLs = numbers, urls
	}
}

// trackingInfo is Fulfillment.trackingInfo: one entry per number (with the URL at its position),
// or one for a carrier or URL without a number; none without tracking.
func (f *fulfillment) trackingInfo() []*trackingR {
	numbers, urls := f.restTracking()
	if len(numbers) == 0 {
		if f.Company == "" && f.URL == "" {
			return []*trackingR{}
		}
		return []*trackingR{{company: f.Company, url: f.URL}}
	}
	out := make([]*trackingR, 0, len(numbers))
	for i, n := range numbers {
		t := &trackingR{company: f.Company, number: n}
		if i < len(urls) {
			t.url = urls[i]
		}
		out = append(out, t)
	}
	return out
}

// restTracking is every number and URL, as the REST payloads' tracking_numbers and tracking_urls.
func (f *fulfillment) restTracking() (numbers, urls []string) {
	if len(f.Numbers) > 0 || len(f.URLs) > 0 {
		return append([]string{}, f.Numbers...), append([]string{}, f.URLs...)
	}
	return nonNilStrings(f.Number), nonNilStrings(f.URL)
}

type trackingUpdateArgs struct {
	FulfillmentID     graphql.ID
	NotifyCustomer    *bool
	TrackingInfoInput trackingInput
}

// FulfillmentTrackingInfoUpdate replaces a fulfilment's tracking and sends fulfillments/update.
func (rootResolver) FulfillmentTrackingInfoUpdate(ctx context.Context, a trackingUpdateArgs) (*fulfillmentPayloadR, error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	fail := func(msg string) (*fulfillmentPayloadR, error) {
		return &fulfillmentPayloadR{errors: []userErr{{Field: []string{"fulfillmentId"}, Message: msg}}}, nil
	}
	f, err := lookup(sh.data.Fulfillments, "Fulfillment", a.FulfillmentID)
	if err != nil || f == nil {
		return fail("Fulfillment does not exist.")
	}
	if f.Status == "CANCELLED" {
		return fail("Cannot update tracking of a cancelled fulfillment.")
	}
	f.setTracking(a.TrackingInfoInput)
	f.UpdatedAt = sh.sim.now()
	sh.changed()
	if o := sh.data.Orders[f.OrderID]; o != nil {
		rc.emit(sh.fulfillmentUpdateEvent(f, o))
	}
	return &fulfillmentPayloadR{f: &fulfillmentR{sh, f}}, nil
}

// fulfillmentUpdateEvent is the fulfillments/update webhook of a fulfilment (the payload has
// the shape of fulfillments/create's).
func (sh *Shop) fulfillmentUpdateEvent(f *fulfillment, o *order) *event {
	const shape = "fulfillments/create"
	p := sh.restFulfillment(shape, "", f, o)
	p["email"] = nilIfEmpty(o.Email)
	p["destination"] = sh.restAddress(shape, "destination", o.ShippingAddress)
	return sh.newEvent("fulfillments/update", p)
}
