package backoffice

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// demoJobs and demoOldJobs are how many sample jobs SeedDemo makes inside and outside the 13-month
// window.
const (
	demoJobs    = 30
	demoOldJobs = 4
)

// SeedDemo fills an account's back office with realistic sample data: supporting lists, contacts,
// jobs spread over the past 13 months with sales and purchase orders, decorated lines and payments,
// and a few older jobs the API must hide. Reps are the account's existing users, so the account
// needs at least one. Running it again adds nothing: every sample job carries an external
// reference ("demo:N") and is skipped when it exists; contacts are found by email.
func SeedDemo(ctx context.Context, db *database.DB, accountID int64, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	s := NewService(db, now)
	reps, err := accountUsers(ctx, db, accountID)
	if err != nil {
		return fmt.Errorf("seeding demo back office: %w", err)
	}
	if err := seedLists(ctx, s, accountID); err != nil {
		return fmt.Errorf("seeding demo back office: %w", err)
	}
	contacts, err := seedContacts(ctx, s, accountID)
	if err != nil {
		return fmt.Errorf("seeding demo back office: %w", err)
	}
	rng := rand.New(rand.NewPCG(7, 11)) // fixed: the same sample every run
	today := now().UTC()
	for i := range demoOldJobs + demoJobs {
		// The old jobs come first, so job numbers grow with time as they would have.
		var created time.Time
		if i < demoOldJobs {
			created = today.AddDate(0, -20+i*2, -rng.IntN(20))
		} else {
			k := i - demoOldJobs
			created = today.AddDate(0, 0, -(385 * (demoJobs - k) / demoJobs)).Add(-time.Duration(rng.IntN(9*3600)) * time.Second)
		}
		d := demoJob{n: i + 1, created: created, contact: contacts[rng.IntN(len(contacts))], reps: reps, rng: rng, age: today.Sub(created)}
		if err := d.seed(ctx, s, accountID); err != nil {
			return fmt.Errorf("seeding demo job %d: %w", d.n, err)
		}
	}
	return nil
}

func accountUsers(ctx context.Context, db *database.DB, accountID int64) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT email FROM users WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("reading the account's users: %w", err)
	}
	defer rows.Close()
	var emails []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		emails = append(emails, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(emails) == 0 {
		return nil, fmt.Errorf("account %d has no users to be reps: %w", accountID, database.ErrNotFound)
	}
	return emails, nil
}

func seedLists(ctx context.Context, s *Service, accountID int64) error {
	for _, it := range demoLists {
		it.AccountID, it.Active = accountID, true
		if _, err := s.PutListItem(ctx, it); err != nil {
			return err
		}
	}
	return nil
}

func seedContacts(ctx context.Context, s *Service, accountID int64) ([]Contact, error) {
	var out []Contact
	for i, dc := range demoContacts {
		found, err := s.SearchContacts(ctx, SearchContactsParams{AccountID: accountID, Email: dc.in.Email})
		if err != nil {
			return nil, err
		}
		if len(found.Items) > 0 {
			out = append(out, found.Items[0])
			continue
		}
		c, err := s.CreateContact(ctx, CreateContactParams{AccountID: accountID, Kind: dc.kind, Input: dc.in,
			CreatedAt: s.now().AddDate(-2, i, 0)})
		if err != nil {
			return nil, fmt.Errorf("contact %s: %w", dc.in.Email, err)
		}
		out = append(out, c)
	}
	return out, nil
}

type demoJob struct {
	n       int
	created time.Time
	age     time.Duration
	contact Contact
	reps    []string
	rng     *rand.Rand
}

func (d demoJob) seed(ctx context.Context, s *Service, accountID int64) error {
	ref := fmt.Sprintf("demo:%d", d.n)
	if _, err := s.JobByExternalRef(ctx, JobByExternalRefParams{AccountID: accountID, ExternalRef: ref}); err == nil {
		return nil
	} else if !errors.Is(err, database.ErrNotFound) {
		return err
	}
	kind, in := KindDropship, JobInput{ContactID: d.contact.ID, PrimaryRep: d.reps[d.n%len(d.reps)],
		CommissionCode: "STD", ProductIndex: demoIndices[d.n%len(demoIndices)]}
	in.Description = fmt.Sprintf("%s — %s", d.contact.Company, demoOccasions[d.n%len(demoOccasions)])
	if d.contact.Kind == KindStore {
		kind, in.StoreID, in.CommissionCode = KindStore, d.contact.StoreID, "STORE"
		in.Description = fmt.Sprintf("%s #%d", d.contact.Company, 1000+d.n*7)
	}
	if len(d.reps) > 1 {
		in.CSR = d.reps[(d.n+1)%len(d.reps)]
	}
	// Each sample job is written whole, in one transaction, or not at all.
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		job, err := s.createJob(ctx, tx, CreateJobParams{AccountID: accountID, Kind: kind, Input: in, ExternalRef: ref, CreatedAt: d.created})
		if err != nil {
			return err
		}
		if err := d.seedOrders(ctx, tx, s, accountID, job); err != nil {
			return err
		}
		return d.advance(ctx, tx, s, accountID, job)
	})
}

func (d demoJob) seedOrders(ctx context.Context, tx database.Tx, s *Service, accountID int64, job Job) error {
	lines := make([]LineInput, 1+d.rng.IntN(3))
	for i := range lines {
		p := demoProducts[d.rng.IntN(len(demoProducts))]
		lines[i] = LineInput{ProductRef: p.ref, VariantRef: p.ref + "-" + demoSizes[i%len(demoSizes)], SKU: p.sku + "-" + demoSizes[i%len(demoSizes)],
			Description: p.name, Quantity: int64(12 * (1 + d.rng.IntN(8))), UnitPrice: p.price,
			Decoration: demoDecorations[d.rng.IntN(len(demoDecorations))]}
	}
	var subtotal int64
	for _, l := range lines {
		subtotal += l.Quantity * l.UnitPrice
	}
	card := []struct{ code, name string }{{"visa", "Visa"}, {"mastercard", "Mastercard"}, {"amex", "American Express"}}[d.n%3]
	c := d.contact
	ship := Address{Name: c.Name, Company: c.Company, Line1: c.Address.Line1, City: c.Address.City, State: c.Address.State,
		PostalCode: c.Address.PostalCode, Country: c.Address.Country, Phone: c.Phone}
	so := CreateSalesOrderParams{AccountID: accountID, JobID: job.ID, Lines: lines, CreatedAt: d.created.Add(time.Hour),
		Input: SalesOrderInput{Currency: "USD", Status: SOConfirmed, BillTo: ship, ShipTo: ship,
			CustomerInstructions: "Order link: https://shop.example.com/orders/" + strconv.Itoa(1000+d.n*7),
			CSRInstructions:      "Awaiting payment: invoice on net terms."}}
	if d.age > 14*24*time.Hour || d.n%3 != 0 {
		so.Input.CSRInstructions = fmt.Sprintf("Paid by %s: %s. Gift card: 0.00.", card.name, FormatAmount(subtotal, "USD"))
		so.Payments = []PaymentInput{{Amount: subtotal, PaidAt: d.created.Add(2 * time.Hour), PaymentType: "credit_card",
			CardType: card.code, Reference: fmt.Sprintf("ch_demo_%04d", d.n)}}
	}
	if _, err := s.createSalesOrder(ctx, tx, so, time.Time{}); err != nil {
		return err
	}
	if d.n%2 == 1 {
		return nil
	}
	poLines := make([]LineInput, len(lines))
	for i, l := range lines {
		l.UnitPrice = l.UnitPrice * 55 / 100 // cost
		poLines[i] = l
	}
	_, err := s.createPurchaseOrder(ctx, tx, CreatePurchaseOrderParams{AccountID: accountID, JobID: job.ID, Lines: poLines,
		CreatedAt: d.created.Add(26 * time.Hour), Input: PurchaseOrderInput{Supplier: demoSuppliers[d.n%len(demoSuppliers)],
			Currency: "USD", Status: POSent, ShipTo: ship, Instructions: "Ship blind; include the packing slip."}}, time.Time{})
	return err
}

// advance moves a job through its statuses as far as its age makes likely.
func (d demoJob) advance(ctx context.Context, tx database.Tx, s *Service, accountID int64, job Job) error {
	path := []JobStatus{JobOpen, JobInProduction, JobShipped, JobInvoiced, JobClosed}
	steps := min(len(path), int(d.age/(10*24*time.Hour)))
	if d.n%11 == 5 {
		path, steps = []JobStatus{JobCancelled}, 1
	}
	cur := job.Status
	for _, st := range path[:steps] {
		if !cur.CanMoveTo(st) {
			return fmt.Errorf("sample job %d: %s cannot become %s", d.n, cur, st)
		}
		if _, err := tx.Exec(ctx, sqlSetJobStatus, accountID, job.ID, st, s.now()); err != nil {
			return fmt.Errorf("moving sample job %d to %s: %w", d.n, st, err)
		}
		cur = st
	}
	return nil
}
