package app_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/store"
)

// apiKey makes a read-write API key of the store's account.
func (e *syncEnv) apiKey(t *testing.T, st store.Store) string {
	t.Helper()
	_, key, err := e.a.Accounts.CreateKey(context.Background(), account.CreateKeyParams{AccountID: st.AccountID, Name: "ops",
		Permission: account.PermissionReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// callRaw makes an API call over HTTPS and decodes a 2xx answer into out; it returns the status and
// the raw answer.
func (e *syncEnv) callRaw(t *testing.T, key, method, path string, body, out any) (int, string) {
	t.Helper()
	return apiCall(t, e.srv, key, method, path, body, out)
}

type ruleLink struct {
	ID             int64  `json:"id"`
	Buffer         int64  `json:"buffer"`
	BufferOverride *int64 `json:"buffer_override"`
	Source         struct {
		InventoryItemID string `json:"inventory_item_id"`
	} `json:"source"`
	Destination struct {
		InventoryItemID string `json:"inventory_item_id"`
	} `json:"destination"`
}

// TestInventoryRuleOverHTTP runs the rule's parts over real HTTP against the simulator: a source
// with stock at two locations is imported, and the destination holds the rule's quantity at once
// (no source change needed); choosing the source locations, a product's own buffer, and a block
// then unblock each decide the quantities again; wrong input is a 422 or 404 that changes nothing.
func TestInventoryRuleOverHTTP(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		const n = 3
		e := newSyncEnv(t, dbURL)
		src, srcItems := e.shopAt(t, "depot", n, 2)
		dst, _ := e.shop(t, "outlet", 0)
		srcDomain := "depot.myshopify.com"
		sh, err := e.sim.Shop(srcDomain)
		if err != nil {
			t.Fatal(err)
		}
		locs := sh.LocationIDs()
		// stock at the second location, set before storesync hears of anything (no webhook reaches it)
		second := func(i int) int64 { return int64(10 + 3*i) }
		for i, it := range srcItems {
			if err := e.sim.SetStock(srcDomain, it, locs[1], int(second(i))); err != nil {
				t.Fatal(err)
			}
		}
		first := e.levels(t, src, srcItems) // the seeded stock, at the first location
		key, srcKey := e.apiKey(t, dst), e.apiKey(t, src)

		var conn struct {
			ID       int64          `json:"id"`
			Settings map[string]any `json:"settings"`
		}
		if code, raw := e.callRaw(t, key, "POST", "/api/v2/connections", map[string]any{"destination_store_id": dst.ID, "source_store_key": src.Key}, &conn); code != 201 {
			t.Fatalf("connecting: %d %s", code, raw)
		}
		base := fmt.Sprintf("/api/v2/connections/%d", conn.ID)
		settings := func(buffer int64, locations []string) (int, string) {
			s := maps.Clone(conn.Settings)
			s["buffer"] = buffer
			if locations != nil {
				s["source_location_ids"] = locations
			} else {
				delete(s, "source_location_ids")
			}
			return e.callRaw(t, key, "PUT", base+"/settings", s, nil)
		}
		if code, raw := settings(2, nil); code != 200 {
			t.Fatalf("settings: %d %s", code, raw)
		}

		// Import: the destination gets the rule's quantity without any source change.
		var run struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
		}
		if code, raw := e.callRaw(t, key, "POST", base+"/imports", map[string]any{"all": true}, &run); code != 202 {
			t.Fatalf("import: %d %s", code, raw)
		}
		for deadline := time.Now().Add(30 * time.Second); run.State != "completed"; {
			if time.Now().After(deadline) || run.State == "failed" {
				t.Fatalf("import %d: %s", run.ID, run.State)
			}
			time.Sleep(50 * time.Millisecond)
			e.callRaw(t, key, "GET", fmt.Sprintf("%s/imports/%d", base, run.ID), nil, &run)
		}
		var links []ruleLink
		var page struct{ Data []ruleLink }
		if code, raw := e.callRaw(t, key, "GET", base+"/product-links", nil, &page); code != 200 || len(page.Data) != n {
			t.Fatalf("links: %d %s", code, raw)
		}
		links = page.Data
		srcIndex := map[string]int{}
		for i, it := range srcItems {
			srcIndex[it] = i
		}
		want := func(qty func(i int) int64, buffer func(i int) int64) map[string]int64 {
			out := map[string]int64{}
			for _, l := range links {
				i := srcIndex[l.Source.InventoryItemID]
				out[l.Destination.InventoryItemID] = inventory.Quantity(qty(i), buffer(i))
			}
			return out
		}
		both := func(i int) int64 { return first[srcItems[i]] + second(i) }
		two := func(int) int64 { return 2 }
		e.waitLevels(t, dst, want(both, two), 30*time.Second)

		// Only the second location counts: decided again at once, no source change.
		onlySecond := func(i int) int64 { return second(i) }
		if code, raw := settings(2, []string{locs[1]}); code != 200 {
			t.Fatalf("settings with a location: %d %s", code, raw)
		}
		e.waitLevels(t, dst, want(onlySecond, two), 30*time.Second)

		// A location the source does not have: 422 naming source_location_ids, nothing changed.
		code, raw := settings(7, []string{locs[1], "gid://shopify/Location/1"})
		if code != 422 || !strings.Contains(raw, "source_location_ids") {
			t.Errorf("an unknown location: %d %s; want 422 naming source_location_ids", code, raw)
		}
		var got struct{ Settings map[string]any }
		e.callRaw(t, key, "GET", base, nil, &got)
		if b, _ := got.Settings["buffer"].(float64); b != 2 {
			t.Errorf("after a refused change the buffer is %v; want 2", got.Settings["buffer"])
		}

		// A product's own buffer overrides the connection's, and clearing it restores it.
		l0 := links[0]
		linkPath := fmt.Sprintf("%s/product-links/%d", base, l0.ID)
		var put ruleLink
		if code, raw := e.callRaw(t, key, "PUT", linkPath, map[string]any{"buffer": 5}, &put); code != 200 {
			t.Fatalf("link buffer: %d %s", code, raw)
		}
		if put.Buffer != 5 || put.BufferOverride == nil || *put.BufferOverride != 5 {
			t.Errorf("link after PUT: buffer %d override %v; want 5 and 5", put.Buffer, put.BufferOverride)
		}
		i0 := srcIndex[l0.Source.InventoryItemID]
		override := func(i int) int64 {
			if i == i0 {
				return 5
			}
			return 2
		}
		e.waitLevels(t, dst, want(onlySecond, override), 30*time.Second)
		e.callRaw(t, key, "GET", base+"/product-links", nil, &page)
		for _, l := range page.Data {
			if l.ID == l0.ID && (l.Buffer != 5 || l.BufferOverride == nil) || l.ID != l0.ID && (l.Buffer != 2 || l.BufferOverride != nil) {
				t.Errorf("listed link %d: buffer %d override %v", l.ID, l.Buffer, l.BufferOverride)
			}
		}
		for _, c := range []struct {
			name, key, path string
			body            any
			code            int
			names           string
		}{
			{"negative", key, linkPath, map[string]any{"buffer": -1}, 422, "buffer"},
			{"another account", srcKey, linkPath, map[string]any{"buffer": 1}, 403, ""},
			{"another connection's link", key, fmt.Sprintf("%s/product-links/%d", base, l0.ID+1000), map[string]any{"buffer": 1}, 404, ""},
		} {
			if code, raw := e.callRaw(t, c.key, "PUT", c.path, c.body, nil); code != c.code || !strings.Contains(raw, c.names) {
				t.Errorf("%s: %d %s; want %d naming %q", c.name, code, raw, c.code, c.names)
			}
		}
		if code, raw := e.callRaw(t, key, "PUT", linkPath, map[string]any{"buffer": nil}, &put); code != 200 || put.BufferOverride != nil || put.Buffer != 2 {
			t.Fatalf("clearing the link buffer: %d %s", code, raw)
		}
		e.waitLevels(t, dst, want(onlySecond, two), 30*time.Second)

		// A change at the second location follows; blocked, nothing moves; unblocked, the
		// destination catches up from what the source said meanwhile, without another change.
		e.waitSubscribed(t, src)
		moved := func(i int) int64 { return 40 + int64(i) }
		for i, it := range srcItems {
			if err := e.sim.SetStock(srcDomain, it, locs[1], int(moved(i))); err != nil {
				t.Fatal(err)
			}
		}
		e.waitLevels(t, dst, want(moved, two), 30*time.Second)
		if code, raw := e.callRaw(t, srcKey, "POST", base+"/block", nil, nil); code != 200 {
			t.Fatalf("block: %d %s", code, raw)
		}
		blocked := func(i int) int64 { return 60 + int64(i) }
		for i, it := range srcItems {
			if err := e.sim.SetStock(srcDomain, it, locs[1], int(blocked(i))); err != nil {
				t.Fatal(err)
			}
		}
		waitIdle(t, e)
		frozen := want(moved, two)
		if got := e.levels(t, dst, keys(frozen)); !equalLevels(got, frozen) {
			t.Errorf("blocked destination: %v; want it untouched %v", got, frozen)
		}
		if code, raw := e.callRaw(t, srcKey, "POST", base+"/unblock", nil, nil); code != 200 {
			t.Fatalf("unblock: %d %s", code, raw)
		}
		e.waitLevels(t, dst, want(blocked, two), 30*time.Second)

		// The dashboard: the source's locations as checkboxes, a product's buffer set and cleared.
		d := e.dashboard(t, dst)
		connPage := fmt.Sprintf("/connections/%d", conn.ID)
		if _, _, page := d("GET", connPage, nil); !strings.Contains(page, `name="source_location" value="`+locs[1]+`" checked`) ||
			!strings.Contains(page, `name="source_location" value="`+locs[0]+`">`) {
			t.Errorf("the settings form does not list the source's locations with the second ticked:\n%s", page)
		}
		linksPage := connPage + "/links"
		code, loc, _ := d("POST", fmt.Sprintf("%s/%d/buffer", linksPage, l0.ID), url.Values{"buffer": {"7"}})
		if code != http.StatusSeeOther || loc != linksPage {
			t.Fatalf("setting a buffer on the links page: %d %s", code, loc)
		}
		seven := func(i int) int64 {
			if i == i0 {
				return 7
			}
			return 2
		}
		e.waitLevels(t, dst, want(blocked, seven), 30*time.Second)
		if _, _, page := d("GET", linksPage, nil); !strings.Contains(page, "7 held back") || !strings.Contains(page, "2 held back (the connection") {
			t.Errorf("the links page does not show the buffers:\n%s", page)
		}
		if code, _, _ := d("POST", fmt.Sprintf("%s/%d/buffer", linksPage, l0.ID), url.Values{"buffer": {""}}); code != http.StatusSeeOther {
			t.Fatalf("clearing a buffer on the links page: %d", code)
		}
		// Both locations ticked in the settings form: both count again.
		form := url.Values{"identifier": {"sku"}, "buffer": {"2"}, "markup_kind": {"percent"}, "markup_percent": {"0"}, "rounding": {"none"},
			"rounding_mode": {"up"}, "compare_at_rule": {"follow"}, "source_location": {locs[0], locs[1]}}
		for _, a := range []string{"title", "description", "images", "vendor", "product_type", "tags", "price", "compare_at_price", "weight", "options", "variants"} {
			form.Set("attr_"+a, "on")
		}
		if code, _, page := d("POST", connPage+"/settings", form); code != http.StatusSeeOther {
			t.Fatalf("saving the settings form: %d\n%s", code, page)
		}
		e.waitLevels(t, dst, want(func(i int) int64 { return first[srcItems[i]] + blocked(i) }, two), 30*time.Second)

		// The operation is in the OpenAPI document, with its body.
		_, spec := e.callRaw(t, key, "GET", "/api/openapi.json", nil, nil)
		if !strings.Contains(spec, `"put-product-link"`) || !strings.Contains(spec, `"source_location_ids"`) || !strings.Contains(spec, `"buffer_override"`) {
			t.Error("the OpenAPI document lacks put-product-link, source_location_ids or buffer_override")
		}
	})
}

// dashboard logs a new user of the store's account in to the dashboard and returns a function
// making its requests (redirects not followed): status, Location and body.
func (e *syncEnv) dashboard(t *testing.T, st store.Store) func(method, path string, form url.Values) (int, string, string) {
	t.Helper()
	email := fmt.Sprintf("ops-%d@example.com", st.AccountID)
	if _, err := e.a.Accounts.CreateUser(t.Context(), account.CreateUserParams{AccountID: st.AccountID, Email: email, Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	c := new(http.Client)
	*c = *e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Jar, _ = cookiejar.New(nil)
	do := func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, strings.NewReader(form.Encode()))
		if method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	if code, _, _ := do("POST", "/login", url.Values{"email": {email}, "password": {"long enough password"}}); code != http.StatusSeeOther {
		t.Fatalf("login: %d", code)
	}
	return do
}

func keys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRedecideInBatches: a settings change of a connection with more links than one transaction
// takes decides the first batch at once and the rest in the durable job's steps; every
// destination ends at the new rule, with no source change.
//
// Not parallel: hundreds of writes and their webhooks on SQLite's one writer, beside the other
// tests on a small machine, starve the job queue's leader election.
func TestRedecideInBatches(t *testing.T) { //nolint:paralleltest // see above
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		n := inventory.RedecideBatch + 30
		e := newSyncEnv(t, dbURL)
		src, srcItems := e.shop(t, "bulk-supplier", n)
		dst, dstItems := e.shop(t, "bulk-reseller", n)
		c := e.connect(t, dst, src, dstItems, srcItems, 1)
		stock := e.levels(t, src, srcItems)
		want := func(buffer int64) map[string]int64 {
			out := map[string]int64{}
			for i := range srcItems {
				out[dstItems[i]] = inventory.Quantity(stock[srcItems[i]], buffer)
			}
			return out
		}
		// the links were read from the source when saved: stocked without a source change
		e.waitLevels(t, dst, want(1), 60*time.Second)
		s := c.Settings
		s.Buffer = 4
		if _, err := e.a.Connections.UpdateSettings(context.Background(), connection.SettingsParams{AccountID: dst.AccountID, ID: c.ID, Settings: s}); err != nil {
			t.Fatal(err)
		}
		e.waitLevels(t, dst, want(4), 60*time.Second)
		targets, err := e.a.Inventory.Targets(context.Background(), inventory.TargetsParams{StoreID: dst.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(targets) != n {
			t.Errorf("%d targets; want %d", len(targets), n)
		}
	})
}
