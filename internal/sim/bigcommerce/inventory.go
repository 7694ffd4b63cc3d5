package bigcommerce

import (
	"net/http"
	"strings"
)

// MaxInventoryBatch is how many items one absolute adjustment takes.
const MaxInventoryBatch = 2000

func (s *Sim) listLocations(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	page, limit, ok := paging(w, r, false)
	if !ok {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	from, to, meta := pageOf(len(st.data.Locations), page, limit)
	writeJSON(w, http.StatusOK, map[string]any{"data": st.data.Locations[from:to], "meta": meta})
}

func (st *Store) location(id int64) *Location {
	for _, l := range st.data.Locations {
		if l.ID == id {
			return l
		}
	}
	return nil
}

func (s *Sim) locationItems(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	loc, ok := pathID(w, r, "id", false)
	if !ok {
		return
	}
	page, limit, ok := paging(w, r, false)
	if !ok {
		return
	}
	ids, ok := idSet(r.URL.Query(), "variant_id:in")
	if !ok {
		writeV3Error(w, http.StatusUnprocessableEntity, "variant_id:in must be a list of ids", map[string]string{"variant_id:in": "not a list of integers"})
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.location(loc) == nil {
		writeV3Error(w, http.StatusNotFound, "Location not found", nil)
		return
	}
	var items []map[string]any
	for _, pid := range sortedIDs(st.data.Products) {
		p := st.data.Products[pid]
		for _, v := range p.Variants {
			if ids != nil && !ids[v.ID] {
				continue
			}
			q := st.data.Levels[v.ID][loc]
			items = append(items, map[string]any{
				"identity":               map[string]any{"sku": v.SKU, "variant_id": v.ID, "product_id": p.ID, "sku_id": v.ID},
				"available_to_sell":      q,
				"total_inventory_onhand": q,
				"settings":               map[string]any{"safety_stock": 0, "is_in_stock": q > 0, "warning_level": 0, "bin_picking_number": ""},
			})
		}
	}
	from, to, meta := pageOf(len(items), page, limit)
	if items == nil {
		items = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": items[from:to], "meta": meta})
}

type adjustItem struct {
	LocationID int64  `json:"location_id"`
	VariantID  int64  `json:"variant_id"`
	ProductID  int64  `json:"product_id"`
	SKU        string `json:"sku"`
	Quantity   *int64 `json:"quantity"`
}

func (s *Sim) absoluteAdjust(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	var in struct {
		Reason string       `json:"reason"`
		Items  []adjustItem `json:"items"`
	}
	if !decode(w, r, false, &in) {
		return
	}
	if len(in.Items) == 0 {
		writeV3Error(w, http.StatusUnprocessableEntity, "items are required", map[string]string{"items": "at least one item"})
		return
	}
	if len(in.Items) > MaxInventoryBatch {
		writeV3Error(w, http.StatusRequestEntityTooLarge, "The request payload is too large. The maximum items allowed in the array is 2000", nil)
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	fields := map[string]string{}
	type target struct {
		p   *Product
		v   *Variant
		loc int64
		q   int64
	}
	var ts []target
	type pv struct {
		p *Product
		v *Variant
	}
	byID, bySKU := map[int64]pv{}, map[string]pv{}
	for _, pp := range st.data.Products {
		for _, vv := range pp.Variants {
			byID[vv.ID] = pv{pp, vv}
			if vv.SKU != "" {
				bySKU[vv.SKU] = pv{pp, vv}
			}
		}
	}
	for i, it := range in.Items {
		var p *Product
		var v *Variant
		switch {
		case it.VariantID > 0:
			p, v = byID[it.VariantID].p, byID[it.VariantID].v
		case it.SKU != "":
			p, v = bySKU[it.SKU].p, bySKU[it.SKU].v
		case it.ProductID > 0:
			if pp := st.data.Products[it.ProductID]; pp != nil && len(pp.Variants) == 1 {
				p, v = pp, pp.Variants[0]
			}
		}
		key := "items." + itoa(i)
		switch {
		case v == nil:
			fields[key] = "the item is not in the catalog (variant_id, sku or product_id of a product without variants)"
		case st.location(it.LocationID) == nil:
			fields[key+".location_id"] = "location " + itoa64(it.LocationID) + " not found"
		case it.Quantity == nil || *it.Quantity < 0 || *it.Quantity > 2147483647:
			fields[key+".quantity"] = "quantity must be 0 to 2147483647"
		default:
			ts = append(ts, target{p, v, it.LocationID, *it.Quantity})
		}
	}
	if len(fields) > 0 {
		writeV3Error(w, http.StatusUnprocessableEntity, "The items could not be adjusted", fields)
		return
	}
	now := s.now().UTC().Truncate(1e9)
	for _, t := range ts {
		if st.data.Levels[t.v.ID] == nil {
			st.data.Levels[t.v.ID] = map[int64]int64{}
		}
		changed := st.data.Levels[t.v.ID][t.loc] != t.q
		st.data.Levels[t.v.ID][t.loc] = t.q
		if t.p.Tracking == "none" {
			t.p.Tracking = "variant"
			if len(t.p.Options) == 0 {
				t.p.Tracking = "product"
			}
		}
		t.p.DateModified = now
		if changed {
			s.hooks.emit(st, "store/sku/inventory/updated", map[string]any{"type": "sku", "id": t.v.ID, "location_id": t.loc,
				"inventory": map[string]any{"product_id": t.p.ID, "variant_id": t.v.ID, "method": "absolute", "value": t.q}})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"transaction_id": strings.ToLower(newID())})
}
