package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/bolink"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/web"
)

// builtInOnly opens the account's own back office; no external one is reached from this test.
type builtInOnly struct{ bo *backoffice.Service }

func (b builtInOnly) BuiltIn(accountID int64) platform.BackOffice {
	return backoffice.Target(b.bo, accountID)
}
func (builtInOnly) External(string, string) (platform.BackOffice, error) {
	return nil, fmt.Errorf("no external back office in this test")
}

// A store owner fills the store's back-office page (a rep who is not a user shown on the form,
// nothing saved), verifies the connection and sees the link enabled; another account cannot see
// the page.
func TestBackOfficeLinkPage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		k, err := secret.ParseKey(secret.NewKeyText())
		if err != nil {
			t.Fatal(err)
		}
		site := &connSite{db: db, box: secret.NewBox(k), acc: account.NewService(db, nil)}
		site.stores = store.NewService(db, nil, site.box, nil)
		site.conns = connection.NewService(db, site.stores, nil, nil)
		jc, err := jobs.New(db, nil, jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		links := bolink.NewService(db, jc, site.stores, builtInOnly{backoffice.NewService(db, nil)}, site.box, bolink.Config{})
		mux := http.NewServeMux()
		web.Register(mux, web.Deps{Accounts: site.acc, Stores: site.stores, BackOfficeLinks: links, Problem: server.WriteProblem})
		site.srv = httptest.NewTLSServer(mux)
		t.Cleanup(site.srv.Close)

		owner, acc, sts := site.person(t, "owner", "harbor")
		stranger, _, _ := site.person(t, "stranger", "lonely")
		page := fmt.Sprintf("/stores/%d/back-office", sts[0].ID)
		if a := owner.do("GET", page, nil); a.status != 200 || !strings.Contains(a.body, "Not enabled") || !strings.Contains(a.body, "Verify connection") {
			t.Fatalf("back-office page: %d %.400s", a.status, a.body)
		}
		form := url.Values{"target": {"built_in"}, "business_name": {"Harbor Club"}, "primary_rep": {"nobody@example.com"}, "job_type": {"dropship"}}
		if a := owner.do("POST", page, form); a.status != 422 || !strings.Contains(a.body, "primary_rep: nobody@example.com is not a user of the back office") ||
			!strings.Contains(a.body, `value="Harbor Club"`) {
			t.Fatalf("unknown rep: %d %.600s; want 422 with the form shown again", a.status, a.body)
		}
		if l, _ := links.Get(t.Context(), acc.ID, sts[0].ID); l.Version != 0 {
			t.Fatalf("link after a refused form: %+v; want nothing saved", l)
		}
		form.Set("primary_rep", "owner@example.com")
		if a := owner.do("POST", page, form); a.status != http.StatusSeeOther {
			t.Fatalf("saving the link: %d %.300s", a.status, a.body)
		}
		if a := owner.do("POST", page+"/verify", nil); a.status != http.StatusSeeOther {
			t.Fatalf("verify: %d", a.status)
		}
		if a := owner.do("GET", page, nil); a.status != 200 || !strings.Contains(a.body, "<strong>Enabled</strong>") ||
			!strings.Contains(a.body, "Connection verified: the link is enabled.") {
			t.Fatalf("after verify: %d %.600s; want enabled", a.status, a.body)
		}
		if a := stranger.do("GET", page, nil); a.status != 404 {
			t.Fatalf("another account's store: %d; want 404", a.status)
		}
	})
}
