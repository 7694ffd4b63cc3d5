package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/ingest"
)

// ReceivedWebhook is a webhook a store's platform delivered, as the API shows it: never its body,
// which may hold customers' details.
type ReceivedWebhook struct {
	ID                int64      `json:"id"`
	StoreID           int64      `json:"store_id"`
	Topic             string     `json:"topic" doc:"storesync's topic, e.g. order.updated"`
	PlatformTopic     string     `json:"platform_topic" doc:"the platform's own topic, e.g. orders/updated"`
	EventID           string     `json:"event_id"`
	ResourceKind      string     `json:"resource_kind"`
	ResourceID        string     `json:"resource_id"`
	ResourceUpdatedAt *time.Time `json:"resource_updated_at"`
	Status            string     `json:"status" enum:"received,processed,stale,failed" doc:"failed: it could not be decoded or applied; error says why, and it can be retried"`
	Error             string     `json:"error"`
	Deliveries        int        `json:"deliveries" doc:"how many times the platform delivered this event"`
	Retries           int        `json:"retries" doc:"how many times a person retried it"`
	ReceivedAt        time.Time  `json:"received_at"`
	ProcessedAt       *time.Time `json:"processed_at"`
}

type receivedListInput struct {
	StoreID  int64  `query:"store_id" minimum:"0" maximum:"9007199254740991" doc:"only this store's; 0 or absent: every store"`
	Status   string `query:"status" enum:"received,processed,stale,failed" doc:"only those in this status"`
	BeforeID int64  `query:"before_id" minimum:"0" maximum:"9007199254740991" doc:"the next page: those older than this id (the last id of the page before)"`
	Limit    int    `query:"limit" minimum:"0" maximum:"500" doc:"how many, newest first; 0 or absent: 50"`
}

type receivedList struct {
	Body struct {
		Data []ReceivedWebhook `json:"data"`
	}
}

type receivedIDInput struct {
	ID int64 `path:"id" minimum:"1" maximum:"9007199254740991"`
}

type retryOutput struct {
	Body struct {
		ID     int64  `json:"id"`
		Status string `json:"status" enum:"received"`
	}
}

// ReceivedWebhooks adds the operations that show the webhooks stores delivered and retry a failed
// one (after the store or storesync was fixed): the same as the dashboard's Stores page.
func ReceivedWebhooks(svc *ingest.Service) func(huma.API) {
	tags := []string{"Stores"}
	return func(hapi huma.API) {
		huma.Register(hapi, huma.Operation{OperationID: "list-received-webhooks", Method: http.MethodGet,
			Path: "/api/v2/received-webhooks", Summary: "List webhooks received from stores",
			Description: "The account's received webhooks, newest first, with each one's status; a `failed` one says why.",
			Tags:        tags},
			func(ctx context.Context, in *receivedListInput) (*receivedList, error) {
				list, err := svc.List(ctx, ingest.ListParams{AccountID: AccountID(ctx), StoreID: in.StoreID, Status: in.Status,
					BeforeID: in.BeforeID, Limit: in.Limit})
				if err != nil {
					return nil, err
				}
				out := &receivedList{}
				out.Body.Data = make([]ReceivedWebhook, 0, len(list))
				for _, w := range list {
					out.Body.Data = append(out.Body.Data, ReceivedWebhook{ID: w.ID, StoreID: w.StoreID, Topic: w.Topic,
						PlatformTopic: w.PlatformTopic, EventID: w.EventID, ResourceKind: w.ResourceKind, ResourceID: w.ResourceID,
						ResourceUpdatedAt: w.ResourceUpdatedAt, Status: w.Status, Error: w.Error, Deliveries: w.Deliveries,
						Retries: w.Retries, ReceivedAt: w.ReceivedAt, ProcessedAt: w.ProcessedAt})
				}
				return out, nil
			})
		huma.Register(hapi, huma.Operation{OperationID: "retry-received-webhook", Method: http.MethodPost,
			Path: "/api/v2/received-webhooks/{id}/retry", Summary: "Process a failed received webhook again",
			Description: "Queues a `failed` webhook to be decoded and applied again; its status becomes `received`. " +
				"A webhook that did not fail is a 409.",
			Tags: tags, Errors: []int{404, 409}},
			func(ctx context.Context, in *receivedIDInput) (*retryOutput, error) {
				err := svc.Retry(ctx, AccountID(ctx), in.ID)
				if errors.Is(err, ingest.ErrNotFailed) {
					return nil, huma.Error409Conflict(fmt.Sprintf("received webhook %d has not failed: only a failed one can be retried", in.ID))
				}
				if err != nil {
					return nil, err
				}
				out := &retryOutput{}
				out.Body.ID, out.Body.Status = in.ID, ingest.StatusReceived
				return out, nil
			})
	}
}
