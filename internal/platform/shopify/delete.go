package shopify

import (
	"context"
	"strings"
)

type gProductDelete struct {
	ProductDelete struct {
		DeletedProductID *string     `json:"deletedProductId"`
		UserErrors       []userError `json:"userErrors"`
	} `json:"productDelete"`
}

// DeleteProduct deletes a product with productDelete, synchronously. Shopify answers a product it
// does not have (deleted already, by us or by a person) with the user error "Product does not
// exist": that is the outcome asked for, so it is not an error, and a job deleting twice is safe.
func (c *Client) DeleteProduct(ctx context.Context, id string) error {
	const what = "deleting product"
	vars := map[string]any{"input": map[string]any{"id": id}, "synchronous": true}
	var out gProductDelete
	// deleting is idempotent: a retry after a lost answer finds the product gone
	if err := c.do(ctx, op{doc: "productDelete", what: what, retrySafe: true}, vars, &out); err != nil {
		return err
	}
	errs := out.ProductDelete.UserErrors
	if len(errs) == 1 && strings.Contains(strings.ToLower(errs[0].Message), "does not exist") {
		return nil
	}
	return c.userErrorsToError(what, errs)
}
