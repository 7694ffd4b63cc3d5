package linking

import (
	"fmt"
	"slices"
	"strings"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/platform"
)

type mapVariant struct {
	id, item, ident string
	price           platform.Money
	qty             *int64
}

type mapProduct struct {
	id, title string
	variants  []mapVariant
}

// pair is a source product matched for certain to a destination product: order[i] is the index
// of the destination variant of source variant i.
type pair struct {
	src, dst *mapProduct
	order    []int
}

// Conflict kinds.
const (
	ConflictMissingIdentifier   = "missing_identifier"
	ConflictDuplicateIdentifier = "duplicate_identifier"
	ConflictVariantCount        = "variant_count"
)

type newConflict struct {
	kind, reason, identifier string
	sourceIDs, destIDs       []string
}

func (c newConflict) fingerprint() string {
	s, d := slices.Clone(c.sourceIDs), slices.Clone(c.destIDs)
	slices.Sort(s)
	slices.Sort(d)
	return c.kind + "|" + strings.Join(s, ",") + "|" + strings.Join(d, ",") + "|" + c.identifier
}

type matched struct {
	pairs     []pair
	conflicts []newConflict
}

// match links source products to destination products by identifier, guessing nothing: a
// product with a variant lacking the identifier, an identifier on two variants of one side, or a
// source product whose variants match not exactly all the variants of one destination product
// is a conflict, and the products of a conflict are left unlinked. A source product none of
// whose identifiers is at the destination is simply not there (import it).
func match(id catalog.Identifier, srcs, dsts []*mapProduct) matched {
	var m matched
	name := "SKU"
	if id == catalog.IdentifierBarcode {
		name = "barcode"
	}
	bad := map[*mapProduct]bool{}
	index := func(side string, ps []*mapProduct) map[string][]*mapProduct {
		idx := map[string][]*mapProduct{}
		for _, p := range ps {
			missing := 0
			for _, v := range p.variants {
				if v.ident == "" {
					missing++
					continue
				}
				idx[v.ident] = append(idx[v.ident], p)
			}
			if missing > 0 {
				bad[p] = true
				c := newConflict{kind: ConflictMissingIdentifier,
					reason: fmt.Sprintf("%s product %q has %d of %d variants without a %s", side, p.title, missing, len(p.variants), name)}
				if side == "source" {
					c.sourceIDs = []string{p.id}
				} else {
					c.destIDs = []string{p.id}
				}
				m.conflicts = append(m.conflicts, c)
			}
		}
		for _, ident := range sortedKeys(idx) {
			ps := idx[ident]
			if len(ps) < 2 {
				continue
			}
			c := newConflict{kind: ConflictDuplicateIdentifier, identifier: ident,
				reason: fmt.Sprintf("%s %q is on %d variants of the %s store", name, ident, len(ps), side)}
			ids := []string{}
			for _, p := range ps {
				bad[p] = true
				if !slices.Contains(ids, p.id) {
					ids = append(ids, p.id)
				}
			}
			if side == "source" {
				c.sourceIDs = ids
			} else {
				c.destIDs = ids
			}
			m.conflicts = append(m.conflicts, c)
		}
		return idx
	}
	index("source", srcs)
	dstIdx := index("destination", dsts)
	for _, p := range srcs {
		if bad[p] {
			continue
		}
		var cands []*mapProduct
		found := 0
		for _, v := range p.variants {
			if ds := dstIdx[v.ident]; len(ds) == 1 {
				found++
				if !slices.Contains(cands, ds[0]) {
					cands = append(cands, ds[0])
				}
			}
		}
		if len(cands) == 0 {
			continue
		}
		q := cands[0]
		if len(cands) == 1 && !bad[q] && found == len(p.variants) && len(q.variants) == len(p.variants) {
			order := make([]int, len(p.variants))
			for i, v := range p.variants {
				order[i] = slices.IndexFunc(q.variants, func(d mapVariant) bool { return d.ident == v.ident })
			}
			m.pairs = append(m.pairs, pair{src: p, dst: q, order: order})
			continue
		}
		if bad[q] && len(cands) == 1 {
			continue // the destination product is in a conflict of its own
		}
		ids := make([]string, len(cands))
		for i, d := range cands {
			ids[i] = d.id
		}
		m.conflicts = append(m.conflicts, newConflict{kind: ConflictVariantCount, sourceIDs: []string{p.id}, destIDs: ids,
			reason: fmt.Sprintf("source product %q has %d variants; %d of them match by %s, in %d destination products with %d variants in all",
				p.title, len(p.variants), found, name, len(cands), variantsOf(cands))})
	}
	return m
}

func variantsOf(ps []*mapProduct) int {
	n := 0
	for _, p := range ps {
		n += len(p.variants)
	}
	return n
}

func sortedKeys(m map[string][]*mapProduct) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
