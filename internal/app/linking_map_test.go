package app_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

type apiConflict struct {
	ID                    int64    `json:"id"`
	Kind                  string   `json:"kind"`
	Reason                string   `json:"reason"`
	SourceProductIDs      []string `json:"source_product_ids"`
	DestinationProductIDs []string `json:"destination_product_ids"`
	Identifier            string   `json:"identifier"`
	State                 string   `json:"state"`
}

func (e *linkEnv) conflicts(t *testing.T, conn int64) []apiConflict {
	t.Helper()
	var out []apiConflict
	for page := 1; page < 100; page++ {
		var pg struct {
			Data []apiConflict `json:"data"`
			Next *string       `json:"next"`
		}
		if code := e.call(t, e.key, "GET", fmt.Sprintf("/api/v2/connections/%d/conflicts?page=%d", conn, page), nil, &pg); code != 200 {
			t.Fatalf("conflicts: %d", code)
		}
		out = append(out, pg.Data...)
		if pg.Next == nil {
			break
		}
	}
	return out
}

// Map through the API against the simulator: products whose variants match one for one by SKU
// are linked; each kind of conflict is listed with the products at fault and links nothing; a
// conflict resolved by a pair links that pair, one skipped stays skipped when the map runs again.
func TestMapThroughTheAPI(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, srcC := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, dstC := e.shop(t, e.account, "reseller.myshopify.com")
		tee := product(t, srcC, "Tee", variant("TEE-1", 1500, "S"), variant("TEE-2", 1500, "M"))
		nosku := product(t, srcC, "Unlabelled", variant("", 900, "One"))
		dup1 := product(t, srcC, "Dup one", variant("DUP", 500, "One"))
		dup2 := product(t, srcC, "Dup two", variant("DUP", 600, "One"))
		sock := product(t, srcC, "Sock", variant("SOCK-1", 300, "S"), variant("SOCK-2", 300, "M"))
		product(t, srcC, "Only at the source", variant("LONE", 100, "One"))

		dTee := product(t, dstC, "My tee", variant("TEE-2", 2000, "M"), variant("TEE-1", 2000, "S"))
		dSock := product(t, dstC, "My sock", variant("SOCK-1", 400, "S"))
		dBlank := product(t, dstC, "Blank", variant("", 100, "One"))
		dPick := product(t, dstC, "Picked", variant("PICK", 700, "One"))
		conn := e.connect(t, dst, src)

		r := e.run(t, conn, "map", nil)
		if r.State != "completed" || r.Requested != 6 || r.Done != 1 || r.Failed != 4 {
			t.Fatalf("map: %+v; want 6 source products read, 1 linked, 4 conflicts", r)
		}
		links := e.links(t, conn)
		if len(links) != 2 {
			t.Fatalf("links: %+v; want the tee's two variants", links)
		}
		for _, l := range links {
			if l.Source.ProductID != tee.ID || l.Destination.ProductID != dTee.ID || (l.Identifier != "TEE-1" && l.Identifier != "TEE-2") {
				t.Errorf("link %+v; want the tee by SKU", l)
			}
		}
		// Linked by SKU, not by position: the destination lists its variants the other way round.
		skus := map[string]string{}
		for _, v := range append(slices.Clone(tee.Variants), dTee.Variants...) {
			skus[v.ID] = v.SKU
		}
		for _, l := range links {
			if skus[l.Source.VariantID] != skus[l.Destination.VariantID] {
				t.Errorf("link %+v pairs %s with %s", l, skus[l.Source.VariantID], skus[l.Destination.VariantID])
			}
		}
		byKind := map[string]apiConflict{}
		for _, c := range e.conflicts(t, conn) {
			if c.State != "open" {
				t.Errorf("conflict %+v is not open", c)
			}
			key := c.Kind
			if c.Kind == "missing_identifier" {
				key += map[bool]string{true: "/source", false: "/destination"}[len(c.SourceProductIDs) > 0]
			}
			byKind[key] = c
		}
		want := map[string]struct{ src, dst []string }{
			"missing_identifier/source":      {src: []string{nosku.ID}},
			"missing_identifier/destination": {dst: []string{dBlank.ID}},
			"duplicate_identifier":           {src: []string{dup1.ID, dup2.ID}},
			"variant_count":                  {src: []string{sock.ID}, dst: []string{dSock.ID}},
		}
		if len(byKind) != len(want) {
			t.Fatalf("conflicts %+v; want one of each: %v", byKind, want)
		}
		for k, w := range want {
			c := byKind[k]
			got := slices.Clone(c.SourceProductIDs)
			slices.Sort(got)
			ws := slices.Clone(w.src)
			slices.Sort(ws)
			if !slices.Equal(got, ws) || !slices.Equal(c.DestinationProductIDs, w.dst) && len(w.dst)+len(c.DestinationProductIDs) > 0 || c.Reason == "" {
				t.Errorf("conflict %s = %+v; want source %v destination %v and a reason", k, c, w.src, w.dst)
			}
		}
		if byKind["duplicate_identifier"].Identifier != "DUP" {
			t.Errorf("duplicate conflict names %q; want DUP", byKind["duplicate_identifier"].Identifier)
		}

		dupID, sockID := byKind["duplicate_identifier"].ID, byKind["variant_count"].ID
		path := func(id int64, action string) string {
			return fmt.Sprintf("/api/v2/connections/%d/conflicts/%d/%s", conn, id, action)
		}
		// A pair with as many variants resolves it; a pair of neither side of the conflict, or
		// with another variant count, is refused and links nothing.
		if code := e.call(t, e.key, "POST", path(sockID, "resolve"), map[string]string{"source_product_id": sock.ID, "destination_product_id": dSock.ID}, nil); code != 422 {
			t.Errorf("resolving with a 2-variant and a 1-variant product: %d; want 422", code)
		}
		if code := e.call(t, e.key, "POST", path(dupID, "resolve"), map[string]string{"source_product_id": tee.ID, "destination_product_id": dPick.ID}, nil); code != 422 {
			t.Errorf("resolving with products not of the conflict: %d; want 422", code)
		}
		var res apiConflict
		if code := e.call(t, e.key, "POST", path(dupID, "resolve"), map[string]string{"source_product_id": dup1.ID, "destination_product_id": dPick.ID}, &res); code != 200 || res.State != "resolved" {
			t.Fatalf("resolving the duplicate by a pair: %d %+v", code, res)
		}
		if code := e.call(t, e.key, "POST", path(dupID, "resolve"), map[string]string{"source_product_id": dup2.ID, "destination_product_id": dPick.ID}, nil); code != 409 {
			t.Errorf("resolving a resolved conflict: %d; want 409", code)
		}
		if code := e.call(t, e.key, "POST", path(sockID, "skip"), nil, &res); code != 200 || res.State != "skipped" {
			t.Fatalf("skipping: %d %+v", code, res)
		}
		if code := e.call(t, e.strangerKey, "POST", path(byKind["missing_identifier/source"].ID, "skip"), nil, nil); code != 404 {
			t.Errorf("a stranger skipping: %d; want 404", code)
		}
		links = e.links(t, conn)
		if len(links) != 3 || links[2].Source.ProductID != dup1.ID || links[2].Destination.ProductID != dPick.ID {
			t.Fatalf("links after resolving: %+v; want the tee's two and the picked pair", links)
		}

		// Run again: nothing new is linked or listed twice, the skipped conflict stays skipped, and
		// the duplicate is gone (one of its two products is linked now).
		if r := e.run(t, conn, "map", nil); r.State != "completed" || r.Done != 0 {
			t.Fatalf("map again: %+v", r)
		}
		states := map[int64]string{}
		for _, c := range e.conflicts(t, conn) {
			states[c.ID] = c.State
		}
		if len(states) != 4 || states[sockID] != "skipped" || states[dupID] != "resolved" ||
			states[byKind["missing_identifier/source"].ID] != "open" || states[byKind["missing_identifier/destination"].ID] != "open" {
			t.Errorf("conflicts after mapping again: %v", states)
		}
		if n := len(e.links(t, conn)); n != 3 {
			t.Errorf("links after mapping again: %d; want 3", n)
		}
	})
}
