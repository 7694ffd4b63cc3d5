package platform

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestErrorChain(t *testing.T) {
	t.Parallel()
	base := &Error{
		Platform: "shopify", Store: "acme.myshopify.com", Op: "creating order", Kind: KindInvalidInput,
		Message: "input rejected", Fields: []FieldError{{Field: "order.lineItems.0.variantId", Code: "INVALID", Message: "Variant not found"}},
		Err: io.ErrUnexpectedEOF,
	}
	wrapped := fmt.Errorf("pushing order #1001: %w", base)
	tests := []struct {
		name string
		err  error
		kind Kind
		code bool
		retr bool
	}{
		{"wrapped", wrapped, KindInvalidInput, true, false},
		{"plain", errors.New("x"), "", false, false},
		{"retryable", &Error{Kind: KindUnavailable, Retryable: true}, KindUnavailable, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := KindOf(tc.err); got != tc.kind {
				t.Errorf("KindOf = %q, want %q", got, tc.kind)
			}
			if got := HasFieldCode(tc.err, "INVALID"); got != tc.code {
				t.Errorf("HasFieldCode = %v", got)
			}
			if got := IsRetryable(tc.err); got != tc.retr {
				t.Errorf("IsRetryable = %v", got)
			}
		})
	}
	if !errors.Is(wrapped, io.ErrUnexpectedEOF) {
		t.Error("cause not reachable with errors.Is")
	}
	msg := wrapped.Error()
	for _, want := range []string{"acme.myshopify.com", "creating order", "invalid_input", "order.lineItems.0.variantId", "Variant not found"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}
