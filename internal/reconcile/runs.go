package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
)

// StartParams ask for a run of a connection, by its destination's account.
type StartParams struct {
	AccountID    int64
	ConnectionID int64
	Full         bool
	Trigger      Trigger
}

// Start records a run and enqueues its job in one transaction. A connection with a run queued
// or running gets that run back, not a second one (a scheduled run and a person's click do not
// pile up). Only the destination's account reconciles its connection (the source's is
// refused), and only a connection that syncs (409).
func (s *Service) Start(ctx context.Context, p StartParams) (Run, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return Run{}, err
	}
	if !c.Syncs() {
		return Run{}, &connection.Error{Kind: connection.ErrConflict,
			Message: fmt.Sprintf("connection %d is %s: it is reconciled once it is connected again", c.ID, c.State)}
	}
	if p.Trigger == "" {
		p.Trigger = TriggerDemand
	}
	var run Run
	err = s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		run, err = s.startTx(ctx, tx, p)
		return err
	})
	return run, err
}

func (s *Service) startTx(ctx context.Context, tx database.Tx, p StartParams) (Run, error) {
	active, err := scanRun(tx.QueryRow(ctx, `SELECT `+runColumns+` FROM reconciliations
		WHERE account_id = $1 AND connection_id = $2 AND state IN ('queued', 'running') ORDER BY id LIMIT 1`,
		p.AccountID, p.ConnectionID))
	if err == nil {
		return active, nil
	}
	if !errors.Is(err, database.ErrNoRows) {
		return Run{}, fmt.Errorf("reading the active reconciliation of connection %d: %w", p.ConnectionID, err)
	}
	kind := KindIncremental
	if p.Full {
		kind = KindFull
	}
	// The cursor: products changed since the last finished run began reading (its creation;
	// a change during that run is read again, never missed). A full pass reads everything.
	var since any
	if kind == KindIncremental {
		var last time.Time
		err := tx.QueryRow(ctx, `SELECT created_at FROM reconciliations WHERE connection_id = $1 AND state = 'done'
			ORDER BY id DESC LIMIT 1`, p.ConnectionID).Scan(&last)
		if err != nil && !errors.Is(err, database.ErrNoRows) {
			return Run{}, fmt.Errorf("reading the last reconciliation of connection %d: %w", p.ConnectionID, err)
		}
		if err == nil {
			since = last.UTC()
		}
	}
	now := s.now()
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO reconciliations (account_id, connection_id, kind, trigger, state, since, created_at)
		VALUES ($1, $2, $3, $4, 'queued', $5, $6) RETURNING id`, p.AccountID, p.ConnectionID, kind, p.Trigger, since, now).Scan(&id); err != nil {
		return Run{}, fmt.Errorf("recording a reconciliation of connection %d: %w", p.ConnectionID, err)
	}
	if err := s.cfg.Jobs.Insert(ctx, tx, RunArgs{AccountID: p.AccountID, RunID: id}, nil); err != nil {
		return Run{}, err
	}
	return scanRun(tx.QueryRow(ctx, `SELECT `+runColumns+` FROM reconciliations WHERE id = $1`, id))
}

// destination reads the connection as the account sees it, refusing its source's account.
func (s *Service) destination(ctx context.Context, accountID, id int64) (connection.Connection, error) {
	c, err := s.cfg.Connections.Get(ctx, connection.GetParams{AccountID: accountID, ID: id})
	if err != nil {
		return connection.Connection{}, err
	}
	if r := c.RoleOf(accountID); r != connection.RoleDestination && r != connection.RoleBoth {
		return connection.Connection{}, &connection.Error{Kind: connection.ErrForbidden,
			Message: "only the destination store's account reconciles a connection"}
	}
	return c, nil
}

// RunsParams list a connection's runs, newest first.
type RunsParams struct {
	AccountID    int64
	ConnectionID int64
	Limit        int // 0: 20; at most 100
}

// Runs lists the connection's latest runs.
func (s *Service) Runs(ctx context.Context, p RunsParams) ([]Run, error) {
	if _, err := s.destination(ctx, p.AccountID, p.ConnectionID); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		p.Limit = 20
	}
	p.Limit = min(p.Limit, 100)
	rows, err := s.cfg.DB.Query(ctx, `SELECT `+runColumns+` FROM reconciliations WHERE account_id = $1 AND connection_id = $2
		ORDER BY id DESC LIMIT $3`, p.AccountID, p.ConnectionID, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("listing the reconciliations of connection %d: %w", p.ConnectionID, err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetParams name one run of an account.
type GetParams struct {
	AccountID int64
	ID        int64
}

// Get reads one run of the account.
func (s *Service) Get(ctx context.Context, p GetParams) (Run, error) {
	r, err := scanRun(s.cfg.DB.QueryRow(ctx, `SELECT `+runColumns+` FROM reconciliations WHERE account_id = $1 AND id = $2`,
		p.AccountID, p.ID))
	if errors.Is(err, database.ErrNoRows) {
		return Run{}, &connection.Error{Kind: connection.ErrNotFound, Message: fmt.Sprintf("reconciliation %d not found", p.ID)}
	}
	return r, err
}

// DriftsParams list a run's drifts, in the order found, a page after AfterID.
type DriftsParams struct {
	AccountID int64
	RunID     int64
	AfterID   int64
	Limit     int // 0: 100; at most 1000
}

// Drifts lists what the run found wrong and fixed.
func (s *Service) Drifts(ctx context.Context, p DriftsParams) ([]Drift, error) {
	if _, err := s.Get(ctx, GetParams{AccountID: p.AccountID, ID: p.RunID}); err != nil {
		return nil, err
	}
	if p.Limit <= 0 {
		p.Limit = 100
	}
	p.Limit = min(p.Limit, 1000)
	rows, err := s.cfg.DB.Query(ctx, `SELECT id, reconciliation_id, connection_id, link_id, side, attribute, item_id,
			expected, found, fixed_at
		FROM reconciliation_drifts WHERE account_id = $1 AND reconciliation_id = $2 AND id > $3 ORDER BY id LIMIT $4`,
		p.AccountID, p.RunID, p.AfterID, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("listing the drifts of reconciliation %d: %w", p.RunID, err)
	}
	defer rows.Close()
	var out []Drift
	for rows.Next() {
		var d Drift
		if err := rows.Scan(&d.ID, &d.RunID, &d.ConnectionID, &d.LinkID, &d.Side, &d.Attribute, &d.ItemID, &d.Expected,
			&d.Found, &d.FixedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
