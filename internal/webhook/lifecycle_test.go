package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/webhook"
)

func testGoneDisablesTheEndpoint(t *testing.T, db *database.DB, svc *webhook.Service, _ *jobs.Client) {
	t.Parallel()
	ctx := context.Background()
	acct := newAccount(t, db)
	var calls atomic.Int32
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusGone)
	}))
	t.Cleanup(gone.Close)
	if _, _, err := svc.CreateEndpoint(ctx, webhook.CreateEndpointParams{AccountID: acct, URL: gone.URL, EventTypes: nil}); err != nil {
		t.Fatal(err)
	}
	publish(t, db, svc, acct, "order.created", nil)
	ds := waitDeliveries(t, svc, acct, 1)
	if d := ds[0]; d.Status != webhook.StatusFailed || d.Attempts != 1 || d.LastStatusCode != http.StatusGone {
		t.Fatalf("delivery = %+v; want failed after one 410", d)
	}
	eps, err := svc.ListEndpoints(ctx, webhook.ListEndpointsParams{AccountID: acct})
	if err != nil || len(eps) != 1 || eps[0].DisabledAt == nil {
		t.Fatalf("endpoints = %+v, %v; want the endpoint disabled", eps, err)
	}
	publish(t, db, svc, acct, "order.created", nil)
	if ds, _ := svc.ListDeliveries(ctx, webhook.ListDeliveriesParams{AccountID: acct, Limit: 10}); len(ds) != 1 || calls.Load() != 1 {
		t.Fatalf("%d deliveries, %d calls after the endpoint said 410; want 1 and 1", len(ds), calls.Load())
	}
}

func testRolledBackPublish(t *testing.T, db *database.DB, svc *webhook.Service, jc *jobs.Client) {
	ctx := context.Background()
	acct := newAccount(t, db)
	if _, _, err := svc.CreateEndpoint(ctx, webhook.CreateEndpointParams{AccountID: acct, URL: "https://example.com/hook", EventTypes: nil}); err != nil {
		t.Fatal(err)
	}
	total := func() (n int64) {
		counts, err := jc.CountByState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range counts {
			n += c
		}
		return n
	}
	before := total()
	boom := errors.New("the change failed")
	err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if _, err := svc.Publish(ctx, tx, acct, "order.created", map[string]int{"n": 1}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the transaction's error", err)
	}
	var events int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM events WHERE account_id = $1`, acct).Scan(&events); err != nil {
		t.Fatal(err)
	}
	ds, err := svc.ListDeliveries(ctx, webhook.ListDeliveriesParams{AccountID: acct, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if after := total(); events != 0 || len(ds) != 0 || after != before {
		t.Fatalf("after rollback: %d events, %d deliveries, jobs %d -> %d; want nothing new", events, len(ds), before, after)
	}
}
