package bigcommerce

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Sim) routes() *http.ServeMux {
	m := http.NewServeMux()
	p := "/stores/{hash}"
	m.HandleFunc("GET "+p+"/v2/store", s.getStore)
	m.HandleFunc("GET "+p+"/v3/catalog/products", s.listProducts)
	m.HandleFunc("POST "+p+"/v3/catalog/products", s.createProduct)
	m.HandleFunc("GET "+p+"/v3/catalog/products/{id}", s.getProduct)
	m.HandleFunc("PUT "+p+"/v3/catalog/products/{id}", s.updateProduct)
	m.HandleFunc("DELETE "+p+"/v3/catalog/products/{id}", s.deleteProduct)
	m.HandleFunc("POST "+p+"/v3/catalog/products/{id}/variants", s.createVariant)
	m.HandleFunc("DELETE "+p+"/v3/catalog/products/{id}/variants/{vid}", s.deleteVariant)
	m.HandleFunc("POST "+p+"/v3/catalog/products/{id}/images", s.createImage)
	m.HandleFunc("PUT "+p+"/v3/catalog/products/{id}/images/{iid}", s.updateImage)
	m.HandleFunc("DELETE "+p+"/v3/catalog/products/{id}/images/{iid}", s.deleteImage)
	m.HandleFunc("GET "+p+"/v3/catalog/variants", s.listVariants)
	m.HandleFunc("PUT "+p+"/v3/catalog/variants", s.batchVariants)
	m.HandleFunc("GET "+p+"/v3/inventory/locations", s.listLocations)
	m.HandleFunc("GET "+p+"/v3/inventory/locations/{id}/items", s.locationItems)
	m.HandleFunc("PUT "+p+"/v3/inventory/adjustments/absolute", s.absoluteAdjust)
	m.HandleFunc("GET "+p+"/v2/orders", s.listOrders)
	m.HandleFunc("POST "+p+"/v2/orders", s.createOrder)
	m.HandleFunc("GET "+p+"/v2/orders/{id}", s.getOrder)
	m.HandleFunc("PUT "+p+"/v2/orders/{id}", s.updateOrder)
	m.HandleFunc("GET "+p+"/v2/orders/{id}/products", s.orderProducts)
	m.HandleFunc("GET "+p+"/v2/orders/{id}/shipping_addresses", s.orderAddresses)
	m.HandleFunc("GET "+p+"/v2/orders/{id}/shipments", s.listShipments)
	m.HandleFunc("POST "+p+"/v2/orders/{id}/shipments", s.createShipment)
	m.HandleFunc("PUT "+p+"/v2/orders/{id}/shipments/{sid}", s.updateShipment)
	m.HandleFunc("GET "+p+"/v3/hooks", s.listHooks)
	m.HandleFunc("POST "+p+"/v3/hooks", s.createHook)
	m.HandleFunc("PUT "+p+"/v3/hooks/{id}", s.updateHook)
	m.HandleFunc(p+"/", func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, strings.Contains(r.URL.Path, "/v2/"), http.StatusNotFound, "The route is not found, check the URL", nil)
	})
	return m
}

// maxBody bounds a request body.
const maxBody = 8 << 20

func decode(w http.ResponseWriter, r *http.Request, v2 bool, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		writeErr(w, v2, http.StatusRequestEntityTooLarge, "The request payload is too large", nil)
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeErr(w, v2, http.StatusBadRequest, "The request body is not valid JSON: "+err.Error(), nil)
		return false
	}
	return true
}

func pathID(w http.ResponseWriter, r *http.Request, name string, v2 bool) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		writeErr(w, v2, http.StatusNotFound, "The requested resource was not found", nil)
		return 0, false
	}
	return n, true
}

// paging reads page and limit (default 50, at most 250).
func paging(w http.ResponseWriter, r *http.Request, v2 bool) (page, limit int, ok bool) {
	page, limit = 1, 50
	q := r.URL.Query()
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeErr(w, v2, http.StatusUnprocessableEntity, "page must be a positive integer", map[string]string{"page": "must be ≥ 1"})
			return 0, 0, false
		}
		page = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 250 {
			writeErr(w, v2, http.StatusUnprocessableEntity, "limit must be between 1 and 250", map[string]string{"limit": "must be 1 to 250"})
			return 0, 0, false
		}
		limit = n
	}
	return page, limit, true
}

// pageOf cuts one page out of n items: [from, to) and v3's meta.pagination.
func pageOf(n, page, limit int) (int, int, map[string]any) {
	from := min((page-1)*limit, n)
	to := min(from+limit, n)
	pages := (n + limit - 1) / limit
	links := map[string]string{"current": fmt.Sprintf("?page=%d&limit=%d", page, limit)}
	if page > 1 {
		links["previous"] = fmt.Sprintf("?page=%d&limit=%d", page-1, limit)
	}
	if page < pages {
		links["next"] = fmt.Sprintf("?page=%d&limit=%d", page+1, limit)
	}
	return from, to, map[string]any{"pagination": map[string]any{"total": n, "count": to - from, "per_page": limit,
		"current_page": page, "total_pages": pages, "links": links}}
}

// idSet reads a comma-separated id filter ("id:in=1,2").
func idSet(q url.Values, key string) (map[int64]bool, bool) {
	s := q.Get(key)
	if s == "" {
		return nil, true
	}
	m := map[int64]bool{}
	for p := range strings.SplitSeq(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil, false
		}
		m[n] = true
	}
	return m, true
}

// parseDate reads a filter date: RFC 3339, RFC 1123 (v2), a date, or Unix seconds.
func parseDate(s string) (time.Time, bool) {
	for _, l := range []string{time.RFC3339Nano, time.RFC1123Z, time.RFC1123, "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

func (s *Sim) getStore(w http.ResponseWriter, r *http.Request) {
	st := storeOf(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": st.cfg.Hash, "domain": st.cfg.Hash + ".mybigcommerce.com", "secure_url": "https://" + st.cfg.Hash + ".mybigcommerce.com",
		"name": st.cfg.Name, "admin_email": "admin@" + st.cfg.Hash + ".example", "currency": st.cfg.Currency,
		"weight_units": st.cfg.WeightUnits, "plan_name": "Standard", "plan_level": "Standard",
		"timezone": map[string]any{"name": "Etc/UTC", "raw_offset": 0},
	})
}

// sortedIDs returns a map's keys in order.
func sortedIDs[T any](m map[int64]T) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
