package boapi

import (
	"context"
	"time"

	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
)

// ContactSearchQuery filters a contact search; filters combine.
type ContactSearchQuery struct {
	PageQuery
	CreatedFrom   time.Time `query:"created_from" doc:"Created at or after (RFC 3339)."`
	CreatedTo     time.Time `query:"created_to" doc:"Created at or before (RFC 3339)."`
	ClientGroupID string    `query:"client_group_id"`
	Email         string    `query:"email"`
	State         string    `query:"state"`
	Type          string    `query:"type" enum:"client,prospect" doc:"Client or prospect."`
}

type searchContactsInput struct {
	ContactSearchQuery
	Kind    string `query:"kind" enum:"dropship,store"`
	StoreID string `query:"store_id"`
}

type contactIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type createContactInput struct {
	Body ContactCreate
}

type createStoreContactInput struct {
	Body StoreContactCreate
}

type updateContactInput struct {
	IfMatch
	ID   int64 `path:"id" minimum:"1"`
	Body ContactUpdate
}

func (h *handlers) searchContacts(ctx context.Context, in *searchContactsInput) (*ListOutput[Contact], error) {
	return h.doSearchContacts(ctx, in.ContactSearchQuery, backoffice.Kind(in.Kind), in.StoreID)
}

func (h *handlers) doSearchContacts(ctx context.Context, q ContactSearchQuery, kind backoffice.Kind, storeID string) (*ListOutput[Contact], error) {
	acct := api.AccountID(ctx)
	page, err := h.svc.SearchContacts(ctx, backoffice.SearchContactsParams{AccountID: acct, Kind: kind,
		Type: backoffice.ContactType(q.Type), ClientGroupID: q.ClientGroupID, StoreID: storeID, Email: q.Email,
		State: q.State, CreatedFrom: q.CreatedFrom, CreatedTo: inclusiveEnd(q.CreatedTo), Page: q.Page})
	if err != nil {
		return nil, err
	}
	return listOutput(q.PageQuery, page, contactOut), nil
}

func (h *handlers) getContact(ctx context.Context, in *contactIDInput) (*GetOutput[Contact], error) {
	acct := api.AccountID(ctx)
	c, err := h.svc.GetContact(ctx, backoffice.GetContactParams{AccountID: acct, ID: in.ID})
	if err != nil {
		return nil, err
	}
	return &GetOutput[Contact]{ETag: etag(c.Version), Body: contactOut(c)}, nil
}

func (h *handlers) createContact(ctx context.Context, kind backoffice.Kind, b ContactFields, storeID string) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	c, err := h.svc.CreateContact(ctx, backoffice.CreateContactParams{AccountID: acct, Kind: kind, Input: backoffice.ContactInput{
		Type: b.Type, Name: b.Name, Company: b.Company, Email: b.Email, Phone: b.Phone, Address: addressIn(b.Address),
		ClientGroupID: b.ClientGroupID, StoreID: storeID, PaymentTerms: b.PaymentTerms}})
	if err != nil {
		return nil, err
	}
	return written(c.ID, c.Version, location("/api/v2/contacts/%d", c.ID)), nil
}

func (h *handlers) updateContact(ctx context.Context, kind backoffice.Kind, in *updateContactInput) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	version, err := ifMatch(in.IfMatch.IfMatch)
	if err != nil {
		return nil, err
	}
	b := in.Body
	c, err := h.svc.UpdateContact(ctx, backoffice.UpdateContactParams{AccountID: acct, ID: in.ID, Kind: kind, IfVersion: version,
		Change: func(c *backoffice.ContactInput) {
			set(&c.Type, b.Type)
			set(&c.Name, b.Name)
			set(&c.Company, b.Company)
			set(&c.Email, b.Email)
			set(&c.Phone, b.Phone)
			if b.Address != nil {
				c.Address = addressIn(*b.Address)
			}
			set(&c.ClientGroupID, b.ClientGroupID)
			set(&c.StoreID, b.StoreID)
			set(&c.PaymentTerms, b.PaymentTerms)
		}})
	if err != nil {
		return nil, err
	}
	return written(c.ID, c.Version, location("/api/v2/contacts/%d", c.ID)), nil
}

func addressIn(a PostalAddress) backoffice.Address {
	return backoffice.Address{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country}
}

func contactOut(c backoffice.Contact) Contact {
	a := c.Address
	return Contact{ID: c.ID, Kind: c.Kind, Type: c.Type, Name: c.Name, Company: c.Company, Email: c.Email, Phone: c.Phone,
		Address:       PostalAddress{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country},
		ClientGroupID: c.ClientGroupID, StoreID: c.StoreID, PaymentTerms: c.PaymentTerms, Version: c.Version,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// inclusiveEnd turns an inclusive upper bound into the exclusive one the service takes.
func inclusiveEnd(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(time.Microsecond)
}
