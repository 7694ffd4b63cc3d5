package shopifysim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// idempotentFields are the mutations of this schema that Shopify documents as supporting the
// @idempotent directive; since 2026-04 the key is required on them. Elsewhere the directive is
// refused, so a client cannot rely on a guarantee Shopify does not give.
var idempotentFields = map[string]bool{"inventorySetQuantities": true}

// idempotent runs a mutation once per @idempotent key: a later request with the same key replays
// the first payload without applying anything, and one with the same key but other arguments
// gets mismatch's payload.
func idempotent[P any](rc *reqCtx, field string, args any, run func() P, mismatch func() P) (P, error) {
	var zero P
	key := rc.nextKey(field)
	if strings.TrimSpace(key) == "" {
		return zero, &gqlError{Code: "BAD_REQUEST",
			Message: fmt.Sprintf("The @idempotent directive with a non-blank key is required for %s.", field)}
	}
	argsJSON, err := json.Marshal(args)
	if err != nil {
		return zero, fmt.Errorf("encoding arguments: %w", err)
	}
	d := rc.shop.data
	if prev := d.Idempotency[field+"\x00"+key]; prev != nil {
		if !bytes.Equal([]byte(prev.Args), argsJSON) {
			return mismatch(), nil
		}
		var p P
		if err := json.Unmarshal(prev.Result, &p); err != nil {
			return zero, fmt.Errorf("replaying idempotent result: %w", err)
		}
		return p, nil
	}
	p := run()
	res, err := json.Marshal(p)
	if err != nil {
		return zero, fmt.Errorf("recording idempotent result: %w", err)
	}
	now := rc.shop.sim.now()
	d.Idempotency[field+"\x00"+key] = &idempotentResult{
		Field: field, Args: string(argsJSON), Result: res, CreatedAt: now,
	}
	if len(d.Idempotency)%1000 == 0 { // keys are kept a day, pruned now and then
		for k, r := range d.Idempotency {
			if now.Sub(r.CreatedAt) > idempotencyTTL {
				delete(d.Idempotency, k)
			}
		}
	}
	return p, nil
}

// idempotencyTTL is how long a key is remembered.
const idempotencyTTL = 24 * time.Hour
