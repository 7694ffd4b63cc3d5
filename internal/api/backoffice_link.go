package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/bolink"
)

// BackOfficeLink is a store's back-office link: where its orders go as jobs with sales orders.
type BackOfficeLink struct {
	StoreID          int64      `json:"store_id"`
	Target           string     `json:"target" enum:"built_in,external" doc:"built_in: this account's own back office; external: another back office speaking the Open API v2 at base_url"`
	BaseURL          string     `json:"base_url" doc:"external: the back office's address (HTTPS)"`
	HasAPIKey        bool       `json:"has_api_key" doc:"external: whether a key is saved; the key itself is never returned"`
	APIKeyHint       string     `json:"api_key_hint" doc:"the saved key's last four characters"`
	BusinessName     string     `json:"business_name" doc:"the job's description is the business name and the store's order number"`
	PrimaryRep       string     `json:"primary_rep" doc:"email of a user of the back office"`
	SecondaryRep     string     `json:"secondary_rep"`
	CSR              string     `json:"csr" doc:"the customer service rep: email of a user of the back office"`
	JobType          string     `json:"job_type" enum:"dropship,store"`
	BOStoreID        string     `json:"store_id_in_back_office" doc:"store jobs: the back office's store ID"`
	OneContact       bool       `json:"one_contact" doc:"every job to the contact of contact_email; otherwise the order's customer is found by email, or made"`
	ContactEmail     string     `json:"contact_email"`
	LogoProperty     string     `json:"logo_property" doc:"the order line property naming the line's logo (empty: Logo)"`
	LocationProperty string     `json:"location_property" doc:"the order line property naming the logo's location (empty: Location)"`
	Enabled          bool       `json:"enabled" doc:"orders are sent: only after a successful verify with complete settings"`
	VerifiedAt       *time.Time `json:"verified_at"`
	VerifyError      string     `json:"verify_error" doc:"why the last verify failed: unreachable, a bad key, a read-only key"`
	EnabledAt        *time.Time `json:"enabled_at"`
	SendFrom         *time.Time `json:"send_from" doc:"orders placed from then on are sent (the time the link was first enabled, unless you chose an earlier start)"`
	Version          int64      `json:"version"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// BackOfficeLinkInput replaces a store's back-office link.
type BackOfficeLinkInput struct {
	Target           string     `json:"target,omitempty" maxLength:"20" doc:"built_in (the default) or external"`
	BaseURL          string     `json:"base_url,omitempty" maxLength:"500" doc:"external: https://..."`
	APIKey           *string    `json:"api_key,omitempty" maxLength:"500" doc:"external: a v2 API key of the back office that may write; left out keeps the saved one; a new key needs a new verify"`
	BusinessName     string     `json:"business_name,omitempty" maxLength:"200"`
	PrimaryRep       string     `json:"primary_rep,omitempty" maxLength:"254"`
	SecondaryRep     string     `json:"secondary_rep,omitempty" maxLength:"254"`
	CSR              string     `json:"csr,omitempty" maxLength:"254"`
	JobType          string     `json:"job_type,omitempty" maxLength:"20" doc:"dropship (the default) or store"`
	BOStoreID        string     `json:"store_id_in_back_office,omitempty" maxLength:"100" doc:"required for store jobs"`
	OneContact       bool       `json:"one_contact,omitempty"`
	ContactEmail     string     `json:"contact_email,omitempty" maxLength:"254" doc:"required with one_contact: a contact of the back office"`
	LogoProperty     string     `json:"logo_property,omitempty" maxLength:"100"`
	LocationProperty string     `json:"location_property,omitempty" maxLength:"100"`
	Enabled          *bool      `json:"enabled,omitempty" doc:"false disables; true asks to enable (a 422 saying what is missing when it cannot be); left out enables once verified and complete"`
	SendFrom         *time.Time `json:"send_from,omitempty" doc:"send the orders placed from this time on, those already received included"`
}

// BackOfficeStatus is an order's back-office status.
type BackOfficeStatus struct {
	Status       string     `json:"status" enum:"pending,sent,failed"`
	Error        string     `json:"error,omitempty" doc:"failed: why, and what to fix; pending: the trouble being retried"`
	Target       string     `json:"target,omitempty" enum:"built_in,external,"`
	JobID        *int64     `json:"job_id,omitempty"`
	JobNumber    *int64     `json:"job_number,omitempty"`
	SalesOrderID *int64     `json:"sales_order_id,omitempty"`
	Attempts     int64      `json:"attempts"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// BackOfficeLinks adds the operations on stores' back-office links and orders' sends.
func BackOfficeLinks(svc *bolink.Service) func(huma.API) {
	return backOfficeHandlers{svc: svc}.register
}

type backOfficeHandlers struct{ svc *bolink.Service }

type backOfficeLinkOutput struct{ Body BackOfficeLink }

type putBackOfficeLinkInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body BackOfficeLinkInput
}

type orderBackOfficeOutput struct{ Body BackOfficeStatus }

func (h backOfficeHandlers) register(hapi huma.API) {
	tags := []string{"Back-office links"}
	huma.Register(hapi, huma.Operation{OperationID: "get-store-back-office", Method: http.MethodGet, Path: "/api/v2/stores/{id}/back-office",
		Summary: "Get a store's back-office link", Description: "Where the store's orders go as jobs with sales orders, and the job settings.",
		Errors: []int{http.StatusNotFound}, Tags: tags}, h.get)
	huma.Register(hapi, huma.Operation{OperationID: "put-store-back-office", Method: http.MethodPut, Path: "/api/v2/stores/{id}/back-office",
		Summary: "Replace a store's back-office link",
		Description: "The settings are checked against the back office: a rep who is not one of its users, or a one contact it does not " +
			"have, is a 422 naming the field, as is a store job without the back office's store ID; nothing changes then. A new target, " +
			"URL or key needs a new verify.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Tags: tags}, h.put)
	huma.Register(hapi, huma.Operation{OperationID: "verify-store-back-office", Method: http.MethodPost, Path: "/api/v2/stores/{id}/back-office/verify",
		Summary: "Verify a store's back-office link",
		Description: "Reads the back office with the saved key and records the outcome in verify_error (unreachable, a bad key, a " +
			"read-only key); a verified link with complete settings is enabled.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Tags: tags}, h.verify)
	huma.Register(hapi, huma.Operation{OperationID: "get-order-back-office", Method: http.MethodGet, Path: "/api/v2/orders/{id}/back-office",
		Summary: "Get an order's back-office status", Description: "pending, sent with the job, or failed with the reason.",
		Errors: []int{http.StatusNotFound}, Tags: []string{"Orders"}}, h.orderStatus)
	huma.Register(hapi, huma.Operation{OperationID: "retry-order-back-office", Method: http.MethodPost, Path: "/api/v2/orders/{id}/back-office/retry",
		Summary: "Send an order to the back office again",
		Description: "After its send failed and its cause was fixed; also sends an order of an enabled link that was placed before " +
			"its start. An order whose send has not failed is a 409; a store whose link is not enabled a 422.",
		DefaultStatus: http.StatusAccepted,
		Errors:        []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}, Tags: []string{"Orders"}}, h.retry)
}

func (h backOfficeHandlers) get(ctx context.Context, in *storeIDInput) (*backOfficeLinkOutput, error) {
	l, err := h.svc.Get(ctx, AccountID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &backOfficeLinkOutput{Body: backOfficeLinkOut(l)}, nil
}

func (h backOfficeHandlers) put(ctx context.Context, in *putBackOfficeLinkInput) (*backOfficeLinkOutput, error) {
	b := in.Body
	l, err := h.svc.Put(ctx, bolink.PutParams{AccountID: AccountID(ctx), StoreID: in.ID, Target: b.Target, BaseURL: b.BaseURL,
		APIKey: b.APIKey, Enabled: b.Enabled, SendFrom: b.SendFrom, Settings: bolink.Settings{BusinessName: b.BusinessName,
			PrimaryRep: b.PrimaryRep, SecondaryRep: b.SecondaryRep, CSR: b.CSR, JobType: b.JobType, StoreID: b.BOStoreID,
			OneContact: b.OneContact, ContactEmail: b.ContactEmail, LogoProperty: b.LogoProperty, LocationProperty: b.LocationProperty}})
	if err != nil {
		return nil, backOfficeError(err)
	}
	return &backOfficeLinkOutput{Body: backOfficeLinkOut(l)}, nil
}

func (h backOfficeHandlers) verify(ctx context.Context, in *storeIDInput) (*backOfficeLinkOutput, error) {
	l, err := h.svc.Verify(ctx, AccountID(ctx), in.ID)
	if err != nil {
		return nil, backOfficeError(err)
	}
	return &backOfficeLinkOutput{Body: backOfficeLinkOut(l)}, nil
}

func (h backOfficeHandlers) orderStatus(ctx context.Context, in *orderIDInput) (*orderBackOfficeOutput, error) {
	st, ok, err := h.svc.OrderStatus(ctx, AccountID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, huma.NewError(http.StatusNotFound, "the order is not sent to a back office")
	}
	return &orderBackOfficeOutput{Body: BackOfficeStatusOut(st)}, nil
}

func (h backOfficeHandlers) retry(ctx context.Context, in *orderIDInput) (*orderBackOfficeOutput, error) {
	st, err := h.svc.Retry(ctx, AccountID(ctx), in.ID)
	if errors.Is(err, bolink.ErrNotRetryable) {
		return nil, huma.NewError(http.StatusConflict, err.Error())
	}
	if err != nil {
		return nil, backOfficeError(err)
	}
	return &orderBackOfficeOutput{Body: BackOfficeStatusOut(st)}, nil
}

func backOfficeError(err error) error {
	if be, ok := errors.AsType[*bolink.Error](err); ok {
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "body." + be.Field, Message: be.Message, Value: Echo(be.Value)})
	}
	return err
}

func backOfficeLinkOut(l bolink.Link) BackOfficeLink {
	s := l.Settings
	return BackOfficeLink{StoreID: l.StoreID, Target: l.Target, BaseURL: l.BaseURL, HasAPIKey: l.HasAPIKey, APIKeyHint: l.APIKeyHint,
		BusinessName: s.BusinessName, PrimaryRep: s.PrimaryRep, SecondaryRep: s.SecondaryRep, CSR: s.CSR, JobType: s.JobType,
		BOStoreID: s.StoreID, OneContact: s.OneContact, ContactEmail: s.ContactEmail, LogoProperty: s.LogoProperty,
		LocationProperty: s.LocationProperty, Enabled: l.Enabled, VerifiedAt: l.VerifiedAt, VerifyError: l.VerifyError,
		EnabledAt: l.EnabledAt, SendFrom: l.SendFrom, Version: l.Version, UpdatedAt: l.UpdatedAt}
}

// BackOfficeStatusOut is an order's back-office status in the API's words.
func BackOfficeStatusOut(st bolink.Status) BackOfficeStatus {
	return BackOfficeStatus{Status: st.Status, Error: st.Error, Target: st.Target, JobID: st.JobID, JobNumber: st.JobNumber,
		SalesOrderID: st.SalesOrderID, Attempts: st.Attempts, SentAt: st.SentAt, UpdatedAt: st.UpdatedAt}
}
