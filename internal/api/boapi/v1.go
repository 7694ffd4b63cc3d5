package boapi

// The input types of version 1, kept for existing clients.

type v1JobsInput struct {
	JobSearchQuery
}

type v1ContactsInput struct {
	ContactSearchQuery
}
