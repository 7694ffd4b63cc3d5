package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/webhook"
)

func newAccount(t *testing.T, db *database.DB) int64 {
	t.Helper()
	var id int64
	err := db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id`,
			dbtest.Name("acct"), time.Now()).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func quickJobs() jobs.Config {
	return jobs.Config{
		MaxWorkers:           4,
		JobTimeout:           time.Minute,
		RescueStuckJobsAfter: 2 * time.Minute,
		FetchPollInterval:    20 * time.Millisecond,
		Retry:                jobs.Backoff{Min: 5 * time.Millisecond, Max: 20 * time.Millisecond},
	}
}

// newService returns a service whose deliveries are being worked, keeping its signing secrets
// encrypted.
func newService(t *testing.T, db *database.DB) (*webhook.Service, *jobs.Client) {
	t.Helper()
	return newServiceWith(t, db, nil, nil)
}

func testBox(t *testing.T) *secret.Box {
	t.Helper()
	k, err := secret.ParseKey(secret.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	return secret.NewBox(k)
}

func newServiceWith(t *testing.T, db *database.DB, client *http.Client, check func(string) error) (*webhook.Service, *jobs.Client) {
	t.Helper()
	workers := river.NewWorkers()
	jc, err := jobs.New(db, workers, quickJobs())
	if err != nil {
		t.Fatal(err)
	}
	svc := webhook.NewService(db, jc, client, time.Now, nil).WithSealer(testBox(t))
	if check != nil {
		svc.WithTargetCheck(check)
	}
	svc.AddWorkers(workers)
	if err := jc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := jc.Stop(ctx); err != nil {
			t.Errorf("stopping jobs: %v", err)
		}
	})
	return svc, jc
}

// receiver is a webhook receiver that checks signatures and answers what fail says.
type receiver struct {
	*httptest.Server
	secret string
	fail   func(n int) bool // fail the n-th request (1-based)

	mu       sync.Mutex
	requests []received
}

type received struct {
	id     string
	body   map[string]any
	sigOK  bool
	answer int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{fail: func(int) bool { return false }}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		rec := received{id: req.Header.Get(webhook.HeaderID)}
		_ = json.Unmarshal(raw, &rec.body)
		r.mu.Lock()
		defer r.mu.Unlock()
		rec.sigOK = webhook.Verify(r.secret, req.Header, raw, time.Now(), 5*time.Minute) == nil
		rec.answer = http.StatusNoContent
		if !rec.sigOK || r.fail(len(r.requests)+1) {
			rec.answer = http.StatusInternalServerError
		}
		r.requests = append(r.requests, rec)
		w.WriteHeader(rec.answer)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) setSecret(secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = secret
}

func (r *receiver) got() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.requests...)
}

func publish(t *testing.T, db *database.DB, svc *webhook.Service, accountID int64, typ string, payload any) string {
	t.Helper()
	var id string
	err := db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		var err error
		id, err = svc.Publish(ctx, tx, accountID, typ, payload)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitDeliveries waits until the account has n deliveries, none of them pending.
func waitDeliveries(t *testing.T, svc *webhook.Service, accountID int64, n int) []webhook.Delivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ds, err := svc.ListDeliveries(context.Background(), webhook.ListDeliveriesParams{AccountID: accountID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		done := len(ds) == n
		for _, d := range ds {
			done = done && d.Status != webhook.StatusPending
		}
		if done {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries not finished: %+v", ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDeliveries runs the delivery scenarios in parallel on one database and one job client per
// kind of database, each scenario in its own account, which also shows accounts do not mix.
func TestDeliveries(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		svc, jc := newService(t, db)
		for name, fn := range map[string]func(*testing.T, *database.DB, *webhook.Service, *jobs.Client){
			"signed and marked delivered":     testDeliveryIsSignedAndMarkedDelivered,
			"failures retry with the same id": testFailedDeliveriesRetryWithTheSameID,
			"gives up after max attempts":     testDeliveryGivesUpAfterMaxAttempts,
			"another account's endpoint":      testAnotherAccountsEndpointIsNeverUsed,
			"410 gone disables the endpoint":  testGoneDisablesTheEndpoint,
		} {
			t.Run(name, func(t *testing.T) { fn(t, db, svc, jc) })
		}
		// Not parallel: it counts every job, so it runs while the scenarios above wait.
		t.Run("rolled-back publish leaves nothing", func(t *testing.T) { testRolledBackPublish(t, db, svc, jc) })
	})
}

func testDeliveryIsSignedAndMarkedDelivered(t *testing.T, db *database.DB, svc *webhook.Service, jc *jobs.Client) {
	t.Parallel()
	acct := newAccount(t, db)
	rcv := newReceiver(t)
	ep, secret, err := svc.CreateEndpoint(context.Background(), webhook.CreateEndpointParams{AccountID: acct, URL: rcv.URL + "/hook", EventTypes: []string{"order.*"}})
	if err != nil {
		t.Fatal(err)
	}
	rcv.setSecret(secret)
	if !strings.HasPrefix(secret, "whsec_") || ep.ID == 0 {
		t.Fatalf("endpoint %+v, secret %q", ep, secret)
	}
	eventID := publish(t, db, svc, acct, "order.created", map[string]any{"number": 1001})
	publish(t, db, svc, acct, "product.updated", map[string]any{"sku": "X"}) // not subscribed
	ds := waitDeliveries(t, svc, acct, 1)
	if d := ds[0]; d.Status != webhook.StatusDelivered || d.Attempts != 1 || d.LastStatusCode != 204 ||
		d.EventID != eventID || d.DeliveredAt == nil || d.EndpointID != ep.ID {
		t.Fatalf("delivery = %+v; want delivered once with 204 for event %s", d, eventID)
	}
	reqs := rcv.got()
	if len(reqs) != 1 || !reqs[0].sigOK || reqs[0].id != eventID {
		t.Fatalf("receiver got %+v; want one request signed with the endpoint's secret, id %s", reqs, eventID)
	}
	if b := reqs[0].body; b["type"] != "order.created" || b["id"] != eventID || b["data"].(map[string]any)["number"] != 1001.0 {
		t.Fatalf("body = %v", b)
	}
}

func testFailedDeliveriesRetryWithTheSameID(t *testing.T, db *database.DB, svc *webhook.Service, jc *jobs.Client) {
	t.Parallel()
	acct := newAccount(t, db)
	rcv := newReceiver(t)
	rcv.fail = func(n int) bool { return n <= 2 }
	_, secret, err := svc.CreateEndpoint(context.Background(), webhook.CreateEndpointParams{AccountID: acct, URL: rcv.URL, EventTypes: nil})
	if err != nil {
		t.Fatal(err)
	}
	rcv.setSecret(secret)
	eventID := publish(t, db, svc, acct, "order.created", map[string]any{"n": 1})
	ds := waitDeliveries(t, svc, acct, 1)
	if d := ds[0]; d.Status != webhook.StatusDelivered || d.Attempts != 3 || d.LastError != "" {
		t.Fatalf("delivery = %+v; want delivered on the third attempt", d)
	}
	reqs := rcv.got()
	if len(reqs) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.id != eventID || !r.sigOK {
			t.Fatalf("request %+v: want webhook-id %s and a valid signature on every attempt", r, eventID)
		}
	}
}

func testDeliveryGivesUpAfterMaxAttempts(t *testing.T, db *database.DB, svc *webhook.Service, jc *jobs.Client) {
	t.Parallel()
	acct := newAccount(t, db)
	rcv := newReceiver(t)
	rcv.fail = func(int) bool { return true }
	_, secret, err := svc.CreateEndpoint(context.Background(), webhook.CreateEndpointParams{AccountID: acct, URL: rcv.URL, EventTypes: nil})
	if err != nil {
		t.Fatal(err)
	}
	rcv.setSecret(secret)
	publish(t, db, svc, acct, "order.created", nil)
	ds := waitDeliveries(t, svc, acct, 1)
	if d := ds[0]; d.Status != webhook.StatusFailed || d.Attempts != webhook.DeliveryMaxAttempts ||
		d.LastStatusCode != 500 || !strings.Contains(d.LastError, "500") {
		t.Fatalf("delivery = %+v; want failed after %d attempts", d, webhook.DeliveryMaxAttempts)
	}
	if n := len(rcv.got()); n != webhook.DeliveryMaxAttempts {
		t.Fatalf("receiver got %d requests, want %d", n, webhook.DeliveryMaxAttempts)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		counts, err := jc.CountByState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if counts["discarded"] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs = %v; want the delivery job discarded", counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testAnotherAccountsEndpointIsNeverUsed(t *testing.T, db *database.DB, svc *webhook.Service, jc *jobs.Client) {
	t.Parallel()
	ctx := context.Background()
	a, b := newAccount(t, db), newAccount(t, db)
	rcvA, rcvB := newReceiver(t), newReceiver(t)
	epA, secretA, err := svc.CreateEndpoint(ctx, webhook.CreateEndpointParams{AccountID: a, URL: rcvA.URL, EventTypes: nil})
	if err != nil {
		t.Fatal(err)
	}
	rcvA.setSecret(secretA)
	epB, secretB, err := svc.CreateEndpoint(ctx, webhook.CreateEndpointParams{AccountID: b, URL: rcvB.URL, EventTypes: nil})
	if err != nil {
		t.Fatal(err)
	}
	rcvB.setSecret(secretB)
	for range 3 {
		publish(t, db, svc, a, "order.created", nil)
	}
	waitDeliveries(t, svc, a, 3)
	if n := len(rcvB.got()); n != 0 {
		t.Fatalf("account B's endpoint got %d of account A's events", n)
	}
	if ds, err := svc.ListDeliveries(ctx, webhook.ListDeliveriesParams{AccountID: b, Limit: 10}); err != nil || len(ds) != 0 {
		t.Fatalf("account B sees deliveries %v, %v", ds, err)
	}
	if eps, err := svc.ListEndpoints(ctx, webhook.ListEndpointsParams{AccountID: b}); err != nil || len(eps) != 1 || eps[0].ID != epB.ID {
		t.Fatalf("account B's endpoints = %+v, %v; want only its own", eps, err)
	}
	if err := svc.DisableEndpoint(ctx, webhook.DisableEndpointParams{AccountID: b, EndpointID: epA.ID}); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("B disabling A's endpoint: %v, want ErrNotFound", err)
	}
	// A disabled endpoint gets no new deliveries; disabling is idempotent.
	for range 2 {
		if err := svc.DisableEndpoint(ctx, webhook.DisableEndpointParams{AccountID: a, EndpointID: epA.ID}); err != nil {
			t.Fatal(err)
		}
	}
	publish(t, db, svc, a, "order.created", nil)
	if ds, _ := svc.ListDeliveries(ctx, webhook.ListDeliveriesParams{AccountID: a, Limit: 10}); len(ds) != 3 {
		t.Fatalf("a disabled endpoint got a new delivery: %d deliveries", len(ds))
	}
	eps, err := svc.ListEndpoints(ctx, webhook.ListEndpointsParams{AccountID: a})
	if err != nil || len(eps) != 1 || eps[0].DisabledAt == nil {
		t.Fatalf("endpoints of A = %+v, %v; want one, disabled", eps, err)
	}
}

func TestCreateEndpointValidates(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, database.SQLite)
	svc := webhook.NewService(db, nil, nil, time.Now, nil)
	acct := newAccount(t, db)
	for _, tc := range []struct {
		url   string
		types []string
		want  string
	}{
		{"ftp://example.com/x", nil, "http:// or https://"},
		{"https:///path", nil, "names no host"},
		{"example.com/hook", nil, "http:// or https://"},
		{"https://example.com/hook", []string{"Order Created"}, "event type"},
	} {
		_, _, err := svc.CreateEndpoint(context.Background(), webhook.CreateEndpointParams{AccountID: acct, URL: tc.url, EventTypes: tc.types})
		if !errors.Is(err, webhook.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CreateEndpoint(%q, %q) = %v; want ErrInvalid saying %q", tc.url, tc.types, err, tc.want)
		}
	}
	if _, _, err := svc.CreateEndpoint(context.Background(), webhook.CreateEndpointParams{AccountID: 999999, URL: "https://example.com", EventTypes: nil}); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("endpoint for a missing account: %v, want ErrNotFound", err)
	}
}

func TestSignMatchesTheStandardWebhooksVector(t *testing.T) {
	t.Parallel()
	// The example from the Standard Webhooks specification.
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	ts := time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	sig, err := webhook.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, body)
	if err != nil || sig != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Sign = %q, %v", sig, err)
	}
	h := http.Header{}
	h.Set(webhook.HeaderID, "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set(webhook.HeaderTimestamp, "1614265330")
	h.Set(webhook.HeaderSignature, "v1,bm90IGl0 "+sig)
	if err := webhook.Verify(secret, h, body, ts.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("Verify of a good signature: %v", err)
	}
	if err := webhook.Verify(secret, h, append(body, ' '), ts, 5*time.Minute); !errors.Is(err, webhook.ErrBadSignature) {
		t.Fatalf("Verify of a changed body: %v", err)
	}
	if err := webhook.Verify(secret, h, body, ts.Add(time.Hour), 5*time.Minute); !errors.Is(err, webhook.ErrBadSignature) {
		t.Fatalf("Verify of an old message: %v", err)
	}
}
