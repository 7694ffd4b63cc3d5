package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
)

// The back-office half of the fault test: each destination store has its back-office link
// enabled (the account's own back office), so every order placed while the child is killed
// becomes one job with its sales order, however often the child died in the middle.

// enableBackOffice enables each destination's back-office link through the child's API.
func (h *faultHarness) enableBackOffice(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, d := range h.dests {
		rep := "rep@" + d.domain
		if _, err := h.a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: d.st.AccountID, Email: rep, Name: "Rep",
			Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		for _, it := range []backoffice.PutListItemParams{{List: backoffice.ListPaymentTypes, Code: "credit_card", Name: "Credit card"},
			{List: backoffice.ListCardTypes, Code: "visa", Name: "Visa"}} {
			it.AccountID, it.Active = d.st.AccountID, true
			if _, err := h.a.BackOffice.PutListItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		path := fmt.Sprintf("/api/v2/stores/%d/back-office", d.st.ID)
		if code := h.api(t, d.key, "PUT", path, map[string]any{"business_name": d.st.Name, "primary_rep": rep}, nil); code != 200 {
			t.Fatalf("back-office link of %s: %d", d.st.Name, code)
		}
		var link struct {
			Enabled bool `json:"enabled"`
		}
		if code := h.api(t, d.key, "POST", path+"/verify", nil, &link); code != 200 || !link.Enabled {
			t.Fatalf("verifying the back-office link of %s: %d %+v", d.st.Name, code, link)
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
	rows, err := h.a.DB.Query(ctx, `SELECT external_ref, COUNT(*) FROM bo_jobs WHERE external_ref <> '' GROUP BY external_ref`)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for rows.Next() {
		var ref string
		var n int
		if err := rows.Scan(&ref, &n); err != nil {
			t.Fatal(err)
		}
		jobs[ref] = n
		total += n
	}
	rows.Close()
	for _, p := range placed {
		ref := fmt.Sprintf("storesync store %d order %s", p.dest.st.ID, p.id)
		if jobs[ref] != 1 {
			t.Errorf("%s order %s (%s): %d back-office jobs; want 1", p.dest.st.Name, p.name, p.kind, jobs[ref])
		}
	}
	if total != len(placed) {
		t.Errorf("%d back-office jobs for %d orders placed; want one each", total, len(placed))
	}
	var sent, all, cancelled int
	if err := h.a.DB.QueryRow(ctx, `SELECT COUNT(CASE WHEN status = 'sent' THEN 1 END), COUNT(*) FROM backoffice_sends`).Scan(&sent, &all); err != nil {
		t.Fatal(err)
	}
	if err := h.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM bo_jobs WHERE status = 'cancelled'`).Scan(&cancelled); err != nil {
		t.Fatal(err)
	}
	if sent != len(placed) || all != len(placed) {
		t.Errorf("back-office sends: %d sent of %d; want all %d orders sent", sent, all, len(placed))
	}
	t.Logf("%d orders, each one job in its back office (%d cancelled with their order)", len(placed), cancelled)
}
