package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/syncrun"
	"github.com/storesync/storesync/internal/syncsched"
	"github.com/storesync/storesync/internal/web"
)

// newSyncSite is a dashboard with sync runs whose jobs client is not started: runs are recorded
// and stay queued, which is what the pages show.
func newSyncSite(t *testing.T, db *database.DB) (*connSite, *syncrun.Service) {
	t.Helper()
	k, err := secret.ParseKey(secret.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	site := &connSite{db: db, box: secret.NewBox(k), acc: account.NewService(db, nil)}
	site.stores = store.NewService(db, nil, site.box, nil)
	jc, err := jobs.New(db, nil, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	runs := syncrun.NewService(syncrun.Config{DB: db, Jobs: jc, Sealer: site.box})
	mux := http.NewServeMux()
	web.Register(mux, web.Deps{Accounts: site.acc, Stores: site.stores, SyncRuns: runs, Problem: server.WriteProblem,
		SyncSchedules: syncsched.NewService(db, nil, syncsched.Config{}), BackOffice: backoffice.NewService(db, nil)})
	site.srv = httptest.NewTLSServer(mux)
	t.Cleanup(site.srv.Close)
	return site, runs
}

// upload posts a file as the feed form does (multipart).
func (b browser) upload(path, name string, body []byte) answer {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(body)
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, b.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

// Sync All starts a manual run of the four steps and shows it with its progress; a second is
// refused with a message naming the running run; the run page and its progress JSON are the
// account's only; the script is served for the CSP's 'self'.
func TestSyncRunPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		site, runs := newSyncSite(t, db)
		ra, racc, _ := site.person(t, "harbor")
		xa, _, _ := site.person(t, "lonely")

		a := ra.do("GET", "/sync", nil)
		if a.status != 200 || !strings.Contains(a.body, `id="sync-bar"`) || !strings.Contains(a.body, "No sync run is under way") ||
			!strings.Contains(a.body, `href="/sync"`) {
			t.Fatalf("sync page before any run: %d %.2000s", a.status, a.body)
		}
		post, page := ra.follow("/sync/runs", url.Values{})
		if post.status != http.StatusSeeOther {
			t.Fatalf("Sync All: %d %.2000s", post.status, post.body)
		}
		run, ok, err := runs.Active(context.Background(), racc.ID)
		if err != nil || !ok || run.Trigger != syncrun.TriggerManual || len(run.Steps) != 4 || !strings.HasPrefix(run.RequestedBy, "user ") {
			t.Fatalf("Sync All should start a manual run of the four steps: %+v %v %v", run, ok, err)
		}
		runPath := fmt.Sprintf("/sync/runs/%d", run.ID)
		if post.header.Get("Location") != runPath || !strings.Contains(page.body, fmt.Sprintf("Sync run %d started", run.ID)) ||
			!strings.Contains(page.body, "4. Data to the stores") || !strings.Contains(page.body, runPath+"/progress") {
			t.Fatalf("after Sync All: %s %.3000s", post.header.Get("Location"), page.body)
		}
		post, page = ra.follow("/sync/runs", url.Values{"steps": {"3"}})
		if post.status != http.StatusSeeOther || post.header.Get("Location") != runPath ||
			!strings.Contains(page.body, fmt.Sprintf("Sync run %d is still under way", run.ID)) {
			t.Fatalf("second Sync All: want the message naming run %d: %d %s %.3000s", run.ID, post.status, post.header.Get("Location"), page.body)
		}
		if list, _ := runs.List(context.Background(), syncrun.ListParams{AccountID: racc.ID}); len(list) != 1 {
			t.Fatalf("the refused Sync All recorded a run: %d runs", len(list))
		}
		if a := ra.do("POST", "/sync/runs", url.Values{"steps": {"7"}}); a.status != http.StatusSeeOther {
			t.Errorf("bad step: %d", a.status)
		}

		if a := ra.do("GET", "/back-office/jobs", nil); a.status != 200 || !strings.Contains(a.body, `id="sync-bar"`) ||
			!strings.Contains(a.body, `<a href="`+runPath+`">sync run `+strconv.FormatInt(run.ID, 10)+`</a> is queued`) {
			t.Errorf("back-office page: want the bar naming the run under way: %d %.3000s", a.status, a.body)
		}
		if a := xa.do("GET", "/back-office/jobs", nil); strings.Contains(a.body, runPath) {
			t.Errorf("another account's bar names the run")
		}
		a = ra.do("GET", "/sync", nil)
		if a.status != 200 || !strings.Contains(a.body, `data-progress="`+runPath+`/progress"`) || !strings.Contains(a.body, `src="/static/sync.js"`) ||
			!strings.Contains(a.body, `http-equiv="refresh"`) || !strings.Contains(a.body, `class="run"`) || !strings.Contains(a.body, "manual") {
			t.Errorf("sync page with a run: %.4000s", a.body)
		}
		if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("CSP changed: %q", csp)
		}
		if js := ra.do("GET", "/static/sync.js", nil); js.status != 200 || !strings.Contains(js.header.Get("Content-Type"), "javascript") ||
			!strings.Contains(js.body, "data-progress") {
			t.Errorf("script: %d %q", js.status, js.header.Get("Content-Type"))
		}
		p := ra.do("GET", runPath+"/progress", nil)
		var got struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			Steps  []struct {
				Step   int    `json:"step"`
				Status string `json:"status"`
				Done   int64  `json:"done"`
				Total  int64  `json:"total"`
			} `json:"steps"`
		}
		if err := json.Unmarshal([]byte(p.body), &got); p.status != 200 || err != nil || got.ID != run.ID || got.Status != syncrun.StatusQueued ||
			len(got.Steps) != 4 || got.Steps[3].Step != 4 || got.Steps[0].Status != syncrun.StepPending {
			t.Errorf("progress JSON: %d %v %s", p.status, err, p.body)
		}
		if a := ra.do("GET", runPath, nil); a.status != 200 || !strings.Contains(a.body, "Sync run "+strconv.FormatInt(run.ID, 10)) || !strings.Contains(a.body, "1. Orders from the stores") {
			t.Errorf("run page: %d %.3000s", a.status, a.body)
		}
		for _, path := range []string{runPath, runPath + "/progress"} {
			if a := xa.do("GET", path, nil); a.status != 404 || strings.Contains(a.body, "Orders from the stores") {
				t.Errorf("another account sees %s: %d %.500s", path, a.status, a.body)
			}
		}
		if a := xa.do("GET", "/sync", nil); a.status != 200 || strings.Contains(a.body, runPath) {
			t.Errorf("another account's sync page shows the run: %.2000s", a.body)
		}
	})
}

// A feed with a bad mapping shows the form again naming the field and saves nothing; an upload
// feed takes a file and its page previews the first rows; another account gets a 404.
func TestFeedPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		site, runs := newSyncSite(t, db)
		ra, racc, _ := site.person(t, "harbor")
		xa, _, _ := site.person(t, "lonely")

		form := url.Values{"name": {"Acme stock"}, "source": {"upload"}, "mapping.quantity": {"qty"}, "enabled": {"1"}}
		a := ra.do("POST", "/feeds", form)
		if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "mapping.sku") || !strings.Contains(a.body, `value="Acme stock"`) {
			t.Fatalf("bad mapping: want the form again naming mapping.sku: %d %.3000s", a.status, a.body)
		}
		if fs, _ := runs.ListFeeds(context.Background(), racc.ID); len(fs) != 0 {
			t.Fatalf("a refused feed was saved: %+v", fs)
		}
		bad := url.Values{"name": {"Acme stock"}, "source": {"upload"}, "mapping.sku": {"sku"}, "rules.quantity_cap": {"lots"}}
		if a := ra.do("POST", "/feeds", bad); a.status != 422 || !strings.Contains(a.body, "rules.quantity_cap") {
			t.Errorf("bad cap: %d %.2000s", a.status, a.body)
		}
		form.Set("mapping.sku", "sku")
		post, page := ra.follow("/feeds", form)
		fs, _ := runs.ListFeeds(context.Background(), racc.ID)
		if post.status != http.StatusSeeOther || len(fs) != 1 || !strings.Contains(page.body, "No file uploaded yet") {
			t.Fatalf("add feed: %d %d feeds %.2000s", post.status, len(fs), page.body)
		}
		f := fs[0]
		feedPath := fmt.Sprintf("/feeds/%d", f.ID)
		up := fmt.Sprintf("/feed-uploads/%d", f.ID)
		if a := ra.upload(up, "stock.csv", nil); a.status != 422 || !strings.Contains(a.body, "file") {
			t.Errorf("empty upload: %d %.1000s", a.status, a.body)
		}
		post = ra.upload(up, "stock.csv", []byte("sku,qty\ntee-red-m,7\ntee-blue-l,3\n"))
		if post.status != http.StatusSeeOther {
			t.Fatalf("upload: %d %.2000s", post.status, post.body)
		}
		page = ra.do("GET", feedPath, nil)
		if !strings.Contains(page.body, "<th>sku</th><th>qty</th>") || !strings.Contains(page.body, "<td>tee-blue-l</td><td>3</td>") ||
			!strings.Contains(page.body, "stock.csv uploaded") {
			t.Errorf("preview after upload: %.4000s", page.body)
		}
		if a := ra.do("GET", "/feeds", nil); a.status != 200 || !strings.Contains(a.body, "Acme stock") || !strings.Contains(a.body, "not run yet") {
			t.Errorf("feeds list: %d %.2000s", a.status, a.body)
		}
		edit := url.Values{"name": {"Acme stock"}, "source": {"upload"}, "mapping.sku": {""}, "version": {strconv.FormatInt(f.Version, 10)}}
		if a := ra.do("POST", feedPath, edit); a.status != 422 || !strings.Contains(a.body, "mapping.sku") {
			t.Errorf("bad edit: %d %.2000s", a.status, a.body)
		}
		if g, _ := runs.GetFeed(context.Background(), racc.ID, f.ID); g.Mapping.SKU != "sku" || g.Version != f.Version {
			t.Errorf("a refused edit changed the feed: %+v", g)
		}
		post, page = ra.follow(feedPath+"/run", url.Values{})
		if post.header.Get("Location") != feedPath || !strings.Contains(page.body, "3. Data from the back office") {
			t.Errorf("Run now: %s %.2000s", post.header.Get("Location"), page.body)
		}
		if r, ok, _ := runs.Active(context.Background(), racc.ID); !ok || len(r.Steps) != 1 || r.Steps[0].Step != syncrun.StepDataIn {
			t.Errorf("Run now should start step 3 alone: %+v", r)
		}
		for _, c := range []struct{ method, path string }{{"GET", feedPath}, {"POST", feedPath + "/delete"}, {"POST", feedPath + "/run"}} {
			if a := xa.do(c.method, c.path, url.Values{}); a.status != 404 {
				t.Errorf("another account %s %s: %d", c.method, c.path, a.status)
			}
		}
		if a := xa.upload(up, "x.csv", []byte("sku,qty\na,1\n")); a.status != 404 {
			t.Errorf("another account uploads: %d", a.status)
		}
	})
}

// A store's Stock comes from form sets its inventory master; a bad value changes nothing.
func TestStockComesFrom(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		site, runs := newSyncSite(t, db)
		ra, racc, sts := site.person(t, "harbor", "shop")
		xa, _, _ := site.person(t, "lonely")
		path := fmt.Sprintf("/stores/%d/master", sts[0].ID)
		if a := ra.do("GET", "/stores", nil); !strings.Contains(a.body, `action="`+path+`"`) {
			t.Fatalf("stores page lacks the form: %.3000s", a.body)
		}
		if post, page := ra.follow(path, url.Values{"master": {"warehouse"}}); post.status != 303 || !strings.Contains(page.body, "is neither platform nor back_office") {
			t.Errorf("bad master: %d %.2000s", post.status, page.body)
		}
		if post, _ := ra.follow(path, url.Values{"master": {"back_office"}, "match_by": {"barcode"}}); post.status != 303 {
			t.Fatalf("set master: %d", post.status)
		}
		m, err := runs.Master(context.Background(), racc.ID, sts[0].ID)
		if err != nil || m.Master != syncrun.MasterBackOffice || m.MatchBy != "barcode" {
			t.Errorf("master: %+v %v", m, err)
		}
		if a := xa.do("POST", path, url.Values{"master": {"platform"}}); a.status != 404 {
			t.Errorf("another account sets the master: %d", a.status)
		}
	})
}

// The schedule editor adds a schedule (a bad expression shows the form naming it and saves
// nothing), disables and deletes it; another account can touch none of it.
func TestSchedulePages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		site, _ := newSyncSite(t, db)
		ra, _, _ := site.person(t, "harbor")
		xa, _, _ := site.person(t, "lonely")
		if a := ra.do("GET", "/sync/schedules", nil); a.status != 200 || !strings.Contains(a.body, "No schedules") {
			t.Fatalf("schedules page: %d %.2000s", a.status, a.body)
		}
		bad := url.Values{"expression": {"every 7 minutes"}, "time_zone": {"UTC"}, "steps": {"1", "2"}}
		if a := ra.do("POST", "/sync/schedules", bad); a.status != 422 || !strings.Contains(a.body, "expression:") ||
			!strings.Contains(a.body, `value="every 7 minutes"`) || !strings.Contains(a.body, "No schedules") {
			t.Fatalf("bad expression: %d %.3000s", a.status, a.body)
		}
		good := url.Values{"expression": {"every 30 minutes"}, "time_zone": {"Europe/Paris"}, "steps": {"3", "4"}}
		post, page := ra.follow("/sync/schedules", good)
		if post.status != 303 || !strings.Contains(page.body, "<code>every 30 minutes</code>") || !strings.Contains(page.body, "Europe/Paris") ||
			!strings.Contains(page.body, "<td>3, 4</td>") || !strings.Contains(page.body, "Disable") {
			t.Fatalf("add schedule: %d %.3000s", post.status, page.body)
		}
		i := strings.Index(page.body, `action="/sync/schedules/`)
		id := strings.TrimSuffix(strings.SplitN(page.body[i+len(`action="/sync/schedules/`):], "/", 2)[0], "")
		if a := xa.do("POST", "/sync/schedules/"+id+"/delete", url.Values{}); a.status != 404 {
			t.Errorf("another account deletes: %d", a.status)
		}
		edit := url.Values{"expression": {"every 7 minutes"}, "time_zone": {"UTC"}, "steps": {"1"}, "enabled": {"on"}}
		if a := ra.do("POST", "/sync/schedules/"+id, edit); a.status != 422 || !strings.Contains(a.body, "expression:") ||
			!strings.Contains(a.body, `value="every 7 minutes"`) || !strings.Contains(a.body, "nothing was changed") ||
			!strings.Contains(a.body, "<code>every 30 minutes</code>") {
			t.Errorf("bad edit: want 422 naming the expression: %d %.3000s", a.status, a.body)
		}
		if page := ra.do("GET", "/sync/schedules", nil); !strings.Contains(page.body, "<code>every 30 minutes</code>") ||
			!strings.Contains(page.body, "<td>3, 4</td>") {
			t.Errorf("a refused edit changed the schedule: %.3000s", page.body)
		}
		if a := xa.do("POST", "/sync/schedules/"+id, url.Values{"expression": {"every 15 minutes"}, "steps": {"1"}}); a.status != 404 {
			t.Errorf("another account edits: %d", a.status)
		}
		edit = url.Values{"expression": {"0 */2 * * *"}, "time_zone": {"UTC"}, "steps": {"1", "2"}, "enabled": {"on"}}
		if post, page := ra.follow("/sync/schedules/"+id, edit); post.status != 303 || !strings.Contains(page.body, "<code>0 */2 * * *</code>") ||
			!strings.Contains(page.body, "<td>1, 2</td>") || strings.Contains(page.body, "every 30 minutes</code>") {
			t.Errorf("edit: %d %.3000s", post.status, page.body)
		}
		if _, page := ra.follow("/sync/schedules/"+id+"/enabled", url.Values{"enabled": {"off"}}); !strings.Contains(page.body, "disabled") ||
			!strings.Contains(page.body, ">Enable<") {
			t.Errorf("disable: %.3000s", page.body)
		}
		if _, page := ra.follow("/sync/schedules/"+id+"/delete", url.Values{}); !strings.Contains(page.body, "No schedules") {
			t.Errorf("delete: %.3000s", page.body)
		}
	})
}
