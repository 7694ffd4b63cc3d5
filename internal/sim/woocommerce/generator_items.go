package woocommercesim

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// parseItems reads item ids as the REST API's clients name them ("12", "12:34"), skipping
// malformed ones.
func parseItems(ids []string) []OrderLine {
	out := make([]OrderLine, 0, len(ids))
	for _, id := range ids {
		p, v, _ := strings.Cut(id, ":")
		var l OrderLine
		var err error
		if l.ProductID, err = strconv.ParseInt(p, 10, 64); err != nil {
			continue
		}
		if v != "" {
			if l.VariationID, err = strconv.ParseInt(v, 10, 64); err != nil {
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

// pickItem picks one of items that the store sells, for a generated order's line; false when it
// sells none of them. The caller holds st.mu.
func (st *Store) pickItem(items []OrderLine, rng *rand.Rand) (OrderLine, bool) {
	var have []OrderLine
	for _, l := range items {
		p := st.data.Products[l.ProductID]
		if p == nil || p.Status != "publish" {
			continue
		}
		if l.VariationID == 0 && p.Type != "variable" ||
			l.VariationID != 0 && slices.ContainsFunc(p.Variations, func(v *Variation) bool { return v.ID == l.VariationID }) {
			have = append(have, l)
		}
	}
	if len(have) == 0 {
		return OrderLine{}, false
	}
	l := have[rng.IntN(len(have))]
	l.Quantity = int64(1 + rng.IntN(3))
	return l, true
}
