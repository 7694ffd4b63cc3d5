package backoffice

import (
	"context"
	"errors"
	"fmt"

	"github.com/storesync/storesync/internal/database"
)

// CreateOrderJobParams creates a job and its sales order together, as a store order arrives: the
// job's ExternalRef (for example "store 12 / order 1001") makes the call safe to repeat.
type CreateOrderJobParams struct {
	Job        CreateJobParams
	SalesOrder SalesOrderInput
	Lines      []LineInput
	Payments   []PaymentInput
}

// OrderJob is a job with the sales order it was created with.
type OrderJob struct {
	Job        Job
	SalesOrder SalesOrder
	// Existed is true when a job for the external reference was already there; nothing was written.
	Existed bool
}

// CreateOrderJob creates a job (pending) and its sales order with lines and payments in one
// transaction, so a store order becomes a whole job or nothing. When a job for p.Job.ExternalRef
// exists it returns that job and its first sales order with Existed set, so a retried push never
// makes a second job. A validation error names the field (primary_rep for an unknown rep email).
func (s *Service) CreateOrderJob(ctx context.Context, p CreateOrderJobParams) (OrderJob, error) {
	if p.Job.ExternalRef == "" {
		return OrderJob{}, invalid("external_ref", "", "is required to make the create safe to repeat")
	}
	if out, err := s.existingOrderJob(ctx, p.Job.AccountID, p.Job.ExternalRef); err == nil || !errors.Is(err, database.ErrNotFound) {
		return out, err
	}
	var out OrderJob
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var err error
		if out.Job, err = s.createJob(ctx, tx, p.Job); err != nil {
			return err
		}
		out.SalesOrder, err = s.createSalesOrder(ctx, tx, CreateSalesOrderParams{AccountID: p.Job.AccountID, JobID: out.Job.ID,
			Input: p.SalesOrder, Lines: p.Lines, Payments: p.Payments, CreatedAt: p.Job.CreatedAt}, s.visibleSince(true))
		return err
	})
	if errors.Is(err, ErrConflict) {
		// Another push of the same order won the race; answer with its job.
		return s.existingOrderJob(ctx, p.Job.AccountID, p.Job.ExternalRef)
	}
	if err != nil {
		return OrderJob{}, fmt.Errorf("creating job for %q: %w", p.Job.ExternalRef, err)
	}
	return out, nil
}

func (s *Service) existingOrderJob(ctx context.Context, accountID int64, ref string) (OrderJob, error) {
	j, err := s.JobByExternalRef(ctx, JobByExternalRefParams{AccountID: accountID, ExternalRef: ref})
	if err != nil {
		return OrderJob{}, err
	}
	out := OrderJob{Job: j, Existed: true}
	o, err := scanSalesOrder(s.db.QueryRow(ctx, sqlSelectSalesOrders+" WHERE o.account_id = $1 AND o.job_id = $2 ORDER BY o.id LIMIT 1",
		accountID, j.ID))
	if err != nil && !errors.Is(err, database.ErrNoRows) {
		return OrderJob{}, fmt.Errorf("reading the sales order of job %d: %w", j.ID, err)
	}
	out.SalesOrder = o
	return out, nil
}
