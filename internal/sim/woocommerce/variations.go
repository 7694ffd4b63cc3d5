package woocommercesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (st *Store) routeVariations(w http.ResponseWriter, r *http.Request, p *Product, res []string, body fields) {
	m := r.Method
	if len(res) == 0 {
		switch m {
		case http.MethodGet:
			st.listVariations(w, r, p)
		case http.MethodPost:
			v, code, err := st.createVariation(p, body)
			if err != nil {
				writeError(w, http.StatusBadRequest, code, err.Error())
				return
			}
			st.touch(p)
			writeJSON(w, http.StatusCreated, st.renderVariation(p, v))
		default:
			noRoute(w)
		}
		return
	}
	if res[0] == "batch" && len(res) == 1 && m == http.MethodPost {
		st.batch(w, body, st.variationBatchOps(p))
		return
	}
	vid, err := strconv.ParseInt(res[0], 10, 64)
	i := slices.IndexFunc(p.Variations, func(v *Variation) bool { return v.ID == vid })
	if err != nil || i < 0 || len(res) != 1 {
		writeError(w, http.StatusNotFound, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
		return
	}
	v := p.Variations[i]
	switch m {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, st.renderVariation(p, v))
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		if code, err := st.applyVariation(p, v, body); err != nil {
			writeError(w, http.StatusBadRequest, code, err.Error())
			return
		}
		st.touch(p)
		writeJSON(w, http.StatusOK, st.renderVariation(p, v))
	case http.MethodDelete:
		out := st.renderVariation(p, v)
		p.Variations = slices.Delete(p.Variations, i, i+1)
		st.touch(p)
		writeJSON(w, http.StatusOK, out)
	default:
		noRoute(w)
	}
}

// touch marks a variable product modified by a change of its variations, and raises its
// product.updated.
func (st *Store) touch(p *Product) {
	p.Modified = st.sim.now()
	st.emit("product.updated", func() any { return st.renderProduct(p) })
}

func (st *Store) listVariations(w http.ResponseWriter, r *http.Request, p *Product) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	after, ok := modifiedAfter(w, r, "modified_after")
	if !ok {
		return
	}
	q := r.URL.Query()
	include := idList(q.Get("include"))
	var list []*Variation
	for _, v := range p.Variations {
		if include != nil && !include[v.ID] {
			continue
		}
		if !after.IsZero() && !v.Modified.After(after) {
			continue
		}
		if sku := q.Get("sku"); sku != "" && v.SKU != sku {
			continue
		}
		list = append(list, v)
	}
	if q.Get("orderby") == "menu_order" || q.Get("orderby") == "" {
		slices.SortStableFunc(list, func(a, b *Variation) int {
			if a.MenuOrder != b.MenuOrder {
				return a.MenuOrder - b.MenuOrder
			}
			return int(a.ID - b.ID)
		})
		if q.Get("order") == "desc" {
			slices.Reverse(list)
		}
	} else {
		sortBy(list, q.Get("orderby"), q.Get("order"), func(v *Variation) (int64, int64) { return v.ID, v.Created.Unix() })
	}
	writePage(w, list, page, per, func(v *Variation) any { return st.renderVariation(p, v) })
}

func (st *Store) createVariation(p *Product, body fields) (*Variation, string, error) {
	if p.Type != "variable" {
		return nil, "woocommerce_rest_invalid_product_id", fmt.Errorf("Variations can only be created for variable products.") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
	}
	now := st.sim.now()
	v := &Variation{Stock: Stock{Backorders: "no"}, Created: now, Modified: now}
	if code, err := st.applyVariation(p, v, body); err != nil {
		return nil, code, err
	}
	v.ID = st.nextID()
	p.Variations = append(p.Variations, v)
	return v, "", nil
}

func (st *Store) applyVariation(p *Product, v *Variation, body fields) (string, error) {
	if code, err := st.applyStock(&v.Stock, body, p.ID, v.ID); err != nil {
		return code, err
	}
	if n, ok, err := body.integer("menu_order"); err != nil {
		return "rest_invalid_param", err
	} else if ok {
		v.MenuOrder = int(n)
	}
	if raw, ok := body["attributes"]; ok {
		var attrs []VarAttribute
		if err := json.Unmarshal(raw, &attrs); err != nil {
			return "rest_invalid_param", fmt.Errorf("attributes is not of type array")
		}
		for _, a := range attrs {
			found := false
			for _, pa := range p.Attributes {
				if strings.EqualFold(pa.Name, a.Name) && pa.Variation {
					found = true
				}
			}
			if !found {
				return "rest_invalid_param", fmt.Errorf("attribute %q is not a variation attribute of product %d", a.Name, p.ID)
			}
		}
		v.Attributes = attrs
	}
	v.Modified = st.sim.now()
	return "", nil
}

func (st *Store) renderVariation(p *Product, v *Variation) map[string]any {
	attrs := []map[string]any{}
	for _, a := range v.Attributes {
		attrs = append(attrs, map[string]any{"id": 0, "name": a.Name, "slug": slugify(a.Name), "option": a.Option})
	}
	var qty any
	manage := any(v.ManageStock)
	if v.ManageStock && v.StockQuantity != nil {
		qty = *v.StockQuantity
	} else if !v.ManageStock && p.ManageStock {
		manage = "parent"
		if p.StockQuantity != nil {
			qty = *p.StockQuantity
		}
	}
	return map[string]any{
		"id": v.ID, "type": "variation", "parent_id": p.ID, "sku": v.SKU, "global_unique_id": v.GlobalUniqueID,
		"date_created": gmt(v.Created), "date_created_gmt": gmt(v.Created),
		"date_modified": gmt(v.Modified), "date_modified_gmt": gmt(v.Modified),
		"description": "", "permalink": st.sim.siteURL(st.data.Config.Name) + "product/" + p.Slug + "/?variation=" + strconv.FormatInt(v.ID, 10),
		"price": price(v.Stock), "regular_price": v.RegularPrice, "sale_price": v.SalePrice, "on_sale": v.SalePrice != "",
		"status": "publish", "purchasable": price(v.Stock) != "", "virtual": false, "downloadable": false,
		"tax_status": "taxable", "tax_class": "", "manage_stock": manage, "stock_quantity": qty,
		"stock_status": stockStatus(v.Stock), "backorders": v.Backorders, "backorders_allowed": v.Backorders != "no",
		"weight": v.Weight, "dimensions": map[string]string{"length": "", "width": "", "height": ""},
		"image": nil, "attributes": attrs, "menu_order": v.MenuOrder, "meta_data": []any{},
	}
}

// batchOps are one endpoint's create, update and delete of one item.
type batchOps struct {
	create func(fields) (any, string, error)
	update func(id int64, f fields) (any, string, error)
	remove func(id int64) (any, string, error)
	bad    string // the endpoint's invalid id code
}

func (st *Store) productBatchOps() batchOps {
	return batchOps{
		bad: "woocommerce_rest_product_invalid_id",
		create: func(f fields) (any, string, error) {
			p, code, err := st.createProduct(f)
			if err != nil {
				return nil, code, err
			}
			return st.renderProduct(p), "", nil
		},
		update: func(id int64, f fields) (any, string, error) {
			p := st.data.Products[id]
			if p == nil {
				return nil, "woocommerce_rest_product_invalid_id", fmt.Errorf("Invalid ID.") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
			}
			if code, err := st.applyProduct(p, f, false); err != nil {
				return nil, code, err
			}
			p.Modified = st.sim.now()
			st.emit("product.updated", func() any { return st.renderProduct(p) })
			return st.renderProduct(p), "", nil
		},
		remove: func(id int64) (any, string, error) {
			p := st.data.Products[id]
			if p == nil {
				return nil, "woocommerce_rest_product_invalid_id", fmt.Errorf("Invalid ID.") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
			}
			out := st.renderProduct(p)
			delete(st.data.Products, id)
			st.emit("product.deleted", func() any { return map[string]any{"id": id} })
			return out, "", nil
		},
	}
}

func (st *Store) variationBatchOps(p *Product) batchOps {
	find := func(id int64) int {
		return slices.IndexFunc(p.Variations, func(v *Variation) bool { return v.ID == id })
	}
	return batchOps{
		bad: "woocommerce_rest_product_variation_invalid_id",
		create: func(f fields) (any, string, error) {
			v, code, err := st.createVariation(p, f)
			if err != nil {
				return nil, code, err
			}
			st.touch(p) // each variation saved raises its product's webhook, as one saved alone does
			return st.renderVariation(p, v), "", nil
		},
		update: func(id int64, f fields) (any, string, error) {
			i := find(id)
			if i < 0 {
				return nil, "woocommerce_rest_product_variation_invalid_id", fmt.Errorf("Invalid ID.") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
			}
			if code, err := st.applyVariation(p, p.Variations[i], f); err != nil {
				return nil, code, err
			}
			st.touch(p)
			return st.renderVariation(p, p.Variations[i]), "", nil
		},
		remove: func(id int64) (any, string, error) {
			i := find(id)
			if i < 0 {
				return nil, "woocommerce_rest_product_variation_invalid_id", fmt.Errorf("Invalid ID.") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
			}
			out := st.renderVariation(p, p.Variations[i])
			p.Variations = slices.Delete(p.Variations, i, i+1)
			st.touch(p)
			return out, "", nil
		},
	}
}

// batch serves a /batch endpoint: at most the store's limit of create, update and delete items
// together (413 otherwise), each answered in place, an error object for one that failed.
func (st *Store) batch(w http.ResponseWriter, body fields, ops batchOps) {
	var creates, updates []fields
	var deletes []int64
	for k, dst := range map[string]*[]fields{"create": &creates, "update": &updates} {
		if raw, ok := body[k]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				writeParamError(w, k, k+" is not of type array.")
				return
			}
		}
	}
	if raw, ok := body["delete"]; ok {
		if err := json.Unmarshal(raw, &deletes); err != nil {
			writeParamError(w, "delete", "delete is not of type array.")
			return
		}
	}
	limit := st.data.Config.BatchLimit
	if n := len(creates) + len(updates) + len(deletes); n > limit {
		writeError(w, http.StatusRequestEntityTooLarge, "woocommerce_rest_request_entity_too_large",
			fmt.Sprintf("Unable to accept more than %d items for this request.", limit))
		return
	}
	itemErr := func(id int64, code string, err error) map[string]any {
		return map[string]any{"id": id, "error": map[string]any{"code": code, "message": err.Error(), "data": map[string]any{"status": 400}}}
	}
	out := map[string][]any{}
	for _, f := range creates {
		v, code, err := ops.create(f)
		if err != nil {
			out["create"] = append(out["create"], itemErr(0, code, err))
			continue
		}
		out["create"] = append(out["create"], v)
	}
	for _, f := range updates {
		id, _, err := f.integer("id")
		if err != nil || id <= 0 {
			out["update"] = append(out["update"], itemErr(0, ops.bad, fmt.Errorf("Invalid ID."))) //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
			continue
		}
		v, code, err := ops.update(id, f)
		if err != nil {
			out["update"] = append(out["update"], itemErr(id, code, err))
			continue
		}
		out["update"] = append(out["update"], v)
	}
	for _, id := range deletes {
		v, code, err := ops.remove(id)
		if err != nil {
			out["delete"] = append(out["delete"], itemErr(id, code, err))
			continue
		}
		out["delete"] = append(out["delete"], v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (st *Store) routeTags(w http.ResponseWriter, r *http.Request, res []string, body fields) {
	if len(res) != 0 {
		noRoute(w)
		return
	}
	switch r.Method {
	case http.MethodGet:
		page, per, ok := paging(w, r)
		if !ok {
			return
		}
		search := strings.ToLower(r.URL.Query().Get("search"))
		var list []*Tag
		for _, t := range st.data.Tags {
			if search == "" || strings.Contains(strings.ToLower(t.Name), search) {
				list = append(list, t)
			}
		}
		slices.SortFunc(list, func(a, b *Tag) int { return strings.Compare(a.Name, b.Name) })
		writePage(w, list, page, per, func(t *Tag) any { return map[string]any{"id": t.ID, "name": t.Name, "slug": t.Slug, "count": 0} })
	case http.MethodPost:
		name, _, _ := body.str("name")
		if strings.TrimSpace(name) == "" {
			writeError(w, http.StatusBadRequest, "rest_missing_callback_param", "Missing parameter(s): name")
			return
		}
		for _, t := range st.data.Tags {
			if strings.EqualFold(t.Name, name) {
				writeJSON(w, http.StatusBadRequest, map[string]any{"code": "term_exists", "message": "A term with the name provided already exists with this parent.",
					"data": map[string]any{"status": 400, "resource_id": t.ID}})
				return
			}
		}
		t := &Tag{ID: st.nextID(), Name: name, Slug: slugify(name)}
		st.data.Tags[t.ID] = t
		writeJSON(w, http.StatusCreated, map[string]any{"id": t.ID, "name": t.Name, "slug": t.Slug, "count": 0})
	default:
		noRoute(w)
	}
}
