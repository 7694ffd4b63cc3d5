package webhook_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/webhook"
)

// An endpoint inside the network is refused when it is created, and, should its name resolve
// inside later (DNS rebinding), its deliveries are refused by the dialer, recorded as failed
// with the reason, and nothing reaches it; the signing secret is never kept in plain text.
func TestEndpointsCannotReachInside(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		guard := &httpclient.Guard{}
		checked, _ := newServiceWith(t, db, guard.Client(httpclient.ClientOptions{Timeout: 5 * time.Second}), guard.CheckURL)
		acct := newAccount(t, db)
		for _, u := range []string{"http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "http://169.254.169.254/latest",
			"http://[::1]:9/", "http://[::ffff:127.0.0.1]:9/", "http://localhost:9/"} {
			if _, _, err := checked.CreateEndpoint(ctx, webhook.CreateEndpointParams{AccountID: acct, URL: u}); !errors.Is(err, webhook.ErrInvalid) ||
				!errors.Is(err, httpclient.ErrForbiddenTarget) {
				t.Errorf("endpoint %s: %v; want refused", u, err)
			}
		}
		// The name check passed (as a rebinding name would): the dialer still refuses.
		unchecked, _ := newServiceWith(t, db, guard.Client(httpclient.ClientOptions{Timeout: 5 * time.Second}), nil)
		rcv := newReceiver(t)
		_, whsec, err := unchecked.CreateEndpoint(ctx, webhook.CreateEndpointParams{AccountID: acct, URL: rcv.URL + "/hook"})
		if err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := db.QueryRow(ctx, `SELECT secret FROM webhook_endpoints WHERE account_id = $1`, acct).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, strings.TrimPrefix(whsec, "whsec_")) || !strings.HasPrefix(stored, "ss1:") {
			t.Errorf("signing secret kept as %q", stored)
		}
		publish(t, db, unchecked, acct, "order.created", map[string]any{"n": 1})
		deadline := time.Now().Add(20 * time.Second)
		for {
			ds, err := unchecked.ListDeliveries(ctx, webhook.ListDeliveriesParams{AccountID: acct})
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) == 1 && ds[0].Attempts > 0 {
				if !strings.Contains(ds[0].LastError, "loopback") || ds[0].Status == webhook.StatusDelivered {
					t.Errorf("delivery %+v; want refused as loopback", ds[0])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no attempt recorded: %+v", ds)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := rcv.got(); len(got) != 0 {
			t.Errorf("the inside receiver got %d requests", len(got))
		}
	})
}
