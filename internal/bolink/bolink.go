// Package bolink keeps each store's back-office link (where the store's orders go as jobs with
// sales orders: the account's own back office, or an external one over the Open API v2 by URL
// and key) and carries every kept order of a store with an enabled link into that back office:
// a job (pending) and its sales order, once, whatever is retried or restarted, then the order's
// later changes (a cancellation, a payment captured later, an edit). Each order's back-office
// status (pending, sent with the job number, failed with the reason) is kept with it and goes on
// its timeline; a person retries a failed send.
//
// Platform-neutral: the store is a platform.OrderReader, the back office a platform.BackOffice.
package bolink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Targets of a link.
const (
	TargetBuiltIn  = "built_in" // the account's own back office
	TargetExternal = "external" // another back office speaking the Open API v2
)

// Job types of a link, the back office's kinds of jobs and contacts.
const (
	JobDropship = string(platform.BackOfficeDropship)
	JobStore    = string(platform.BackOfficeStore)
)

// Settings are the job settings of a link: what every job made from the store's orders gets.
type Settings struct {
	BusinessName string // the job's description: business name + the store's order number
	PrimaryRep   string // emails of users of the back office
	SecondaryRep string
	CSR          string
	JobType      string // dropship or store
	StoreID      string // the back office's store ID, for store jobs
	OneContact   bool   // every job to the contact of ContactEmail
	ContactEmail string
	// LogoProperty and LocationProperty name the order line properties that carry a line's logo
	// and its location ("" for the defaults, Logo and Location).
	LogoProperty     string
	LocationProperty string
}

// Link is a store's back-office link. The API key is never returned: APIKeyHint shows its end.
type Link struct {
	StoreID     int64
	AccountID   int64
	Target      string
	BaseURL     string
	HasAPIKey   bool
	APIKeyHint  string
	Settings    Settings
	Enabled     bool
	VerifiedAt  *time.Time
	VerifyError string
	EnabledAt   *time.Time
	SendFrom    *time.Time // orders placed before are not sent
	Version     int64
	UpdatedAt   time.Time
}

// Complete reports what the settings still lack for the link to be enabled ("" when nothing).
func (s Settings) missing() string {
	switch {
	case s.BusinessName == "":
		return "business_name"
	case s.PrimaryRep == "":
		return "primary_rep"
	case s.JobType == JobStore && s.StoreID == "":
		return "store_id"
	case s.OneContact && s.ContactEmail == "":
		return "contact_email"
	}
	return ""
}

// ErrInvalid is what every *Error of bad input matches with errors.Is.
var ErrInvalid = errors.New("invalid")

// Error is bad input: Field names it (its JSON name), Message says what to give.
type Error struct {
	Field   string
	Message string
	Value   any
}

func (e *Error) Error() string { return e.Field + ": " + e.Message }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Targets opens the back office a link names.
type Targets interface {
	// BuiltIn is the account's own back office.
	BuiltIn(accountID int64) platform.BackOffice
	// External is a back office reached over the Open API v2 at baseURL with the key; a URL the
	// operator does not allow (not HTTPS, a private address) is refused here.
	External(baseURL, apiKey string) (platform.BackOffice, error)
}

// Sealer encrypts the external key at rest (internal/secret's Box).
type Sealer interface {
	Seal(plain []byte) (string, error)
	Open(sealed string) ([]byte, error)
}

// Stores reads a store of an account and opens its platform client (*store.Service).
type Stores interface {
	Get(ctx context.Context, p store.GetParams) (store.Store, error)
	Client(st store.Store) (platform.Store, error)
}

// Decorations resolves the decoration of an order line (internal/decoration's, adapted by the
// wiring): design name, location, method and decoration supplier, with notes on what could not
// be resolved.
type Decorations interface {
	Resolve(ctx context.Context, q database.Querier, storeID int64, line platform.OrderLine, logoProperty, locationProperty string) (LineDecoration, error)
}

// LineDecoration is what a line's decoration resolved to.
type LineDecoration struct {
	DesignName, Location, Method, Supplier string
	ProductSupplier                        string
	Notes                                  []string
}

// Config tunes a Service.
type Config struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Decorations, when set, fills each sales order line's decoration.
	Decorations Decorations
	// Rewind, when set, makes the store's order poll read again from a time (orders' Rewind):
	// a start moved earlier then also reaches the orders the hub never kept.
	Rewind func(ctx context.Context, tx database.Tx, storeID int64, since time.Time) error
}

// Service keeps back-office links and sends orders.
type Service struct {
	db      *database.DB
	jobs    *jobs.Client
	stores  Stores
	targets Targets
	sealer  Sealer
	cfg     Config
}

// NewService returns a Service.
func NewService(db *database.DB, jc *jobs.Client, stores Stores, targets Targets, sealer Sealer, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, jobs: jc, stores: stores, targets: targets, sealer: sealer, cfg: cfg}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// AddWorkers registers the jobs of this package.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &sendWorker{s: s})
	river.AddWorker(w, &backfillWorker{s: s})
}

const linkColumns = `store_id, account_id, target, base_url, api_key_sealed, api_key_hint, business_name, primary_rep,
	secondary_rep, csr, job_type, bo_store_id, one_contact, contact_email, logo_property, location_property, enabled,
	verified_at, verify_error, enabled_at, send_from, version, updated_at`

type linkRow struct {
	Link
	sealed string
}

func scanLink(row interface{ Scan(dest ...any) error }) (linkRow, error) {
	var l linkRow
	err := row.Scan(&l.StoreID, &l.AccountID, &l.Target, &l.BaseURL, &l.sealed, &l.APIKeyHint, &l.Settings.BusinessName,
		&l.Settings.PrimaryRep, &l.Settings.SecondaryRep, &l.Settings.CSR, &l.Settings.JobType, &l.Settings.StoreID,
		&l.Settings.OneContact, &l.Settings.ContactEmail, &l.Settings.LogoProperty, &l.Settings.LocationProperty, &l.Enabled,
		&l.VerifiedAt, &l.VerifyError, &l.EnabledAt, &l.SendFrom, &l.Version, &l.UpdatedAt)
	l.HasAPIKey = l.sealed != ""
	return l, err
}

// Get returns the store's link; a store without one has the default (built in, not enabled).
func (s *Service) Get(ctx context.Context, accountID, storeID int64) (Link, error) {
	l, err := s.get(ctx, s.db, accountID, storeID)
	return l.Link, err
}

func (s *Service) get(ctx context.Context, q database.Querier, accountID, storeID int64) (linkRow, error) {
	if _, err := s.stores.Get(ctx, store.GetParams{AccountID: accountID, ID: storeID}); err != nil {
		return linkRow{}, err
	}
	l, err := scanLink(q.QueryRow(ctx, `SELECT `+linkColumns+` FROM backoffice_links WHERE store_id = $1 AND account_id = $2`, storeID, accountID))
	if errors.Is(err, database.ErrNoRows) {
		return linkRow{Link: Link{StoreID: storeID, AccountID: accountID, Target: TargetBuiltIn,
			Settings: Settings{JobType: JobDropship}}}, nil
	}
	if err != nil {
		return linkRow{}, fmt.Errorf("reading the back-office link of store %d: %w", storeID, err)
	}
	return l, nil
}

// PutParams change a store's link. APIKey nil keeps the key; Enabled nil enables the link when
// it is verified and its settings complete, false disables it, true asks for it to be enabled
// (refused, naming what is missing, when it cannot be). SendFrom moves the start: orders placed
// from then on are sent, those already kept included.
type PutParams struct {
	AccountID int64
	StoreID   int64
	Target    string
	BaseURL   string
	APIKey    *string
	Settings  Settings
	Enabled   *bool
	SendFrom  *time.Time
}

// Put saves a store's link after checking its settings against the target: every rep a user of
// the back office, the one contact a contact of it. A change of target, URL or key clears the
// verification (and disables the link until verified again). Bad input is an *Error naming the
// field, and changes nothing.
func (s *Service) Put(ctx context.Context, p PutParams) (Link, error) {
	cur, err := s.get(ctx, s.db, p.AccountID, p.StoreID)
	if err != nil {
		return Link{}, err
	}
	next, key, err := s.next(cur, p)
	if err != nil {
		return Link{}, err
	}
	if next.Target != cur.Target || next.BaseURL != cur.BaseURL || p.APIKey != nil {
		next.VerifiedAt, next.VerifyError, next.Enabled = nil, "", false
	}
	target, err := s.target(next.Link, key)
	if err != nil {
		return Link{}, err
	}
	if err := s.checkSettings(ctx, target, next.Settings); err != nil {
		return Link{}, err
	}
	if err := s.enable(&next, p.Enabled); err != nil {
		return Link{}, err
	}
	if p.SendFrom != nil {
		t := p.SendFrom.UTC().Truncate(time.Microsecond)
		next.SendFrom = &t
	}
	if err := s.save(ctx, cur, next, p.SendFrom != nil); err != nil {
		return Link{}, err
	}
	return s.Get(ctx, p.AccountID, p.StoreID)
}

// next is the link p asks for, with the key to reach it ("" for the built-in target).
func (s *Service) next(cur linkRow, p PutParams) (linkRow, string, error) {
	next := cur
	next.Target = p.Target
	if next.Target == "" {
		next.Target = TargetBuiltIn
	}
	set := p.Settings
	set.PrimaryRep, set.SecondaryRep, set.CSR = lower(set.PrimaryRep), lower(set.SecondaryRep), lower(set.CSR)
	set.ContactEmail = lower(set.ContactEmail)
	set.BusinessName, set.StoreID = strings.TrimSpace(set.BusinessName), strings.TrimSpace(set.StoreID)
	set.LogoProperty, set.LocationProperty = strings.TrimSpace(set.LogoProperty), strings.TrimSpace(set.LocationProperty)
	if set.JobType == "" {
		set.JobType = JobDropship
	}
	next.Settings = set
	switch next.Target {
	case TargetBuiltIn:
		next.BaseURL, next.sealed, next.APIKeyHint = "", "", ""
		if p.BaseURL != "" {
			return linkRow{}, "", &Error{Field: "base_url", Message: "the built-in back office has no URL: leave base_url empty or choose the external target", Value: p.BaseURL}
		}
	case TargetExternal:
		u, err := url.Parse(strings.TrimSpace(p.BaseURL))
		if err != nil || u.Host == "" {
			return linkRow{}, "", &Error{Field: "base_url", Message: "give the back office's address, e.g. https://backoffice.example.com", Value: p.BaseURL}
		}
		if u.Scheme != "https" {
			return linkRow{}, "", &Error{Field: "base_url", Message: "the back office must be reached over HTTPS", Value: p.BaseURL}
		}
		next.BaseURL = strings.TrimRight(u.String(), "/")
	default:
		return linkRow{}, "", &Error{Field: "target", Message: "use built_in or external", Value: p.Target}
	}
	switch set.JobType {
	case JobDropship, JobStore:
	default:
		return linkRow{}, "", &Error{Field: "job_type", Message: "use dropship or store", Value: set.JobType}
	}
	if set.JobType == JobStore && set.StoreID == "" {
		return linkRow{}, "", &Error{Field: "store_id", Message: "a store job needs the back office's store ID"}
	}
	for _, f := range []struct{ name, v string }{{"primary_rep", set.PrimaryRep}, {"secondary_rep", set.SecondaryRep},
		{"csr", set.CSR}, {"contact_email", set.ContactEmail}} {
		if f.v != "" && !validEmail(f.v) {
			return linkRow{}, "", &Error{Field: f.name, Message: "give an email address", Value: f.v}
		}
	}
	if set.OneContact && set.ContactEmail == "" {
		return linkRow{}, "", &Error{Field: "contact_email", Message: "assigning all jobs to one contact needs the contact's email"}
	}
	if len(set.BusinessName) > 200 {
		return linkRow{}, "", &Error{Field: "business_name", Message: "at most 200 characters"}
	}
	key := ""
	if next.Target == TargetExternal {
		switch {
		case p.APIKey != nil:
			key = strings.TrimSpace(*p.APIKey)
			if key == "" {
				return linkRow{}, "", &Error{Field: "api_key", Message: "give the back office's v2 API key"}
			}
			sealed, err := s.sealer.Seal([]byte(key))
			if err != nil {
				return linkRow{}, "", fmt.Errorf("sealing the back office's key: %w", err)
			}
			next.sealed, next.APIKeyHint = sealed, hint(key)
		case cur.Target == TargetExternal && cur.sealed != "":
			plain, err := s.sealer.Open(cur.sealed)
			if err != nil {
				return linkRow{}, "", fmt.Errorf("opening the back office's key: %w", err)
			}
			key = string(plain)
		default:
			return linkRow{}, "", &Error{Field: "api_key", Message: "an external back office needs its v2 API key"}
		}
	}
	next.HasAPIKey = next.sealed != ""
	return next, key, nil
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// hint is what is shown of a key: its last four characters.
func hint(key string) string {
	if len(key) <= 4 {
		return "…"
	}
	return "…" + key[len(key)-4:]
}

func (s *Service) target(l Link, key string) (platform.BackOffice, error) {
	if l.Target == TargetBuiltIn {
		return s.targets.BuiltIn(l.AccountID), nil
	}
	t, err := s.targets.External(l.BaseURL, key)
	if err != nil {
		return nil, &Error{Field: "base_url", Message: err.Error(), Value: l.BaseURL}
	}
	return t, nil
}

// checkSettings checks the settings against the back office: the reps are its users, the one
// contact is its contact. A back office that cannot be read leaves the check to the verify (and
// to each order, which fails visibly).
func (s *Service) checkSettings(ctx context.Context, t platform.BackOffice, set Settings) error {
	if set.PrimaryRep == "" && set.SecondaryRep == "" && set.CSR == "" && !set.OneContact {
		return nil
	}
	users, err := t.Users(ctx)
	if err != nil {
		return nil //nolint:nilerr // unreachable now: Verify says why, and each order checks again
	}
	if field, msg := repProblem(users, set); field != "" {
		return &Error{Field: field, Message: msg}
	}
	if set.OneContact {
		if _, ok, err := t.FindContact(ctx, platform.BackOfficeKind(set.JobType), set.ContactEmail); err == nil && !ok {
			return &Error{Field: "contact_email", Message: fmt.Sprintf("the back office has no %s contact with this email", set.JobType), Value: set.ContactEmail}
		}
	}
	return nil
}

// repProblem names the first rep that is not a user of the back office.
func repProblem(users []string, set Settings) (field, message string) {
	for _, f := range []struct{ name, v string }{{"primary_rep", set.PrimaryRep}, {"secondary_rep", set.SecondaryRep}, {"csr", set.CSR}} {
		if f.v != "" && !slices.Contains(users, f.v) {
			return f.name, f.v + " is not a user of the back office"
		}
	}
	return "", ""
}

// enable decides the link's state: want nil enables when possible, false disables, true must.
func (s *Service) enable(l *linkRow, want *bool) error {
	can := l.VerifiedAt != nil && l.VerifyError == "" && l.Settings.missing() == ""
	switch {
	case want != nil && !*want:
		l.Enabled = false
	case want != nil && *want && !can:
		msg := "verify the connection first"
		if l.VerifiedAt != nil && l.VerifyError == "" {
			msg = "fill " + l.Settings.missing() + " first"
		}
		return &Error{Field: "enabled", Message: "the link cannot be enabled yet: " + msg}
	default:
		l.Enabled = can && (want != nil || l.Enabled || l.EnabledAt == nil)
	}
	if l.Enabled && l.EnabledAt == nil {
		now := s.now()
		l.EnabledAt = &now
	}
	if l.Enabled && l.SendFrom == nil {
		l.SendFrom = l.EnabledAt
	}
	return nil
}

func (s *Service) save(ctx context.Context, cur, next linkRow, sendFromChanged bool) error {
	now := s.now()
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		set := next.Settings
		_, err := tx.Exec(ctx, `INSERT INTO backoffice_links (store_id, account_id, target, base_url, api_key_sealed, api_key_hint,
				business_name, primary_rep, secondary_rep, csr, job_type, bo_store_id, one_contact, contact_email, logo_property,
				location_property, enabled, verified_at, verify_error, enabled_at, send_from, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1, $22, $22)
			ON CONFLICT (store_id) DO UPDATE SET target = excluded.target, base_url = excluded.base_url,
				api_key_sealed = excluded.api_key_sealed, api_key_hint = excluded.api_key_hint, business_name = excluded.business_name,
				primary_rep = excluded.primary_rep, secondary_rep = excluded.secondary_rep, csr = excluded.csr,
				job_type = excluded.job_type, bo_store_id = excluded.bo_store_id, one_contact = excluded.one_contact,
				contact_email = excluded.contact_email, logo_property = excluded.logo_property,
				location_property = excluded.location_property, enabled = excluded.enabled, verified_at = excluded.verified_at,
				verify_error = excluded.verify_error, enabled_at = excluded.enabled_at, send_from = excluded.send_from,
				version = backoffice_links.version + 1, updated_at = excluded.updated_at`,
			next.StoreID, next.AccountID, next.Target, next.BaseURL, next.sealed, next.APIKeyHint, set.BusinessName, set.PrimaryRep,
			set.SecondaryRep, set.CSR, set.JobType, set.StoreID, set.OneContact, set.ContactEmail, set.LogoProperty,
			set.LocationProperty, next.Enabled, next.VerifiedAt, next.VerifyError, next.EnabledAt, next.SendFrom, now)
		if err != nil {
			return fmt.Errorf("saving the back-office link of store %d: %w", next.StoreID, err)
		}
		if next.Enabled && (!cur.Enabled || sendFromChanged) {
			return s.startSending(ctx, tx, next.Link)
		}
		return nil
	})
}

// Verify reads the link's back office with its key and records the outcome: unreachable, a bad
// key, a read-only key, or verified (which enables the link when its settings are complete).
func (s *Service) Verify(ctx context.Context, accountID, storeID int64) (Link, error) {
	cur, err := s.get(ctx, s.db, accountID, storeID)
	if err != nil {
		return Link{}, err
	}
	key := ""
	if cur.Target == TargetExternal {
		if cur.sealed == "" {
			return Link{}, &Error{Field: "api_key", Message: "an external back office needs its v2 API key: save it first"}
		}
		plain, err := s.sealer.Open(cur.sealed)
		if err != nil {
			return Link{}, fmt.Errorf("opening the back office's key: %w", err)
		}
		key = string(plain)
	}
	next := cur
	now := s.now()
	next.VerifiedAt, next.VerifyError = &now, ""
	t, err := s.target(cur.Link, key)
	if err == nil {
		var id platform.BackOfficeIdentity
		id, err = t.Verify(ctx)
		if err == nil && !id.CanWrite {
			err = errors.New("the key is read-only: give a key that may write (read_write)")
		}
	}
	if err != nil {
		next.VerifiedAt, next.VerifyError, next.Enabled = nil, verifyProblem(err), false
	} else if err := s.enable(&next, nil); err != nil {
		return Link{}, err
	}
	if err := s.save(ctx, cur, next, false); err != nil {
		return Link{}, err
	}
	return s.Get(ctx, accountID, storeID)
}

// verifyProblem says in a person's words why the back office could not be verified.
func verifyProblem(err error) string {
	var perr *platform.Error
	var ve *Error
	switch {
	case errors.As(err, &ve):
		return ve.Message
	case errors.As(err, &perr):
		switch perr.Kind {
		case platform.KindAuth:
			return "the back office refused the key: check it, or make a new one"
		case platform.KindForbidden:
			return "the key may not do this: give a read_write key"
		case platform.KindUnavailable, platform.KindRateLimited:
			return "the back office could not be reached: " + perr.Error()
		case platform.KindNotFound:
			return "no Open API v2 at this address: check base_url"
		case platform.KindInvalidInput, platform.KindConflict, platform.KindInternal, platform.KindOutcomeUnknown:
		}
		return perr.Error()
	}
	return err.Error()
}

// KeepsOrders implements orders.Keeper: a store with an enabled link has its orders kept, from
// its start.
func (s *Service) KeepsOrders(ctx context.Context, q database.Querier, storeID int64) (time.Time, bool, error) {
	var from *time.Time
	err := q.QueryRow(ctx, `SELECT send_from FROM backoffice_links WHERE store_id = $1 AND enabled`, storeID).Scan(&from)
	if errors.Is(err, database.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading the back-office link of store %d: %w", storeID, err)
	}
	if from == nil {
		return time.Time{}, true, nil
	}
	return *from, true, nil
}

// StoresKeepingOrders implements orders.Keeper.
func (s *Service) StoresKeepingOrders(ctx context.Context, q database.Querier) ([]int64, error) {
	return database.Int64s(q.Query(ctx, `SELECT store_id FROM backoffice_links WHERE enabled ORDER BY store_id`))
}

// ExternalStock returns the stock of the external back office the store's enabled link names,
// for the sync cycle to read its quantities out to the store; nil when the store's back office
// is the account's own (no link, a disabled one, or the built-in target).
func (s *Service) ExternalStock(ctx context.Context, accountID, storeID int64) (platform.BackOfficeStock, error) {
	l, err := s.get(ctx, s.db, accountID, storeID)
	if err != nil || l.Target != TargetExternal || !l.Enabled {
		return nil, err
	}
	plain, err := s.sealer.Open(l.sealed)
	if err != nil {
		return nil, fmt.Errorf("opening the back office's key: %w", err)
	}
	t, err := s.target(l.Link, string(plain))
	if err != nil {
		return nil, err
	}
	st, ok := t.(platform.BackOfficeStock)
	if !ok {
		return nil, &Error{Field: "base_url", Message: "this back office does not share its stock", Value: l.BaseURL}
	}
	return st, nil
}
