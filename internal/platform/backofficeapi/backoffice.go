package backofficeapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/platform"
)

// Verify implements platform.BackOffice: GET /api/v2/me.
func (c *Client) Verify(ctx context.Context) (platform.BackOfficeIdentity, error) {
	var me meBody
	if _, err := c.do(ctx, call{op: "verifying the API key", method: http.MethodGet, path: "/api/v2/me"}, &me); err != nil {
		return platform.BackOfficeIdentity{}, err
	}
	return platform.BackOfficeIdentity{AccountName: me.Account.Name, CanWrite: me.Permission == "read_write"}, nil
}

// Users implements platform.BackOffice: GET /api/v2/users.
func (c *Client) Users(ctx context.Context) ([]string, error) {
	users, err := listAll[userBody](ctx, c, "listing users", "/api/v2/users")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(users))
	for _, u := range users {
		out = append(out, strings.ToLower(u.Email))
	}
	return out, nil
}

// CardTypes implements platform.BackOffice: GET /api/v2/card-types.
func (c *Client) CardTypes(ctx context.Context) ([]platform.BackOfficeListItem, error) {
	items, err := listAll[listItemBody](ctx, c, "listing card types", "/api/v2/card-types")
	if err != nil {
		return nil, err
	}
	out := make([]platform.BackOfficeListItem, 0, len(items))
	for _, it := range items {
		out = append(out, platform.BackOfficeListItem{Code: it.Code, Name: it.Name, Active: it.Active})
	}
	return out, nil
}

// FindContact implements platform.BackOffice: GET /api/v2/contacts?email=&kind=.
func (c *Client) FindContact(ctx context.Context, kind platform.BackOfficeKind, email string) (platform.BackOfficeContact, bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return platform.BackOfficeContact{}, false, nil
	}
	q := url.Values{"email": {email}, "kind": {string(kind)}}
	b, ok, err := first[contactBody](ctx, c, "finding contact", "/api/v2/contacts?"+q.Encode())
	if err != nil || !ok {
		return platform.BackOfficeContact{}, false, err
	}
	return b.contact(), true, nil
}

// CreateContact implements platform.BackOffice: POST /api/v2/contacts (dropship) or
// /api/v2/store-contacts (store), under the key. A contact of the kind with the email is
// answered instead, as the built-in back office does, so a retry after the API forgot the key
// makes no second one either.
func (c *Client) CreateContact(ctx context.Context, key string, in platform.BackOfficeContactInput) (platform.BackOfficeContact, error) {
	const op = "creating contact"
	if err := c.needKey(op, key); err != nil {
		return platform.BackOfficeContact{}, err
	}
	if found, ok, err := c.FindContact(ctx, in.Kind, in.Email); err != nil || ok {
		return found, err
	}
	path := "/api/v2/contacts"
	if in.Kind == platform.BackOfficeStore {
		path = "/api/v2/store-contacts"
	}
	a := in.Address
	body := contactCreate{Name: in.Name, Company: in.Company, Email: strings.ToLower(strings.TrimSpace(in.Email)), Phone: in.Phone,
		StoreID: in.StoreID, Address: postalAddress{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State,
			PostalCode: a.PostalCode, Country: a.Country}}
	var w writeBody
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: path, body: body, key: key}, &w); err != nil {
		return platform.BackOfficeContact{}, err
	}
	var b contactBody
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: fmt.Sprintf("/api/v2/contacts/%d", w.ID)}, &b); err != nil {
		return platform.BackOfficeContact{}, err
	}
	return b.contact(), nil
}

// FindJob implements platform.BackOffice: GET /api/v2/jobs?external_ref=, then the job's first
// sales order.
func (c *Client) FindJob(ctx context.Context, externalRef string) (platform.BackOfficeJob, bool, error) {
	if externalRef == "" {
		return platform.BackOfficeJob{}, false, nil
	}
	b, ok, err := first[jobBody](ctx, c, "finding job", "/api/v2/jobs?"+url.Values{"external_ref": {externalRef}}.Encode())
	if err != nil || !ok {
		return platform.BackOfficeJob{}, false, err
	}
	j := jobOut(b)
	so, ok, err := c.firstSalesOrder(ctx, "finding job", b.ID)
	if err != nil {
		return platform.BackOfficeJob{}, false, err
	}
	if ok {
		j.SalesOrderID = so.ID
	}
	return j, true, nil
}

func jobOut(b jobBody) platform.BackOfficeJob {
	return platform.BackOfficeJob{ID: b.ID, Number: b.Number, Status: b.Status, ExternalRef: b.ExternalRef}
}

func (c *Client) firstSalesOrder(ctx context.Context, op string, jobID int64) (salesOrderBody, bool, error) {
	return first[salesOrderBody](ctx, c, op, fmt.Sprintf("/api/v2/jobs/%d/sales-orders", jobID))
}

// maxStale is how many times an update is tried again after someone else changed the object
// between its read and its write (412).
const maxStale = 3

// CancelJob implements platform.BackOffice: the job is read, and PUT with status cancelled and
// the ETag read (If-Match) only when it is pending; a 412 reads it again.
func (c *Client) CancelJob(ctx context.Context, jobID int64) (platform.BackOfficeJob, error) {
	const op = "cancelling job"
	for try := 0; ; try++ {
		var b jobBody
		h, err := c.do(ctx, call{op: op, method: http.MethodGet, path: fmt.Sprintf("/api/v2/jobs/%d", jobID)}, &b)
		if err != nil {
			return platform.BackOfficeJob{}, err
		}
		j := jobOut(b)
		if so, ok, err := c.firstSalesOrder(ctx, op, jobID); err != nil {
			return platform.BackOfficeJob{}, err
		} else if ok {
			j.SalesOrderID = so.ID
		}
		if b.Status != "pending" {
			return j, nil
		}
		path := fmt.Sprintf("/api/v2/jobs/%d", jobID)
		if b.Kind == string(platform.BackOfficeStore) {
			path = fmt.Sprintf("/api/v2/store-jobs/%d", jobID)
		}
		_, err = c.do(ctx, call{op: op, method: http.MethodPut, path: path, body: map[string]string{"status": "cancelled"},
			ifMatch: etag(h, b.Version)}, nil)
		if isStale(err) && try+1 < maxStale {
			continue
		}
		if err != nil {
			return platform.BackOfficeJob{}, err
		}
		j.Status, j.Cancelled = "cancelled", true
		return j, nil
	}
}

// etag is the answer's ETag, or the one the version makes.
func etag(h http.Header, version int64) string {
	if t := h.Get("ETag"); t != "" {
		return t
	}
	return `"v` + strconv.FormatInt(version, 10) + `"`
}

func isStale(err error) bool {
	pe, ok := errors.AsType[*platform.Error](err)
	return ok && pe.StatusCode == http.StatusPreconditionFailed
}

// AddNote implements platform.BackOffice: the sales order's csr_instructions, read with their
// ETag, are PUT with the note as a last line. A note that is already one of their lines is not
// added again, so a retried call leaves one.
func (c *Client) AddNote(ctx context.Context, jobID, salesOrderID int64, note string) error {
	const op = "adding a note"
	note = strings.TrimSpace(note)
	if note == "" {
		return nil
	}
	path := fmt.Sprintf("/api/v2/jobs/%d/sales-orders/%d", jobID, salesOrderID)
	for try := 0; ; try++ {
		var so salesOrderBody
		h, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path}, &so)
		if err != nil {
			return err
		}
		text, changed := appendNote(so.CSRInstructions, note)
		if !changed {
			return nil
		}
		_, err = c.do(ctx, call{op: op, method: http.MethodPut, path: path, body: map[string]string{"csr_instructions": text},
			ifMatch: etag(h, so.Version)}, nil)
		if isStale(err) && try+1 < maxStale {
			continue
		}
		return err
	}
}

// appendNote adds note to text as its last line, unless text has it as a line already.
func appendNote(text, note string) (string, bool) {
	if slices.Contains(strings.Split(text, "\n"), note) {
		return text, false
	}
	if strings.TrimSpace(text) == "" {
		return note, true
	}
	return strings.TrimRight(text, "\n") + "\n" + note, true
}

// RecordPayment implements platform.BackOffice: POST the payment under the key, unless the sales
// order has a payment of its reference already (p.Ref, or the key when it has none).
func (c *Client) RecordPayment(ctx context.Context, key string, jobID, salesOrderID int64, p platform.BackOfficePayment) error {
	const op = "recording payment"
	if err := c.needKey(op, key); err != nil {
		return err
	}
	var so salesOrderBody
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: fmt.Sprintf("/api/v2/jobs/%d/sales-orders/%d", jobID, salesOrderID)}, &so); err != nil {
		return err
	}
	if p.Ref == "" {
		p.Ref = key
	}
	have, err := c.paymentRefs(ctx, op, jobID, salesOrderID)
	if err != nil || have[p.Ref] {
		return err
	}
	return c.postPayment(ctx, op, key, jobID, salesOrderID, so.Currency, p)
}

func (c *Client) paymentRefs(ctx context.Context, op string, jobID, salesOrderID int64) (map[string]bool, error) {
	ps, err := listAll[paymentBody](ctx, c, op, fmt.Sprintf("/api/v2/jobs/%d/sales-orders/%d/payments", jobID, salesOrderID))
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, p := range ps {
		have[p.Reference] = true
	}
	return have, nil
}

func (c *Client) postPayment(ctx context.Context, op, key string, jobID, salesOrderID int64, currency string, p platform.BackOfficePayment) error {
	amount, err := money.Format(p.Amount, currency)
	if err != nil {
		return c.invalid(op, "currency", fmt.Sprintf("%q: %v", currency, err))
	}
	body := paymentCreate{Amount: amount, PaidAt: p.PaidAt, PaymentType: p.PaymentType, CardType: p.CardType, Reference: p.Ref}
	_, err = c.do(ctx, call{op: op, method: http.MethodPost, path: fmt.Sprintf("/api/v2/jobs/%d/sales-orders/%d/payments", jobID, salesOrderID),
		body: body, key: key}, nil)
	return err
}

func (c *Client) needKey(op, key string) error {
	if strings.TrimSpace(key) == "" {
		return c.invalid(op, "key", "an idempotency key is required")
	}
	return nil
}

func (c *Client) invalid(op, field, msg string) *platform.Error {
	e := c.newError(op, platform.KindInvalidInput, field+": "+msg, nil)
	e.Fields = []platform.FieldError{{Field: field, Message: msg}}
	return e
}
