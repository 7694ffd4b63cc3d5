package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
)

type benchArgs struct {
	N int `json:"n"`
}

func (benchArgs) Kind() string { return "bench_noop" }

// BenchmarkJobThroughput measures jobs per second through the queue: b.N empty jobs inserted in
// transactions of 100 while the client works them, until the last is recorded completed. It
// measures the queue's own cost, which every real job pays on top of its work.
func BenchmarkJobThroughput(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		for _, workers := range []int{20, jobs.DefaultMaxWorkers, 500} {
			b.Run(fmt.Sprintf("%s/workers=%d", d, workers), func(b *testing.B) {
				benchThroughput(b, dbtest.New(b, d), workers)
			})
		}
	}
}

func benchThroughput(b *testing.B, db *database.DB, maxWorkers int) {
	ctx := context.Background()
	ws := river.NewWorkers()
	river.AddWorker(ws, river.WorkFunc(func(context.Context, *river.Job[benchArgs]) error { return nil }))
	c, err := jobs.New(db, ws, jobs.Config{MaxWorkers: maxWorkers})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_ = c.Stop(stopCtx)
	}()
	b.ResetTimer()
	for first := 0; first < b.N; first += 100 {
		err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			params := make([]river.InsertManyParams, 0, 100)
			for n := first; n < min(first+100, b.N); n++ {
				params = append(params, river.InsertManyParams{Args: benchArgs{N: n}})
			}
			return c.InsertMany(ctx, tx, params)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for {
		var done int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state = 'completed'`).Scan(&done); err != nil {
			b.Fatal(err)
		}
		if done == b.N {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}
