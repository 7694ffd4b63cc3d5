package app_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
)

// TestStoreOrdersIntoAnExternalBackOffice runs the back-office link to an external back office:
// a second storesync instance, reached over HTTPS by its address and a v2 key (its certificate
// trusted through --ca-file, its loopback address allowed). A plain-HTTP address is refused,
// a read-only key fails the verify saying so, and with a read_write key every order of the store
// becomes one job with its sales order in the other instance, its card payment recorded.
func TestStoreOrdersIntoAnExternalBackOffice(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, d database.Dialect, dbURL string) {
		ctx := context.Background()
		other := newSyncEnv(t, dbtest.NewURL(t, d)) // the external back office
		acc, err := other.a.Accounts.CreateAccount(ctx, "external-bo")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: acc.ID, Email: "ext.rep@example.com",
			Name: "Ext Rep", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		for _, it := range []backoffice.PutListItemParams{{List: backoffice.ListPaymentTypes, Code: "credit_card", Name: "Credit card"},
			{List: backoffice.ListCardTypes, Code: "visa", Name: "Visa"}} {
			it.AccountID, it.Active = acc.ID, true
			if _, err := other.a.BackOffice.PutListItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		_, rwKey, err := other.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "hub", Permission: account.PermissionReadWrite})
		if err != nil {
			t.Fatal(err)
		}
		_, roKey, err := other.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "look", Permission: account.PermissionRead})
		if err != nil {
			t.Fatal(err)
		}
		caFile := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.srv.Certificate().Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		e := newSyncEnv(t, dbURL, func(c *config.Config) { c.CAFile = caFile })
		e.a.Targets.Allow(other.srv.Listener.Addr().String())
		st, _ := e.shop(t, "ext-bo-shop", 2)
		variants, _ := e.storeVariants(t, st)
		e.waitSubscribed(t, st)
		key := e.key(t, st.AccountID)
		path := fmt.Sprintf("/api/v2/stores/%d/back-office", st.ID)
		settings := func(url, apiKey string) map[string]any {
			return map[string]any{"target": "external", "base_url": url, "api_key": apiKey, "business_name": "Ext Club", "primary_rep": "ext.rep@example.com"}
		}
		if code, raw := e.api(t, key, http.MethodPut, path, settings(strings.Replace(other.srv.URL, "https://", "http://", 1), rwKey), nil); code != http.StatusUnprocessableEntity ||
			!strings.Contains(raw, "body.base_url") {
			t.Fatalf("a plain-HTTP back office: %d %s; want 422 naming body.base_url", code, raw)
		}
		var link api.BackOfficeLink
		if code, raw := e.api(t, key, http.MethodPut, path, settings(other.srv.URL, roKey), &link); code != http.StatusOK {
			t.Fatalf("saving the external link: %d %s", code, raw)
		}
		if code, raw := e.api(t, key, http.MethodPost, path+"/verify", nil, &link); code != http.StatusOK || link.Enabled || !strings.Contains(link.VerifyError, "read-only") {
			t.Fatalf("verify with a read-only key: %d %s; want not enabled, saying the key is read-only", code, raw)
		}
		if code, raw := e.api(t, key, http.MethodPut, path, settings(other.srv.URL, rwKey), &link); code != http.StatusOK || link.APIKeyHint != "…"+rwKey[len(rwKey)-4:] {
			t.Fatalf("saving the read_write key: %d %s", code, raw)
		}
		if code, raw := e.api(t, key, http.MethodPost, path+"/verify", nil, &link); code != http.StatusOK || !link.Enabled {
			t.Fatalf("verify with a read_write key: %d %s; want enabled", code, raw)
		}
		if strings.Contains(fmt.Sprint(link), rwKey) {
			t.Fatal("the link's answer repeats the key")
		}
		o, err := e.client(t, st).CreateOrder(ctx, platform.OrderInput{IdempotencyKey: "ext-1", Currency: "USD", Email: "dee@example.com",
			FinancialStatus: platform.FinancialPaid, Customer: &platform.Customer{FirstName: "Dee", LastName: "Dunn", Email: "dee@example.com"},
			ShippingAddress: &platform.Address{FirstName: "Dee", LastName: "Dunn", Address1: "3 High St", City: "Reno", ProvinceCode: "NV",
				Zip: "89501", CountryCode: "US"},
			Lines: []platform.OrderLineInput{{VariantID: variants[0], Quantity: 1}, {VariantID: variants[1], Quantity: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		ref := fmt.Sprintf("storesync store %d order %s", st.ID, o.ID)
		within(t, 2*time.Minute, func() bool { return len(boJobs(t, other.a.DB, acc.ID)[ref]) > 0 },
			func() string { return "no job in the external back office for order " + o.Name })
		waitIdle(t, e)
		js := boJobs(t, other.a.DB, acc.ID)[ref]
		if len(js) != 1 {
			t.Fatalf("%d jobs in the external back office for %s; want 1", len(js), o.Name)
		}
		j := js[0]
		if j.status != "pending" || j.description != "Ext Club "+o.Name || j.lines != 2 || j.payments != 1 || j.paid != o.Total.Amount ||
			!strings.Contains(j.customerInstructions, "/admin/orders/") || !strings.Contains(j.csrInstructs, "Visa ending 4242") {
			t.Errorf("job of %s in the external back office: %+v", o.Name, j)
		}
		if len(boJobs(t, e.a.DB, st.AccountID)) != 0 {
			t.Error("the store's own back office got a job too; want the external one only")
		}

		// The store's stock comes from the external back office: step 4 reads that back
		// office's available quantities over its Open API and writes them to the store.
		var items []string
		want := map[string]int64{}
		for i, v := range e.variantsOf(t, st) {
			if _, err := other.a.BackOffice.CreateItem(ctx, backoffice.CreateItemParams{AccountID: acc.ID, OnHand: int64(20 + i), Actor: "user test",
				Input: backoffice.ItemInput{SKU: strings.ToLower(v.SKU), Currency: "USD", Price: 900}}); err != nil {
				t.Fatal(err)
			}
			items = append(items, v.InventoryItemID)
			want[v.InventoryItemID] = int64(20 + i)
		}
		master := fmt.Sprintf("/api/v2/stores/%d/inventory-master", st.ID)
		if code, raw := e.api(t, key, http.MethodPut, master, map[string]any{"master": "back_office", "match_by": "sku"}, nil); code != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", master, code, raw)
		}
		var run api.SyncRun
		if code, raw := e.api(t, key, http.MethodPost, "/api/v2/sync-runs", map[string]any{"steps": []int{4}}, &run); code != http.StatusAccepted {
			t.Fatalf("POST /api/v2/sync-runs: %d %s", code, raw)
		}
		within(t, 2*time.Minute, func() bool {
			e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/sync-runs/%d", run.ID), nil, &run)
			return run.Status == "succeeded" || run.Status == "failed"
		}, func() string { return fmt.Sprintf("sync run %d still %s", run.ID, run.Status) })
		step := stepOf(run, 4)
		if run.Status != "succeeded" || step.Counts["back_office_items_read"] != int64(len(items)) || step.Counts["levels_changed"] != int64(len(items)) {
			t.Fatalf("run %s, step 4 %s %v %+v; want succeeded, %d items read and levels changed", run.Status, step.Error, step.Counts, step.Errors, len(items))
		}
		if got := e.levels(t, st, items); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the store's levels = %v; want the external back office's %v", got, want)
		}
	})
}
