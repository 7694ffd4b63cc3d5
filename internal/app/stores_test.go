package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/store"
)

// The demo's stores answer over real HTTP from the Shopify simulator through the real client,
// through the API, and only to their own account.
func TestStoresThroughTheAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := testApp(t)
	acc, _ := a.Accounts.CreateAccount(ctx, "demo")
	other, _ := a.Accounts.CreateAccount(ctx, "other")
	stop, err := a.StartDemoShops(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	_, key, _ := a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "test", Permission: account.PermissionReadWrite})
	_, otherKey, _ := a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: other.ID, Name: "test", Permission: account.PermissionReadWrite})
	srv := httptest.NewTLSServer(a.Handler(app.ServeOptions{}))
	defer srv.Close()

	call := func(method, path, key, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		if strings.Contains(string(raw), "shpat_") {
			t.Errorf("%s %s shows an access token: %s", method, path, raw)
		}
		return resp.StatusCode, m
	}
	status, list := call("GET", "/api/v2/stores", key, "")
	stores, _ := list["data"].([]any)
	if status != 200 || len(stores) != len(app.DemoShops) {
		t.Fatalf("list stores: %d %v", status, list)
	}
	id := int64(stores[0].(map[string]any)["id"].(float64))
	status, info := call("POST", fmt.Sprintf("/api/v2/stores/%d/verify", id), key, "")
	if status != 200 || info["name"] != app.DemoShops[0].Name || info["currency"] != "USD" {
		t.Errorf("verify: %d %v", status, info)
	}
	if status, _ := call("POST", fmt.Sprintf("/api/v2/stores/%d/verify", id), otherKey, ""); status != 404 {
		t.Errorf("another account verified the store: %d", status)
	}
	if status, l := call("GET", "/api/v2/stores", otherKey, ""); status != 200 || len(l["data"].([]any)) != 0 {
		t.Errorf("another account lists stores: %v", l)
	}
	// A store with a wrong token: a clear error from the platform, nothing else changes.
	st, _ := a.Stores.Get(ctx, acc.ID, id)
	bad, err := a.Stores.Save(ctx, store.SaveParams{AccountID: acc.ID, Name: "Wrong token", Platform: store.PlatformShopify,
		ShopDomain: "wrong-token.myshopify.com", BaseURL: strings.Replace(st.BaseURL, st.ShopDomain, "wrong-token.myshopify.com", 1), AccessToken: "nope"})
	if err != nil {
		t.Fatal(err)
	}
	status, prob := call("POST", fmt.Sprintf("/api/v2/stores/%d/verify", bad.ID), key, "")
	if d, _ := prob["detail"].(string); status != 502 || !strings.Contains(d, "wrong-token.myshopify.com") {
		t.Errorf("verify with a wrong token: %d %v; want 502 naming the shop", status, prob)
	}
	if status, p := call("POST", "/api/v2/stores", key, `{"name":"x","platform":"shopify","shop_domain":"bad domain","access_token":"t"}`); status != 422 {
		t.Errorf("bad shop domain: %d %v", status, p)
	}
}
