package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/webhook"
)

// idempotentReceiver applies each (endpoint, webhook-id) once, as every receiver of at-least-once
// webhooks must, and counts the redeliveries it drops. It answers slowly, and now and then 503,
// so that kills land in the middle of requests and some attempts fail.
type idempotentReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	secrets  map[string]string // path -> secret
	applied  map[string]int    // path + " " + webhook-id -> 2xx answers given
	requests int
	failures int
	badSigs  int
}

func newIdempotentReceiver(t *testing.T) *idempotentReceiver {
	r := &idempotentReceiver{secrets: map[string]string{}, applied: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *idempotentReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests++
	r.mu.Unlock()
	time.Sleep(time.Duration(10+rand.IntN(40)) * time.Millisecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	if webhook.Verify(r.secrets[req.URL.Path], req.Header, body, time.Now(), time.Minute) != nil {
		r.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rand.IntN(100) < 3 {
		r.failures++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	r.applied[req.URL.Path+" "+req.Header.Get(webhook.HeaderID)]++
	w.WriteHeader(http.StatusOK)
}

func (r *idempotentReceiver) requestCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// waitForRequests waits until the receiver has seen more than n requests: the worker is working.
func (r *idempotentReceiver) waitForRequests(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for r.requestCount() <= n {
		if time.Now().After(deadline) {
			t.Fatal("the worker sent no request in 20 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *idempotentReceiver) snapshot() (applied map[string]int, failures, badSigs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	applied = maps.Clone(r.applied)
	return applied, r.failures, r.badSigs
}

// TestSIGKILLLosesNoDelivery kills the worker process with SIGKILL at random moments while it
// delivers a few hundred webhooks, restarts it, and checks that in the end every delivery was
// made and recorded exactly once and no job is left behind.
func TestSIGKILLLosesNoDelivery(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("SIGKILL test skipped in -short mode")
	}
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		t.Parallel()
		start := time.Now()
		db := dbtest.Open(t, dbURL)
		rcv := newIdempotentReceiver(t)
		want := seedDeliveries(t, db, rcv)

		const kills = 4
		for i := range kills {
			before := rcv.requestCount()
			cmd := startWorker(t, dbURL, fmt.Sprintf("run%d", i))
			// Kill at a random moment once the worker is delivering, so that requests are in flight.
			rcv.waitForRequests(t, before)
			time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			expireLeaderLease(t, db)
			t.Logf("kill %d at %s: %d requests received, %d of %d deliveries recorded", i+1,
				time.Since(start).Round(time.Millisecond), rcv.requestCount(), countDelivered(t, db), len(want))
		}
		// River's rescuer runs when a process becomes leader, then every 30 s; let the jobs of the
		// last kill pass RescueStuckJobsAfter so that the final worker rescues them when it starts.
		time.Sleep(workerJobsConfig(nil).RescueStuckJobsAfter)
		final := startWorker(t, dbURL, "final")
		queue, err := jobs.New(db, nil, jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		waitAllDelivered(t, db, queue, len(want), 60*time.Second)
		if err := final.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := final.Wait(); err != nil {
			t.Fatalf("final worker did not stop cleanly: %v", err)
		}

		if n := countDelivered(t, db); n != len(want) {
			t.Fatalf("%d deliveries delivered, want %d", n, len(want))
		}
		states := jobStates(t, queue)
		if len(states) != 1 || states["completed"] != int64(len(want)) {
			t.Fatalf("jobs by state = %v; want exactly %d completed and nothing else", states, len(want))
		}
		applied, failures, badSigs := rcv.snapshot()
		redeliveries := 0
		for k, n := range applied {
			if !want[k] {
				t.Errorf("receiver got unexpected delivery %s", k)
			}
			redeliveries += n - 1
		}
		for k := range want {
			if applied[k] == 0 {
				t.Errorf("delivery %s never arrived", k)
			}
		}
		if badSigs != 0 {
			t.Errorf("%d requests had a bad signature", badSigs)
		}
		t.Logf("%d deliveries applied once each after %d kills; %d redeliveries dropped by id, %d attempts answered 503 and retried; %s",
			len(applied), kills, redeliveries, failures, time.Since(start).Round(time.Millisecond))
	})
}

// seedDeliveries publishes 100 events to an account with two endpoints, and returns the
// (path, webhook-id) keys the receiver must apply.
func seedDeliveries(t *testing.T, db *database.DB, rcv *idempotentReceiver) map[string]bool {
	t.Helper()
	ctx := context.Background()
	ins, err := jobs.New(db, nil, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	svc := webhook.NewService(db, ins, nil, time.Now, nil)
	acct := newAccount(t, db)
	paths := []string{"/a", "/b"}
	for _, p := range paths {
		_, secret, err := svc.CreateEndpoint(ctx, webhook.CreateEndpointParams{AccountID: acct, URL: rcv.URL + p, EventTypes: nil})
		if err != nil {
			t.Fatal(err)
		}
		rcv.mu.Lock()
		rcv.secrets[p] = secret
		rcv.mu.Unlock()
	}
	want := map[string]bool{}
	for batch := range 2 {
		err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			for i := range 50 {
				id, err := svc.Publish(ctx, tx, acct, "order.created", map[string]any{"batch": batch, "n": i})
				if err != nil {
					return err
				}
				for _, p := range paths {
					want[p+" "+id] = true
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// expireLeaderLease does at once what time does 15 s after a leader dies: its lease lapses, so the
// next worker becomes leader when it starts. Only the leader rescues jobs a dead process left
// running; waiting out every lease would make this test minutes long without testing more.
func expireLeaderLease(t *testing.T, db *database.DB) {
	t.Helper()
	if _, err := db.Exec(context.Background(), `DELETE FROM river_leader`); err != nil {
		t.Fatalf("expiring the leader lease: %v", err)
	}
}

func startWorker(t *testing.T, dbURL, name string) *exec.Cmd {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"="+dbURL)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = logFile.Close()
		if t.Failed() {
			if out, err := os.ReadFile(logPath); err == nil && len(out) > 0 {
				t.Logf("worker %s output:\n%s", name, tail(out, 4000))
			}
		}
	})
	return cmd
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// countDelivered counts the deliveries the receiver has acknowledged.
func countDelivered(t *testing.T, db *database.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM webhook_deliveries WHERE status = $1`, webhook.StatusDelivered).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// jobStates counts River jobs of every kind by state.
func jobStates(t *testing.T, queue *jobs.Client) map[string]int64 {
	t.Helper()
	counts, err := queue.CountByState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for s, n := range counts {
		if n == 0 {
			delete(counts, s)
		}
	}
	return counts
}

func waitAllDelivered(t *testing.T, db *database.DB, queue *jobs.Client, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for polls := 0; ; {
		states := jobStates(t, queue)
		if countDelivered(t, db) == n && len(states) == 1 && states["completed"] == int64(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(errors.New("timed out"), "deliveries delivered:", countDelivered(t, db), "jobs:", states)
		}
		if polls++; polls%10 == 0 {
			t.Logf("waiting: %d delivered, jobs %v", countDelivered(t, db), states)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
