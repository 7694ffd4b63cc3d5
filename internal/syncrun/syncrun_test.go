package syncrun_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/syncrun"
)

type fixture struct {
	db   *database.DB
	svc  *syncrun.Service
	acc  int64
	acc2 int64
}

func newFixture(t *testing.T, db *database.DB, steps map[int]syncrun.Step) fixture {
	t.Helper()
	ctx := context.Background()
	workers := river.NewWorkers()
	jc, err := jobs.New(db, workers, jobs.Config{MaxWorkers: 4, JobTimeout: time.Minute, RescueStuckJobsAfter: 2 * time.Minute,
		FetchPollInterval: 20 * time.Millisecond, Retry: jobs.Backoff{Min: 5 * time.Millisecond, Max: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	svc := syncrun.NewService(syncrun.Config{DB: db, Jobs: jc, Steps: steps})
	svc.AddWorkers(workers)
	if err := jc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = jc.Stop(ctx)
	})
	accounts := account.NewService(db, nil)
	a, err := accounts.CreateAccount(ctx, "merchant")
	if err != nil {
		t.Fatal(err)
	}
	b, err := accounts.CreateAccount(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	return fixture{db: db, svc: svc, acc: a.ID, acc2: b.ID}
}

func (f fixture) wait(t *testing.T, accountID, id int64) syncrun.Run {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r, err := f.svc.Get(context.Background(), accountID, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == syncrun.StatusSucceeded || r.Status == syncrun.StatusFailed {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("sync run %d never finished", id)
	return syncrun.Run{}
}

// TestRunsTakeTheStepsInOrder: the steps run in the cycle's order whatever order they were asked
// in; a failed step is recorded with its reason and errors and the steps after it still run;
// the run is then failed.
func TestRunsTakeTheStepsInOrder(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		var mu sync.Mutex
		var order []int
		step := func(n int, fail bool) syncrun.Step {
			return syncrun.StepFunc(func(ctx context.Context, r *syncrun.StepRun) error {
				mu.Lock()
				order = append(order, n)
				mu.Unlock()
				r.Add("things", int64(n*10))
				r.Progress(int64(n), int64(n))
				if fail {
					r.Fail("order", "17", "/orders/17", "the back office refused it")
					return errors.New("1 order could not be sent")
				}
				return nil
			})
		}
		f := newFixture(t, db, map[int]syncrun.Step{1: step(1, false), 2: step(2, true), 3: step(3, false), 4: step(4, false)})
		run, err := f.svc.Start(context.Background(), syncrun.StartParams{AccountID: f.acc, Trigger: syncrun.TriggerCLI, Steps: []int{4, 2, 1, 3}})
		if err != nil {
			t.Fatal(err)
		}
		got := f.wait(t, f.acc, run.ID)
		if fmt.Sprint(order) != "[1 2 3 4]" {
			t.Errorf("steps ran in the order %v; want 1 2 3 4", order)
		}
		if got.Status != syncrun.StatusFailed || got.Trigger != syncrun.TriggerCLI || got.StartedAt == nil || got.FinishedAt == nil {
			t.Errorf("run %+v; want failed (a step failed), by the CLI, started and finished", got)
		}
		for _, st := range got.Steps {
			want := syncrun.StepSucceeded
			if st.Step == 2 {
				want = syncrun.StepFailed
			}
			if st.Status != want || st.Counts["things"] != int64(st.Step*10) || st.Done != int64(st.Step) || st.FinishedAt == nil {
				t.Errorf("step %+v; want %s with its counts and progress", st, want)
			}
			if st.Step == 2 && (st.Error != "1 order could not be sent" || st.ErrorCount != 1 || len(st.Errors) != 1 ||
				st.Errors[0].Link != "/orders/17" || st.Errors[0].ObjectID != "17") {
				t.Errorf("step 2 %+v; want its reason and the one error linking to the order", st)
			}
		}
	})
}

// TestOneRunPerAccount: a second start while a run is under way is refused naming it, and
// changes nothing; another account runs meanwhile; once the run ends the account may start
// again. Bad steps are refused naming the field.
func TestOneRunPerAccount(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		release := make(chan struct{})
		slow := syncrun.StepFunc(func(ctx context.Context, r *syncrun.StepRun) error {
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
			return nil
		})
		f := newFixture(t, db, map[int]syncrun.Step{1: slow, 2: slow, 3: slow, 4: slow})
		ctx := context.Background()
		first, err := f.svc.Start(ctx, syncrun.StartParams{AccountID: f.acc, Trigger: syncrun.TriggerManual})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Start(ctx, syncrun.StartParams{AccountID: f.acc, Trigger: syncrun.TriggerAPI, Steps: []int{1}})
		var se *syncrun.Error
		if !errors.As(err, &se) || !errors.Is(err, syncrun.ErrRunning) || se.RunID != first.ID {
			t.Fatalf("second start: %v; want ErrRunning naming run %d", err, first.ID)
		}
		if rs, err := f.svc.List(ctx, syncrun.ListParams{AccountID: f.acc}); err != nil || len(rs) != 1 {
			t.Fatalf("runs %d (%v); want the one (the refused start recorded nothing)", len(rs), err)
		}
		other, err := f.svc.Start(ctx, syncrun.StartParams{AccountID: f.acc2, Steps: []int{3}})
		if err != nil {
			t.Fatalf("another account's run: %v", err)
		}
		if _, err := f.svc.Get(ctx, f.acc, other.ID); !errors.Is(err, syncrun.ErrNotFound) {
			t.Errorf("the other account's run read by the first: %v; want not found", err)
		}
		for _, bad := range [][]int{{0}, {5}, {1, 1}} {
			_, err := f.svc.Start(ctx, syncrun.StartParams{AccountID: f.acc2 + 1000, Steps: bad})
			if !errors.As(err, &se) || se.Field != "steps" {
				t.Errorf("steps %v: %v; want an error naming steps", bad, err)
			}
		}
		close(release)
		f.wait(t, f.acc, first.ID)
		f.wait(t, f.acc2, other.ID)
		if _, err := f.svc.Start(ctx, syncrun.StartParams{AccountID: f.acc, Steps: []int{2}}); err != nil {
			t.Fatalf("a start after the run ended: %v", err)
		}
	})
}

// TestAResumedStepDoesNothingTwice: a step interrupted half-way (its job fails, as after a
// crash) resumes from its saved cursor with its saved counts: every unit of work is done once
// and counted once, and a step that had finished is not run again.
func TestAResumedStepDoesNothingTwice(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		var mu sync.Mutex
		done := map[int]int{}
		firstRuns := 0
		interrupted := false
		units := syncrun.StepFunc(func(ctx context.Context, r *syncrun.StepRun) error {
			start := 0
			if c := r.Cursor(); c != "" {
				start, _ = strconv.Atoi(c)
			}
			for i := start; i < 10; i++ {
				mu.Lock()
				if i == 5 && !interrupted {
					interrupted = true
					mu.Unlock()
					return syncrun.Retry(errors.New("the database went away"))
				}
				done[i]++
				mu.Unlock()
				r.Add("units", 1)
				r.Progress(int64(i+1), 10)
				if err := r.Save(ctx, strconv.Itoa(i+1), nil); err != nil {
					return syncrun.Retry(err)
				}
			}
			return nil
		})
		first := syncrun.StepFunc(func(ctx context.Context, r *syncrun.StepRun) error {
			mu.Lock()
			firstRuns++
			mu.Unlock()
			return nil
		})
		f := newFixture(t, db, map[int]syncrun.Step{1: first, 4: units})
		run, err := f.svc.Start(context.Background(), syncrun.StartParams{AccountID: f.acc, Steps: []int{1, 4}})
		if err != nil {
			t.Fatal(err)
		}
		got := f.wait(t, f.acc, run.ID)
		if got.Status != syncrun.StatusSucceeded {
			t.Fatalf("run %+v; want succeeded after resuming", got)
		}
		mu.Lock()
		defer mu.Unlock()
		if !interrupted || firstRuns != 1 {
			t.Errorf("interrupted %v, step 1 ran %d times; want interrupted once and step 1 run once", interrupted, firstRuns)
		}
		for i := range 10 {
			if done[i] != 1 {
				t.Errorf("unit %d done %d times; want once", i, done[i])
			}
		}
		if st := got.Steps[1]; st.Counts["units"] != 10 || st.Done != 10 || st.Total != 10 {
			t.Errorf("step 4 %+v; want 10 units counted once, 10 of 10", st)
		}
	})
}
