package syncsched_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/syncsched"
)

// fakeRuns is a Starter that keeps its runs in a table of the test database, written in the
// tick's transaction. The table is unique on (schedule, slot): a slot started twice, by any
// process, breaks the constraint, and the fake counts it as a double start. Its runs are done at
// once, or left running (so the next slot is skipped) when leaveRunning is set.
type fakeRuns struct {
	leaveRunning atomic.Bool
	fail         atomic.Bool
	mu           sync.Mutex
	doubles      int
	calls        int
}

// createRunsTable adds the fake's table to a test database.
func createRunsTable(t *testing.T, db *database.DB) {
	t.Helper()
	id, ts := "INTEGER PRIMARY KEY AUTOINCREMENT", "TIMESTAMP"
	if db.Dialect() == database.Postgres {
		id, ts = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ"
	}
	_, err := db.Exec(context.Background(), `CREATE TABLE IF NOT EXISTS test_runs (id `+id+`, account_id BIGINT NOT NULL,
		schedule_id BIGINT NOT NULL, slot `+ts+` NOT NULL, steps TEXT NOT NULL, state TEXT NOT NULL, UNIQUE (schedule_id, slot))`)
	if err != nil {
		t.Fatal(err)
	}
}

var errRefused = errors.New("the run was refused")

func (f *fakeRuns) StartScheduled(ctx context.Context, tx database.Tx, p syncsched.StartParams) (int64, int64, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.fail.Load() {
		return 0, 0, errRefused
	}
	var running int64
	err := tx.QueryRow(ctx, `SELECT id FROM test_runs WHERE account_id = $1 AND state = 'running' ORDER BY id LIMIT 1`, p.AccountID).Scan(&running)
	if err == nil {
		return 0, running, nil
	}
	if !errors.Is(err, database.ErrNoRows) {
		return 0, 0, err
	}
	state := "done"
	if f.leaveRunning.Load() {
		state = "running"
	}
	parts := make([]string, 0, len(p.Steps))
	for _, s := range p.Steps {
		parts = append(parts, strconv.Itoa(s))
	}
	steps := strings.Join(parts, ",")
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO test_runs (account_id, schedule_id, slot, steps, state) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		p.AccountID, p.ScheduleID, p.Slot, steps, state).Scan(&id)
	if database.IsUniqueViolation(err) {
		f.mu.Lock()
		f.doubles++
		f.mu.Unlock()
	}
	return id, 0, err
}

func (f *fakeRuns) doubleStarts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.doubles
}

// clock is a fake clock shared by the services of a test.
type clock struct{ ns atomic.Int64 }

func newClock(at time.Time) *clock {
	c := &clock{}
	c.set(at)
	return c
}

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(at time.Time)    { c.ns.Store(at.UnixNano()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

// newAccount adds an account as a row.
func newAccount(t *testing.T, db *database.DB) int64 {
	t.Helper()
	var id int64
	err := db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id`, dbtest.Name("acc"), time.Now().UTC()).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// runsOf counts the fake's runs per schedule.
func runsOf(t *testing.T, db *database.DB) map[int64]int {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT schedule_id, count(*) FROM test_runs GROUP BY schedule_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
