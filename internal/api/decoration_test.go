package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/api/apitest"
	"github.com/storesync/storesync/internal/connection/connectiontest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/store"
)

// A store's logos and a product's decoration over the API: written with a read_write key, read
// with a read key; bad input is a 422 (a duplicate name a 409) naming the field, and changes
// nothing; another account's key finds nothing, and changes nothing.
func TestDecorationAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		k, err := secret.ParseKey(secret.NewKeyText())
		if err != nil {
			t.Fatal(err)
		}
		box := secret.NewBox(k)
		stores := store.NewService(db, nil, box, nil)
		s := apitest.New(t, db, apitest.Options{Register: func(h huma.API) { api.Decoration(decoration.NewService(db, nil))(h) }})
		c, u := s.Client(), s.URL()
		a, b := s.CreateAccount(t, "harbor"), s.CreateAccount(t, "lonely")
		st := connectiontest.Store(t, db, stores, box, a, "harbor")
		aw, ar := "Bearer "+s.CreateKey(t, a, account.PermissionReadWrite), "Bearer "+s.CreateKey(t, a, account.PermissionRead)
		bw := "Bearer " + s.CreateKey(t, b, account.PermissionReadWrite)
		logos := fmt.Sprintf("%s/api/v2/stores/%d/logos", u, st.ID)
		product := fmt.Sprintf("%s/api/v2/stores/%d/products/%s/decoration", u, st.ID, url.PathEscape("gid://shopify/Product/42"))

		status, crest, hdr := do(t, c, "POST", logos, aw, `{"name":"Crest","decoration_method":"Embroidery","decoration_supplier":"Stitch & Co"}`)
		if status != 201 || crest["name"] != "Crest" || hdr.Get("Location") == "" {
			t.Fatalf("create logo: %d %v", status, crest)
		}
		crestID := int64(crest["id"].(float64))
		if status, got, _ := do(t, c, "GET", u+hdr.Get("Location"), ar, ""); status != 200 || got["decoration_method"] != "Embroidery" {
			t.Fatalf("GET the created logo's Location: %d %v", status, got)
		}
		_, word, _ := do(t, c, "POST", logos, aw, `{"name":"Wordmark"}`)
		wordID := int64(word["id"].(float64))
		if status, _, _ := do(t, c, "POST", logos, ar, `{"name":"Sponsor"}`); status != 403 {
			t.Errorf("read key added a logo: %d", status)
		}
		status, m, _ := do(t, c, "POST", logos, aw, `{"name":"cREST"}`)
		if status != 409 || !errorAt(m, "body.name") {
			t.Errorf("duplicate name: %d %v; want 409 naming body.name", status, m)
		}
		if status, m, _ := do(t, c, "POST", logos, aw, `{"name":"  "}`); status != 422 || !errorAt(m, "body.name") {
			t.Errorf("blank name: %d %v; want 422 naming body.name", status, m)
		}
		if status, m, _ := do(t, c, "PUT", fmt.Sprintf("%s/%d", logos, wordID), aw, `{"name":"crest"}`); status != 409 || !errorAt(m, "body.name") {
			t.Errorf("renaming to a taken name: %d %v; want 409 naming body.name", status, m)
		}
		listed := func(auth string) []any {
			t.Helper()
			status, m, _ := do(t, c, "GET", logos, auth, "")
			if status != 200 {
				t.Fatalf("list logos: %d %v", status, m)
			}
			return m["data"].([]any)
		}
		if l := listed(ar); len(l) != 2 || l[0].(map[string]any)["name"] != "Crest" || l[1].(map[string]any)["name"] != "Wordmark" {
			t.Fatalf("logos %v; want Crest and Wordmark only", l)
		}

		// A product's decoration, its id path-escaped.
		body := fmt.Sprintf(`{"supplier":"SanMar","decoration_method":"Screen print","design_name":"Team","decoration_location":"Front",
			"placements":[{"logo_id":%d,"location":"Left chest"},{"logo_id":%d,"location":"Back"}]}`, crestID, wordID)
		status, got, _ := do(t, c, "PUT", product, aw, body)
		if status != 200 || got["product_id"] != "gid://shopify/Product/42" || len(got["placements"].([]any)) != 2 || got["updated_at"] == nil {
			t.Fatalf("put decoration: %d %v", status, got)
		}
		unchanged := func(why string) {
			t.Helper()
			status, now, _ := do(t, c, "GET", product, ar, "")
			if status != 200 || now["supplier"] != "SanMar" || len(now["placements"].([]any)) != 2 {
				t.Fatalf("%s: decoration now %d %v; want unchanged", why, status, now)
			}
		}
		bad := fmt.Sprintf(`{"supplier":"changed","placements":[{"logo_id":%d,"location":"Back"},{"logo_id":987654,"location":"Sleeve"}]}`, crestID)
		if status, m, _ := do(t, c, "PUT", product, aw, bad); status != 422 || !errorAt(m, "body.placements[1].logo_id") {
			t.Errorf("unknown logo: %d %v; want 422 naming body.placements[1].logo_id", status, m)
		}
		unchanged("after an unknown logo")
		if status, m, _ := do(t, c, "PUT", product, aw, `{"supplier":"changed","placements":[{"logo_id":1,"location":""}]}`); status != 422 ||
			!errorAt(m, "body.placements[0].location") {
			t.Errorf("empty location: %d %v; want 422 naming body.placements[0].location", status, m)
		}
		unchanged("after an empty location")
		if status, _, _ := do(t, c, "PUT", product, ar, `{}`); status != 403 {
			t.Errorf("read key put a decoration: %d", status)
		}
		unchanged("after a read key's put")

		// Another account's key: nothing of the store is found or changed.
		for _, r := range []struct{ method, url, body string }{
			{"GET", logos, ""},
			{"POST", logos, `{"name":"Theirs"}`},
			{"GET", fmt.Sprintf("%s/%d", logos, crestID), ""},
			{"PUT", fmt.Sprintf("%s/%d", logos, crestID), `{"name":"Theirs"}`},
			{"DELETE", fmt.Sprintf("%s/%d", logos, crestID), ""},
			{"GET", product, ""},
			{"PUT", product, `{"supplier":"theirs"}`},
		} {
			if status, m, _ := do(t, c, r.method, r.url, bw, r.body); status != 404 {
				t.Errorf("another account's %s %s: %d %v; want 404", r.method, r.url, status, m)
			}
		}
		unchanged("after another account's tries")
		if l := listed(aw); len(l) != 2 || l[0].(map[string]any)["name"] != "Crest" {
			t.Fatalf("logos after another account's tries %v", l)
		}

		// Deleting a logo deletes its placements.
		status, del, _ := do(t, c, "DELETE", fmt.Sprintf("%s/%d", logos, crestID), aw, "")
		if status != 200 || del["placements_deleted"] != float64(1) {
			t.Fatalf("delete logo: %d %v; want 1 placement deleted", status, del)
		}
		if _, now, _ := do(t, c, "GET", product, ar, ""); len(now["placements"].([]any)) != 1 {
			t.Errorf("placements after the logo's delete: %v; want the wordmark's only", now["placements"])
		}
		if status, _, _ := do(t, c, "DELETE", fmt.Sprintf("%s/%d", logos, crestID), aw, ""); status != 404 {
			t.Errorf("deleting again: %d; want 404", status)
		}
	})
}
