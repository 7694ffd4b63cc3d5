package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/webhook"
)

// workerEnv, when set to a database URL, turns the test binary into a delivery worker process:
// the SIGKILL test starts it, kills it and starts it again.
const workerEnv = "STORESYNC_WEBHOOK_TEST_WORKER_DB"

func TestMain(m *testing.M) {
	if u := os.Getenv(workerEnv); u != "" {
		os.Exit(runWorker(u))
	}
	os.Exit(m.Run())
}

// workerJobsConfig is production's config with the waits shortened: a job left running by a
// killed process is rescued after 3 s instead of 5 min.
func workerJobsConfig(logger *slog.Logger) jobs.Config {
	return jobs.Config{
		MaxWorkers:           10,
		JobTimeout:           2 * time.Second,
		RescueStuckJobsAfter: 3 * time.Second,
		FetchPollInterval:    50 * time.Millisecond,
		Retry:                jobs.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond},
		Logger:               logger,
	}
}

// runWorker works deliveries until SIGTERM, then stops gracefully. It is what `storesync serve`
// does for webhooks, minus everything else.
func runWorker(dbURL string) int {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go exitWithParent()
	if err := work(ctx, dbURL, logger); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

// exitWithParent ends the worker if the test that started it died without killing it.
func exitWithParent() {
	parent := os.Getppid()
	for range time.Tick(200 * time.Millisecond) {
		if os.Getppid() != parent {
			fmt.Fprintln(os.Stderr, "worker: the test process is gone; exiting")
			os.Exit(3)
		}
	}
}

func work(ctx context.Context, dbURL string, logger *slog.Logger) (err error) {
	db, err := database.Open(context.Background(), database.Options{URL: dbURL, Logger: logger})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	workers := river.NewWorkers()
	jc, err := jobs.New(db, workers, workerJobsConfig(logger))
	if err != nil {
		return err
	}
	svc := webhook.NewService(db, jc, &http.Client{Timeout: 5 * time.Second}, time.Now, logger)
	svc.AddWorkers(workers)
	if err := jc.Start(context.Background()); err != nil {
		return err
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return jc.Stop(stopCtx)
}
