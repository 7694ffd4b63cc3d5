package boapi

import (
	"context"
	"errors"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
)

// JobSearchQuery filters a job search; filters combine. Only jobs of the past 13 months are found.
type JobSearchQuery struct {
	PageQuery
	CreatedFrom   time.Time `query:"created_from" doc:"Created at or after (RFC 3339)."`
	CreatedTo     time.Time `query:"created_to" doc:"Created at or before (RFC 3339)."`
	ClientGroupID string    `query:"client_group_id" doc:"The client group of the job's contact."`
	Status        string    `query:"status" enum:"pending,open,in_production,on_hold,shipped,invoiced,closed,cancelled"`
}

type searchJobsInput struct {
	JobSearchQuery
	Kind      string `query:"kind" enum:"dropship,store"`
	ContactID int64  `query:"contact_id" minimum:"0"`
	StoreID   string `query:"store_id"`
	// ExternalRef finds the job a create named with it (at most one).
	ExternalRef string `query:"external_ref" maxLength:"200" doc:"The job created with this external_ref, if any."`
}

type jobIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type createJobInput struct {
	Body JobCreate
}

type createStoreJobInput struct {
	Body StoreJobCreate
}

type updateJobInput struct {
	IfMatch
	ID   int64 `path:"id" minimum:"1"`
	Body JobUpdate
}

const windowNote = " Only jobs created in the past 13 months are visible; older ones answer 404."

func (h *handlers) searchJobs(ctx context.Context, in *searchJobsInput) (*ListOutput[Job], error) {
	return h.doSearchJobs(ctx, in.JobSearchQuery, backoffice.SearchJobsParams{Kind: backoffice.Kind(in.Kind),
		ContactID: in.ContactID, StoreID: in.StoreID, ExternalRef: in.ExternalRef})
}

func (h *handlers) doSearchJobs(ctx context.Context, q JobSearchQuery, p backoffice.SearchJobsParams) (*ListOutput[Job], error) {
	acct := api.AccountID(ctx)
	p.AccountID, p.Page = acct, q.Page
	p.Status, p.ClientGroupID = backoffice.JobStatus(q.Status), q.ClientGroupID
	p.CreatedFrom, p.CreatedTo = q.CreatedFrom, inclusiveEnd(q.CreatedTo)
	page, err := h.svc.SearchJobs(ctx, p)
	if err != nil {
		return nil, err
	}
	return listOutput(q.PageQuery, page, jobOut), nil
}

func (h *handlers) getJob(ctx context.Context, in *jobIDInput) (*GetOutput[Job], error) {
	acct := api.AccountID(ctx)
	j, err := h.svc.GetJob(ctx, backoffice.GetJobParams{AccountID: acct, ID: in.ID})
	if err != nil {
		return nil, err
	}
	return &GetOutput[Job]{ETag: etag(j.Version), Body: jobOut(j)}, nil
}

func (h *handlers) createJob(ctx context.Context, kind backoffice.Kind, b JobFields, storeID string) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	j, err := h.svc.CreateJob(ctx, backoffice.CreateJobParams{AccountID: acct, Kind: kind, Input: backoffice.JobInput{
		Description: b.Description, ContactID: b.ContactID, PrimaryRep: b.PrimaryRep, SecondaryRep: b.SecondaryRep,
		CSR: b.CSR, CommissionCode: b.CommissionCode, ProductIndex: b.ProductIndex, StoreID: storeID}, ExternalRef: b.ExternalRef})
	if b.ExternalRef != "" && errors.Is(err, backoffice.ErrConflict) {
		return nil, huma.Error409Conflict("a job with this external_ref exists: GET /api/v2/jobs?external_ref= finds it",
			&huma.ErrorDetail{Location: "body.external_ref", Message: "is already the external_ref of a job", Value: api.Echo(b.ExternalRef)})
	}
	if err != nil {
		return nil, err
	}
	return written(j.ID, j.Version, location("/api/v2/jobs/%d", j.ID)), nil
}

func (h *handlers) updateJob(ctx context.Context, kind backoffice.Kind, in *updateJobInput) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	version, err := ifMatch(in.IfMatch.IfMatch)
	if err != nil {
		return nil, err
	}
	b := in.Body
	j, err := h.svc.UpdateJob(ctx, backoffice.UpdateJobParams{AccountID: acct, ID: in.ID, Kind: kind, IfVersion: version,
		Change: func(j *backoffice.JobInput) {
			set(&j.Status, b.Status)
			set(&j.Description, b.Description)
			set(&j.ContactID, b.ContactID)
			set(&j.PrimaryRep, b.PrimaryRep)
			set(&j.SecondaryRep, b.SecondaryRep)
			set(&j.CSR, b.CSR)
			set(&j.CommissionCode, b.CommissionCode)
			set(&j.ProductIndex, b.ProductIndex)
			set(&j.StoreID, b.StoreID)
		}})
	if err != nil {
		return nil, err
	}
	return written(j.ID, j.Version, location("/api/v2/jobs/%d", j.ID)), nil
}

func jobOut(j backoffice.Job) Job {
	return Job{ID: j.ID, Number: j.Number, Kind: j.Kind, Status: j.Status, Description: j.Description, ContactID: j.ContactID,
		ClientGroupID: j.ClientGroupID, PrimaryRep: j.PrimaryRep, SecondaryRep: j.SecondaryRep, CSR: j.CSR,
		CommissionCode: j.CommissionCode, ProductIndex: j.ProductIndex, StoreID: j.StoreID, ExternalRef: j.ExternalRef, Version: j.Version,
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
}
