package backoffice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// Helpers shared by the storage of several objects.

// visibleJob checks that the job exists in the account and was created at or after since.
func visibleJob(ctx context.Context, q database.Querier, accountID, jobID int64, since time.Time) error {
	var id int64
	err := q.QueryRow(ctx, sqlVisibleJob, accountID, jobID, since).Scan(&id)
	if errors.Is(err, database.ErrNoRows) {
		return notFound("job", jobID)
	}
	if err != nil {
		return fmt.Errorf("reading job %d: %w", jobID, err)
	}
	return nil
}

// listUnderJob pages through rows of table that belong to a visible job.
func listUnderJob[T any](ctx context.Context, s *Service, p ListOrdersParams, table, prefix, selectSQL string,
	scan func(database.Row) (T, error)) (Page[T], error) {
	page, offset := pageOffset(p.Page)
	out := Page[T]{Page: page}
	if err := visibleJob(ctx, s.db, p.AccountID, p.JobID, s.visibleSince(false)); err != nil {
		return out, err
	}
	var f filter
	f.add(prefix+"account_id = ?", p.AccountID)
	f.add(prefix+"job_id = ?", p.JobID)
	return collectPage(ctx, s.db, out, "SELECT count(*) FROM "+table+f.where(), selectSQL+f.where()+" ORDER BY "+prefix+"id", f, offset, scan)
}

// collectPage counts the matches and reads one page of them.
func collectPage[T any](ctx context.Context, q database.Querier, out Page[T], countSQL, selectSQL string, f filter, offset int,
	scan func(database.Row) (T, error)) (Page[T], error) {
	if err := q.QueryRow(ctx, countSQL, f.args...).Scan(&out.Total); err != nil {
		return out, fmt.Errorf("counting: %w", err)
	}
	limit, args := f.page(offset)
	rows, err := q.Query(ctx, selectSQL+limit, args...)
	if err != nil {
		return out, fmt.Errorf("listing: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return out, fmt.Errorf("listing: %w", err)
		}
		out.Items = append(out.Items, v)
	}
	return out, rows.Err()
}

// addressesJSON encodes addresses for their JSON columns, in the order given.
func addressesJSON(as ...Address) ([]string, error) {
	out := make([]string, len(as))
	for i, a := range as {
		b, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encoding an address: %w", err)
		}
		out[i] = string(b)
	}
	return out, nil
}

func parseAddress(s string, a *Address) error {
	if err := json.Unmarshal([]byte(s), a); err != nil {
		return fmt.Errorf("reading address: %w", err)
	}
	return nil
}
