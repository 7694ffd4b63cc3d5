package backoffice

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// CreateJobParams creates a job of Kind in the account. The job gets the account's next number and
// starts Pending.
type CreateJobParams struct {
	AccountID int64
	Kind      Kind
	Input     JobInput
	// ExternalRef, when set, identifies where the job came from (a store order); a second create
	// with the same reference fails with ErrConflict, and JobByExternalRef finds the first.
	ExternalRef string
	// CreatedAt backdates the job (imports, demo data); zero means now.
	CreatedAt time.Time
}

// UpdateJobParams changes a job: see UpdateContactParams for Kind, IfVersion and Change. A status
// change must be an allowed transition.
type UpdateJobParams struct {
	AccountID int64
	ID        int64
	Kind      Kind
	IfVersion int64
	Change    func(*JobInput)
	// IncludeOld allows updating a job older than 13 months (the dashboard, imports); the Open API
	// never sets it.
	IncludeOld bool
}

// GetJobParams names one job. Jobs created more than 13 months ago are not found unless
// IncludeOld is set: the Open API never shows them, but they are kept.
type GetJobParams struct {
	AccountID  int64
	ID         int64
	IncludeOld bool
}

// SearchJobsParams filters jobs; zero fields do not filter. Filters combine with AND.
type SearchJobsParams struct {
	AccountID     int64
	Kind          Kind
	Status        JobStatus
	ContactID     int64
	ClientGroupID string
	StoreID       string
	ExternalRef   string
	CreatedFrom   time.Time // inclusive
	CreatedTo     time.Time // exclusive
	Page          int
	IncludeOld    bool
}

// JobByExternalRefParams finds the job created for an external reference.
type JobByExternalRefParams struct {
	AccountID   int64
	ExternalRef string
}

// CreateJob validates and stores a new job.
func (s *Service) CreateJob(ctx context.Context, p CreateJobParams) (Job, error) {
	var out Job
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var err error
		out, err = s.createJob(ctx, tx, p)
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("creating job: %w", err)
	}
	return out, nil
}

func (s *Service) createJob(ctx context.Context, tx database.Tx, p CreateJobParams) (Job, error) {
	if !p.Kind.Valid() {
		return Job{}, invalid("kind", p.Kind, "must be dropship or store")
	}
	in := p.Input
	if in.Status == "" {
		in.Status = JobPending
	}
	if in.Status != JobPending {
		return Job{}, invalid("status", in.Status, "a new job starts %s", JobPending)
	}
	reps, err := validateJob(ctx, tx, p.AccountID, p.Kind, &in)
	if err != nil {
		return Job{}, err
	}
	created := p.CreatedAt
	if created.IsZero() {
		created = s.now()
	}
	var number, id int64
	if err := tx.QueryRow(ctx, sqlNextJobNumber, p.AccountID).Scan(&number); err != nil {
		return Job{}, fmt.Errorf("taking a job number: %w", err)
	}
	ref := sql.Null[string]{V: p.ExternalRef, Valid: p.ExternalRef != ""}
	err = tx.QueryRow(ctx, sqlInsertJob, p.AccountID, number, p.Kind, in.Status, in.Description, in.ContactID,
		reps[0], reps[1], reps[2], in.CommissionCode, in.ProductIndex, in.StoreID, ref, created).Scan(&id)
	if database.IsUniqueViolation(err) && ref.Valid {
		return Job{}, fmt.Errorf("a job for %q exists: %w", p.ExternalRef, ErrConflict)
	}
	if err != nil {
		return Job{}, fmt.Errorf("inserting job: %w", err)
	}
	return getJob(ctx, tx, p.AccountID, id, time.Time{})
}

// UpdateJob applies p.Change to a visible job, checks the result and stores it in one transaction.
func (s *Service) UpdateJob(ctx context.Context, p UpdateJobParams) (Job, error) {
	var out Job
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var err error
		out, err = s.updateJob(ctx, tx, p)
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("updating job: %w", err)
	}
	return out, nil
}

func (s *Service) updateJob(ctx context.Context, tx database.Tx, p UpdateJobParams) (Job, error) {
	cur, err := getJob(ctx, tx, p.AccountID, p.ID, s.visibleSince(p.IncludeOld))
	if err != nil {
		return Job{}, err
	}
	if p.Kind != "" && cur.Kind != p.Kind {
		return Job{}, fmt.Errorf("job %d is a %s job, not %s: %w", p.ID, cur.Kind, p.Kind, ErrConflict)
	}
	if p.IfVersion != 0 && p.IfVersion != cur.Version {
		return Job{}, fmt.Errorf("job %d is at version %d, not %d: %w", p.ID, cur.Version, p.IfVersion, ErrStale)
	}
	in := cur.JobInput
	if p.Change != nil {
		p.Change(&in)
	}
	if !in.Status.Valid() {
		return Job{}, invalid("status", in.Status, "must be one of %s", joinStatuses(JobStatuses))
	}
	if !cur.Status.CanMoveTo(in.Status) {
		return Job{}, invalid("status", in.Status, "a %s job cannot become %s", cur.Status, in.Status)
	}
	reps, err := validateJob(ctx, tx, p.AccountID, cur.Kind, &in)
	if err != nil {
		return Job{}, err
	}
	n, err := tx.Exec(ctx, sqlUpdateJob, p.AccountID, p.ID, in.Status, in.Description, in.ContactID,
		reps[0], reps[1], reps[2], in.CommissionCode, in.ProductIndex, in.StoreID, s.now(), cur.Version)
	if err != nil {
		return Job{}, fmt.Errorf("updating job %d: %w", p.ID, err)
	}
	if n == 0 {
		return Job{}, fmt.Errorf("job %d: %w", p.ID, ErrStale)
	}
	if in.Status == JobCancelled && cur.Status != JobCancelled {
		// A cancelled job gives back the stock its sales orders hold (stock_orders.go).
		if err := s.releaseJob(ctx, tx, p.AccountID, p.ID); err != nil {
			return Job{}, err
		}
	}
	return getJob(ctx, tx, p.AccountID, p.ID, time.Time{})
}

// GetJob returns one job of the account.
func (s *Service) GetJob(ctx context.Context, p GetJobParams) (Job, error) {
	return getJob(ctx, s.db, p.AccountID, p.ID, s.visibleSince(p.IncludeOld))
}

// JobByExternalRef returns the job created for an external reference, whatever its age.
func (s *Service) JobByExternalRef(ctx context.Context, p JobByExternalRefParams) (Job, error) {
	j, err := scanJob(s.db.QueryRow(ctx, sqlSelectJobs+" WHERE j.account_id = $1 AND j.external_ref = $2",
		p.AccountID, p.ExternalRef))
	if errors.Is(err, database.ErrNoRows) {
		return Job{}, fmt.Errorf("job for %q: %w", p.ExternalRef, database.ErrNotFound)
	}
	if err != nil {
		return Job{}, fmt.Errorf("reading job for %q: %w", p.ExternalRef, err)
	}
	return j, nil
}

// SearchJobs returns one page of the account's matching jobs, ordered by job number.
func (s *Service) SearchJobs(ctx context.Context, p SearchJobsParams) (Page[Job], error) {
	var f filter
	f.add("j.account_id = ?", p.AccountID)
	f.add("j.created_at >= ?", s.visibleSince(p.IncludeOld))
	f.addIf(p.Kind != "", "j.kind = ?", p.Kind)
	f.addIf(p.Status != "", "j.status = ?", p.Status)
	f.addIf(p.ContactID != 0, "j.contact_id = ?", p.ContactID)
	f.addIf(p.ClientGroupID != "", "c.client_group_id = ?", p.ClientGroupID)
	f.addIf(p.StoreID != "", "j.store_id = ?", p.StoreID)
	f.addIf(p.ExternalRef != "", "j.external_ref = ?", p.ExternalRef)
	f.addIf(!p.CreatedFrom.IsZero(), "j.created_at >= ?", p.CreatedFrom)
	f.addIf(!p.CreatedTo.IsZero(), "j.created_at < ?", p.CreatedTo)
	page, offset := pageOffset(p.Page)
	out := Page[Job]{Page: page}
	if err := s.db.QueryRow(ctx, sqlCountJobs+f.where(), f.args...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("counting jobs: %w", err)
	}
	limit, args := f.page(offset)
	rows, err := s.db.Query(ctx, sqlSelectJobs+f.where()+" ORDER BY j.number"+limit, args...)
	if err != nil {
		return out, fmt.Errorf("searching jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return out, fmt.Errorf("searching jobs: %w", err)
		}
		out.Items = append(out.Items, j)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("searching jobs: %w", err)
	}
	return out, nil
}

// getJob reads a job created at or after since.
func getJob(ctx context.Context, q database.Querier, accountID, id int64, since time.Time) (Job, error) {
	j, err := scanJob(q.QueryRow(ctx, sqlSelectJobs+" WHERE j.account_id = $1 AND j.id = $2 AND j.created_at >= $3",
		accountID, id, since))
	if errors.Is(err, database.ErrNoRows) {
		return Job{}, notFound("job", id)
	}
	if err != nil {
		return Job{}, fmt.Errorf("reading job %d: %w", id, err)
	}
	return j, nil
}

func scanJob(r database.Row) (Job, error) {
	var j Job
	err := r.Scan(&j.ID, &j.Number, &j.Kind, &j.Status, &j.Description, &j.ContactID, &j.ClientGroupID,
		&j.PrimaryRep, &j.SecondaryRep, &j.CSR, &j.CommissionCode, &j.ProductIndex, &j.StoreID,
		&j.ExternalRef, &j.Version, &j.CreatedAt, &j.UpdatedAt)
	return j, err
}

// validateJob normalises in, checks it, and resolves the reps' emails to user IDs (nil when unset).
func validateJob(ctx context.Context, q database.Querier, accountID int64, kind Kind, in *JobInput) ([3]*int64, error) {
	var reps [3]*int64
	in.StoreID = strings.TrimSpace(in.StoreID)
	in.Description = strings.TrimSpace(in.Description)
	if kind == KindStore && in.StoreID == "" {
		return reps, invalid("store_id", in.StoreID, "is required for a store job")
	}
	if in.ContactID <= 0 {
		return reps, invalid("contact_id", in.ContactID, "is required")
	}
	var contactKind Kind
	err := q.QueryRow(ctx, sqlContactKind, accountID, in.ContactID).Scan(&contactKind)
	if errors.Is(err, database.ErrNoRows) {
		return reps, invalid("contact_id", in.ContactID, "is not a contact of this account")
	}
	if err != nil {
		return reps, fmt.Errorf("looking up contact %d: %w", in.ContactID, err)
	}
	for i, r := range []struct {
		field    string
		email    *string
		required bool
	}{{"primary_rep", &in.PrimaryRep, true}, {"secondary_rep", &in.SecondaryRep, false}, {"csr", &in.CSR, false}} {
		*r.email = strings.ToLower(strings.TrimSpace(*r.email))
		if *r.email == "" {
			if r.required {
				return reps, invalid(r.field, "", "is required: the email of a user of the account")
			}
			continue
		}
		var id int64
		err := q.QueryRow(ctx, sqlUserByEmail, accountID, *r.email).Scan(&id)
		if errors.Is(err, database.ErrNoRows) {
			return reps, invalid(r.field, *r.email, "is not the email of a user of this account")
		}
		if err != nil {
			return reps, fmt.Errorf("looking up %s: %w", r.field, err)
		}
		reps[i] = &id
	}
	if err := checkListCode(ctx, q, accountID, ListCommissionCodes, "commission_code", in.CommissionCode); err != nil {
		return reps, err
	}
	return reps, checkListCode(ctx, q, accountID, ListProductIndices, "product_index", in.ProductIndex)
}

func joinStatuses[S ~string](ss []S) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}
