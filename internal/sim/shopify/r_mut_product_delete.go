package shopifysim

import (
	"context"

	graphql "github.com/graph-gophers/graphql-go"
)

type productDeleteArgs struct {
	Input struct {
		ID graphql.ID
	}
	Synchronous bool
}

type productDeletePayloadR struct {
	id     *graphql.ID
	errors []userErr
}

func (r *productDeletePayloadR) DeletedProductID() *graphql.ID { return r.id }
func (r *productDeletePayloadR) UserErrors() []*userErrR       { return wrapErrs(r.errors) }

// ProductDelete removes a product with its variants and their inventory items, as Shopify
// does (always synchronously here). It sends no products/delete webhook: the simulator has no
// payload for that topic yet.
func (rootResolver) ProductDelete(ctx context.Context, a productDeleteArgs) (*productDeletePayloadR, error) {
	sh := fromCtx(ctx).shop
	n, err := parseGID("Product", string(a.Input.ID))
	p := sh.data.Products[n]
	if err != nil || p == nil {
		return &productDeletePayloadR{errors: []userErr{{Field: []string{"id"}, Message: "Product does not exist"}}}, nil //nolint:nilerr // a bad or unknown id is a user error in the payload, as Shopify answers
	}
	for _, vid := range p.VariantIDs {
		if v := sh.data.Variants[vid]; v != nil {
			delete(sh.data.Items, v.InventoryItemID)
		}
		delete(sh.data.Variants, vid)
	}
	delete(sh.data.Products, n)
	sh.changed()
	id := a.Input.ID
	return &productDeletePayloadR{id: &id}, nil
}
