package woocommercesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// fields is a request body: each field present is one to set.
type fields map[string]json.RawMessage

func (f fields) str(k string) (string, bool, error) {
	raw, ok := f[k]
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		// WooCommerce casts numbers given for string fields.
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			return n.String(), true, nil
		}
		return "", true, fmt.Errorf("%s is not of type string", k)
	}
	return s, true, nil
}

func (f fields) boolean(k string) (bool, bool, error) {
	raw, ok := f[k]
	if !ok || string(raw) == "null" {
		return false, false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, true, fmt.Errorf("%s is not of type boolean", k)
	}
	return b, true, nil
}

func (f fields) integer(k string) (int64, bool, error) {
	raw, ok := f[k]
	if !ok || string(raw) == "null" {
		return 0, false, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if v, err := strconv.ParseInt(s, 10, 64); err == nil {
				return v, true, nil
			}
		}
		return 0, true, fmt.Errorf("%s is not of type integer", k)
	}
	return n, true, nil
}

var decimal = regexp.MustCompile(`^\d+(\.\d+)?$`)

// route serves one authenticated call.
func (st *Store) route(w http.ResponseWriter, r *http.Request, path string, body fields) {
	var hooks []delivery
	defer func() { st.sim.send(hooks) }()
	st.mu.Lock()
	defer st.mu.Unlock()
	seg := strings.Split(strings.Trim(path, "/"), "/")
	// seg[0] = wp-json, seg[1..2] = namespace
	if len(seg) < 4 {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		return
	}
	ns, res := seg[1]+"/"+seg[2], seg[3:]
	switch {
	case ns == "wc/v3":
		st.routeWC(w, r, res, body)
	case ns == "wc-shipment-tracking/v3" && st.data.Config.ShipmentTracking:
		st.routeTracking(w, r, res, body)
	default:
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
	}
	hooks = st.pending
	st.pending = nil
}

func noRoute(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
}

func (st *Store) routeWC(w http.ResponseWriter, r *http.Request, res []string, body fields) {
	m := r.Method
	switch {
	case len(res) == 2 && res[0] == "settings" && m == http.MethodGet:
		st.settings(w, res[1])
	case res[0] == "products" && len(res) >= 2 && res[1] == "tags":
		st.routeTags(w, r, res[2:], body)
	case res[0] == "products":
		st.routeProducts(w, r, res[1:], body)
	case res[0] == "orders":
		st.routeOrders(w, r, res[1:], body)
	case res[0] == "webhooks":
		st.routeWebhooks(w, r, res[1:], body)
	default:
		noRoute(w)
	}
}

func (st *Store) settings(w http.ResponseWriter, group string) {
	cfg := st.data.Config
	var list []map[string]any
	set := func(id, v string) {
		list = append(list, map[string]any{"id": id, "label": id, "type": "text", "value": v})
	}
	switch group {
	case "general":
		set("woocommerce_store_address", "1 Main Street")
		set("woocommerce_store_city", "Springfield")
		set("woocommerce_default_country", "US:IL")
		set("woocommerce_store_postcode", "62701")
		set("woocommerce_currency", cfg.Currency)
		set("woocommerce_price_num_decimals", "2")
	case "products":
		set("woocommerce_weight_unit", cfg.WeightUnit)
		set("woocommerce_dimension_unit", "cm")
		set("woocommerce_manage_stock", "yes")
	default:
		writeError(w, http.StatusNotFound, "rest_setting_setting_group_invalid", "Invalid setting group.")
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (st *Store) routeProducts(w http.ResponseWriter, r *http.Request, res []string, body fields) {
	m := r.Method
	if len(res) == 0 {
		switch m {
		case http.MethodGet:
			st.listProducts(w, r)
		case http.MethodPost:
			p, code, err := st.createProduct(body)
			if err != nil {
				writeError(w, http.StatusBadRequest, code, err.Error())
				return
			}
			writeJSON(w, http.StatusCreated, st.renderProduct(p))
		default:
			noRoute(w)
		}
		return
	}
	if res[0] == "batch" && len(res) == 1 && m == http.MethodPost {
		st.batch(w, body, st.productBatchOps())
		return
	}
	pid, err := strconv.ParseInt(res[0], 10, 64)
	if err != nil {
		noRoute(w)
		return
	}
	p := st.data.Products[pid]
	if p == nil {
		writeError(w, http.StatusNotFound, "woocommerce_rest_product_invalid_id", "Invalid ID.")
		return
	}
	if len(res) >= 2 && res[1] == "variations" {
		st.routeVariations(w, r, p, res[2:], body)
		return
	}
	if len(res) != 1 {
		noRoute(w)
		return
	}
	switch m {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, st.renderProduct(p))
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		if code, err := st.applyProduct(p, body, false); err != nil {
			writeError(w, http.StatusBadRequest, code, err.Error())
			return
		}
		p.Modified = st.sim.now()
		st.emit("product.updated", func() any { return st.renderProduct(p) })
		writeJSON(w, http.StatusOK, st.renderProduct(p))
	case http.MethodDelete:
		out := st.renderProduct(p)
		if r.URL.Query().Get("force") != "true" {
			p.Status = "trash"
			p.Modified = st.sim.now()
			st.emit("product.deleted", func() any { return map[string]any{"id": p.ID} })
			writeJSON(w, http.StatusOK, st.renderProduct(p))
			return
		}
		delete(st.data.Products, pid)
		st.emit("product.deleted", func() any { return map[string]any{"id": pid} })
		writeJSON(w, http.StatusOK, out)
	default:
		noRoute(w)
	}
}

func (st *Store) listProducts(w http.ResponseWriter, r *http.Request) {
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	after, ok := modifiedAfter(w, r, "modified_after")
	if !ok {
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	include := idList(q.Get("include"))
	sku, search := q.Get("sku"), strings.ToLower(q.Get("search"))
	var list []*Product
	for _, p := range st.data.Products {
		switch {
		case status == "" || status == "any":
			if p.Status == "trash" {
				continue
			}
		case p.Status != status:
			continue
		}
		if include != nil && !include[p.ID] {
			continue
		}
		if !after.IsZero() && !p.Modified.After(after) {
			continue
		}
		if sku != "" && p.SKU != sku {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(p.Name), search) {
			continue
		}
		list = append(list, p)
	}
	sortBy(list, q.Get("orderby"), q.Get("order"), func(p *Product) (int64, int64) { return p.ID, p.Created.Unix() })
	writePage(w, list, page, per, func(p *Product) any { return st.renderProduct(p) })
}

// sortBy orders by id or by date (WordPress's default: date, descending).
func sortBy[T any](list []T, orderby, order string, key func(T) (id, date int64)) {
	desc := order != "asc"
	slices.SortFunc(list, func(a, b T) int {
		ia, da := key(a)
		ib, db := key(b)
		x, y := da, db
		if orderby == "id" || orderby == "include" || x == y {
			x, y = ia, ib
		}
		c := 0
		switch {
		case x < y:
			c = -1
		case x > y:
			c = 1
		}
		if desc {
			c = -c
		}
		return c
	})
}

func (st *Store) createProduct(body fields) (*Product, string, error) {
	now := st.sim.now()
	p := &Product{Type: "simple", Status: "publish", Created: now, Modified: now, Stock: Stock{Backorders: "no"}}
	if t, ok, _ := body.str("type"); ok {
		if t != "simple" && t != "variable" {
			return nil, "rest_invalid_param", fmt.Errorf("type is not one of simple, grouped, external, and variable")
		}
	}
	if code, err := st.applyProduct(p, body, true); err != nil {
		return nil, code, err
	}
	if p.Name == "" {
		p.Name = "Product"
	}
	p.ID = st.nextID()
	if p.Slug == "" {
		p.Slug = slugify(p.Name)
	}
	p.Slug = st.uniqueSlug(p.Slug, p.ID)
	st.data.Products[p.ID] = p
	st.emit("product.created", func() any { return st.renderProduct(p) })
	return p, "", nil
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

func (st *Store) uniqueSlug(slug string, self int64) string {
	if st.slugs == nil {
		st.slugs = map[string]int64{}
		for _, p := range st.data.Products {
			st.slugs[p.Slug] = p.ID
		}
	}
	taken := func(s string) bool {
		id, ok := st.slugs[s]
		if !ok {
			return false
		}
		if p := st.data.Products[id]; p == nil || p.Slug != s {
			delete(st.slugs, s) // the product is gone or renamed
			return false
		}
		return id != self
	}
	out := slug
	for n := 2; taken(out); n++ {
		out = slug + "-" + strconv.Itoa(n)
	}
	st.slugs[out] = self
	return out
}

// skuTaken reports whether another product or variation holds sku.
func (st *Store) skuTaken(sku string, selfProduct, selfVariation int64) bool {
	if sku == "" {
		return false
	}
	for _, p := range st.data.Products {
		if p.SKU == sku && (p.ID != selfProduct || selfVariation != 0) {
			return true
		}
		for _, v := range p.Variations {
			if v.SKU == sku && v.ID != selfVariation {
				return true
			}
		}
	}
	return false
}

// applyStock sets the fields products and variations share.
func (st *Store) applyStock(s *Stock, body fields, pid, vid int64) (string, error) {
	if v, ok, err := body.str("sku"); err != nil {
		return "rest_invalid_param", err
	} else if ok {
		if st.skuTaken(v, pid, vid) {
			return "product_invalid_sku", fmt.Errorf("Invalid or duplicated SKU.") //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
		}
		s.SKU = v
	}
	if v, ok, err := body.str("global_unique_id"); err != nil {
		return "rest_invalid_param", err
	} else if ok {
		s.GlobalUniqueID = v
	}
	for _, k := range []string{"regular_price", "sale_price", "weight"} {
		v, ok, err := body.str(k)
		if err != nil {
			return "rest_invalid_param", err
		}
		if !ok {
			continue
		}
		if v != "" && !decimal.MatchString(v) {
			return "rest_invalid_param", fmt.Errorf("%s is not a decimal", k)
		}
		switch k {
		case "regular_price":
			s.RegularPrice = v
		case "sale_price":
			s.SalePrice = v
		default:
			s.Weight = v
		}
	}
	if v, ok, err := body.boolean("manage_stock"); err != nil {
		return "rest_invalid_param", err
	} else if ok {
		s.ManageStock = v
	}
	if v, ok, err := body.integer("stock_quantity"); err != nil {
		return "rest_invalid_param", err
	} else if ok {
		s.StockQuantity = &v
	}
	if v, ok, _ := body.str("backorders"); ok {
		if v != "no" && v != "notify" && v != "yes" {
			return "rest_invalid_param", fmt.Errorf("backorders is not one of no, notify, and yes")
		}
		s.Backorders = v
	}
	return "", nil
}

func (st *Store) applyProduct(p *Product, body fields, creating bool) (string, error) {
	if v, ok, err := body.str("name"); err != nil {
		return "rest_invalid_param", err
	} else if ok {
		p.Name = v
	}
	if v, ok, _ := body.str("slug"); ok && v != "" {
		p.Slug = st.uniqueSlug(slugify(v), p.ID)
	}
	if v, ok, _ := body.str("type"); ok && !creating {
		if v != p.Type && (p.Type != "simple" || v != "variable") {
			return "rest_invalid_param", fmt.Errorf("type cannot be changed from %s to %s", p.Type, v)
		}
		p.Type = v
	} else if ok {
		p.Type = v
	}
	if v, ok, _ := body.str("status"); ok {
		switch v {
		case "publish", "draft", "pending", "private":
			p.Status = v
		default:
			return "rest_invalid_param", fmt.Errorf("status is not one of draft, pending, private, publish, future, and any")
		}
	}
	if v, ok, _ := body.str("description"); ok {
		p.Description = v
	}
	if code, err := st.applyStock(&p.Stock, body, p.ID, 0); err != nil {
		return code, err
	}
	if raw, ok := body["tags"]; ok {
		var tags []struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(raw, &tags); err != nil {
			return "rest_invalid_param", fmt.Errorf("tags is not of type array")
		}
		p.TagIDs = nil
		for _, t := range tags {
			if st.data.Tags[t.ID] != nil {
				p.TagIDs = append(p.TagIDs, t.ID)
			}
		}
	}
	if raw, ok := body["images"]; ok {
		var ims []struct {
			ID  int64  `json:"id"`
			Src string `json:"src"`
			Alt string `json:"alt"`
		}
		if err := json.Unmarshal(raw, &ims); err != nil {
			return "rest_invalid_param", fmt.Errorf("images is not of type array")
		}
		var out []Image
		for _, im := range ims {
			if im.ID != 0 {
				i := slices.IndexFunc(p.Images, func(x Image) bool { return x.ID == im.ID })
				if i < 0 {
					return "woocommerce_product_invalid_image_id", fmt.Errorf("#%d is an invalid image ID.", im.ID) //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
				}
				kept := p.Images[i]
				kept.Alt = im.Alt
				out = append(out, kept)
				continue
			}
			if !strings.HasPrefix(im.Src, "http://") && !strings.HasPrefix(im.Src, "https://") {
				return "woocommerce_product_image_upload_error", fmt.Errorf("Error getting remote image %s.", im.Src) //nolint:staticcheck // ST1005: WooCommerce's own message, which clients receive as it is
			}
			out = append(out, Image{ID: st.nextID(), Src: im.Src, Alt: im.Alt})
		}
		p.Images = out
	}
	if raw, ok := body["attributes"]; ok {
		var attrs []Attribute
		if err := json.Unmarshal(raw, &attrs); err != nil {
			return "rest_invalid_param", fmt.Errorf("attributes is not of type array")
		}
		p.Attributes = attrs
	}
	if raw, ok := body["meta_data"]; ok {
		if err := st.applyMeta(&p.Meta, raw); err != nil {
			return "rest_invalid_param", err
		}
	}
	return "", nil
}

// applyMeta adds or updates meta entries by key (or id).
func (st *Store) applyMeta(meta *[]Meta, raw json.RawMessage) error {
	var in []Meta
	if err := json.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("meta_data is not of type array")
	}
	for _, m := range in {
		i := slices.IndexFunc(*meta, func(x Meta) bool { return (m.ID != 0 && x.ID == m.ID) || x.Key == m.Key })
		if i >= 0 {
			(*meta)[i].Value = m.Value
			continue
		}
		*meta = append(*meta, Meta{ID: st.nextID(), Key: m.Key, Value: m.Value})
	}
	return nil
}

func price(s Stock) string {
	if s.SalePrice != "" {
		return s.SalePrice
	}
	return s.RegularPrice
}

func stockStatus(s Stock) string {
	if s.ManageStock && s.StockQuantity != nil && *s.StockQuantity <= 0 {
		if s.Backorders != "no" {
			return "onbackorder"
		}
		return "outofstock"
	}
	return "instock"
}

func metaJSON(meta []Meta) []map[string]any {
	out := []map[string]any{}
	for _, m := range meta {
		out = append(out, map[string]any{"id": m.ID, "key": m.Key, "value": m.Value})
	}
	return out
}

// renderProduct is a product as GET /products/<id> answers it.
func (st *Store) renderProduct(p *Product) map[string]any {
	tags := []map[string]any{}
	for _, id := range p.TagIDs {
		if t := st.data.Tags[id]; t != nil {
			tags = append(tags, map[string]any{"id": t.ID, "name": t.Name, "slug": t.Slug})
		}
	}
	images := []map[string]any{}
	for _, im := range p.Images {
		images = append(images, map[string]any{"id": im.ID, "src": im.Src, "name": "", "alt": im.Alt,
			"date_created": gmt(p.Created), "date_created_gmt": gmt(p.Created),
			"date_modified": gmt(p.Modified), "date_modified_gmt": gmt(p.Modified)})
	}
	attrs := []map[string]any{}
	for _, a := range p.Attributes {
		attrs = append(attrs, map[string]any{"id": 0, "name": a.Name, "slug": slugify(a.Name), "position": a.Position,
			"visible": a.Visible, "variation": a.Variation, "options": a.Options})
	}
	vars := []int64{}
	for _, v := range p.Variations {
		vars = append(vars, v.ID)
	}
	var qty any
	if p.ManageStock && p.StockQuantity != nil {
		qty = *p.StockQuantity
	}
	pr := price(p.Stock)
	if p.Type == "variable" && len(p.Variations) > 0 {
		pr = price(p.Variations[0].Stock)
	}
	site := st.sim.siteURL(st.data.Config.Name)
	return map[string]any{
		"id": p.ID, "name": p.Name, "slug": p.Slug, "permalink": site + "product/" + p.Slug + "/",
		"date_created": gmt(p.Created), "date_created_gmt": gmt(p.Created),
		"date_modified": gmt(p.Modified), "date_modified_gmt": gmt(p.Modified),
		"type": p.Type, "status": p.Status, "featured": false, "catalog_visibility": "visible",
		"description": p.Description, "short_description": "", "sku": p.SKU, "global_unique_id": p.GlobalUniqueID,
		"price": pr, "regular_price": p.RegularPrice, "sale_price": p.SalePrice, "on_sale": p.SalePrice != "",
		"purchasable": pr != "", "virtual": false, "downloadable": false, "tax_status": "taxable", "tax_class": "",
		"manage_stock": p.ManageStock, "stock_quantity": qty, "stock_status": stockStatus(p.Stock),
		"backorders": p.Backorders, "backorders_allowed": p.Backorders != "no", "backordered": false,
		"weight": p.Weight, "dimensions": map[string]string{"length": "", "width": "", "height": ""},
		"shipping_required": true, "parent_id": 0, "categories": []any{}, "tags": tags, "images": images,
		"attributes": attrs, "default_attributes": []any{}, "variations": vars, "menu_order": 0,
		"meta_data":         metaJSON(p.Meta),
		"date_on_sale_from": nil, "date_on_sale_from_gmt": nil, "date_on_sale_to": nil, "date_on_sale_to_gmt": nil,
		"price_html": "", "total_sales": 0, "downloads": []any{}, "download_limit": -1, "download_expiry": -1,
		"external_url": "", "button_text": "", "sold_individually": false, "shipping_taxable": true,
		"shipping_class": "", "shipping_class_id": 0, "reviews_allowed": true, "average_rating": "0.00",
		"rating_count": 0, "related_ids": []any{}, "upsell_ids": []any{}, "cross_sell_ids": []any{},
		"purchase_note": "", "grouped_products": []any{}, "_links": links(site, "products", p.ID),
	}
}

// links is the _links object WordPress adds to every resource.
func links(site, collection string, id int64) map[string]any {
	base := strings.TrimRight(site, "/") + "/wp-json/wc/v3/" + collection
	return map[string]any{
		"self":       []map[string]string{{"href": base + "/" + strconv.FormatInt(id, 10)}},
		"collection": []map[string]string{{"href": base}},
	}
}
