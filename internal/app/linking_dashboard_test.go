package app_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// The dashboard's product pages of a connection: the source's products with none synced, Import
// selected (post-redirect-get with its message), the import's progress until the product shows
// synced, a map, and a conflict skipped from the Conflicts page.
func TestDashboardImportsAndConflicts(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, srcC := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, dstC := e.shop(t, e.account, "reseller.myshopify.com")
		mug := product(t, srcC, "Mug", variant("MUG", 1000, "One"))
		product(t, srcC, "Blank", variant("", 500, "One"))
		product(t, dstC, "Already here", variant("HERE", 500, "One"))
		conn := e.connect(t, dst, src)

		if _, err := e.a.Accounts.CreateUser(t.Context(), account.CreateUserParams{AccountID: e.account, Email: "ops@acme.example", Password: "long enough password"}); err != nil {
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
		if code, _, _ := do("POST", "/login", url.Values{"email": {"ops@acme.example"}, "password": {"long enough password"}}); code != http.StatusSeeOther {
			t.Fatalf("login: %d", code)
		}
		products := fmt.Sprintf("/connections/%d/products", conn)
		if _, _, page := do("GET", fmt.Sprintf("/connections/%d", conn), nil); !strings.Contains(page, products) {
			t.Errorf("the connection's page has no link to its source products")
		}
		code, _, page := do("GET", products, nil)
		if code != 200 || !strings.Contains(page, "<strong>0</strong> synced") || !strings.Contains(page, `value="`+mug.ID+`"`) {
			t.Fatalf("source products page: %d\n%s", code, page)
		}
		code, loc, _ := do("POST", fmt.Sprintf("/connections/%d/imports", conn), url.Values{"product": {mug.ID}})
		if code != http.StatusSeeOther || loc != products {
			t.Fatalf("import selected: %d %s", code, loc)
		}
		if _, _, page := do("GET", loc, nil); !strings.Contains(page, "started: 1 products") || !strings.Contains(page, `id="runs"`) {
			t.Errorf("after import: no message or progress\n%s", page)
		}
		deadline := time.Now().Add(20 * time.Second)
		// The link commits with the product's step, the run's end with the step's last transaction.
		for !strings.Contains(page, "synced (1 variants)") || !strings.Contains(page, "<td>completed</td>") {
			if time.Now().After(deadline) {
				t.Fatalf("the mug never shows synced:\n%s", page)
			}
			time.Sleep(50 * time.Millisecond)
			_, _, page = do("GET", products, nil)
		}
		if !strings.Contains(page, "<strong>1</strong> synced") {
			t.Errorf("after the import: the synced count is missing\n%s", page)
		}

		if code, loc, _ := do("POST", fmt.Sprintf("/connections/%d/map", conn), nil); code != http.StatusSeeOther || loc != products {
			t.Fatalf("map: %d %s", code, loc)
		}
		conflicts := fmt.Sprintf("/connections/%d/conflicts", conn)
		for !strings.Contains(page, "missing_identifier") {
			if time.Now().After(deadline) {
				t.Fatalf("the conflict never shows:\n%s", page)
			}
			time.Sleep(50 * time.Millisecond)
			_, _, page = do("GET", conflicts, nil)
		}
		i := strings.Index(page, `action="/connections/`+strconv.FormatInt(conn, 10)+`/conflicts/`)
		if i < 0 {
			t.Fatalf("no conflict form:\n%s", page)
		}
		action := page[i+len(`action="`):]
		action, _, _ = strings.Cut(action, `"`)
		skip := strings.TrimSuffix(action, "/resolve") + "/skip"
		if code, loc, _ := do("POST", skip, nil); code != http.StatusSeeOther || loc != conflicts {
			t.Fatalf("skip: %d %s", code, loc)
		}
		if _, _, page := do("GET", conflicts, nil); !strings.Contains(page, "Skipped: those products stay unlinked.") || !strings.Contains(page, "Conflicts (0 open)") {
			t.Errorf("after skipping:\n%s", page)
		}
	})
}
