package shopifysim

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// maxPageSize is Shopify's limit on first/last for every connection.
const maxPageSize = 250

type pageInfo struct {
	start, end       *string
	hasNext, hasPrev bool
}

func (p *pageInfo) StartCursor() *string  { return p.start }
func (p *pageInfo) EndCursor() *string    { return p.end }
func (p *pageInfo) HasNextPage() bool     { return p.hasNext }
func (p *pageInfo) HasPreviousPage() bool { return p.hasPrev }

type edge[T any] struct {
	cursor string
	node   T
}

func (e *edge[T]) Cursor() string { return e.cursor }
func (e *edge[T]) Node() T        { return e.node }

// conn is every Relay connection of the schema: edges, nodes and pageInfo over one page.
type conn[T any] struct {
	edges []*edge[T]
	info  pageInfo
}

func (c *conn[T]) Edges() []*edge[T]   { return c.edges }
func (c *conn[T]) PageInfo() *pageInfo { return &c.info }
func (c *conn[T]) Nodes() []T {
	out := make([]T, len(c.edges))
	for i, e := range c.edges {
		out[i] = e.node
	}
	return out
}

// pageArgs are the pagination arguments every connection field here takes.
type pageArgs struct {
	First *int32
	After *string
}

// sortKey renders a (value, id) pair as a string whose byte order is the sort order, so cursors
// can be compared without decoding them.
func sortKey(v string, id int64) string {
	b := make([]byte, 0, len(v)+21)
	b = append(b, v...)
	b = append(b, '|')
	var digits [20]byte
	n := strconv.AppendInt(digits[:0], id, 10)
	for range 20 - len(n) {
		b = append(b, '0')
	}
	return string(append(b, n...))
}

func timeKey(t time.Time, id int64) string {
	return sortKey(t.UTC().Format("20060102150405.000000000"), id)
}

func idKey(id int64) string { return sortKey("", id) }

func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", fmt.Errorf("invalid cursor %q", c)
	}
	return string(b), nil
}

// keyed is an item of a sorted list with its sort key.
type keyed[E any] struct {
	key  string
	item E
}

func sortKeyed[E any](items []keyed[E], reverse bool) {
	sort.Slice(items, func(i, j int) bool {
		if reverse {
			return items[i].key > items[j].key
		}
		return items[i].key < items[j].key
	})
}

// limits carries the per-request pagination rule: a bulk operation pages without the 250 cap.
type limits struct{ unbounded bool }

// paginate returns the page after the cursor of a list sorted by key (descending when reverse).
func paginate[E, T any](lim limits, items []keyed[E], reverse bool, a pageArgs, wrap func(E) T) (*conn[T], error) {
	n := len(items)
	if a.First == nil {
		if !lim.unbounded {
			return nil, fmt.Errorf("you must provide one of first or last")
		}
	} else {
		if *a.First < 0 {
			return nil, fmt.Errorf("first must be a positive number")
		}
		if *a.First > maxPageSize && !lim.unbounded {
			return nil, fmt.Errorf("the first argument may not be greater than %d", maxPageSize)
		}
		n = int(*a.First)
	}
	start := 0
	if a.After != nil {
		ck, err := decodeCursor(*a.After)
		if err != nil {
			return nil, err
		}
		start = sort.Search(len(items), func(i int) bool {
			if reverse {
				return items[i].key < ck
			}
			return items[i].key > ck
		})
	}
	end := min(start+n, len(items))
	c := &conn[T]{edges: make([]*edge[T], 0, end-start)}
	for _, it := range items[start:end] {
		c.edges = append(c.edges, &edge[T]{cursor: encodeCursor(it.key), node: wrap(it.item)})
	}
	c.info.hasNext = end < len(items)
	c.info.hasPrev = start > 0
	if len(c.edges) > 0 {
		s, e := c.edges[0].cursor, c.edges[len(c.edges)-1].cursor
		c.info.start, c.info.end = &s, &e
	}
	return c, nil
}

// paginateMatching pages a sorted list keeping only items that match: it starts at the cursor by
// binary search and scans no further than it needs to, so deep pages of a large catalog stay
// cheap.
func paginateMatching[E, T any](lim limits, items []keyed[E], reverse bool, a pageArgs, match func(E) bool, wrap func(E) T) (*conn[T], error) {
	n := len(items)
	if a.First == nil {
		if !lim.unbounded {
			return nil, fmt.Errorf("you must provide one of first or last")
		}
	} else {
		if *a.First < 0 {
			return nil, fmt.Errorf("first must be a positive number")
		}
		if *a.First > maxPageSize && !lim.unbounded {
			return nil, fmt.Errorf("the first argument may not be greater than %d", maxPageSize)
		}
		n = int(*a.First)
	}
	start := 0
	if a.After != nil {
		ck, err := decodeCursor(*a.After)
		if err != nil {
			return nil, err
		}
		start = sort.Search(len(items), func(i int) bool {
			if reverse {
				return items[i].key < ck
			}
			return items[i].key > ck
		})
	}
	c := &conn[T]{}
	i := start
	for ; i < len(items) && len(c.edges) < n; i++ {
		if match(items[i].item) {
			c.edges = append(c.edges, &edge[T]{cursor: encodeCursor(items[i].key), node: wrap(items[i].item)})
		}
	}
	for ; i < len(items) && !c.info.hasNext; i++ {
		c.info.hasNext = match(items[i].item)
	}
	c.info.hasPrev = start > 0
	if len(c.edges) > 0 {
		s, e := c.edges[0].cursor, c.edges[len(c.edges)-1].cursor
		c.info.start, c.info.end = &s, &e
	}
	return c, nil
}

// sortedCache returns a shop's list sorted by one key, built once until the next change.
func sortedCache[E any](sh *Shop, name string, reverse bool, build func() []keyed[E]) []keyed[E] {
	key := fmt.Sprintf("%s/%v", name, reverse)
	sh.sortMu.Lock() // root fields of one query resolve concurrently
	defer sh.sortMu.Unlock()
	if v, ok := sh.sorted[key].([]keyed[E]); ok {
		return v
	}
	items := build()
	sortKeyed(items, reverse)
	if sh.sorted == nil {
		sh.sorted = map[string]any{}
	}
	sh.sorted[key] = items
	return items
}

// positional pages a short list owned by one parent (lines of an order): cursor = index.
func positional[E, T any](lim limits, items []E, a pageArgs, wrap func(E) T) (*conn[T], error) {
	ks := make([]keyed[E], len(items))
	for i, it := range items {
		ks[i] = keyed[E]{key: sortKey("", int64(i)), item: it}
	}
	return paginate(lim, ks, false, a, wrap)
}

func strconvID(id int64) string { return strconv.FormatInt(id, 10) }
