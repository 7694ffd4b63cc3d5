package boapi

import "testing"

func TestIfMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		version int64
		bad     bool
	}{
		{"", 0, false},
		{"*", 0, false},
		{`"v3"`, 3, false},
		{`W/"v12"`, 12, false},
		{`"3"`, 0, true},
		{`"v0"`, 0, true},
		{`"vx"`, 0, true},
		{`v3`, 0, true},
	} {
		v, err := ifMatch(tc.in)
		if (err != nil) != tc.bad || v != tc.version {
			t.Errorf("ifMatch(%q) = %d, %v; want %d, error %v", tc.in, v, err, tc.version, tc.bad)
		}
	}
}
