package shopify

import (
	"context"

	"github.com/storesync/storesync/internal/platform"
)

type gTrackingUpdate struct {
	FulfillmentTrackingInfoUpdate struct {
		Fulfillment *struct {
			gFulfillment
			Order *struct {
				ID string `json:"id"`
			} `json:"order"`
		} `json:"fulfillment"`
		UserErrors []userError `json:"userErrors"`
	} `json:"fulfillmentTrackingInfoUpdate"`
}

// UpdateTracking replaces a fulfilment's tracking with fulfillmentTrackingInfoUpdate (the
// contract is platform.FulfillmentTrackingUpdater's): one carrier, every number and URL. Setting
// the same tracking again changes nothing, so the call is safe to retry.
func (c *Client) UpdateTracking(ctx context.Context, p platform.UpdateTrackingParams) (platform.Fulfillment, error) {
	const what = "updating fulfillment tracking"
	if p.FulfillmentID == "" {
		return platform.Fulfillment{}, c.newError(what, platform.KindInvalidInput, "no fulfillment id")
	}
	vars := map[string]any{"fulfillmentId": p.FulfillmentID, "notifyCustomer": p.NotifyCustomer,
		"trackingInfoInput": trackingInput(p.Tracking)}
	var res gTrackingUpdate
	if err := c.do(ctx, op{doc: "fulfillmentTrackingInfoUpdate", what: what, retrySafe: true}, vars, &res); err != nil {
		return platform.Fulfillment{}, err
	}
	if err := c.userErrorsToError(what, res.FulfillmentTrackingInfoUpdate.UserErrors); err != nil {
		return platform.Fulfillment{}, err
	}
	f := res.FulfillmentTrackingInfoUpdate.Fulfillment
	if f == nil {
		return platform.Fulfillment{}, c.newError(what, platform.KindInternal, "fulfillmentTrackingInfoUpdate returned no fulfillment")
	}
	orderID := ""
	if f.Order != nil {
		orderID = f.Order.ID
	}
	return f.fulfillment(orderID), nil
}

// trackingInput is a FulfillmentTrackingInput: the carrier, and the number and URL of a single
// parcel, or the numbers and URLs of several. URLs go as a list only when every parcel has one,
// since Shopify pairs them with the numbers by position; otherwise only those up to the first
// missing one are sent (Shopify makes the rest for the carriers it knows).
func trackingInput(ts []platform.Tracking) map[string]any {
	in := map[string]any{}
	if c := platform.Carrier(ts); c != "" {
		in["company"] = c
	}
	var numbers, urls []string
	for _, t := range ts {
		if t.Number == "" {
			continue
		}
		numbers = append(numbers, t.Number)
		if t.URL != "" && len(urls) == len(numbers)-1 {
			urls = append(urls, t.URL)
		}
	}
	switch {
	case len(numbers) == 1:
		in["number"] = numbers[0]
		if len(urls) == 1 {
			in["url"] = urls[0]
		}
	case len(numbers) > 1:
		in["numbers"] = numbers
		if len(urls) > 0 {
			in["urls"] = urls
		}
	default:
		for _, t := range ts {
			if t.URL != "" {
				in["url"] = t.URL
				break
			}
		}
	}
	return in
}
