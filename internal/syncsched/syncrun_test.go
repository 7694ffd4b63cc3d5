package syncsched_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/syncrun"
	"github.com/storesync/storesync/internal/syncsched"
)

// scheduledRuns is the Starter the wiring gives the schedules: the sync run service, with its
// "already running" refusal turned into the running run's ID.
type scheduledRuns struct{ runs *syncrun.Service }

func (r scheduledRuns) StartScheduled(ctx context.Context, tx database.Tx, p syncsched.StartParams) (int64, int64, error) {
	id, err := r.runs.StartTx(ctx, tx, syncrun.StartParams{AccountID: p.AccountID, Trigger: syncrun.TriggerSchedule,
		Steps: p.Steps, ScheduleID: p.ScheduleID, Slot: p.Slot})
	if e, ok := errors.AsType[*syncrun.Error](err); ok && errors.Is(err, syncrun.ErrRunning) {
		return 0, e.RunID, nil
	}
	return id, 0, err
}

func runService(t *testing.T, db *database.DB, now func() time.Time) *syncrun.Service {
	t.Helper()
	jc, err := jobs.New(db, nil, jobs.Config{}) // insert-only: runs are recorded and enqueued, not worked
	if err != nil {
		t.Fatal(err)
	}
	return syncrun.NewService(syncrun.Config{DB: db, Jobs: jc, Now: now})
}

// With the real sync run service: two processes tick concurrently at each of 12 slots, several
// accounts with two schedules each; each account starts one run per slot (its other schedule's
// slot is skipped, naming that run), recorded with its schedule and slot; runs are finished
// between slots.
func TestTickWithSyncRuns(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, url string) {
		t.Parallel()
		ctx := context.Background()
		db1, db2 := dbtest.Open(t, url), dbtest.Open(t, url)
		clk := newClock(t0)
		svcs := []*syncsched.Service{
			syncsched.NewService(db1, scheduledRuns{runService(t, db1, clk.now)}, syncsched.Config{Now: clk.now}),
			syncsched.NewService(db2, scheduledRuns{runService(t, db2, clk.now)}, syncsched.Config{Now: clk.now}),
		}
		var accounts []int64
		for range 3 {
			acc := newAccount(t, db1)
			accounts = append(accounts, acc)
			for _, steps := range [][]int{{1, 2}, {3, 4}} {
				if _, err := svcs[0].Create(ctx, syncsched.CreateParams{AccountID: acc, Expression: "every 5 minutes", TimeZone: "Europe/Paris",
					Steps: steps, Enabled: true}); err != nil {
					t.Fatal(err)
				}
			}
		}
		const rounds = 12
		started := 0
		var mu sync.Mutex
		for r := range rounds {
			clk.set(time.Date(2026, 12, 2, 10, 5, 0, 0, time.UTC).Add(time.Duration(r) * 5 * time.Minute))
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					n, err := svcs[g%2].Tick(ctx)
					mu.Lock()
					defer mu.Unlock()
					started += n
					if err != nil {
						t.Errorf("round %d: %v", r, err)
					}
				})
			}
			wg.Wait()
			if _, err := db1.Exec(ctx, `UPDATE sync_runs SET status = 'succeeded' WHERE status IN ('queued', 'running')`); err != nil {
				t.Fatal(err)
			}
		}
		for _, acc := range accounts {
			var runs, slots int
			if err := db1.QueryRow(ctx, `SELECT count(*), count(DISTINCT slot_at) FROM sync_runs WHERE account_id = $1 AND trigger = 'schedule'
				AND schedule_id IS NOT NULL`, acc).Scan(&runs, &slots); err != nil {
				t.Fatal(err)
			}
			if runs != rounds || slots != rounds {
				t.Errorf("account %d: %d runs over %d slots; want one run for each of %d slots", acc, runs, slots, rounds)
			}
			l, err := svcs[1].List(ctx, acc)
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range l {
				if sc.LastResult == "" || sc.LastResult[:5] == "faile" {
					t.Errorf("schedule %d: last result %q", sc.ID, sc.LastResult)
				}
			}
			if a, b := l[0].LastResult, l[1].LastResult; a[:7] == b[:7] {
				t.Errorf("account %d's two schedules both say %q and %q; want one started, one skipped", acc, a, b)
			}
		}
		if started != rounds*len(accounts) {
			t.Errorf("%d started; want %d", started, rounds*len(accounts))
		}
	})
}
