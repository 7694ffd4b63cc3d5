package money

import "strings"

// ParseDigits reads a decimal string into an integer of the given decimal places ("12.5", 2 →
// 1250), by Parse's rules (never rounded): for amounts that are not money, such as a percentage
// in hundredths.
func ParseDigits(amount string, digits int) (int64, error) {
	return parseDecimal(strings.TrimSpace(amount), digits)
}
