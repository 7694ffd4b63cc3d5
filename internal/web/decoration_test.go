package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/web"
)

// A store's logos are added, edited (a taken name shown on the form, nothing saved) and deleted
// on its Logos page; a product's decoration and placements are set on its page (a logo the store
// does not have shown on its row, nothing saved); another account's person finds neither.
func TestDecorationPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		k, err := secret.ParseKey(secret.NewKeyText())
		if err != nil {
			t.Fatal(err)
		}
		site := &connSite{db: db, box: secret.NewBox(k), acc: account.NewService(db, nil)}
		site.stores = store.NewService(db, nil, site.box, nil)
		svc := decoration.NewService(db, nil)
		jc, err := jobs.New(db, nil, jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux() // with the stores' webhook routes beside the decoration's, as served
		web.Register(mux, web.Deps{Accounts: site.acc, Stores: site.stores, Ingest: ingest.NewService(db, jc, site.stores, ingest.Config{}),
			Decoration: svc, Problem: server.WriteProblem})
		site.srv = httptest.NewTLSServer(mux)
		t.Cleanup(site.srv.Close)
		b, acc, st := site.person(t, "printer", "harbor")
		x, xacc, xst := site.person(t, "stranger", "lonely")
		logos := fmt.Sprintf("/stores/%d/logos", st[0].ID)

		if a := b.do("GET", "/stores", nil); a.status != 200 || !strings.Contains(a.body, `href="`+logos+`"`) {
			t.Fatalf("stores page: %d; want a link to the Logos page", a.status)
		}
		if a := b.do("GET", logos, nil); a.status != 200 || !strings.Contains(a.body, "No logos yet") {
			t.Fatalf("logos page: %d %.300s", a.status, a.body)
		}
		post, got := b.follow(logos, url.Values{"name": {"Crest"}, "decoration_method": {"Embroidery"}})
		if post.status != http.StatusSeeOther || !strings.Contains(got.body, "added") || !strings.Contains(got.body, `value="Embroidery"`) {
			t.Fatalf("adding a logo: %d %.400s", post.status, got.body)
		}
		list, _ := svc.ListLogos(ctx, decoration.StoreParams{AccountID: acc.ID, StoreID: st[0].ID})
		if len(list) != 1 || list[0].Name != "Crest" || list[0].Method != "Embroidery" {
			t.Fatalf("logos %+v", list)
		}
		crest := list[0].ID
		if a := b.do("POST", logos, url.Values{"name": {"CREST"}, "decoration_supplier": {"InkWorks"}}); a.status != 422 ||
			!strings.Contains(a.body, "already has a logo") || !strings.Contains(a.body, `value="InkWorks"`) {
			t.Fatalf("a taken name: %d %.400s; want 422 with the form shown again", a.status, a.body)
		}
		logo := fmt.Sprintf("%s/%d", logos, crest)
		edit := logo + "/edit"
		if a := b.do("POST", edit, url.Values{"name": {"  "}, "decoration_method": {"Patch"}}); a.status != 422 || !strings.Contains(a.body, "give 1 to 200 characters") ||
			!strings.Contains(a.body, `value="Patch"`) {
			t.Fatalf("a blank name: %d %.400s", a.status, a.body)
		}
		if l, _ := svc.GetLogo(ctx, decoration.LogoParams{AccountID: acc.ID, StoreID: st[0].ID, LogoID: crest}); l.Name != "Crest" || l.Method != "Embroidery" {
			t.Fatalf("logo after refused forms %+v; want unchanged", l)
		}
		if post, got := b.follow(edit, url.Values{"name": {"Crest"}, "decoration_method": {"Patch"}, "decoration_supplier": {"Stitch"}}); post.status != http.StatusSeeOther ||
			!strings.Contains(got.body, `value="Stitch"`) {
			t.Fatalf("editing a logo: %d %.300s", post.status, got.body)
		}

		// A product's decoration, opened by its platform id.
		open := b.do("GET", fmt.Sprintf("/stores/%d/products/decoration?product_id=%s", st[0].ID, url.QueryEscape("gid://shopify/Product/7")), nil)
		page := open.header.Get("Location")
		if open.status != http.StatusSeeOther || !strings.Contains(page, "%2F%2Fshopify%2FProduct%2F7/decoration") {
			t.Fatalf("opening a product: %d %q", open.status, page)
		}
		if a := b.do("GET", page, nil); a.status != 200 || !strings.Contains(a.body, "Nothing is kept") || !strings.Contains(a.body, "gid://shopify/Product/7") {
			t.Fatalf("product page: %d %.400s", a.status, a.body)
		}
		form := url.Values{"supplier": {"SanMar"}, "design_name": {"Team"}, "logo_id": {strconv.FormatInt(crest, 10), "987654", ""},
			"location": {"Left chest", "Back", ""}}
		if a := b.do("POST", page, form); a.status != 422 || !strings.Contains(a.body, "logo_id: logo 987654 is not a logo of this store") ||
			!strings.Contains(a.body, `value="SanMar"`) {
			t.Fatalf("an unknown logo: %d %.600s; want 422 with the row's error", a.status, a.body)
		}
		product := decoration.ProductParams{AccountID: acc.ID, StoreID: st[0].ID, ProductID: "gid://shopify/Product/7"}
		if p, _ := svc.GetProduct(ctx, product); p.UpdatedAt != nil {
			t.Fatalf("product after a refused form %+v; want nothing kept", p)
		}
		form["logo_id"], form["location"] = []string{strconv.FormatInt(crest, 10)}, []string{"Left chest"}
		post, got = b.follow(page, form)
		if post.status != http.StatusSeeOther || !strings.Contains(got.body, "Decoration saved") || !strings.Contains(got.body, `value="Left chest"`) ||
			!strings.Contains(got.body, fmt.Sprintf(`<option value="%d" selected>Crest</option>`, crest)) {
			t.Fatalf("saving a decoration: %d %.600s", post.status, got.body)
		}
		if p, _ := svc.GetProduct(ctx, product); p.Supplier != "SanMar" || len(p.Placements) != 1 || p.Placements[0].Location != "Left chest" {
			t.Fatalf("saved %+v", p)
		}

		// Another account's person finds neither page and changes nothing.
		for _, r := range []struct {
			method, path string
			form         url.Values
		}{
			{"GET", logos, nil},
			{"POST", logos, url.Values{"name": {"Theirs"}}},
			{"POST", edit, url.Values{"name": {"Theirs"}}},
			{"POST", logo + "/delete", url.Values{}},
			{"GET", page, nil},
			{"POST", page, url.Values{"supplier": {"theirs"}}},
		} {
			if a := x.do(r.method, r.path, r.form); a.status != http.StatusNotFound {
				t.Errorf("stranger's %s %s: %d; want 404", r.method, r.path, a.status)
			}
		}
		// Nor does a path of the stranger's own store reach the printer's logo.
		if a := x.do("POST", fmt.Sprintf("/stores/%d/logos/%d/delete", xst[0].ID, crest), url.Values{}); a.status != http.StatusNotFound {
			t.Errorf("the printer's logo under the stranger's store: %d; want 404", a.status)
		}
		if l, _ := svc.ListLogos(ctx, decoration.StoreParams{AccountID: xacc.ID, StoreID: xst[0].ID}); len(l) != 0 {
			t.Errorf("the stranger's store has logos %+v", l)
		}
		if p, _ := svc.GetProduct(ctx, product); p.Supplier != "SanMar" || len(p.Placements) != 1 {
			t.Fatalf("after the stranger's tries %+v; want unchanged", p)
		}

		post, got = b.follow(logo+"/delete", url.Values{})
		if post.status != http.StatusSeeOther || !strings.Contains(got.body, "with its 1 placement(s)") || !strings.Contains(got.body, "No logos yet") {
			t.Fatalf("deleting a logo: %d %.400s", post.status, got.body)
		}
		if p, _ := svc.GetProduct(ctx, product); len(p.Placements) != 0 {
			t.Errorf("placements after the logo's delete %+v", p.Placements)
		}
	})
}
