package syncsched

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// Create validates and stores a new schedule; its next slot is the first after now. Bad input is
// a *ValidationError naming each field at fault, and nothing is stored.
func (s *Service) Create(ctx context.Context, p CreateParams) (Schedule, error) {
	in, err := validate(p.Expression, p.TimeZone, p.Steps)
	if err != nil {
		return Schedule{}, err
	}
	now := s.now()
	var out Schedule
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, sqlInsertSchedule, p.AccountID, in.expression, in.zone, in.steps, p.Enabled,
			nextSlot(in, p.Enabled, now), now).Scan(&id); err != nil {
			return err
		}
		out, err = get(ctx, tx, p.AccountID, id)
		return err
	})
	if err != nil {
		return Schedule{}, fmt.Errorf("creating sync schedule: %w", err)
	}
	return out, nil
}

// nextSlot is an enabled schedule's first slot after now, or nil (disabled, or none to come).
func nextSlot(in settings, enabled bool, now time.Time) *time.Time {
	if !enabled {
		return nil
	}
	t := in.expr.Next(now, in.loc)
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// List returns the account's schedules, oldest first.
func (s *Service) List(ctx context.Context, accountID int64) ([]Schedule, error) {
	rows, err := s.db.Query(ctx, sqlSelectSchedules+` WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("listing sync schedules: %w", err)
	}
	defer rows.Close()
	var out []Schedule
	for rows.Next() {
		sc, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("listing sync schedules: %w", err)
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing sync schedules: %w", err)
	}
	return out, nil
}

// Get returns one schedule of the account; another account's is not found (database.ErrNotFound).
func (s *Service) Get(ctx context.Context, accountID, id int64) (Schedule, error) {
	return get(ctx, s.db, accountID, id)
}

// Update replaces a schedule's settings. Its next slot is kept when the expression, zone and
// enabled state stay (a slot already due still starts); otherwise it is the first after now.
func (s *Service) Update(ctx context.Context, p UpdateParams) (Schedule, error) {
	in, err := validate(p.Expression, p.TimeZone, p.Steps)
	if err != nil {
		return Schedule{}, err
	}
	now := s.now()
	var out Schedule
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		cur, err := get(ctx, tx, p.AccountID, p.ID)
		if err != nil {
			return err
		}
		if p.IfVersion != 0 && p.IfVersion != cur.Version {
			return fmt.Errorf("sync schedule %d is at version %d, not %d: %w", p.ID, cur.Version, p.IfVersion, ErrStale)
		}
		next := cur.NextAt
		if !cur.Enabled || !p.Enabled || cur.Expression != in.expression || cur.TimeZone != in.zone || next == nil {
			next = nextSlot(in, p.Enabled, now)
		}
		n, err := tx.Exec(ctx, sqlUpdateSchedule, p.AccountID, p.ID, in.expression, in.zone, in.steps, p.Enabled, next, now, cur.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("sync schedule %d: %w", p.ID, ErrStale)
		}
		out, err = get(ctx, tx, p.AccountID, p.ID)
		return err
	})
	if err != nil {
		return Schedule{}, fmt.Errorf("updating sync schedule: %w", err)
	}
	return out, nil
}

// Delete removes a schedule of the account; another account's is not found.
func (s *Service) Delete(ctx context.Context, accountID, id int64) error {
	n, err := s.db.Exec(ctx, sqlDeleteSchedule, accountID, id)
	if err != nil {
		return fmt.Errorf("deleting sync schedule %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("sync schedule %d: %w", id, database.ErrNotFound)
	}
	return nil
}

// EnsureDefault gives the account the default schedule (DefaultExpression in UTC, every step)
// the first time it is called for an account that has no schedule. It is idempotent and safe to
// call concurrently: the account is marked as given its default in the same transaction, under a
// primary key, so one call creates it at most; an account whose schedules were all deleted by a
// person does not get the default back. It reports whether it created one.
func (s *Service) EnsureDefault(ctx context.Context, accountID int64) (bool, error) {
	in, err := validate(DefaultExpression, DefaultTimeZone, DefaultSteps)
	if err != nil {
		return false, err
	}
	now := s.now()
	created := false
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		created = false
		n, err := tx.Exec(ctx, sqlClaimDefault, accountID, now)
		if err != nil || n == 0 {
			return err
		}
		var count int64
		if err := tx.QueryRow(ctx, sqlCountSchedules, accountID).Scan(&count); err != nil {
			return err
		}
		if count > 0 {
			return nil
		}
		var id int64
		if err := tx.QueryRow(ctx, sqlInsertSchedule, accountID, in.expression, in.zone, in.steps, true,
			nextSlot(in, true, now), now).Scan(&id); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("ensuring the default sync schedule of account %d: %w", accountID, err)
	}
	return created, nil
}

func get(ctx context.Context, q database.Querier, accountID, id int64) (Schedule, error) {
	sc, err := scan(q.QueryRow(ctx, sqlSelectSchedules+` WHERE account_id = $1 AND id = $2`, accountID, id))
	if errors.Is(err, database.ErrNoRows) {
		return Schedule{}, fmt.Errorf("sync schedule %d: %w", id, database.ErrNotFound)
	}
	if err != nil {
		return Schedule{}, fmt.Errorf("reading sync schedule %d: %w", id, err)
	}
	return sc, nil
}

func scan(r database.Row) (Schedule, error) {
	var sc Schedule
	var steps string
	err := r.Scan(&sc.ID, &sc.AccountID, &sc.Expression, &sc.TimeZone, &steps, &sc.Enabled, &sc.NextAt, &sc.LastSlotAt,
		&sc.LastRunID, &sc.LastResult, &sc.CreatedAt, &sc.UpdatedAt, &sc.Version)
	sc.Steps = parseSteps(steps)
	return sc, err
}
