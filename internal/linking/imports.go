package linking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
)

// Run kinds and states.
const (
	KindImport = "import"
	KindMap    = "map"

	RunQueued    = "queued"
	RunRunning   = "running"
	RunCompleted = "completed"
	RunFailed    = "failed"
)

// MaxImportIDs bounds the product ids of one import request; more are imported with all.
const MaxImportIDs = 10_000

// maxRunErrors bounds the errors a run keeps; the failed count goes on.
const maxRunErrors = 100

// RunError is why one product of a run failed.
type RunError struct {
	SourceProductID string `json:"source_product_id"`
	Message         string `json:"message"`
}

// Run is an import or map of a connection, with its progress.
type Run struct {
	ID           int64
	ConnectionID int64
	Kind         string
	All          bool
	Requested    int64
	Done         int64
	Failed       int64
	State        string
	Errors       []RunError
	CreatedAt    time.Time
	FinishedAt   *time.Time

	productIDs []string
	cursor     string
	pageDone   int64
}

const runColumns = `id, connection_id, kind, all_products, product_ids, requested, done, failed, state, errors,
	page_cursor, page_done, created_at, finished_at`

func scanRun(row database.Row) (Run, error) {
	var r Run
	var ids, errs string
	if err := row.Scan(&r.ID, &r.ConnectionID, &r.Kind, &r.All, &ids, &r.Requested, &r.Done, &r.Failed, &r.State, &errs,
		&r.cursor, &r.pageDone, &r.CreatedAt, &r.FinishedAt); err != nil {
		return Run{}, err
	}
	if err := json.Unmarshal([]byte(ids), &r.productIDs); err != nil {
		return Run{}, fmt.Errorf("run %d: its product ids: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(errs), &r.Errors); err != nil {
		return Run{}, fmt.Errorf("run %d: its errors: %w", r.ID, err)
	}
	return r, nil
}

func getRun(ctx context.Context, q database.Querier, connectionID, id int64) (Run, error) {
	r, err := scanRun(q.QueryRow(ctx, `SELECT `+runColumns+` FROM imports WHERE id = $1 AND connection_id = $2`, id, connectionID))
	if errors.Is(err, database.ErrNoRows) {
		return Run{}, refuse(connection.ErrNotFound, "", fmt.Sprintf("no import %d on connection %d", id, connectionID))
	}
	if err != nil {
		return Run{}, fmt.Errorf("reading import %d: %w", id, err)
	}
	return r, nil
}

// ImportParams start an import: ProductIDs, or All the source's products.
type ImportParams struct {
	AccountID    int64
	ConnectionID int64
	ProductIDs   []string
	All          bool
}

// ImportArgs is the job of one step of an import: a page of products.
type ImportArgs struct {
	RunID     int64 `json:"run_id"`
	AccountID int64 `json:"account_id"` // the destination's account, to read the connection
	Step      int64 `json:"step"`       // steps of one run differ, so each is its own job
}

// Kind implements river.JobArgs.
func (ImportArgs) Kind() string { return "linking.import" }

// InsertOpts makes one job per step, so a step inserted twice runs once.
func (ImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// StartImport records an import run and enqueues its first step, in one transaction. An import
// into a connection that is not connected is refused (409), and bad input names its field.
func (s *Service) StartImport(ctx context.Context, p ImportParams) (Run, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return Run{}, err
	}
	ids, err := checkIDs(p)
	if err != nil {
		return Run{}, err
	}
	if err := syncing(c); err != nil {
		return Run{}, err
	}
	return s.startRun(ctx, c, KindImport, p.All, ids, func(tx database.Tx, id int64) error {
		return s.jobs.Insert(ctx, tx, ImportArgs{RunID: id, AccountID: p.AccountID}, nil)
	})
}

func checkIDs(p ImportParams) ([]string, error) {
	switch {
	case p.All && len(p.ProductIDs) > 0:
		return nil, refuse(connection.ErrInvalid, "source_product_ids", "give source_product_ids or all, not both")
	case !p.All && len(p.ProductIDs) == 0:
		return nil, refuse(connection.ErrInvalid, "source_product_ids", "give the source products to import, or all: true")
	case len(p.ProductIDs) > MaxImportIDs:
		return nil, refuse(connection.ErrInvalid, "source_product_ids", fmt.Sprintf("at most %d products a request; import every product with all: true", MaxImportIDs))
	}
	seen := make(map[string]bool, len(p.ProductIDs))
	ids := make([]string, 0, len(p.ProductIDs))
	for _, id := range p.ProductIDs {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > 200 {
			return nil, refuse(connection.ErrInvalid, "source_product_ids", "a source product id is empty or too long")
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *Service) startRun(ctx context.Context, c connection.Connection, kind string, all bool, ids []string, enqueue func(database.Tx, int64) error) (Run, error) {
	if ids == nil {
		ids = []string{}
	}
	raw, err := json.Marshal(ids)
	if err != nil {
		return Run{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var r Run
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO imports (connection_id, kind, all_products, product_ids, requested, state, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.ID, kind, all, string(raw), len(ids), RunQueued, now).Scan(&id); err != nil {
			return fmt.Errorf("recording the %s: %w", kind, err)
		}
		if err := enqueue(tx, id); err != nil {
			return err
		}
		r, err = getRun(ctx, tx, c.ID, id)
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("starting the %s of connection %d: %w", kind, c.ID, err)
	}
	return r, nil
}

// RunParams name one run of a connection.
type RunParams struct {
	AccountID    int64
	ConnectionID int64
	ID           int64
}

// GetRun returns an import or map run with its progress.
func (s *Service) GetRun(ctx context.Context, p RunParams) (Run, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return Run{}, err
	}
	return getRun(ctx, s.db, c.ID, p.ID)
}

// ListRunsParams select the latest runs of a connection.
type ListRunsParams struct {
	AccountID    int64
	ConnectionID int64
	Limit        int
}

// ListRuns returns the connection's latest runs, newest first.
func (s *Service) ListRuns(ctx context.Context, p ListRunsParams) ([]Run, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+runColumns+` FROM imports WHERE connection_id = $1 ORDER BY id DESC LIMIT $2`, c.ID, max(1, p.Limit))
	if err != nil {
		return nil, fmt.Errorf("reading the runs of connection %d: %w", c.ID, err)
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

// finishRun ends a run in tx.
func finishRun(ctx context.Context, tx database.Tx, id int64, state string, at time.Time, failure *RunError) error {
	if failure != nil {
		if err := addRunError(ctx, tx, id, *failure, false); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `UPDATE imports SET state = $1, finished_at = $2 WHERE id = $3`, state, at.UTC(), id)
	if err != nil {
		return fmt.Errorf("finishing run %d: %w", id, err)
	}
	return nil
}

// addRunError records one product's failure (counted when counted is true), keeping at most
// maxRunErrors messages.
func addRunError(ctx context.Context, tx database.Tx, id int64, e RunError, counted bool) error {
	var raw string
	if err := tx.QueryRow(ctx, `SELECT errors FROM imports WHERE id = $1`, id).Scan(&raw); err != nil {
		return fmt.Errorf("reading run %d: %w", id, err)
	}
	var errs []RunError
	if err := json.Unmarshal([]byte(raw), &errs); err != nil {
		return fmt.Errorf("run %d: its errors: %w", id, err)
	}
	if len(errs) < maxRunErrors {
		if len(e.Message) > 500 {
			e.Message = e.Message[:500]
		}
		errs = append(errs, e)
	}
	b, err := json.Marshal(errs)
	if err != nil {
		return err
	}
	inc := 0
	if counted {
		inc = 1
	}
	_, err = tx.Exec(ctx, `UPDATE imports SET errors = $1, failed = failed + $2 WHERE id = $3`, string(b), inc, id)
	return err
}
