package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/bolink"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform"
)

// OrderLine is one line of a destination order.
type OrderLine struct {
	Position       int    `json:"position" doc:"the line's place in the order, from 0; pushes name their lines by it"`
	PlatformLineID string `json:"platform_line_id"`
	VariantID      string `json:"variant_id" doc:"the destination variant: a product link to a source makes the line that source's"`
	SKU            string `json:"sku"`
	Title          string `json:"title"`
	Quantity       int64  `json:"quantity"`
	Price          Money  `json:"price" doc:"unit price"`
}

// OrderPush is one source store's part of an order: whether the order is eligible for it, why
// not, and what its push did.
type OrderPush struct {
	SourceStoreID   int64      `json:"source_store_id"`
	SourceName      string     `json:"source_name"`
	SourceStoreKey  string     `json:"source_store_key"`
	ConnectionID    int64      `json:"connection_id"`
	Eligible        bool       `json:"eligible"`
	Reasons         []string   `json:"reasons" nullable:"false" doc:"why the order is not eligible for this source, in stable words: not paid, no customer name, no shipping address, total is 0, cancelled, placed before the order lock date, no line linked to this source, connection not connected, paused; empty when eligible"`
	Lines           []int      `json:"lines" nullable:"false" doc:"positions of the order's lines linked to this source: what its push sends"`
	Status          string     `json:"status" enum:"not_pushed,pushed,failed,cancelled"`
	Error           string     `json:"error,omitempty" doc:"failed: the reason"`
	Attempts        int64      `json:"attempts"`
	NextRetryAt     *time.Time `json:"next_retry_at,omitempty" doc:"failed: when the push is tried again"`
	SourceOrderID   string     `json:"source_order_id,omitempty"`
	SourceOrderName string     `json:"source_order_name,omitempty"`
	PushedAt        *time.Time `json:"pushed_at,omitempty"`
	DecidedAt       time.Time  `json:"decided_at" doc:"when eligibility was last decided"`
}

// OrderEvent is one entry of an order's timeline.
type OrderEvent struct {
	Kind          string    `json:"kind" doc:"received, updated, eligible, not_eligible, cancelled, push_queued, pushed, push_failed, retried, not_pushed, cancel_queued, source_cancelled, destination_cancelled, flagged, flag_cleared, partially_fulfilled, fulfilled, tracking, fulfillment_cancelled, fulfillment_failed"`
	SourceStoreID int64     `json:"source_store_id,omitempty" doc:"the source a decision is about"`
	Detail        string    `json:"detail"`
	At            time.Time `json:"at"`
}

// Order is a destination order as the hub keeps it.
type Order struct {
	ID                int64        `json:"id"`
	StoreID           int64        `json:"store_id" doc:"the destination store"`
	StoreName         string       `json:"store_name"`
	PlatformOrderID   string       `json:"platform_order_id"`
	Name              string       `json:"name" example:"#1001"`
	CustomerName      string       `json:"customer_name"`
	Email             string       `json:"email"`
	HasShipping       bool         `json:"has_shipping_address"`
	FinancialStatus   string       `json:"financial_status" doc:"pending, authorized, partially_paid, paid, partially_refunded, refunded, voided or unknown"`
	FulfillmentStatus string       `json:"fulfillment_status" enum:"fulfilled,unfulfilled,partially_fulfilled"`
	PushStatus        string       `json:"push_status" enum:"not_pushed,partially_pushed,pushed,cancelled" doc:"from the pushes of the sources that supply a line of it"`
	Subtotal          Money        `json:"subtotal"`
	Shipping          Money        `json:"shipping"`
	Tax               Money        `json:"tax"`
	Total             Money        `json:"total"`
	CancelledAt       *time.Time   `json:"cancelled_at"`
	PlacedAt          *time.Time   `json:"placed_at"`
	PlatformUpdatedAt *time.Time   `json:"platform_updated_at" doc:"the order's updated_at on the platform: an older delivery changes nothing"`
	ReceivedAt        time.Time    `json:"received_at"`
	UpdatedAt         time.Time    `json:"updated_at"`
	Lines             []OrderLine  `json:"lines,omitempty" doc:"GET /api/v2/orders/{id} only"`
	Pushes            []OrderPush  `json:"pushes,omitempty" doc:"GET /api/v2/orders/{id} only"`
	Timeline          []OrderEvent `json:"timeline,omitempty" doc:"GET /api/v2/orders/{id} only"`
	OpenFlags         int64        `json:"open_flags" doc:"how many of its flags are not cleared"`
	Flags             []OrderFlag  `json:"flags,omitempty" doc:"GET /api/v2/orders/{id} only: what a person has to look at, cleared or not (order_flags.go)"`
	// Fulfillments: GET /api/v2/orders/{id} only (fulfilments.go).
	Fulfillments []OrderFulfillment `json:"fulfillments,omitempty" doc:"GET /api/v2/orders/{id} only: each source fulfilment and what reached the destination"`
	// BackOffice: GET /api/v2/orders/{id} only (backoffice_link.go).
	BackOffice *BackOfficeStatus `json:"back_office,omitempty" doc:"GET /api/v2/orders/{id} only, for a store with a back-office link: the order's job in the back office"`
}

func amount(minor int64, currency string) Money {
	return moneyOut(platform.Money{Amount: minor, Currency: currency})
}

func orderOut(o orders.Order) Order {
	out := Order{ID: o.ID, StoreID: o.StoreID, StoreName: o.StoreName, PlatformOrderID: o.PlatformOrderID, Name: o.Name,
		CustomerName: o.CustomerName, Email: o.Email, HasShipping: o.HasShipping, FinancialStatus: o.FinancialStatus,
		FulfillmentStatus: o.FulfillmentStatus, PushStatus: o.PushStatus,
		Subtotal: amount(o.Subtotal, o.Currency), Shipping: amount(o.Shipping, o.Currency), Tax: amount(o.Tax, o.Currency),
		Total: amount(o.Total, o.Currency), CancelledAt: o.CancelledAt, PlacedAt: o.PlacedAt, PlatformUpdatedAt: o.PlatformUpdatedAt,
		ReceivedAt: o.ReceivedAt, UpdatedAt: o.UpdatedAt}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, OrderLine{Position: l.Position, PlatformLineID: l.PlatformLineID, VariantID: l.VariantID,
			SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, Price: amount(l.Price, o.Currency)})
	}
	out.Pushes = pushesOut(o.Pushes)
	out.OpenFlags, out.Flags = o.OpenFlags, flagsOut(o.Flags)
	out.Fulfillments = fulfillmentsOut(o.Fulfillments)
	for _, e := range o.Timeline {
		out.Timeline = append(out.Timeline, OrderEvent{Kind: e.Kind, SourceStoreID: e.SourceStoreID, Detail: e.Detail, At: e.At})
	}
	return out
}

type listOrdersInput struct {
	StoreID           int64  `query:"store_id" minimum:"0" doc:"only orders of this destination store of yours"`
	PushStatus        string `query:"push_status" enum:"not_pushed,partially_pushed,pushed,cancelled"`
	FulfillmentStatus string `query:"fulfillment_status" enum:"fulfilled,unfulfilled,partially_fulfilled"`
	From              string `query:"from" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"placed on or after this day (UTC), e.g. 2026-01-20"`
	To                string `query:"to" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"placed on or before this day (UTC); not before from"`
	Page              int    `query:"page" minimum:"1" maximum:"1000000" default:"1" doc:"1-based page number; 20 results a page."`
	Flagged           string `query:"flagged" enum:"true,false" doc:"true: only orders with a flag not cleared; false: only orders without one"`
	url               url.URL
}

// Resolve keeps the request URL, for the link to the next page.
func (in *listOrdersInput) Resolve(ctx huma.Context) []error {
	in.url = ctx.URL()
	return nil
}

type orderList struct {
	Body struct {
		Data    []Order `json:"data" nullable:"false"`
		Page    int     `json:"page" minimum:"1"`
		PerPage int     `json:"per_page" doc:"Always 20."`
		Total   int64   `json:"total" doc:"Matches on all pages."`
		Next    *string `json:"next" nullable:"true" doc:"Link to the next page, or null on the last."`
	}
}

type orderIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type orderOutput struct {
	Body Order
}

// OrderSettings are a connection's order settings.
type OrderSettings struct {
	PushMode   string    `json:"push_mode" enum:"automatic,manual" doc:"automatic pushes an eligible order's part after the hold window; manual waits for a person (the default)"`
	HoldWindow string    `json:"hold_window" doc:"how long an automatic push waits after the order became eligible, e.g. \"0s\" (the default) or \"2m\" for fraud checks"`
	Paused     bool      `json:"paused" doc:"no push through this connection while paused; orders are still decided (reason paused)"`
	LockDate   time.Time `json:"lock_date" doc:"orders placed before it are never pushed; by default when the connection was made, so connecting pushes no history"`
	OrderReceiveSettings
	CancelSettings
}

// OrderSettingsInput replaces a connection's order settings; a value left out takes its default.
type OrderSettingsInput struct {
	PushMode   string     `json:"push_mode,omitempty" maxLength:"20" doc:"automatic or manual; default manual"`
	HoldWindow string     `json:"hold_window,omitempty" maxLength:"20" doc:"a duration of whole seconds from 0 to 168h, e.g. \"2m\"; default 0"`
	Paused     bool       `json:"paused,omitempty"`
	LockDate   *time.Time `json:"lock_date,omitempty" doc:"default: when the connection was made"`
	OrderReceiveSettingsInput
	CancelSettingsInput
}

type orderSettingsOutput struct {
	Body OrderSettings
}

type putOrderSettingsInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body OrderSettingsInput
}

func orderSettingsOut(s orders.Settings) OrderSettings {
	return OrderSettings{PushMode: s.PushMode, HoldWindow: s.Hold.String(), Paused: s.Paused, LockDate: s.LockDate,
		OrderReceiveSettings: orderReceiveOut(s.Receive), CancelSettings: cancelSettingsOut(s.Cancel)}
}

func pushesOut(ps []orders.Push) []OrderPush {
	out := make([]OrderPush, 0, len(ps))
	for _, p := range ps {
		out = append(out, OrderPush{SourceStoreID: p.SourceStoreID, SourceName: p.SourceName, SourceStoreKey: p.SourceKey,
			ConnectionID: p.ConnectionID, Eligible: p.Eligible, Reasons: p.Reasons, Lines: p.LinePositions, Status: p.Status,
			Error: p.Error, Attempts: p.Attempts, NextRetryAt: p.NextRetryAt, SourceOrderID: p.SourceOrderID,
			SourceOrderName: p.SourceOrderName, PushedAt: p.PushedAt, DecidedAt: p.DecidedAt})
	}
	return out
}

type pushOrderInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		SourceStoreIDs []int64 `json:"source_store_ids,omitempty" doc:"the sources to push to (source_store_id of the order's pushes); empty: every part not pushed yet"`
		ShippingFee    string  `json:"shipping_fee,omitempty" example:"4.95" doc:"a shipping fee for the source order, exact, in the order's currency; 0 or more"`
	}
}

type pushesOutput struct {
	Body struct {
		Pushes []OrderPush `json:"pushes" nullable:"false"`
	}
}

type orderHandlers struct {
	svc *orders.Service
	bo  BackOfficeStatuses
}

// BackOfficeStatuses reads orders' back-office statuses (*bolink.Service).
type BackOfficeStatuses interface {
	OrderStatus(ctx context.Context, accountID, orderID int64) (bolink.Status, bool, error)
}

func (h orderHandlers) register(hapi huma.API) {
	tags := []string{"Orders"}
	huma.Register(hapi, huma.Operation{OperationID: "list-orders", Method: http.MethodGet, Path: "/api/v2/orders",
		Summary: "List destination orders",
		Description: "The orders of your destination stores (stores that follow a source), newest placed first, as webhooks and a " +
			"reconciliation poll every 5 minutes deliver them: kept once, an older delivery never overwriting a newer state. " +
			"from after to is a 422 naming from. flagged=true lists the orders with a flag not cleared (a cancellation or an edit " +
			"after the push for a person to deal with), flagged=false those without.",
		Errors: []int{http.StatusUnprocessableEntity}, Tags: tags}, h.list)
	huma.Register(hapi, huma.Operation{OperationID: "get-order", Method: http.MethodGet, Path: "/api/v2/orders/{id}",
		Summary:     "Get a destination order",
		Description: "With its lines, one push per source store (eligibility and its reasons, status), the fulfilments its sources made with their tracking and what reached the destination, and its timeline.",
		Errors:      []int{http.StatusNotFound}, Tags: tags}, h.get)
	huma.Register(hapi, huma.Operation{OperationID: "get-connection-order-settings", Method: http.MethodGet,
		Path: "/api/v2/connections/{id}/order-settings", Summary: "Get a connection's order settings",
		Description: "The destination's account only (403 for the source's).", Errors: []int{http.StatusNotFound, http.StatusForbidden},
		Tags: []string{"Connections"}}, h.getSettings)
	huma.Register(hapi, huma.Operation{OperationID: "put-connection-order-settings", Method: http.MethodPut,
		Path: "/api/v2/connections/{id}/order-settings", Summary: "Replace a connection's order settings",
		Description: "The destination's account only (403 for the source's). A wrong value is a 422 naming it, and nothing changes. " +
			"The orders of the connection not yet pushed are decided again at once.",
		Errors: []int{http.StatusNotFound, http.StatusForbidden, http.StatusUnprocessableEntity}, Tags: []string{"Connections"}}, h.putSettings)
	huma.Register(hapi, huma.Operation{OperationID: "push-order", Method: http.MethodPost, Path: "/api/v2/orders/{id}/push",
		Summary: "Push an order's parts to their sources now",
		Description: "Queues the push of the order's part to each source named (each creates one source order with only that " +
			"source's linked lines, exactly once), with an optional shipping fee. An unknown source or a malformed or negative fee " +
			"is a 422 naming it; a part that is not eligible (the reasons), already pushed, or whose connection is blocked is a 409; " +
			"nothing is queued then.",
		DefaultStatus: http.StatusAccepted,
		Errors:        []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}, Tags: tags}, h.push)
	huma.Register(hapi, huma.Operation{OperationID: "retry-order", Method: http.MethodPost, Path: "/api/v2/orders/{id}/retry",
		Summary:       "Retry an order's failed pushes",
		Description:   "Queues each failed push again, after its cause was fixed. No failed push is a 409.",
		DefaultStatus: http.StatusAccepted,
		Errors:        []int{http.StatusNotFound, http.StatusConflict}, Tags: tags}, h.retry)
	h.registerFlags(hapi)
}

func (h orderHandlers) push(ctx context.Context, in *pushOrderInput) (*pushesOutput, error) {
	ps, err := h.svc.PushNow(ctx, AccountID(ctx), in.ID, orders.PushInput{SourceStoreIDs: in.Body.SourceStoreIDs, ShippingFee: in.Body.ShippingFee})
	if err != nil {
		return nil, ordersError(err, "body")
	}
	out := &pushesOutput{}
	out.Body.Pushes = pushesOut(ps)
	return out, nil
}

func (h orderHandlers) retry(ctx context.Context, in *orderIDInput) (*pushesOutput, error) {
	ps, err := h.svc.Retry(ctx, AccountID(ctx), in.ID)
	if err != nil {
		return nil, ordersError(err, "body")
	}
	out := &pushesOutput{}
	out.Body.Pushes = pushesOut(ps)
	return out, nil
}

// ordersError answers bad input of the orders domain, naming the field where loc says it is.
func ordersError(err error, loc string) error {
	var oe *orders.Error
	switch {
	case errors.As(err, &oe):
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: loc + "." + oe.Field, Message: oe.Message, Value: Echo(oe.Value)})
	case errors.Is(err, orders.ErrForbidden):
		return huma.NewError(http.StatusForbidden, err.Error())
	}
	if ce, ok := errors.AsType[*orders.ConflictError](err); ok {
		details := []error{}
		for _, id := range slices.Sorted(maps.Keys(ce.Reasons)) {
			for _, r := range ce.Reasons[id] {
				details = append(details, &huma.ErrorDetail{Location: "body.source_store_ids", Message: r, Value: id})
			}
		}
		return huma.NewError(http.StatusConflict, ce.Message, details...)
	}
	return err
}

// parseDay reads a day of the query, nil when not given.
func parseDay(field, s string) (*time.Time, error) {
	var out *time.Time
	if s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, &orders.Error{Field: field, Message: "give a day as YYYY-MM-DD, e.g. 2026-01-20", Value: s}
		}
		out = &t
	}
	return out, nil
}

func (h orderHandlers) list(ctx context.Context, in *listOrdersInput) (*orderList, error) {
	from, err := parseDay("from", in.From)
	if err != nil {
		return nil, ordersError(err, "query")
	}
	to, err := parseDay("to", in.To)
	if err != nil {
		return nil, ordersError(err, "query")
	}
	if from != nil && to != nil && from.After(*to) {
		return nil, ordersError(&orders.Error{Field: "from", Message: "from is after to: give a range whose from is on or before its to", Value: in.From}, "query")
	}
	if to != nil {
		end := to.AddDate(0, 0, 1) // to is a whole day
		to = &end
	}
	p, err := h.svc.List(ctx, orders.ListParams{AccountID: AccountID(ctx), StoreID: in.StoreID, PushStatus: in.PushStatus,
		FulfillmentStatus: in.FulfillmentStatus, From: from, To: to, Page: in.Page, Flagged: flaggedParam(in.Flagged)})
	if err != nil {
		return nil, ordersError(err, "query")
	}
	out := &orderList{}
	out.Body.Data = make([]Order, 0, len(p.Items))
	for _, o := range p.Items {
		out.Body.Data = append(out.Body.Data, orderOut(o))
	}
	out.Body.Page, out.Body.PerPage, out.Body.Total = p.Page, orders.PerPage, p.Total
	if p.HasNext() {
		v := in.url.Query()
		v.Set("page", strconv.Itoa(p.Page+1))
		next := in.url.Path + "?" + v.Encode()
		out.Body.Next = &next
	}
	return out, nil
}

func (h orderHandlers) get(ctx context.Context, in *orderIDInput) (*orderOutput, error) {
	o, err := h.svc.Get(ctx, AccountID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	out := orderOut(o)
	if h.bo != nil {
		st, ok, err := h.bo.OrderStatus(ctx, AccountID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			b := BackOfficeStatusOut(st)
			out.BackOffice = &b
		}
	}
	return &orderOutput{Body: out}, nil
}

func (h orderHandlers) getSettings(ctx context.Context, in *connectionIDInput) (*orderSettingsOutput, error) {
	cs, err := h.svc.GetSettings(ctx, AccountID(ctx), in.ID)
	if err != nil {
		return nil, ordersError(err, "body")
	}
	return &orderSettingsOutput{Body: orderSettingsOut(cs.Settings)}, nil
}

func (h orderHandlers) putSettings(ctx context.Context, in *putOrderSettingsInput) (*orderSettingsOutput, error) {
	cs, err := h.svc.PutSettings(ctx, AccountID(ctx), in.ID, orders.SettingsInput{PushMode: in.Body.PushMode,
		Hold: in.Body.HoldWindow, Paused: in.Body.Paused, LockDate: in.Body.LockDate, Receive: in.Body.OrderReceiveSettingsInput.domain(),
		Cancel: in.Body.cancel()})
	if err != nil {
		return nil, ordersError(err, "body")
	}
	return &orderSettingsOutput{Body: orderSettingsOut(cs.Settings)}, nil
}
