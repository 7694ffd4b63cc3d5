package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// parsed is the outcome of one Parse: the report, the accepted rows, the error.
type parsed struct {
	rep  Report
	rows []Row
	err  error
}

func parse(t *testing.T, format Format, data string, m Mapping, r Rules) parsed {
	t.Helper()
	return parseBytes(t.Context(), format, []byte(data), m, r)
}

func parseBytes(ctx context.Context, format Format, data []byte, m Mapping, r Rules) parsed {
	var out parsed
	out.rep, out.err = Parse(ctx, bytes.NewReader(data), format, m, r, func(row Row) error {
		out.rows = append(out.rows, row)
		return nil
	})
	return out
}

// checkInvariants fails when a report breaks what every report promises.
func checkInvariants(t *testing.T, p parsed) {
	t.Helper()
	rep := p.rep
	if rep.Read != rep.Accepted+rep.Refused {
		t.Fatalf("read %d != accepted %d + refused %d", rep.Read, rep.Accepted, rep.Refused)
	}
	if rep.Accepted != len(p.rows) {
		t.Fatalf("accepted %d, fn called %d times", rep.Accepted, len(p.rows))
	}
	if len(rep.RefusedRows) != min(rep.Refused, MaxRefusedKept) {
		t.Fatalf("kept %d refusals of %d", len(rep.RefusedRows), rep.Refused)
	}
	if rep.Duplicates > rep.Refused || rep.Clamped > rep.Accepted || rep.Capped > rep.Accepted {
		t.Fatalf("counts out of bounds: %+v", rep)
	}
	last := 0
	for _, f := range rep.RefusedRows {
		if strings.TrimSpace(f.Reason) == "" {
			t.Fatalf("refused line %d has no reason", f.Line)
		}
		if f.Line < 1 || f.Line < last {
			t.Fatalf("refused line %d after line %d", f.Line, last)
		}
		last = f.Line
	}
	last = 0
	for _, row := range p.rows {
		if row.SKU == "" && row.Barcode == "" {
			t.Fatalf("accepted line %d has no identifier", row.Line)
		}
		if row.Quantity != nil && *row.Quantity < 0 {
			t.Fatalf("accepted line %d has quantity %d", row.Line, *row.Quantity)
		}
		if row.Line <= last {
			t.Fatalf("accepted line %d after line %d", row.Line, last)
		}
		last = row.Line
	}
}

func ptr(n int64) *int64 { return &n }

func val(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

// diff is "" when want and got are deeply equal, else both as JSON (which shows pointers' values).
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	return "want " + string(w) + "\n got " + string(g)
}
