package backoffice

import "testing"

func TestAmounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, cur string
		minor   int64
		out     string
		wantErr bool
	}{
		{in: "12.50", cur: "USD", minor: 1250, out: "12.50"},
		{in: "12.5", cur: "USD", minor: 1250, out: "12.50"},
		{in: "0.05", cur: "EUR", minor: 5, out: "0.05"},
		{in: "-3", cur: "USD", minor: -300, out: "-3.00"},
		{in: "1500", cur: "JPY", minor: 1500, out: "1500"},
		{in: "1.5", cur: "JPY", wantErr: true},
		{in: "1.234", cur: "USD", wantErr: true},
		{in: "abc", cur: "USD", wantErr: true},
		{in: "1.", cur: "USD", wantErr: true},
		{in: "", cur: "USD", wantErr: true},
		{in: "1e3", cur: "USD", wantErr: true},
	} {
		got, err := ParseAmount(tc.in, tc.cur)
		if tc.wantErr {
			if err == nil {
				t.Errorf("ParseAmount(%q, %s) = %d, want an error", tc.in, tc.cur, got)
			}
			continue
		}
		if err != nil || got != tc.minor {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tc.in, tc.cur, got, err, tc.minor)
		}
		if s := FormatAmount(got, tc.cur); s != tc.out {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", got, tc.cur, s, tc.out)
		}
	}
}

func TestJobTransitions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to JobStatus
		ok       bool
	}{
		{JobPending, JobOpen, true},
		{JobPending, JobPending, true},
		{JobPending, JobShipped, false},
		{JobShipped, JobInvoiced, true},
		{JobClosed, JobOpen, false},
		{JobCancelled, JobPending, false},
		{JobOnHold, JobInProduction, true},
	} {
		if got := tc.from.CanMoveTo(tc.to); got != tc.ok {
			t.Errorf("%s -> %s = %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
}
