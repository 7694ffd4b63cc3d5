package app_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// The back-office half of the fault test: each destination store has its back-office link
// enabled (one to its account's own back office, one to an external one over the Open API), so
// every order placed while the child is killed becomes one job with its sales order, however
// often the child died in the middle.

// enableBackOffice enables each destination's back-office link through the child's API: the
// first destination's to its account's own back office, the second's to an external one (another
// storesync instance on its own database, over HTTPS, its certificate given to the child with
// --ca-file; the child is started again to read it).
func (h *faultHarness) enableBackOffice(t *testing.T, d database.Dialect) {
	t.Helper()
	ctx := context.Background()
	cfg := config.Config{DataDir: t.TempDir(), DB: dbtest.NewURL(t, d), LogLevel: "warn", LogFormat: "text", Addr: "127.0.0.1:0",
		MaxBodyBytes: 1 << 20, Workers: 4, JobTimeout: time.Minute, JobRescueAfter: 2 * time.Minute, ShutdownTimeout: time.Second,
		WebhookMaxBodyBytes: 1 << 20, Retention: 24 * time.Hour, SecretKey: testSecretKey}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	ext, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ext.Close() })
	h.extBO = ext
	srv := httptest.NewTLSServer(ext.Handler(app.ServeOptions{}))
	t.Cleanup(srv.Close)
	h.caFile = filepath.Join(t.TempDir(), "external-bo.pem")
	if err := os.WriteFile(h.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	h.kill(t)
	h.start(t)
	for i, dst := range h.dests {
		bo, accountID := h.a, dst.st.AccountID
		link := map[string]any{"business_name": dst.st.Name}
		if i == 1 {
			acc, err := ext.Accounts.CreateAccount(ctx, "external-"+dst.st.Name)
			if err != nil {
				t.Fatal(err)
			}
			_, key, err := ext.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "hub", Permission: account.PermissionReadWrite})
			if err != nil {
				t.Fatal(err)
			}
			bo, accountID = ext, acc.ID
			link["target"], link["base_url"], link["api_key"] = "external", srv.URL, key
		}
		rep := "rep@" + dst.domain
		if _, err := bo.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: accountID, Email: rep, Name: "Rep",
			Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		for _, it := range []backoffice.PutListItemParams{{List: backoffice.ListPaymentTypes, Code: "credit_card", Name: "Credit card"},
			{List: backoffice.ListCardTypes, Code: "visa", Name: "Visa"}} {
			it.AccountID, it.Active = accountID, true
			if _, err := bo.BackOffice.PutListItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		link["primary_rep"] = rep
		path := fmt.Sprintf("/api/v2/stores/%d/back-office", dst.st.ID)
		if code := h.api(t, dst.key, "PUT", path, link, nil); code != 200 {
			t.Fatalf("back-office link of %s: %d", dst.st.Name, code)
		}
		var got struct {
			Enabled     bool   `json:"enabled"`
			VerifyError string `json:"verify_error"`
		}
		if code := h.api(t, dst.key, "POST", path+"/verify", nil, &got); code != 200 || !got.Enabled {
			t.Fatalf("verifying the back-office link of %s: %d %+v", dst.st.Name, code, got)
		}
	}
}

// waitBackOffice waits, up to within, until the hub has no back-office send left to do.
func (h *faultHarness) waitBackOffice(t *testing.T, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(500 * time.Millisecond) {
		var left int
		if err := h.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind IN ('backoffice_send', 'backoffice_backfill')
			AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.logJobs(t)
			t.Fatalf("after %s: %d back-office sends left", within, left)
		}
	}
}

// checkBackOffice asserts that every placed order is one job of its destination's back office,
// sent, and that no job was made twice or for an order not placed.
func (h *faultHarness) checkBackOffice(t *testing.T, placed []placedOrder) {
	t.Helper()
	ctx := context.Background()
	jobs := map[string]int{}
	total, cancelled := 0, 0
	for _, db := range []*database.DB{h.a.DB, h.extBO.DB} { // the built-in back office and the external one
		rows, err := db.Query(ctx, `SELECT external_ref, COUNT(*) FROM bo_jobs WHERE external_ref <> '' GROUP BY external_ref`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ref string
			var n int
			if err := rows.Scan(&ref, &n); err != nil {
				t.Fatal(err)
			}
			jobs[ref] += n
			total += n
		}
		rows.Close()
		var c int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM bo_jobs WHERE status = 'cancelled'`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		cancelled += c
	}
	for _, p := range placed {
		ref := fmt.Sprintf("storesync store %d order %s", p.dest.st.ID, p.id)
		if jobs[ref] != 1 {
			t.Errorf("%s order %s (%s): %d back-office jobs; want 1", p.dest.st.Name, p.name, p.kind, jobs[ref])
		}
	}
	if total != len(placed) {
		t.Errorf("%d back-office jobs for %d orders placed; want one each", total, len(placed))
	}
	var sent, all int
	if err := h.a.DB.QueryRow(ctx, `SELECT COUNT(CASE WHEN status = 'sent' THEN 1 END), COUNT(*) FROM backoffice_sends`).Scan(&sent, &all); err != nil {
		t.Fatal(err)
	}
	if sent != len(placed) || all != len(placed) {
		t.Errorf("back-office sends: %d sent of %d; want all %d orders sent", sent, all, len(placed))
	}
	t.Logf("%d orders, each one job in its back office, built-in or external (%d cancelled with their order)", len(placed), cancelled)
}
