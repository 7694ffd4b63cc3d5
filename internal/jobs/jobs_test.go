package jobs_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
)

type countArgs struct {
	N int `json:"n"`
}

func (countArgs) Kind() string { return "test_count" }

// counter is a worker that records how many times each job ran, and fails the first failFirst
// attempts of every job.
type counter struct {
	river.WorkerDefaults[countArgs]
	mu        sync.Mutex
	runs      map[int]int
	failFirst int
	sleep     time.Duration
}

func (w *counter) Work(ctx context.Context, job *river.Job[countArgs]) error {
	if w.sleep > 0 {
		select {
		case <-time.After(w.sleep):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.runs[job.Args.N]++
	if job.Attempt <= w.failFirst {
		return errors.New("failing on purpose")
	}
	return nil
}

func (w *counter) snapshot() map[int]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[int]int, len(w.runs))
	maps.Copy(out, w.runs)
	return out
}

func testConfig() jobs.Config {
	return jobs.Config{
		MaxWorkers:           4,
		JobTimeout:           5 * time.Second,
		RescueStuckJobsAfter: 10 * time.Second,
		FetchPollInterval:    20 * time.Millisecond,
		Retry:                jobs.Backoff{Min: 10 * time.Millisecond, Max: 40 * time.Millisecond},
	}
}

func startClient(t *testing.T, db *database.DB, w *counter) *jobs.Client {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	c, err := jobs.New(db, workers, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stopping: %v", err)
		}
	})
	return c
}

// waitCompleted waits until n jobs are completed and none is left in another state.
func waitCompleted(t *testing.T, c *jobs.Client, n int64) map[string]int64 {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		counts, err := c.CountByState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var others int64
		for s, k := range counts {
			if s != "completed" {
				others += k
			}
		}
		if counts["completed"] == n && others == 0 {
			return counts
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs by state = %v; want %d completed and nothing else", counts, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestJobsCommittedWithTheTransactionRunOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		w := &counter{runs: map[int]int{}}
		c := startClient(t, db, w)
		ctx := context.Background()
		err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if err := c.Insert(ctx, tx, countArgs{N: 1}, nil); err != nil {
				return err
			}
			var params []river.InsertManyParams
			for n := 2; n <= 10; n++ {
				params = append(params, river.InsertManyParams{Args: countArgs{N: n}})
			}
			return c.InsertMany(ctx, tx, params)
		})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("rolled back")
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if err := c.Insert(ctx, tx, countArgs{N: 99}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want the rollback error", err)
		}
		waitCompleted(t, c, 10)
		runs := w.snapshot()
		for n := 1; n <= 10; n++ {
			if runs[n] != 1 {
				t.Errorf("job %d ran %d times, want 1", n, runs[n])
			}
		}
		if runs[99] != 0 {
			t.Errorf("job of a rolled-back transaction ran %d times", runs[99])
		}
	})
}

type uniqueArgs struct {
	Key string `json:"key"`
}

func (uniqueArgs) Kind() string { return "test_unique" }

func (uniqueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

func TestUniqueJobsAreInsertedOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		workers := river.NewWorkers()
		river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[uniqueArgs]) error { return nil }))
		c, err := jobs.New(db, workers, testConfig())
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			err := db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
				if err := c.Insert(ctx, tx, uniqueArgs{Key: "a"}, nil); err != nil {
					return err
				}
				return c.Insert(ctx, tx, uniqueArgs{Key: "b"}, nil)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		counts, err := c.CountByState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if counts["available"] != 2 {
			t.Fatalf("jobs by state = %v; want 2 available (one per distinct args)", counts)
		}
	})
}

func TestFailedJobsRetryUntilTheySucceed(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		w := &counter{runs: map[int]int{}, failFirst: 2}
		c := startClient(t, db, w)
		err := db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
			return c.Insert(ctx, tx, countArgs{N: 1}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		waitCompleted(t, c, 1)
		if got := w.snapshot()[1]; got != 3 {
			t.Fatalf("job ran %d times, want 3 (two failures, then success)", got)
		}
	})
}

func TestStopLetsRunningJobsFinish(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		w := &counter{runs: map[int]int{}, sleep: 300 * time.Millisecond}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		c, err := jobs.New(db, workers, testConfig())
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return c.Insert(ctx, tx, countArgs{N: 1}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		waitRunning(t, c)
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := c.Stop(stopCtx); err != nil {
			t.Fatal(err)
		}
		counts, err := c.CountByState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["completed"] != 1 || w.snapshot()[1] != 1 {
			t.Fatalf("after Stop: jobs %v, runs %v; want the running job completed once", counts, w.snapshot())
		}
	})
}

func TestStopAtTheDeadlineCancelsJobsForALaterRetry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		w := &counter{runs: map[int]int{}, sleep: time.Minute}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		c, err := jobs.New(db, workers, testConfig())
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return c.Insert(ctx, tx, countArgs{N: 1}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		waitRunning(t, c)
		stopCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		begin := time.Now()
		if err := c.Stop(stopCtx); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(begin); d > 15*time.Second {
			t.Fatalf("Stop took %s with a 200ms deadline", d)
		}
		counts, err := c.CountByState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["available"]+counts["retryable"] != 1 || counts["running"] != 0 {
			t.Fatalf("after a hard stop jobs are %v; want the cancelled job back in the queue, not lost", counts)
		}
	})
}

func waitRunning(t *testing.T, c *jobs.Client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		counts, err := c.CountByState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if counts["running"] > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no job started: %v", counts)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestInsertOnlyClientEnqueuesForAnotherProcess(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		ins, err := jobs.New(db, nil, testConfig())
		if err != nil {
			t.Fatal(err)
		}
		if err := ins.Start(ctx); err == nil || !strings.Contains(err.Error(), "insert-only") {
			t.Fatalf("Start of an insert-only client: %v, want an error saying so", err)
		}
		if err := ins.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return ins.Insert(ctx, tx, countArgs{N: 7}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		w := &counter{runs: map[int]int{}}
		c := startClient(t, db, w)
		waitCompleted(t, c, 1)
		if got := w.snapshot()[7]; got != 1 {
			t.Fatalf("job ran %d times, want 1", got)
		}
	})
}

func TestConfigIsValidated(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, database.SQLite)
	for _, tc := range []struct {
		name string
		cfg  jobs.Config
		want string
	}{
		{"rescue before timeout", jobs.Config{JobTimeout: time.Minute, RescueStuckJobsAfter: time.Second}, "must exceed JobTimeout"},
		{"negative workers", jobs.Config{MaxWorkers: -1}, "MaxWorkers"},
		{"inverted backoff", jobs.Config{Retry: jobs.Backoff{Min: time.Hour, Max: time.Second}}, "backoff"},
		{"periodic without workers", jobs.Config{PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return countArgs{}, nil
			}, nil),
		}}, "periodic"},
	} {
		if _, err := jobs.New(db, nil, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := jobs.New(db, nil, jobs.Config{}); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
}

func TestBackoffDoublesWithinBounds(t *testing.T) {
	t.Parallel()
	b := jobs.Backoff{Min: time.Second, Max: 8 * time.Second}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 30: 8 * time.Second} {
		for range 50 {
			got := b.Delay(attempt)
			if got < want*9/10 || got > want*11/10 {
				t.Fatalf("Delay(%d) = %s, want %s ±10%%", attempt, got, want)
			}
		}
	}
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.Now = func() time.Time { return fixed }
	next := b.NextRetry(&rivertype.JobRow{Attempt: 2})
	if d := next.Sub(fixed); d < 1800*time.Millisecond || d > 2200*time.Millisecond {
		t.Fatalf("NextRetry after attempt 2 = now + %s, want now + 2s ±10%%", d)
	}
}
