package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
)

// TestRetryIsScheduledByTheInjectedClock fails a job once with a one-hour backoff and a clock
// years in the past: the retry must be due one hour after that clock's now, not after the real one.
func TestRetryIsScheduledByTheInjectedClock(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		fake := time.Date(2020, 3, 1, 12, 0, 0, 0, time.UTC)
		cfg := testConfig()
		cfg.Retry = jobs.Backoff{Min: time.Hour, Max: time.Hour}
		cfg.Now = func() time.Time { return fake }
		w := &counter{runs: map[int]int{}, failFirst: 1}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		c, err := jobs.New(db, workers, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Stop(ctx) }()
		if err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return c.Insert(ctx, tx, countArgs{N: 1}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			var state string
			var at time.Time
			err := db.QueryRow(ctx, `SELECT CAST(state AS TEXT), scheduled_at FROM river_job`).Scan(&state, &at)
			if err == nil && state == "retryable" {
				want := fake.Add(time.Hour)
				if d := at.Sub(want).Abs(); d > 6*time.Minute {
					t.Fatalf("retry scheduled at %s, want %s ±10%% (the injected clock plus the backoff)", at, want)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("job never became retryable: state %q, %v", state, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// syncBuffer is a log sink written by River's goroutines and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for l := range bytes.SplitSeq(s.b.Bytes(), []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(l, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// TestNormalOperationIsQuietAtInfo starts a queue, works a job and stops, with the log at info:
// nothing of River's routine is written; at debug it is.
func TestNormalOperationIsQuietAtInfo(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		db := dbtest.New(t, database.SQLite)
		var buf syncBuffer
		cfg := testConfig()
		cfg.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level}))
		w := &counter{runs: map[int]int{}}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		c, err := jobs.New(db, workers, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return c.Insert(ctx, tx, countArgs{N: 1}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		waitCompleted(t, c, 1)
		if err := c.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		lines := buf.lines()
		if level == slog.LevelInfo && len(lines) > 0 {
			t.Errorf("at info, normal operation logged %d lines, first %v", len(lines), lines[0])
		}
		if level == slog.LevelDebug && len(lines) == 0 {
			t.Error("at debug, River's routine lines are gone altogether")
		}
	}
}
