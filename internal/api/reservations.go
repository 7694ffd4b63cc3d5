package api

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/inventory"
)

// The reservations of a connection's destination orders: what the hub holds of the source's
// stock until the source's own quantity shows the order. The destination's account only.

// reservationsPerPage is the page size of the list.
const reservationsPerPage = 20

type reservationHandlers struct{ svc *inventory.Service }

// Reservation is one destination order line's quantity reserved against its source item.
type Reservation struct {
	ID                    int64      `json:"id"`
	DestinationStoreID    int64      `json:"destination_store_id"`
	OrderID               string     `json:"order_id" doc:"the destination platform's order id"`
	OrderName             string     `json:"order_name" example:"#1001"`
	LineID                string     `json:"line_id"`
	DestinationVariantID  string     `json:"destination_variant_id"`
	SourceInventoryItemID string     `json:"source_inventory_item_id"`
	Quantity              int64      `json:"quantity" minimum:"0"`
	State                 string     `json:"state" enum:"held,pushed,released"`
	Reason                string     `json:"reason" doc:"why it was released; empty until then"`
	OrderUpdatedAt        time.Time  `json:"order_updated_at" doc:"the order's updated_at of the delivery last applied"`
	CreatedAt             time.Time  `json:"created_at"`
	PushedAt              *time.Time `json:"pushed_at" doc:"when the order was created at the source; null until pushed"`
	ReleasedAt            *time.Time `json:"released_at"`
}

type reservationsInput struct {
	ID    int64  `path:"id" minimum:"1"`
	State string `query:"state" enum:"held,pushed,released" doc:"only those in this state"`
	Page  int    `query:"page" minimum:"1" maximum:"1000000" default:"1" doc:"1-based page number; 20 results a page."`
	url   url.URL
}

// Resolve keeps the request URL, for the link to the next page.
func (in *reservationsInput) Resolve(ctx huma.Context) []error {
	in.url = ctx.URL()
	return nil
}

type reservationsOutput struct {
	Body struct {
		Data    []Reservation `json:"data" nullable:"false"`
		Page    int           `json:"page" minimum:"1"`
		PerPage int           `json:"per_page" doc:"Always 20."`
		Total   int64         `json:"total" doc:"Matches on all pages."`
		Next    *string       `json:"next" nullable:"true" doc:"Link to the next page, or null on the last."`
	}
}

func (h reservationHandlers) list(ctx context.Context, in *reservationsInput) (*reservationsOutput, error) {
	pg, err := h.svc.Reservations(ctx, inventory.ListReservationsParams{AccountID: AccountID(ctx), ConnectionID: in.ID,
		State: in.State, Limit: reservationsPerPage, Offset: (in.Page - 1) * reservationsPerPage})
	if err != nil {
		return nil, err
	}
	out := &reservationsOutput{}
	out.Body.Data = make([]Reservation, 0, len(pg.Items))
	for _, r := range pg.Items {
		out.Body.Data = append(out.Body.Data, Reservation{ID: r.ID, DestinationStoreID: r.DestinationStoreID, OrderID: r.OrderID,
			OrderName: r.OrderName, LineID: r.LineID, DestinationVariantID: r.DestinationVariantID,
			SourceInventoryItemID: r.SourceInventoryItemID, Quantity: r.Quantity, State: r.State, Reason: r.Reason,
			OrderUpdatedAt: r.OrderUpdatedAt, CreatedAt: r.CreatedAt, PushedAt: r.PushedAt, ReleasedAt: r.ReleasedAt})
	}
	out.Body.Page, out.Body.PerPage, out.Body.Total = in.Page, reservationsPerPage, pg.Total
	if int64(in.Page)*reservationsPerPage < pg.Total {
		v := in.url.Query()
		v.Set("page", strconv.Itoa(in.Page+1))
		next := in.url.Path + "?" + v.Encode()
		out.Body.Next = &next
	}
	return out, nil
}
