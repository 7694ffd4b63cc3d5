package shopify

import (
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// gTransaction is an OrderTransaction as OrderTransactionFields selects it.
type gTransaction struct {
	ID             string     `json:"id"`
	Kind           string     `json:"kind"`
	Status         string     `json:"status"`
	Gateway        string     `json:"gateway"`
	ProcessedAt    *time.Time `json:"processedAt"`
	AmountSet      gMoneyBag  `json:"amountSet"`
	PaymentDetails *struct {
		Company string `json:"company"`
		Number  string `json:"number"`
	} `json:"paymentDetails"`
}

// transactionKinds maps OrderTransactionKind to platform kinds. CHANGE (cash handed back to a
// customer who paid too much) takes money back as a refund does; SUGGESTED_REFUND is Shopify's
// computed proposal, not a transaction, and is left out.
var transactionKinds = map[string]platform.TransactionKind{
	"AUTHORIZATION": platform.TransactionAuthorization, "EMV_AUTHORIZATION": platform.TransactionAuthorization,
	"CAPTURE": platform.TransactionCapture, "SALE": platform.TransactionSale,
	"REFUND": platform.TransactionRefund, "CHANGE": platform.TransactionRefund, "VOID": platform.TransactionVoid,
}

// transactionStatuses maps OrderTransactionStatus; one still waiting on the gateway
// (AWAITING_RESPONSE) or whose outcome Shopify does not know (UNKNOWN) is pending.
var transactionStatuses = map[string]platform.TransactionStatus{
	"SUCCESS": platform.TransactionSuccess, "PENDING": platform.TransactionPending,
	"AWAITING_RESPONSE": platform.TransactionPending, "UNKNOWN": platform.TransactionPending,
	"FAILURE": platform.TransactionFailure, "ERROR": platform.TransactionError,
}

// transaction converts t; ok is false for what is not a transaction (SUGGESTED_REFUND).
func (t *gTransaction) transaction() (platform.Transaction, bool, error) {
	if t.Kind == "SUGGESTED_REFUND" {
		return platform.Transaction{}, false, nil
	}
	kind, ok := transactionKinds[t.Kind]
	if !ok {
		return platform.Transaction{}, false, fmt.Errorf("unknown transaction kind %q", t.Kind)
	}
	status, ok := transactionStatuses[t.Status]
	if !ok {
		status = platform.TransactionPending
	}
	amount, err := t.AmountSet.money()
	if err != nil {
		return platform.Transaction{}, false, err
	}
	out := platform.Transaction{ID: t.ID, Kind: kind, Status: status, Gateway: t.Gateway, Amount: amount}
	if t.ProcessedAt != nil {
		out.ProcessedAt = *t.ProcessedAt
	}
	if d := t.PaymentDetails; d != nil {
		out.CardBrand, out.CardLast4 = d.Company, lastDigits(d.Number, 4)
	}
	return out, true, nil
}

// lastDigits is the last n digits of a masked card number ("•••• •••• •••• 4242" → "4242"),
// fewer when it shows fewer.
func lastDigits(masked string, n int) string {
	var digits []byte
	for i := len(masked) - 1; i >= 0 && len(digits) < n; i-- {
		if c := masked[i]; c >= '0' && c <= '9' {
			digits = append(digits, c)
		} else if len(digits) > 0 && c != ' ' && c != '-' {
			break
		}
	}
	for i, j := 0, len(digits)-1; i < j; i, j = i+1, j-1 {
		digits[i], digits[j] = digits[j], digits[i]
	}
	return string(digits)
}
