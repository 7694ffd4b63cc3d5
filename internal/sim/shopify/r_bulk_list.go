package shopifysim

import (
	"context"
	"time"
)

// BulkOperations lists the shop's bulk operations, newest first unless reversed (Shopify's
// default for this connection), filtered by status, operation_type, id or created_at.
func (rootResolver) BulkOperations(ctx context.Context, a listArgs) (*conn[*bulkR], error) {
	rc := fromCtx(ctx)
	ts := searchTerms(a.Query)
	var items []keyed[*bulkOperation]
	for _, b := range rc.shop.data.BulkOperations {
		if !matchAll(ts, func(f string) (fieldValue, bool) {
			switch f {
			case "status":
				return sv(lower(b.Status)), true
			case "operation_type":
				return sv("query"), true
			case "id":
				return nv(b.ID), true
			case "created_at":
				return tv(b.CreatedAt), true
			}
			return fieldValue{}, false
		}) {
			continue
		}
		k := timeKey(b.CreatedAt, b.ID)
		if a.SortKey == "COMPLETED_AT" {
			var at time.Time
			if b.CompletedAt != nil {
				at = *b.CompletedAt
			}
			k = timeKey(at, b.ID)
		}
		items = append(items, keyed[*bulkOperation]{k, b})
	}
	newestFirst := !a.Reverse
	sortKeyed(items, newestFirst)
	return paginate(rc.lim, items, newestFirst, a.pageArgs, func(b *bulkOperation) *bulkR { return &bulkR{b} })
}
