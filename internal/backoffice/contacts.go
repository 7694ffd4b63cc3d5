package backoffice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// CreateContactParams creates a contact of Kind in the account.
type CreateContactParams struct {
	AccountID int64
	Kind      Kind
	Input     ContactInput
	// CreatedAt backdates the contact (imports, demo data); zero means now.
	CreatedAt time.Time
}

// UpdateContactParams changes a contact. Change edits a copy of the current values; Kind, when set,
// must be the contact's kind (each kind has its own endpoint); IfVersion, when not zero, must be
// the contact's current version.
type UpdateContactParams struct {
	AccountID int64
	ID        int64
	Kind      Kind
	IfVersion int64
	Change    func(*ContactInput)
}

// GetContactParams names one contact of an account.
type GetContactParams struct {
	AccountID int64
	ID        int64
}

// SearchContactsParams filters contacts; zero fields do not filter. Filters combine with AND.
type SearchContactsParams struct {
	AccountID     int64
	Kind          Kind
	Type          ContactType
	ClientGroupID string
	StoreID       string
	Email         string
	State         string
	CreatedFrom   time.Time // inclusive
	CreatedTo     time.Time // exclusive
	Page          int
}

// CreateContact validates and stores a new contact.
func (s *Service) CreateContact(ctx context.Context, p CreateContactParams) (Contact, error) {
	if !p.Kind.Valid() {
		return Contact{}, invalid("kind", p.Kind, "must be dropship or store")
	}
	if p.Input.Type == "" {
		p.Input.Type = ContactClient
	}
	created := p.CreatedAt
	if created.IsZero() {
		created = s.now()
	}
	var out Contact
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		in := p.Input
		if err := validateContact(ctx, tx, p.AccountID, p.Kind, &in); err != nil {
			return err
		}
		var id int64
		a := in.Address
		if err := tx.QueryRow(ctx, sqlInsertContact, p.AccountID, p.Kind, in.Type, in.Name, in.Company,
			in.Email, in.Phone, a.Line1, a.Line2, a.City, a.State, a.PostalCode, a.Country, in.ClientGroupID,
			in.StoreID, in.PaymentTerms, created).Scan(&id); err != nil {
			return fmt.Errorf("inserting contact: %w", err)
		}
		var err error
		out, err = getContact(ctx, tx, p.AccountID, id)
		return err
	})
	if err != nil {
		return Contact{}, fmt.Errorf("creating contact: %w", err)
	}
	return out, nil
}

// UpdateContact applies p.Change to a contact, checks the result and stores it, all in one
// transaction.
func (s *Service) UpdateContact(ctx context.Context, p UpdateContactParams) (Contact, error) {
	var out Contact
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		cur, err := getContact(ctx, tx, p.AccountID, p.ID)
		if err != nil {
			return err
		}
		if p.Kind != "" && cur.Kind != p.Kind {
			return fmt.Errorf("contact %d is a %s contact, not %s: %w", p.ID, cur.Kind, p.Kind, ErrConflict)
		}
		if p.IfVersion != 0 && p.IfVersion != cur.Version {
			return fmt.Errorf("contact %d is at version %d, not %d: %w", p.ID, cur.Version, p.IfVersion, ErrStale)
		}
		in := cur.ContactInput
		if p.Change != nil {
			p.Change(&in)
		}
		if err := validateContact(ctx, tx, p.AccountID, cur.Kind, &in); err != nil {
			return err
		}
		a := in.Address
		n, err := tx.Exec(ctx, sqlUpdateContact, p.AccountID, p.ID, in.Type, in.Name, in.Company, in.Email,
			in.Phone, a.Line1, a.Line2, a.City, a.State, a.PostalCode, a.Country, in.ClientGroupID, in.StoreID,
			in.PaymentTerms, s.now(), cur.Version)
		if err != nil {
			return fmt.Errorf("updating contact %d: %w", p.ID, err)
		}
		if n == 0 {
			return fmt.Errorf("contact %d: %w", p.ID, ErrStale)
		}
		out, err = getContact(ctx, tx, p.AccountID, p.ID)
		return err
	})
	if err != nil {
		return Contact{}, fmt.Errorf("updating contact: %w", err)
	}
	return out, nil
}

// GetContact returns one contact of the account.
func (s *Service) GetContact(ctx context.Context, p GetContactParams) (Contact, error) {
	return getContact(ctx, s.db, p.AccountID, p.ID)
}

// SearchContacts returns one page of the account's matching contacts, ordered by id.
func (s *Service) SearchContacts(ctx context.Context, p SearchContactsParams) (Page[Contact], error) {
	var f filter
	f.add("account_id = ?", p.AccountID)
	f.addIf(p.Kind != "", "kind = ?", p.Kind)
	f.addIf(p.Type != "", "type = ?", p.Type)
	f.addIf(p.ClientGroupID != "", "client_group_id = ?", p.ClientGroupID)
	f.addIf(p.StoreID != "", "store_id = ?", p.StoreID)
	f.addIf(p.Email != "", "email = ?", strings.ToLower(strings.TrimSpace(p.Email)))
	f.addIf(p.State != "", "state = ?", p.State)
	f.addIf(!p.CreatedFrom.IsZero(), "created_at >= ?", p.CreatedFrom)
	f.addIf(!p.CreatedTo.IsZero(), "created_at < ?", p.CreatedTo)
	page, offset := pageOffset(p.Page)
	out := Page[Contact]{Page: page}
	if err := s.db.QueryRow(ctx, "SELECT count(*) FROM bo_contacts"+f.where(), f.args...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("counting contacts: %w", err)
	}
	limit, args := f.page(offset)
	rows, err := s.db.Query(ctx, sqlSelectContacts+f.where()+" ORDER BY id"+limit, args...)
	if err != nil {
		return out, fmt.Errorf("searching contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return out, fmt.Errorf("searching contacts: %w", err)
		}
		out.Items = append(out.Items, c)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("searching contacts: %w", err)
	}
	return out, nil
}

func getContact(ctx context.Context, q database.Querier, accountID, id int64) (Contact, error) {
	c, err := scanContact(q.QueryRow(ctx, sqlSelectContacts+" WHERE account_id = $1 AND id = $2", accountID, id))
	if errors.Is(err, database.ErrNoRows) {
		return Contact{}, notFound("contact", id)
	}
	if err != nil {
		return Contact{}, fmt.Errorf("reading contact %d: %w", id, err)
	}
	return c, nil
}

func scanContact(r database.Row) (Contact, error) {
	var c Contact
	a := &c.Address
	err := r.Scan(&c.ID, &c.Kind, &c.Type, &c.Name, &c.Company, &c.Email, &c.Phone, &a.Line1, &a.Line2,
		&a.City, &a.State, &a.PostalCode, &a.Country, &c.ClientGroupID, &c.StoreID, &c.PaymentTerms,
		&c.Version, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

// validateContact normalises in and checks it against the rules and the account's lists.
func validateContact(ctx context.Context, q database.Querier, accountID int64, kind Kind, in *ContactInput) error {
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.StoreID = strings.TrimSpace(in.StoreID)
	switch {
	case !in.Type.Valid():
		return invalid("type", in.Type, "must be client or prospect")
	case in.Name == "":
		return invalid("name", in.Name, "is required")
	case kind == KindStore && in.StoreID == "":
		return invalid("store_id", in.StoreID, "is required for a store contact")
	}
	if in.Email != "" && !IsEmail(in.Email) {
		return invalid("email", in.Email, "is not an email address")
	}
	in.Address.Country = strings.ToUpper(strings.TrimSpace(in.Address.Country))
	if in.Address.Country != "" && !IsCountry(in.Address.Country) {
		return invalid("address.country", in.Address.Country, "must be an ISO 3166-1 alpha-2 country code")
	}
	return checkListCode(ctx, q, accountID, ListPaymentTerms, "payment_terms", in.PaymentTerms)
}

// checkListCode checks that code, when set, is in the account's list.
func checkListCode(ctx context.Context, q database.Querier, accountID int64, list ListName, field, code string) error {
	if code == "" {
		return nil
	}
	var n int
	if err := q.QueryRow(ctx, sqlListItemExists, accountID, list, code).Scan(&n); err != nil {
		return fmt.Errorf("looking up %s %q: %w", list, code, err)
	}
	if n == 0 {
		return invalid(field, code, "is not in the account's %s", strings.ReplaceAll(string(list), "_", " "))
	}
	return nil
}
