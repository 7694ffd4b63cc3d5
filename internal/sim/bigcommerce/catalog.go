package bigcommerce

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

type productIn struct {
	Name           *string       `json:"name"`
	Type           *string       `json:"type"`
	SKU            *string       `json:"sku"`
	Description    *string       `json:"description"`
	Weight         *json.Number  `json:"weight"`
	Price          *json.Number  `json:"price"`
	RetailPrice    *json.Number  `json:"retail_price"`
	IsVisible      *bool         `json:"is_visible"`
	Availability   *string       `json:"availability"`
	SearchKeywords *string       `json:"search_keywords"`
	UPC            *string       `json:"upc"`
	Tracking       *string       `json:"inventory_tracking"`
	CustomURL      *CustomURL    `json:"custom_url"`
	Variants       []variantIn   `json:"variants"`
	Images         []imageIn     `json:"images"`
	CustomFields   []CustomField `json:"custom_fields"`
}

type variantIn struct {
	ID           int64         `json:"id"`
	SKU          *string       `json:"sku"`
	Price        *json.Number  `json:"price"`
	RetailPrice  *json.Number  `json:"retail_price"`
	Weight       *json.Number  `json:"weight"`
	UPC          *string       `json:"upc"`
	OptionValues []OptionValue `json:"option_values"`
}

type imageIn struct {
	ImageURL    string  `json:"image_url"`
	Description *string `json:"description"`
	SortOrder   *int    `json:"sort_order"`
	IsThumbnail *bool   `json:"is_thumbnail"`
}

func validNumber(n *json.Number) bool {
	if n == nil {
		return true
	}
	_, err := n.Float64()
	return err == nil
}

// view renders a product with what include= asks for, quantities summed from the levels.
func (st *Store) view(p *Product, include string) map[string]any {
	inc := map[string]bool{}
	for i := range strings.SplitSeq(include, ",") {
		inc[strings.TrimSpace(i)] = true
	}
	var total int64
	vs := make([]*Variant, 0, len(p.Variants))
	for _, v := range p.Variants {
		c := *v
		for _, q := range st.data.Levels[v.ID] {
			c.InventoryLevel += q
		}
		total += c.InventoryLevel
		vs = append(vs, &c)
	}
	out := map[string]any{
		"id": p.ID, "name": p.Name, "type": p.Type, "sku": p.SKU, "description": p.Description, "weight": p.Weight,
		"price": p.Price, "retail_price": p.RetailPrice, "sale_price": p.SalePrice, "inventory_level": total,
		"inventory_tracking": p.Tracking, "is_visible": p.IsVisible, "availability": p.Availability,
		"search_keywords": p.SearchKeywords, "upc": p.UPC, "custom_url": p.CustomURL,
		"date_created":    p.DateCreated.UTC().Format("2006-01-02T15:04:05Z07:00"),
		"date_modified":   p.DateModified.UTC().Format("2006-01-02T15:04:05Z07:00"),
		"base_variant_id": nil,
	}
	if len(p.Options) == 0 && len(p.Variants) == 1 {
		out["base_variant_id"] = p.Variants[0].ID
	}
	if inc["variants"] {
		out["variants"] = vs
	}
	if inc["images"] {
		ims := slices.Clone(p.Images)
		if ims == nil {
			ims = []*Image{}
		}
		out["images"] = ims
	}
	if inc["custom_fields"] {
		cf := slices.Clone(p.CustomFields)
		if cf == nil {
			cf = []CustomField{}
		}
		out["custom_fields"] = cf
	}
	return out
}

func (s *Sim) listProducts(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	page, limit, ok := paging(w, r, false)
	if !ok {
		return
	}
	q := r.URL.Query()
	ids, ok := idSet(q, "id:in")
	if !ok {
		writeV3Error(w, http.StatusUnprocessableEntity, "id:in must be a list of ids", map[string]string{"id:in": "not a list of integers"})
		return
	}
	var since time.Time
	if v := q.Get("date_modified:min"); v != "" {
		t, ok := parseDate(v)
		if !ok {
			writeV3Error(w, http.StatusUnprocessableEntity, "date_modified:min is not a date", map[string]string{"date_modified:min": "want a date"})
			return
		}
		since = t
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var match []*Product
	for _, id := range sortedIDs(st.data.Products) {
		p := st.data.Products[id]
		if ids != nil && !ids[id] {
			continue
		}
		if !since.IsZero() && p.DateModified.Before(since) {
			continue
		}
		if n := q.Get("name"); n != "" && p.Name != n {
			continue
		}
		if sku := q.Get("sku"); sku != "" && !hasSKU(p, sku) {
			continue
		}
		match = append(match, p)
	}
	from, to, meta := pageOf(len(match), page, limit)
	data := make([]map[string]any, 0, to-from)
	for _, p := range match[from:to] {
		data = append(data, st.view(p, q.Get("include")))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": meta})
}

func hasSKU(p *Product, sku string) bool {
	if p.SKU == sku {
		return true
	}
	for _, v := range p.Variants {
		if v.SKU == sku {
			return true
		}
	}
	return false
}

func (s *Sim) getProduct(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	id, ok := pathID(w, r, "id", false)
	if !ok {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.data.Products[id]
	if p == nil {
		writeV3Error(w, http.StatusNotFound, "The requested product was not found", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": st.view(p, r.URL.Query().Get("include")), "meta": map[string]any{}})
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// conflicts reports a name or SKU another product holds (BigCommerce keeps both unique).
func (st *Store) conflicts(self int64, name string, skus []string) (string, bool) {
	for _, p := range st.data.Products {
		if p.ID == self {
			continue
		}
		if name != "" && strings.EqualFold(p.Name, name) {
			return "The product name is a duplicate", true
		}
		for _, sku := range skus {
			if sku != "" && hasSKU(p, sku) {
				return "The SKU " + sku + " is a duplicate", true
			}
		}
	}
	return "", false
}

func (s *Sim) createProduct(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	var in productIn
	if !decode(w, r, false, &in) {
		return
	}
	fields := map[string]string{}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		fields["name"] = "name is required"
	}
	if in.Type == nil || (*in.Type != "physical" && *in.Type != "digital") {
		fields["type"] = "type is required: physical or digital"
	}
	if in.Weight == nil || !validNumber(in.Weight) {
		fields["weight"] = "weight is required"
	}
	if in.Price == nil || !validNumber(in.Price) {
		fields["price"] = "price is required"
	}
	for _, v := range in.Variants {
		if !validNumber(v.Price) || !validNumber(v.Weight) || !validNumber(v.RetailPrice) {
			fields["variants"] = "price, retail_price and weight must be numbers"
		}
	}
	if len(fields) > 0 {
		writeV3Error(w, http.StatusUnprocessableEntity, "The request payload is not valid", fields)
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	skus := []string{deref(in.SKU)}
	for _, v := range in.Variants {
		skus = append(skus, deref(v.SKU))
	}
	if msg, bad := st.conflicts(0, *in.Name, skus); bad {
		writeV3Error(w, http.StatusConflict, msg, nil)
		return
	}
	now := s.now().UTC().Truncate(1e9)
	p := &Product{ID: st.nextID(), Name: *in.Name, Type: *in.Type, Weight: *in.Weight, Price: *in.Price, RetailPrice: "0", SalePrice: "0",
		Tracking: "none", IsVisible: true, Availability: "available", DateCreated: now, DateModified: now}
	p.CustomURL = CustomURL{URL: "/" + slug(p.Name) + "/"}
	st.applyProduct(p, in)
	if len(in.Variants) == 0 || len(in.Variants[0].OptionValues) == 0 {
		v := &Variant{ID: st.nextID(), ProductID: p.ID, OptionValues: []OptionValue{}}
		p.Variants = []*Variant{v}
	} else {
		for _, vi := range in.Variants {
			v := &Variant{ID: st.nextID(), ProductID: p.ID}
			st.applyVariant(p, v, vi)
			p.Variants = append(p.Variants, v)
		}
	}
	st.syncBase(p)
	for i, im := range in.Images {
		st.addImage(p, im, i)
	}
	for _, f := range in.CustomFields {
		f.ID = st.nextID()
		p.CustomFields = append(p.CustomFields, f)
	}
	st.data.Products[p.ID] = p
	for _, v := range p.Variants {
		st.data.Levels[v.ID] = map[int64]int64{}
	}
	s.hooks.emit(st, "store/product/created", map[string]any{"type": "product", "id": p.ID})
	writeJSON(w, http.StatusOK, map[string]any{"data": st.view(p, "variants,images,custom_fields"), "meta": map[string]any{}})
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

// applyProduct sets the product's own fields that in names.
func (st *Store) applyProduct(p *Product, in productIn) {
	if in.Name != nil {
		p.Name = *in.Name
	}
	if in.Type != nil {
		p.Type = *in.Type
	}
	if in.SKU != nil {
		p.SKU = *in.SKU
	}
	if in.Description != nil {
		p.Description = *in.Description
	}
	if in.Weight != nil {
		p.Weight = *in.Weight
	}
	if in.Price != nil {
		p.Price = *in.Price
	}
	if in.RetailPrice != nil {
		p.RetailPrice = *in.RetailPrice
	}
	if in.IsVisible != nil {
		p.IsVisible = *in.IsVisible
	}
	if in.Availability != nil {
		p.Availability = *in.Availability
	}
	if in.SearchKeywords != nil {
		p.SearchKeywords = *in.SearchKeywords
	}
	if in.UPC != nil {
		p.UPC = *in.UPC
	}
	if in.Tracking != nil {
		p.Tracking = *in.Tracking
	}
	if in.CustomURL != nil {
		p.CustomURL = *in.CustomURL
	}
}

// syncBase keeps a simple product's one variant equal to the product's SKU, price and UPC.
func (st *Store) syncBase(p *Product) {
	if len(p.Options) > 0 || len(p.Variants) != 1 {
		return
	}
	v := p.Variants[0]
	v.SKU, v.UPC = p.SKU, p.UPC
	price, retail, weight := p.Price, p.RetailPrice, p.Weight
	v.Price, v.RetailPrice, v.Weight = &price, &retail, &weight
}

// applyVariant sets a variant's fields, making the product's options as its values name them.
func (st *Store) applyVariant(p *Product, v *Variant, in variantIn) {
	if in.SKU != nil {
		v.SKU = *in.SKU
	}
	if in.Price != nil {
		n := *in.Price
		v.Price = &n
	}
	if in.RetailPrice != nil {
		n := *in.RetailPrice
		v.RetailPrice = &n
	}
	if in.Weight != nil {
		n := *in.Weight
		v.Weight = &n
	}
	if in.UPC != nil {
		v.UPC = *in.UPC
	}
	if in.OptionValues != nil {
		v.OptionValues = nil
		for _, ov := range in.OptionValues {
			o := st.option(p, ov.OptionDisplayName)
			vid, ok := o.Values[ov.Label]
			if !ok {
				vid = st.nextID()
				o.Values[ov.Label] = vid
			}
			v.OptionValues = append(v.OptionValues, OptionValue{ID: vid, OptionID: o.ID, Label: ov.Label, OptionDisplayName: o.DisplayName})
		}
	}
}

func (st *Store) option(p *Product, name string) *Option {
	for i := range p.Options {
		if p.Options[i].DisplayName == name {
			return &p.Options[i]
		}
	}
	p.Options = append(p.Options, Option{ID: st.nextID(), DisplayName: name, Values: map[string]int64{}})
	return &p.Options[len(p.Options)-1]
}

func (st *Store) addImage(p *Product, in imageIn, pos int) *Image {
	im := &Image{ID: st.nextID(), ProductID: p.ID, ImageURL: in.ImageURL, URLStandard: in.ImageURL, SortOrder: pos}
	if in.Description != nil {
		im.Description = *in.Description
	}
	if in.SortOrder != nil {
		im.SortOrder = *in.SortOrder
	}
	if in.IsThumbnail != nil {
		im.IsThumbnail = *in.IsThumbnail
	}
	p.Images = append(p.Images, im)
	sortImages(p)
	return im
}

func sortImages(p *Product) {
	slices.SortStableFunc(p.Images, func(a, b *Image) int { return a.SortOrder - b.SortOrder })
}

func (s *Sim) updateProduct(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	id, ok := pathID(w, r, "id", false)
	if !ok {
		return
	}
	var in productIn
	if !decode(w, r, false, &in) {
		return
	}
	if !validNumber(in.Price) || !validNumber(in.Weight) || !validNumber(in.RetailPrice) {
		writeV3Error(w, http.StatusUnprocessableEntity, "The request payload is not valid", map[string]string{"price": "price, retail_price and weight must be numbers"})
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.data.Products[id]
	if p == nil {
		writeV3Error(w, http.StatusNotFound, "The requested product was not found", nil)
		return
	}
	if msg, bad := st.conflicts(p.ID, deref(in.Name), []string{deref(in.SKU)}); bad {
		writeV3Error(w, http.StatusConflict, msg, nil)
		return
	}
	st.applyProduct(p, in)
	st.syncBase(p)
	p.DateModified = s.now().UTC().Truncate(1e9)
	s.hooks.emit(st, "store/product/updated", map[string]any{"type": "product", "id": p.ID})
	writeJSON(w, http.StatusOK, map[string]any{"data": st.view(p, ""), "meta": map[string]any{}})
}

func (s *Sim) deleteProduct(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	id, ok := pathID(w, r, "id", false)
	if !ok {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.data.Products[id]
	if p == nil {
		writeV3Error(w, http.StatusNotFound, "The requested product was not found", nil)
		return
	}
	for _, v := range p.Variants {
		delete(st.data.Levels, v.ID)
	}
	delete(st.data.Products, id)
	s.hooks.emit(st, "store/product/deleted", map[string]any{"type": "product", "id": id})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) createVariant(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	id, ok := pathID(w, r, "id", false)
	if !ok {
		return
	}
	var in variantIn
	if !decode(w, r, false, &in) {
		return
	}
	if len(in.OptionValues) == 0 || !validNumber(in.Price) || !validNumber(in.Weight) {
		writeV3Error(w, http.StatusUnprocessableEntity, "The request payload is not valid", map[string]string{"option_values": "a variant needs option values"})
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.data.Products[id]
	if p == nil {
		writeV3Error(w, http.StatusNotFound, "The requested product was not found", nil)
		return
	}
	if msg, bad := st.conflicts(0, "", []string{deref(in.SKU)}); bad || (deref(in.SKU) != "" && hasSKU(p, deref(in.SKU))) {
		if msg == "" {
			msg = "The SKU " + deref(in.SKU) + " is a duplicate"
		}
		writeV3Error(w, http.StatusConflict, msg, nil)
		return
	}
	if len(p.Options) == 0 && len(p.Variants) == 1 && len(p.Variants[0].OptionValues) == 0 {
		// The product gains options: its base variant gives way to the optioned ones.
		delete(st.data.Levels, p.Variants[0].ID)
		p.Variants = nil
	}
	v := &Variant{ID: st.nextID(), ProductID: p.ID}
	st.applyVariant(p, v, in)
	p.Variants = append(p.Variants, v)
	st.data.Levels[v.ID] = map[int64]int64{}
	p.DateModified = s.now().UTC().Truncate(1e9)
	s.hooks.emit(st, "store/product/updated", map[string]any{"type": "product", "id": p.ID})
	writeJSON(w, http.StatusOK, map[string]any{"data": v, "meta": map[string]any{}})
}

func (s *Sim) deleteVariant(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	id, ok1 := pathID(w, r, "id", false)
	if !ok1 {
		return
	}
	vid, ok := pathID(w, r, "vid", false)
	if !ok {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.data.Products[id]
	if p == nil {
		writeV3Error(w, http.StatusNotFound, "The requested product was not found", nil)
		return
	}
	i := slices.IndexFunc(p.Variants, func(v *Variant) bool { return v.ID == vid })
	if i < 0 {
		writeV3Error(w, http.StatusNotFound, "The requested variant was not found", nil)
		return
	}
	p.Variants = slices.Delete(p.Variants, i, i+1)
	delete(st.data.Levels, vid)
	p.DateModified = s.now().UTC().Truncate(1e9)
	w.WriteHeader(http.StatusNoContent)
}

// MaxVariantBatch is how many variants PUT /v3/catalog/variants takes.
const MaxVariantBatch = 50

func (st *Store) variantByID(id int64) (*Product, *Variant) {
	for _, p := range st.data.Products {
		for _, v := range p.Variants {
			if v.ID == id {
				return p, v
			}
		}
	}
	return nil, nil
}

func (s *Sim) batchVariants(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	var in []variantIn
	if !decode(w, r, false, &in) {
		return
	}
	if len(in) > MaxVariantBatch {
		writeV3Error(w, http.StatusRequestEntityTooLarge, "The request payload is too large. The maximum items allowed in the array is 50", nil)
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	fields := map[string]string{}
	for i, v := range in {
		if p, _ := st.variantByID(v.ID); p == nil {
			fields[itoa(i)+".id"] = "variant " + itoa64(v.ID) + " not found"
		}
		if !validNumber(v.Price) || !validNumber(v.Weight) || !validNumber(v.RetailPrice) {
			fields[itoa(i)+".price"] = "price, retail_price and weight must be numbers"
		}
	}
	if len(fields) > 0 {
		writeV3Error(w, http.StatusUnprocessableEntity, "The request payload is not valid", fields)
		return
	}
	now := s.now().UTC().Truncate(1e9)
	var out []*Variant
	touched := map[int64]bool{}
	for _, vi := range in {
		p, v := st.variantByID(vi.ID)
		vi.OptionValues = nil // options are not changed by a batch update
		st.applyVariant(p, v, vi)
		p.DateModified = now
		touched[p.ID] = true
		out = append(out, v)
	}
	for _, id := range sortedIDs(touched) {
		s.hooks.emit(st, "store/product/updated", map[string]any{"type": "product", "id": id})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out, "meta": map[string]any{}})
}

func (s *Sim) listVariants(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	page, limit, ok := paging(w, r, false)
	if !ok {
		return
	}
	ids, ok1 := idSet(r.URL.Query(), "id:in")
	pids, ok2 := idSet(r.URL.Query(), "product_id:in")
	if !ok1 || !ok2 {
		writeV3Error(w, http.StatusUnprocessableEntity, "id:in and product_id:in must be lists of ids", nil)
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var match []*Variant
	for _, pid := range sortedIDs(st.data.Products) {
		if pids != nil && !pids[pid] {
			continue
		}
		for _, v := range st.data.Products[pid].Variants {
			if ids == nil || ids[v.ID] {
				c := *v
				for _, q := range st.data.Levels[v.ID] {
					c.InventoryLevel += q
				}
				match = append(match, &c)
			}
		}
	}
	from, to, meta := pageOf(len(match), page, limit)
	writeJSON(w, http.StatusOK, map[string]any{"data": match[from:to], "meta": meta})
}

func (s *Sim) createImage(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	id, ok := pathID(w, r, "id", false)
	if !ok {
		return
	}
	var in imageIn
	if !decode(w, r, false, &in) {
		return
	}
	if !strings.HasPrefix(in.ImageURL, "http://") && !strings.HasPrefix(in.ImageURL, "https://") {
		writeV3Error(w, http.StatusUnprocessableEntity, "image_url must be an http(s) URL", map[string]string{"image_url": "not a URL"})
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.data.Products[id]
	if p == nil {
		writeV3Error(w, http.StatusNotFound, "The requested product was not found", nil)
		return
	}
	im := st.addImage(p, in, len(p.Images))
	writeJSON(w, http.StatusOK, map[string]any{"data": im, "meta": map[string]any{}})
}

func (s *Sim) imageOf(w http.ResponseWriter, r *http.Request) (*Product, int, bool) {
	st := storeOf(r)
	id, ok := pathID(w, r, "id", false)
	if !ok {
		return nil, 0, false
	}
	iid, ok := pathID(w, r, "iid", false)
	if !ok {
		return nil, 0, false
	}
	p := st.data.Products[id]
	if p == nil {
		writeV3Error(w, http.StatusNotFound, "The requested product was not found", nil)
		return nil, 0, false
	}
	i := slices.IndexFunc(p.Images, func(im *Image) bool { return im.ID == iid })
	if i < 0 {
		writeV3Error(w, http.StatusNotFound, "The requested image was not found", nil)
		return nil, 0, false
	}
	return p, i, true
}

func (s *Sim) updateImage(w http.ResponseWriter, r *http.Request) {
	var in imageIn
	if !decode(w, r, false, &in) {
		return
	}
	st := storeOf(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	p, i, ok := s.imageOf(w, r)
	if !ok {
		return
	}
	im := p.Images[i]
	if in.Description != nil {
		im.Description = *in.Description
	}
	if in.SortOrder != nil {
		im.SortOrder = *in.SortOrder
	}
	if in.IsThumbnail != nil {
		im.IsThumbnail = *in.IsThumbnail
	}
	sortImages(p)
	writeJSON(w, http.StatusOK, map[string]any{"data": im, "meta": map[string]any{}})
}

func (s *Sim) deleteImage(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	p, i, ok := s.imageOf(w, r)
	if !ok {
		return
	}
	p.Images = slices.Delete(p.Images, i, i+1)
	w.WriteHeader(http.StatusNoContent)
}
