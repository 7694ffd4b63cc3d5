package app_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// The connection's page has "Reconcile now": it starts a run (post-redirect-get with its
// message), and the page then lists the run with the drifts it fixed.
func TestDashboardReconcilesNow(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		e := newSyncEnv(t, u)
		src, srcItems := e.shop(t, "dsupplier", 3)
		dst, dstItems := e.shop(t, "dreseller", 3)
		conn := e.connect(t, dst, src, dstItems, srcItems, 0)
		// Linking reads the source's levels and stocks the destination; once that settled, three
		// destination items edited by hand are the drifts a run must find and fix.
		srcLevels := e.levels(t, src, srcItems)
		want := map[string]int64{}
		for i, it := range dstItems {
			want[it] = srcLevels[srcItems[i]]
		}
		e.waitLevels(t, dst, want, 60*time.Second)
		waitIdle(t, e, dst)
		for i, it := range dstItems {
			e.setDestination(t, dst, it, want[it]+int64(100+i))
		}
		waitIdle(t, e, dst)
		if _, err := e.a.Accounts.CreateUser(t.Context(), account.CreateUserParams{AccountID: dst.AccountID, Email: "ops@dreseller.example",
			Password: "long enough password"}); err != nil {
			t.Fatal(err)
		}
		c := new(http.Client)
		*c = *e.srv.Client()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		c.Jar, _ = cookiejar.New(nil)
		do := func(method, path string, form url.Values) (int, string, string) {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, strings.NewReader(form.Encode()))
			if method == http.MethodPost {
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
		if code, _, _ := do(http.MethodPost, "/login", url.Values{"email": {"ops@dreseller.example"}, "password": {"long enough password"}}); code != http.StatusSeeOther {
			t.Fatalf("login: %d", code)
		}
		page := fmt.Sprintf("/connections/%d", conn.ID)
		if _, _, body := do(http.MethodGet, page, nil); !strings.Contains(body, "Reconcile now") || !strings.Contains(body, "No reconciliation yet") {
			t.Fatalf("the connection's page has no Reconcile now:\n%s", body)
		}
		code, loc, _ := do(http.MethodPost, page+"/reconcile", url.Values{})
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, page) {
			t.Fatalf("Reconcile now: %d %s", code, loc)
		}
		_, _, body := do(http.MethodGet, loc, nil)
		if !strings.Contains(body, "Reconciliation 1 (incremental)") {
			t.Errorf("no message after Reconcile now:\n%s", body)
		}
		// The run records each of the 3 edited items and fixes them.
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(body, `<td class="drifts">3</td>`) || !strings.Contains(body, "<td>done</td>"); {
			if time.Now().After(deadline) {
				t.Fatalf("the run never shows done with 3 drifts fixed:\n%s", body)
			}
			time.Sleep(100 * time.Millisecond)
			_, _, body = do(http.MethodGet, page, nil)
		}
	})
}
