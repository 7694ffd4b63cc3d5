package backoffice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/platform"
)

// targetPlatform names the built-in back office in platform.Error.
const targetPlatform = "backoffice"

// Target is the account's own back office as a platform.BackOffice: what a store's orders become
// when they stay in storesync. It calls the service directly, so it answers in the same terms as
// the Open API client (internal/platform/backofficeapi) does over HTTP; one contract suite runs
// against both.
func Target(svc *Service, accountID int64) platform.BackOffice {
	return &target{svc: svc, account: accountID}
}

type target struct {
	svc     *Service
	account int64
}

// Verify reads the account's name; the service may always write.
func (t *target) Verify(ctx context.Context) (platform.BackOfficeIdentity, error) {
	var name string
	err := t.svc.db.QueryRow(ctx, `SELECT name FROM accounts WHERE id = $1`, t.account).Scan(&name)
	if errors.Is(err, database.ErrNoRows) {
		err = fmt.Errorf("account %d: %w", t.account, database.ErrNotFound)
	}
	if err != nil {
		return platform.BackOfficeIdentity{}, t.fail("verifying", err)
	}
	return platform.BackOfficeIdentity{AccountName: name, CanWrite: true}, nil
}

func (t *target) Users(ctx context.Context) ([]string, error) {
	var out []string
	for page := 1; ; page++ {
		p, err := t.svc.ListUsers(ctx, ListUsersParams{AccountID: t.account, Page: page})
		if err != nil {
			return nil, t.fail("listing users", err)
		}
		for _, u := range p.Items {
			out = append(out, strings.ToLower(u.Email))
		}
		if !p.HasNext() || page >= MaxPage {
			return out, nil
		}
	}
}

func (t *target) CardTypes(ctx context.Context) ([]platform.BackOfficeListItem, error) {
	var out []platform.BackOfficeListItem
	for page := 1; ; page++ {
		p, err := t.svc.ListItems(ctx, ListItemsParams{AccountID: t.account, List: ListCardTypes, Page: page})
		if err != nil {
			return nil, t.fail("listing card types", err)
		}
		for _, it := range p.Items {
			out = append(out, platform.BackOfficeListItem{Code: it.Code, Name: it.Name, Active: it.Active})
		}
		if !p.HasNext() || page >= MaxPage {
			return out, nil
		}
	}
}

func (t *target) FindContact(ctx context.Context, kind platform.BackOfficeKind, email string) (platform.BackOfficeContact, bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return platform.BackOfficeContact{}, false, nil
	}
	p, err := t.svc.SearchContacts(ctx, SearchContactsParams{AccountID: t.account, Kind: Kind(kind), Email: email})
	if err != nil {
		return platform.BackOfficeContact{}, false, t.fail("finding contact", err)
	}
	if len(p.Items) == 0 {
		return platform.BackOfficeContact{}, false, nil
	}
	return contactOut(p.Items[0]), true, nil
}

// CreateContact creates the contact, or answers the one of the kind with its email: the built-in
// back office keeps no idempotency keys, so a contact with an email is made once by its email.
func (t *target) CreateContact(ctx context.Context, key string, in platform.BackOfficeContactInput) (platform.BackOfficeContact, error) {
	if c, ok, err := t.FindContact(ctx, in.Kind, in.Email); err != nil || ok {
		return c, err
	}
	a := in.Address
	c, err := t.svc.CreateContact(ctx, CreateContactParams{AccountID: t.account, Kind: Kind(in.Kind), Input: ContactInput{
		Name: in.Name, Company: in.Company, Email: in.Email, Phone: in.Phone, StoreID: in.StoreID,
		Address: Address{Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country}}})
	if err != nil {
		return platform.BackOfficeContact{}, t.fail("creating contact", err)
	}
	return contactOut(c), nil
}

func contactOut(c Contact) platform.BackOfficeContact {
	a := c.Address
	return platform.BackOfficeContact{ID: c.ID, Kind: platform.BackOfficeKind(c.Kind), Name: c.Name, Email: c.Email,
		Address: platform.BackOfficeAddress{Name: c.Name, Company: c.Company, Line1: a.Line1, Line2: a.Line2, City: a.City,
			State: a.State, PostalCode: a.PostalCode, Country: a.Country, Phone: c.Phone, Email: c.Email}}
}

func (t *target) FindJob(ctx context.Context, externalRef string) (platform.BackOfficeJob, bool, error) {
	if externalRef == "" {
		return platform.BackOfficeJob{}, false, nil
	}
	j, err := t.svc.JobByExternalRef(ctx, JobByExternalRefParams{AccountID: t.account, ExternalRef: externalRef})
	if errors.Is(err, database.ErrNotFound) {
		return platform.BackOfficeJob{}, false, nil
	}
	if err != nil {
		return platform.BackOfficeJob{}, false, t.fail("finding job", err)
	}
	out, err := t.jobOut(ctx, j)
	return out, err == nil, err
}

func (t *target) jobOut(ctx context.Context, j Job) (platform.BackOfficeJob, error) {
	out := platform.BackOfficeJob{ID: j.ID, Number: j.Number, Status: string(j.Status), ExternalRef: j.ExternalRef}
	p, err := t.svc.ListSalesOrders(ctx, ListOrdersParams{AccountID: t.account, JobID: j.ID, Page: 1})
	if err != nil {
		return out, t.fail("reading the job's sales orders", err)
	}
	if len(p.Items) > 0 {
		out.SalesOrderID = p.Items[0].ID
	}
	return out, nil
}

// CreateOrderJob creates the job with its sales order, lines and payments in one transaction,
// once per external reference (in.ExternalRef, or key when it has none). A job of the reference
// made elsewhere (the Open API makes its parts one call at a time) is completed: its sales order
// if it has none, the lines past those it has, the payments of references it lacks.
func (t *target) CreateOrderJob(ctx context.Context, key string, in platform.BackOfficeOrderJob) (platform.BackOfficeJob, error) {
	const op = "creating order job"
	if strings.TrimSpace(key) == "" {
		return platform.BackOfficeJob{}, t.invalid(op, "key", "an idempotency key is required")
	}
	if in.ExternalRef == "" {
		in.ExternalRef = key
	}
	currency, err := NormalizeCurrency(in.Currency)
	if err != nil {
		return platform.BackOfficeJob{}, t.invalid(op, "currency", "must be an ISO 4217 currency code")
	}
	lines := make([]LineInput, 0, len(in.Lines))
	for _, l := range in.Lines {
		lines = append(lines, LineInput{ProductRef: l.ProductRef, VariantRef: l.VariantRef, SKU: l.SKU, Description: l.Description,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice,
			Decoration: Decoration{DesignName: l.DesignName, Location: l.Location, Method: l.Method, Supplier: l.Supplier}})
	}
	payments := make([]PaymentInput, 0, len(in.Payments))
	for i, p := range in.Payments {
		if p.Ref == "" {
			p.Ref = key + "/payment/" + strconv.Itoa(i)
		}
		payments = append(payments, paymentIn(p))
	}
	so := SalesOrderInput{Currency: currency, SoldTo: Address(in.SoldTo), BillTo: Address(in.BillTo), ShipTo: Address(in.ShipTo),
		CustomerInstructions: in.CustomerInstructions, CSRInstructions: in.CSRInstructions}
	oj, err := t.svc.CreateOrderJob(ctx, CreateOrderJobParams{SalesOrder: so, Lines: lines, Payments: payments,
		Job: CreateJobParams{AccountID: t.account, Kind: Kind(in.Kind), ExternalRef: in.ExternalRef, Input: JobInput{
			Description: in.Description, ContactID: in.ContactID, PrimaryRep: in.PrimaryRep, SecondaryRep: in.SecondaryRep,
			CSR: in.CSR, StoreID: in.StoreID}}})
	if err != nil {
		return platform.BackOfficeJob{}, t.fail(op, err)
	}
	out := platform.BackOfficeJob{ID: oj.Job.ID, Number: oj.Job.Number, Status: string(oj.Job.Status), ExternalRef: oj.Job.ExternalRef,
		SalesOrderID: oj.SalesOrder.ID}
	if !oj.Existed {
		return out, nil
	}
	if oj.SalesOrder.ID == 0 {
		o, err := t.svc.CreateSalesOrder(ctx, CreateSalesOrderParams{AccountID: t.account, JobID: oj.Job.ID, Input: so,
			Lines: lines, Payments: payments})
		if err != nil {
			return platform.BackOfficeJob{}, t.fail(op, err)
		}
		out.SalesOrderID = o.ID
		return out, nil
	}
	ref := OrderRef{AccountID: t.account, JobID: oj.Job.ID, Kind: SalesOrderKind, OrderID: oj.SalesOrder.ID}
	made, err := t.svc.ListLines(ctx, ListOrderItemsParams{Order: ref, Page: 1})
	if err != nil {
		return platform.BackOfficeJob{}, t.fail(op, err)
	}
	for i := int(made.Total); i < len(lines); i++ {
		if _, err := t.svc.CreateLine(ctx, CreateLineParams{Order: ref, Input: lines[i]}); err != nil {
			return platform.BackOfficeJob{}, t.fail(op, err)
		}
	}
	have, err := t.paymentRefs(ctx, ref)
	if err != nil {
		return platform.BackOfficeJob{}, err
	}
	for _, p := range payments {
		if have[p.Reference] {
			continue
		}
		if _, err := t.svc.CreatePayment(ctx, CreatePaymentParams{Order: ref, Input: p}); err != nil {
			return platform.BackOfficeJob{}, t.fail(op, err)
		}
		have[p.Reference] = true
	}
	return out, nil
}

// CancelJob moves a pending job to cancelled at the version read, reading again when someone
// else wrote in between.
func (t *target) CancelJob(ctx context.Context, jobID int64) (platform.BackOfficeJob, error) {
	for try := 0; ; try++ {
		j, err := t.svc.GetJob(ctx, GetJobParams{AccountID: t.account, ID: jobID})
		if err != nil {
			return platform.BackOfficeJob{}, t.fail("cancelling job", err)
		}
		if j.Status != JobPending {
			return t.jobOut(ctx, j)
		}
		j, err = t.svc.UpdateJob(ctx, UpdateJobParams{AccountID: t.account, ID: jobID, IfVersion: j.Version,
			Change: func(in *JobInput) { in.Status = JobCancelled }})
		if errors.Is(err, ErrStale) && try < 2 {
			continue
		}
		if err != nil {
			return platform.BackOfficeJob{}, t.fail("cancelling job", err)
		}
		out, err := t.jobOut(ctx, j)
		out.Cancelled = err == nil
		return out, err
	}
}

// AddNote appends note as the last line of the CSR instructions at the version read, unless it
// is one of their lines already (a retried call leaves one).
func (t *target) AddNote(ctx context.Context, jobID, salesOrderID int64, note string) error {
	note = strings.TrimSpace(note)
	if note == "" {
		return nil
	}
	for try := 0; ; try++ {
		o, err := t.svc.GetSalesOrder(ctx, GetOrderParams{AccountID: t.account, JobID: jobID, ID: salesOrderID})
		if err != nil {
			return t.fail("adding a note", err)
		}
		if slices.Contains(strings.Split(o.CSRInstructions, "\n"), note) {
			return nil
		}
		text := note
		if strings.TrimSpace(o.CSRInstructions) != "" {
			text = strings.TrimRight(o.CSRInstructions, "\n") + "\n" + note
		}
		_, err = t.svc.UpdateSalesOrder(ctx, UpdateSalesOrderParams{AccountID: t.account, JobID: jobID, ID: salesOrderID,
			IfVersion: o.Version, Change: func(o *SalesOrderInput) { o.CSRInstructions = text }})
		if errors.Is(err, ErrStale) && try < 2 {
			continue
		}
		if err != nil {
			return t.fail("adding a note", err)
		}
		return nil
	}
}

// RecordPayment records the payment unless the sales order has one of its reference (p.Ref, or
// the key when it has none): the built-in back office's payments are made once by reference.
func (t *target) RecordPayment(ctx context.Context, key string, jobID, salesOrderID int64, p platform.BackOfficePayment) error {
	if strings.TrimSpace(key) == "" {
		return t.invalid("recording payment", "key", "an idempotency key is required")
	}
	if p.Ref == "" {
		p.Ref = key
	}
	ref := OrderRef{AccountID: t.account, JobID: jobID, Kind: SalesOrderKind, OrderID: salesOrderID}
	have, err := t.paymentRefs(ctx, ref)
	if err != nil || have[p.Ref] {
		return err
	}
	if _, err := t.svc.CreatePayment(ctx, CreatePaymentParams{Order: ref, Input: paymentIn(p)}); err != nil {
		return t.fail("recording payment", err)
	}
	return nil
}

func paymentIn(p platform.BackOfficePayment) PaymentInput {
	return PaymentInput{Amount: p.Amount, PaidAt: p.PaidAt, PaymentType: p.PaymentType, CardType: p.CardType, Reference: p.Ref}
}

func (t *target) paymentRefs(ctx context.Context, ref OrderRef) (map[string]bool, error) {
	have := map[string]bool{}
	for page := 1; ; page++ {
		p, err := t.svc.ListPayments(ctx, ListOrderItemsParams{Order: ref, Page: page})
		if err != nil {
			return nil, t.fail("reading payments", err)
		}
		for _, it := range p.Items {
			have[it.Reference] = true
		}
		if !p.HasNext() || page >= MaxPage {
			return have, nil
		}
	}
}

// fail turns a service error into the platform error a caller of any back office expects.
func (t *target) fail(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := &platform.Error{Platform: targetPlatform, Store: fmt.Sprintf("account %d", t.account), Op: op, Message: err.Error(), Err: err}
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		e.Kind, e.Fields = platform.KindInvalidInput, []platform.FieldError{{Field: ve.Field, Message: ve.Message}}
	case errors.Is(err, database.ErrNotFound):
		e.Kind = platform.KindNotFound
	case errors.Is(err, ErrStale), errors.Is(err, ErrConflict):
		e.Kind = platform.KindConflict
	case errors.Is(err, money.ErrOutOfRange):
		e.Kind = platform.KindInvalidInput
	default:
		// The database failed (busy, gone): the same call may work later.
		e.Kind, e.Retryable = platform.KindUnavailable, true
	}
	return e
}

func (t *target) invalid(op, field, msg string) error {
	return &platform.Error{Platform: targetPlatform, Store: fmt.Sprintf("account %d", t.account), Op: op,
		Kind: platform.KindInvalidInput, Message: field + ": " + msg, Fields: []platform.FieldError{{Field: field, Message: msg}}}
}
