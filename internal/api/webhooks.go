package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/webhook"
)

// WebhookEndpoint is an endpoint as the API shows it.
type WebhookEndpoint struct {
	ID         int64      `json:"id"`
	URL        string     `json:"url"`
	EventTypes []string   `json:"event_types"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at"`
}

// WebhookDelivery is one event sent to one endpoint.
type WebhookDelivery struct {
	ID             int64      `json:"id"`
	EndpointID     int64      `json:"endpoint_id"`
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type"`
	Status         string     `json:"status" enum:"pending,delivered,failed"`
	Attempts       int        `json:"attempts"`
	LastStatusCode int        `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	CreatedAt      time.Time  `json:"created_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
}

type endpointList struct {
	Body struct {
		Data []WebhookEndpoint `json:"data"`
	}
}

type createEndpointInput struct {
	Body struct {
		URL        string   `json:"url" format:"uri" maxLength:"2000" doc:"where events are POSTed, signed with the endpoint's secret (Standard Webhooks)"`
		EventTypes []string `json:"event_types,omitempty" maxItems:"50" doc:"event types such as api_key.created, prefixes such as api_key.*, or * (the default)"`
	}
}

type createEndpointOutput struct {
	Location string `header:"Location"`
	Body     struct {
		ID       int64  `json:"id"`
		Location string `json:"location"`
		Secret   string `json:"secret" doc:"the signing secret, shown once"`
	}
}

type endpointIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type deliveryListInput struct {
	Limit int `query:"limit" minimum:"1" maximum:"1000" default:"50"`
}

type deliveryList struct {
	Body struct {
		Data []WebhookDelivery `json:"data"`
	}
}

// webhookHandlers serve the operations on an account's outgoing webhook endpoints (routes.go).
type webhookHandlers struct{ svc *webhook.Service }

func (h webhookHandlers) listEndpoints(ctx context.Context, _ *struct{}) (*endpointList, error) {
	eps, err := h.svc.ListEndpoints(ctx, webhook.ListEndpointsParams{AccountID: AccountID(ctx)})
	if err != nil {
		return nil, err
	}
	out := &endpointList{}
	out.Body.Data = make([]WebhookEndpoint, 0, len(eps))
	for _, e := range eps {
		out.Body.Data = append(out.Body.Data, WebhookEndpoint{ID: e.ID, URL: e.URL, EventTypes: e.EventTypes, CreatedAt: e.CreatedAt, DisabledAt: e.DisabledAt})
	}
	return out, nil
}

func (h webhookHandlers) createEndpoint(ctx context.Context, in *createEndpointInput) (*createEndpointOutput, error) {
	ep, secret, err := h.svc.CreateEndpoint(ctx, webhook.CreateEndpointParams{AccountID: AccountID(ctx), URL: in.Body.URL, EventTypes: in.Body.EventTypes})
	if err != nil {
		return nil, err
	}
	out := &createEndpointOutput{}
	out.Location = fmt.Sprintf("/api/v2/webhook-endpoints/%d", ep.ID)
	out.Body.ID, out.Body.Location, out.Body.Secret = ep.ID, out.Location, secret
	return out, nil
}

type endpointOutput struct {
	Body WebhookEndpoint
}

func (h webhookHandlers) getEndpoint(ctx context.Context, in *endpointIDInput) (*endpointOutput, error) {
	e, err := h.svc.GetEndpoint(ctx, webhook.GetEndpointParams{AccountID: AccountID(ctx), EndpointID: in.ID})
	if errors.Is(err, database.ErrNotFound) {
		return nil, huma.Error404NotFound(fmt.Sprintf("no webhook endpoint %d in this account", in.ID))
	}
	if err != nil {
		return nil, err
	}
	return &endpointOutput{Body: WebhookEndpoint{ID: e.ID, URL: e.URL, EventTypes: e.EventTypes, CreatedAt: e.CreatedAt, DisabledAt: e.DisabledAt}}, nil
}

func (h webhookHandlers) disableEndpoint(ctx context.Context, in *endpointIDInput) (*struct{}, error) {
	err := h.svc.DisableEndpoint(ctx, webhook.DisableEndpointParams{AccountID: AccountID(ctx), EndpointID: in.ID})
	if errors.Is(err, database.ErrNotFound) {
		return nil, huma.Error404NotFound(fmt.Sprintf("no webhook endpoint %d in this account", in.ID))
	}
	return nil, err
}

func (h webhookHandlers) listDeliveries(ctx context.Context, in *deliveryListInput) (*deliveryList, error) {
	ds, err := h.svc.ListDeliveries(ctx, webhook.ListDeliveriesParams{AccountID: AccountID(ctx), Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &deliveryList{}
	out.Body.Data = make([]WebhookDelivery, 0, len(ds))
	for _, d := range ds {
		out.Body.Data = append(out.Body.Data, WebhookDelivery{ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID,
			EventType: d.EventType, Status: d.Status, Attempts: d.Attempts, LastStatusCode: d.LastStatusCode,
			LastError: d.LastError, CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt})
	}
	return out, nil
}
