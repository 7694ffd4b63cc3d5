package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// SaveParams are the fields of a store as a person gives them.
type SaveParams struct {
	AccountID   int64
	Name        string
	Platform    Platform
	BaseURL     string // empty: the platform's default for the credentials
	Credentials []byte // the platform's JSON
}

// prepare validates p and asks the platform about the credentials, returning the store to save.
func (s *Service) prepare(p SaveParams) (Store, Checked, error) {
	var errs []error
	name := strings.TrimSpace(p.Name)
	if name == "" || len(name) > 200 {
		errs = append(errs, fmt.Errorf("%w: name: give 1 to 200 characters", ErrInvalidInput))
	}
	var names []string
	for _, pi := range s.Platforms() {
		names = append(names, string(pi.Name))
	}
	var ck Checked
	if !slices.Contains(names, string(p.Platform)) {
		errs = append(errs, fmt.Errorf("%w: platform %q: use one of %s", ErrInvalidInput, truncate(string(p.Platform), 40), strings.Join(names, ", ")))
	} else {
		var err error
		if ck, err = s.platforms.Check(p.Platform, p.Credentials); err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrInvalidInput, err))
		}
	}
	base := strings.TrimRight(strings.TrimSpace(p.BaseURL), "/")
	if base == "" {
		base = ck.DefaultBaseURL
	}
	if u, err := url.Parse(base); base != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || len(base) > 2048) {
		errs = append(errs, fmt.Errorf("%w: base_url %q: want an http(s) URL with a host and nothing after the path", ErrInvalidInput, truncate(base, 80)))
	}
	if err := errors.Join(errs...); err != nil {
		return Store{}, Checked{}, err
	}
	return Store{AccountID: p.AccountID, Name: name, Platform: p.Platform, Address: ck.Address, BaseURL: base, Credentials: ck.Credentials}, ck, nil
}

// verify asks the platform who the store is with the new credentials, before anything is
// saved: wrong credentials or an address that may not be reached are ErrInvalidInput naming the
// field; a platform that does not answer is ErrUnverified.
func (s *Service) verify(ctx context.Context, st Store, ck Checked) error {
	st.ID = 0 // a candidate: not the client of a saved store
	c, err := s.platforms.Open(st)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	_, err = c.Shop(ctx)
	var perr *platform.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, httpclient.ErrForbiddenTarget):
		var te *httpclient.TargetError
		errors.As(err, &te)
		return fmt.Errorf("%w: base_url: %w", ErrInvalidInput, te)
	case errors.As(err, &perr) && (perr.Kind == platform.KindAuth || perr.Kind == platform.KindForbidden):
		return fmt.Errorf("%w: %s: the %s store refused it (%s)", ErrInvalidInput, ck.AuthField, st.Platform, perr.Kind)
	case errors.As(err, &perr) && perr.Kind == platform.KindNotFound:
		return fmt.Errorf("%w: %s %q: the %s platform does not know this store", ErrInvalidInput, ck.AddressField, st.Address, st.Platform)
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return fmt.Errorf("%w: %s: %w", ErrUnverified, st, err)
	}
}

func newStoreKey() string { return "store_" + strings.ToLower(rand.Text()[:20]) }

// Save adds a store to an account once its credentials are verified with its platform, or, when
// the account already has the store (same platform and address), updates its name, base URL and
// credentials and keeps its key. Nothing is saved when the platform refuses the credentials.
func (s *Service) Save(ctx context.Context, p SaveParams) (Store, error) {
	st, ck, err := s.prepare(p)
	if err != nil {
		return Store{}, err
	}
	if err := s.verify(ctx, st, ck); err != nil {
		return Store{}, err
	}
	sealed, err := s.sealer.Seal(st.Credentials)
	if err != nil {
		return Store{}, fmt.Errorf("saving store %s: %w", st, err)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	st.UpdatedAt = now
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO stores (account_id, name, platform, address, base_url, store_key,
				credentials, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
			ON CONFLICT (account_id, platform, address) DO UPDATE SET name = excluded.name,
				base_url = excluded.base_url, credentials = excluded.credentials, updated_at = excluded.updated_at
			RETURNING id, store_key, created_at`,
			st.AccountID, st.Name, string(st.Platform), st.Address, st.BaseURL, newStoreKey(), sealed, now).
			Scan(&st.ID, &st.Key, &st.CreatedAt); err != nil {
			return err
		}
		return s.saved(ctx, tx, st)
	})
	if database.IsForeignKeyViolation(err) {
		return Store{}, fmt.Errorf("%w: account %d does not exist", ErrInvalidInput, p.AccountID)
	}
	if err != nil {
		return Store{}, fmt.Errorf("saving store %s: %w", st, err)
	}
	return st, nil
}

func (s *Service) saved(ctx context.Context, tx database.Tx, st Store) error {
	for _, fn := range s.onSaved {
		if err := fn(ctx, tx, st); err != nil {
			return err
		}
	}
	return nil
}

// UpdateParams replace every field of one store (PUT): the credentials are given again, and
// verified again, before anything changes.
type UpdateParams struct {
	AccountID   int64
	ID          int64
	Name        string
	Platform    Platform
	BaseURL     string
	Credentials []byte
}

// Update replaces a store's name, base URL and credentials, keeping its id and key. Its
// platform cannot change; another store of the account with the same address is a conflict.
func (s *Service) Update(ctx context.Context, p UpdateParams) (Store, error) {
	cur, err := s.Get(ctx, GetParams{AccountID: p.AccountID, ID: p.ID})
	if err != nil {
		return Store{}, err
	}
	st, ck, err := s.prepare(SaveParams{AccountID: p.AccountID, Name: p.Name, Platform: p.Platform, BaseURL: p.BaseURL, Credentials: p.Credentials})
	if err != nil {
		return Store{}, err
	}
	if st.Platform != cur.Platform {
		return Store{}, fmt.Errorf("%w: platform: a %s store cannot become a %s store; add a new store instead", ErrInvalidInput, cur.Platform, st.Platform)
	}
	if err := s.verify(ctx, st, ck); err != nil {
		return Store{}, err
	}
	sealed, err := s.sealer.Seal(st.Credentials)
	if err != nil {
		return Store{}, fmt.Errorf("updating store %s: %w", st, err)
	}
	st.ID, st.Key, st.CreatedAt = cur.ID, cur.Key, cur.CreatedAt
	st.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE stores SET name = $1, address = $2, base_url = $3, credentials = $4, updated_at = $5
			WHERE account_id = $6 AND id = $7`, st.Name, st.Address, st.BaseURL, sealed, st.UpdatedAt, st.AccountID, st.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("store %d: %w", st.ID, database.ErrNotFound)
		}
		return s.saved(ctx, tx, st)
	})
	if database.IsUniqueViolation(err) {
		return Store{}, fmt.Errorf("%w: %s %q: another store of this account has it", ErrInvalidInput, ck.AddressField, st.Address)
	}
	if err != nil {
		return Store{}, fmt.Errorf("updating store %d: %w", p.ID, err)
	}
	return st, nil
}

// DeleteParams name the store to delete.
type DeleteParams = GetParams

// Deleted says what went with a deleted store.
type Deleted struct {
	ReceivedWebhooks int64 // the webhooks it had sent, deleted with it
}

// Delete removes a store and everything kept of it: the webhooks it sent go with it (the
// database cascades). Its platform is not told; subscriptions it holds there answer 404 from
// then on, and platforms drop them. A guard (GuardDelete) may refuse it: its error is returned
// unwrapped.
func (s *Service) Delete(ctx context.Context, p DeleteParams) (Deleted, error) {
	var d Deleted
	var refused error
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		for _, g := range s.guards {
			if err := g(ctx, tx, p); err != nil {
				refused = err
				return err
			}
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM inbound_webhooks WHERE account_id = $1 AND store_id = $2`,
			p.AccountID, p.ID).Scan(&d.ReceivedWebhooks); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `DELETE FROM stores WHERE account_id = $1 AND id = $2`, p.AccountID, p.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("store %d: %w", p.ID, database.ErrNotFound)
		}
		return nil
	})
	if refused != nil && errors.Is(err, refused) {
		return Deleted{}, refused
	}
	if err != nil {
		return Deleted{}, fmt.Errorf("deleting store %d: %w", p.ID, err)
	}
	return d, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Resealer re-encrypts one sealed (or plain-text) value under the current key, saying whether
// it changed (internal/secret's Box).
type Resealer interface {
	Reseal(s string) (string, bool, error)
}

// ResealTx re-encrypts every store's credentials with r's current key, in tx: at start, to
// encrypt what was kept in plain text before encryption existed; by `secrets rotate`, to move
// every value to a new key in the one transaction that also moves the other secrets.
func ResealTx(ctx context.Context, tx database.Tx, r Resealer) (int, error) {
	return database.RewriteColumn(ctx, tx, database.RewriteParams{Table: "stores", Column: "credentials", Rewrite: r.Reseal})
}
