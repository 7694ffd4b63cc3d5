package shopifysim

import (
	"strconv"
	"strings"
	"time"
)

// term is one condition of Shopify's search syntax, e.g. updated_at:>'2026-01-01T00:00:00Z'.
type term struct {
	field, op, value string
	negate           bool
}

// parseSearch reads the subset of Shopify's search syntax the simulator understands: terms joined
// by spaces or AND, each field:value with an optional comparator (>, >=, <, <=) and a leading "-"
// for negation. Free text without a field matches the title (or name).
func parseSearch(q string) []term {
	var out []term
	for _, tok := range splitSearch(q) {
		if strings.EqualFold(tok, "AND") || tok == "" {
			continue
		}
		t := term{}
		if strings.HasPrefix(tok, "-") {
			t.negate, tok = true, tok[1:]
		}
		field, value, ok := strings.Cut(tok, ":")
		if !ok {
			field, value = "default", tok
		}
		t.field = strings.ToLower(field)
		for _, op := range []string{">=", "<=", ">", "<"} {
			if rest, ok := strings.CutPrefix(value, op); ok {
				t.op, value = op, rest
				break
			}
		}
		t.value = strings.Trim(value, `'"`)
		out = append(out, t)
	}
	return out
}

func splitSearch(q string) []string {
	var out []string
	var b strings.Builder
	quote := rune(0)
	for _, r := range q {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
			b.WriteRune(r)
		case r == '\'' || r == '"':
			quote = r
			b.WriteRune(r)
		case r == ' ' || r == '\t':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteRune(r)
		}
	}
	return append(out, b.String())
}

// fieldValue is what an entity exposes to the search: a time, a number or a string.
type fieldValue struct {
	t   time.Time
	n   int64
	s   []string
	typ byte // 't', 'n' or 's'
}

func tv(t time.Time) fieldValue { return fieldValue{t: t, typ: 't'} }
func nv(n int64) fieldValue     { return fieldValue{n: n, typ: 'n'} }
func sv(s ...string) fieldValue { return fieldValue{s: s, typ: 's'} }
func matchAll(ts []term, get func(string) (fieldValue, bool)) bool {
	for _, t := range ts {
		v, ok := get(t.field)
		if !ok {
			continue // Shopify ignores fields it does not know for a resource
		}
		if t.match(v) == t.negate {
			return false
		}
	}
	return true
}

func (t term) match(v fieldValue) bool {
	switch v.typ {
	case 't':
		want, err := parseTime(t.value)
		if err != nil {
			return false
		}
		// Shopify compares timestamps to the second.
		return compare(v.t.Truncate(time.Second).Compare(want.Truncate(time.Second)), t.op)
	case 'n':
		want, err := strconv.ParseInt(t.value, 10, 64)
		if err != nil {
			return false
		}
		c := 0
		if v.n < want {
			c = -1
		} else if v.n > want {
			c = 1
		}
		return compare(c, t.op)
	}
	for _, s := range v.s {
		if prefix, ok := strings.CutSuffix(t.value, "*"); ok {
			if strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix)) {
				return true
			}
		} else if strings.EqualFold(s, t.value) {
			return true
		}
	}
	return false
}

func compare(c int, op string) bool {
	switch op {
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	}
	return c == 0
}
