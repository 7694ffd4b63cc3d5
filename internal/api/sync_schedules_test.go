package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/api/apitest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/syncsched"
)

// countingStarter starts numbered runs and remembers nothing else: the API test needs only a
// run ID to show in last_result.
type countingStarter struct{ last atomic.Int64 }

func (c *countingStarter) StartScheduled(context.Context, database.Tx, syncsched.StartParams) (int64, int64, error) {
	return c.last.Add(1), 0, nil
}

func doIfMatch(t *testing.T, c *http.Client, method, url, auth, ifMatch, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", ifMatch)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, url, raw)
		}
	}
	return resp.StatusCode, m
}

// Sync schedules over the API: created, listed, read, replaced with If-Match and deleted with the
// account's keys; next_at in UTC and in the zone; bad input a 422 naming each field, changing
// nothing; another account's schedule is not found and not changed; last_result after a tick.
func TestSyncSchedulesAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		var clock atomic.Int64 // the service's time, moved by the test between requests
		clock.Store(time.Date(2026, 12, 2, 10, 2, 0, 0, time.UTC).UnixNano())
		svc := syncsched.NewService(db, &countingStarter{}, syncsched.Config{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
		s := apitest.New(t, db, apitest.Options{Register: func(h huma.API) { api.SyncSchedules(svc)(h) }})
		c, u := s.Client(), s.URL()+"/api/v2/sync-schedules"
		a, b := s.CreateAccount(t, "harbor"), s.CreateAccount(t, "lonely")
		aw, ar := "Bearer "+s.CreateKey(t, a, account.PermissionReadWrite), "Bearer "+s.CreateKey(t, a, account.PermissionRead)
		bw := "Bearer " + s.CreateKey(t, b, account.PermissionReadWrite)

		status, sc, hdr := do(t, c, "POST", u, aw, `{"expression":"every 30 minutes","time_zone":"Europe/Paris","steps":[4,1,2,3],"enabled":true}`)
		if status != 201 || sc["next_at"] != "2026-12-02T10:30:00Z" || sc["next_at_local"] != "2026-12-02T11:30:00+01:00" ||
			fmt.Sprint(sc["steps"]) != "[1 2 3 4]" || sc["last_result"] != "" || hdr.Get("ETag") != `"v1"` || hdr.Get("Location") == "" {
			t.Fatalf("create: %d %v %v", status, sc, hdr)
		}
		one := fmt.Sprintf("%s/%d", u, int64(sc["id"].(float64)))
		if status, got, _ := do(t, c, "GET", s.URL()+hdr.Get("Location"), ar, ""); status != 200 || got["expression"] != "every 30 minutes" {
			t.Fatalf("GET the Location: %d %v", status, got)
		}
		for _, r := range []struct{ body, field string }{
			{`{"expression":"every 7 minutes","steps":[1]}`, "body.expression"},
			{`{"expression":"0 0 30 2 *","steps":[1]}`, "body.expression"},
			{`{"expression":"daily at 02:00","time_zone":"Mars/Olympus","steps":[1]}`, "body.time_zone"},
			{`{"expression":"daily at 02:00","steps":[1,1]}`, "body.steps"},
			{`{"expression":"daily at 02:00","steps":[]}`, "body.steps"},
			{`{"expression":"daily at 02:00","steps":[5]}`, "body.steps"},
		} {
			if status, m, _ := do(t, c, "POST", u, aw, r.body); status != 422 || !errorAt(m, r.field) {
				t.Errorf("POST %s: %d %v; want 422 naming %s", r.body, status, m, r.field)
			}
			if status, m := doIfMatch(t, c, "PUT", one, aw, "", r.body); status != 422 || !errorAt(m, r.field) {
				t.Errorf("PUT %s: %d %v; want 422 naming %s", r.body, status, m, r.field)
			}
		}
		status, m, _ := do(t, c, "POST", u, aw, `{"expression":"every 7 minutes","time_zone":"Nowhere","steps":[0]}`)
		if status != 422 || !errorAt(m, "body.expression") || !errorAt(m, "body.time_zone") || !errorAt(m, "body.steps") {
			t.Errorf("three bad fields: %d %v", status, m)
		}
		if status, _, _ := do(t, c, "POST", u, ar, `{"expression":"@daily","steps":[1]}`); status != 403 {
			t.Errorf("a read key created a schedule: %d", status)
		}
		listed := func(auth string) []any {
			t.Helper()
			status, m, _ := do(t, c, "GET", u, auth, "")
			if status != 200 {
				t.Fatalf("list: %d %v", status, m)
			}
			return m["data"].([]any)
		}
		if l := listed(ar); len(l) != 1 || l[0].(map[string]any)["version"] != float64(1) {
			t.Fatalf("after refused input the account lists %v; want the one schedule unchanged", l)
		}

		// Another account finds nothing and changes nothing.
		if l := listed(bw); len(l) != 0 {
			t.Errorf("another account lists %v", l)
		}
		for _, r := range []struct{ method, body string }{{"GET", ""}, {"PUT", `{"expression":"@daily","steps":[1]}`}, {"DELETE", ""}} {
			if status, m := doIfMatch(t, c, r.method, one, bw, "", r.body); status != 404 {
				t.Errorf("another account's %s: %d %v; want 404", r.method, status, m)
			}
		}

		status, got := doIfMatch(t, c, "PUT", one, aw, `"v1"`, `{"expression":"weekdays at 07:30","time_zone":"America/New_York","steps":[2,1]}`)
		if status != 200 || got["version"] != float64(2) || got["next_at"] != "2026-12-02T12:30:00Z" ||
			got["next_at_local"] != "2026-12-02T07:30:00-05:00" || fmt.Sprint(got["steps"]) != "[1 2]" || got["enabled"] != true {
			t.Fatalf("put: %d %v", status, got)
		}
		if status, m := doIfMatch(t, c, "PUT", one, aw, `"v1"`, `{"expression":"@daily","steps":[1]}`); status != 412 {
			t.Errorf("stale If-Match: %d %v; want 412", status, m)
		}
		if status, m := doIfMatch(t, c, "PUT", one, aw, `abc`, `{"expression":"@daily","steps":[1]}`); status != 412 || !errorAt(m, "header.If-Match") {
			t.Errorf("a malformed If-Match: %d %v; want 412", status, m)
		}
		if status, got := doIfMatch(t, c, "PUT", one, aw, `"v2"`, `{"expression":"weekdays at 07:30","time_zone":"America/New_York","steps":[1,2],"enabled":false}`); status != 200 ||
			got["next_at"] != nil || got["next_at_local"] != nil || got["enabled"] != false {
			t.Errorf("disable: %d %v", status, got)
		}

		// A tick's outcome shows in last_result.
		_, other, _ := do(t, c, "POST", u, aw, `{"expression":"every 5 minutes","steps":[3]}`)
		clock.Add(int64(4 * time.Minute))
		if n, err := svc.Tick(context.Background()); n != 1 || err != nil {
			t.Fatalf("tick: %d %v", n, err)
		}
		if status, got, _ := do(t, c, "GET", fmt.Sprintf("%s/%d", u, int64(other["id"].(float64))), ar, ""); status != 200 ||
			got["last_result"] != "started run 1" || got["last_run_id"] != float64(1) || got["last_slot_at"] != "2026-12-02T10:05:00Z" ||
			got["next_at"] != "2026-12-02T10:10:00Z" {
			t.Errorf("after a tick: %d %v", status, got)
		}

		if status, _, _ := do(t, c, "DELETE", one, ar, ""); status != 403 {
			t.Errorf("a read key deleted: %d", status)
		}
		if status, _, _ := do(t, c, "DELETE", one, aw, ""); status != 204 {
			t.Fatalf("delete: %d", status)
		}
		if status, _, _ := do(t, c, "GET", one, aw, ""); status != 404 {
			t.Errorf("deleted schedule: %d", status)
		}
		if l := listed(ar); len(l) != 1 {
			t.Errorf("after the delete: %v", l)
		}
	})
}
