package boapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/backoffice"
)

type v1JobsInput struct {
	JobSearchQuery
}

type v1ContactsInput struct {
	ContactSearchQuery
}

// registerV1 adds the read-only searches of version 1, kept for existing clients.
func (h *handlers) registerV1(api huma.API) {
	huma.Register(api, op(http.MethodGet, "/api/v1/jobs", "v1-search-jobs", tagV1, "Search jobs (v1)",
		"By created date, client group and status, ordered by job number."+windowNote),
		func(ctx context.Context, in *v1JobsInput) (*ListOutput[Job], error) {
			return h.doSearchJobs(ctx, in.JobSearchQuery, backoffice.SearchJobsParams{})
		})
	huma.Register(api, op(http.MethodGet, "/api/v1/contacts", "v1-search-contacts", tagV1, "Search contacts (v1)",
		"By created date, client group, email, state and client or prospect, ordered by id."),
		func(ctx context.Context, in *v1ContactsInput) (*ListOutput[Contact], error) {
			return h.doSearchContacts(ctx, in.ContactSearchQuery, "", "")
		})
}
