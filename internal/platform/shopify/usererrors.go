package shopify

import (
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

// userError is the userErrors entry of a mutation payload: Shopify's answer to input it will not
// apply. Field is the path of the offending input ("input", "quantities", "3", ...).
type userError struct {
	Code    string   `json:"code"`
	Field   []string `json:"field"`
	Message string   `json:"message"`
}

// Codes with a meaning for the caller.
const (
	codeChangeFromStale    = "CHANGE_FROM_QUANTITY_STALE"
	codeCompareStale       = "COMPARE_QUANTITY_STALE"
	codeIdempotentBusy     = "IDEMPOTENCY_CONCURRENT_REQUEST"
	codeIdempotentMismatch = "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
	codeBulkInProgress     = "OPERATION_IN_PROGRESS"
	codeBulkLimitReached   = "LIMIT_REACHED"
)

// userErrorsToError turns userErrors into one *platform.Error naming every field, or nil. Stale
// compare-and-set answers are KindConflict (re-read, then retry); a concurrent request with the
// same idempotency key is retryable; everything else is KindInvalidInput.
func (c *Client) userErrorsToError(what string, errs []userError) error {
	if len(errs) == 0 {
		return nil
	}
	e := c.newError(what, platform.KindInvalidInput, "Shopify rejected the input")
	for _, ue := range errs {
		e.Fields = append(e.Fields, platform.FieldError{Field: strings.Join(ue.Field, "."), Code: ue.Code, Message: ue.Message})
		switch ue.Code {
		case codeChangeFromStale, codeCompareStale:
			e.Kind = platform.KindConflict
			e.Message = "quantity changed since it was read"
		case codeIdempotentBusy:
			e.Kind, e.Retryable = platform.KindUnavailable, true
			e.Message = "the same request is still running"
		case codeIdempotentMismatch:
			e.Kind = platform.KindInternal
			e.Message = "idempotency key reused with different input"
		case codeBulkInProgress, codeBulkLimitReached:
			e.Kind, e.Retryable = platform.KindUnavailable, true
			e.Message = "another bulk operation is running on this shop: try again when it ends"
		}
	}
	return e
}
