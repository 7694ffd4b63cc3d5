package database

import (
	"errors"
	"strings"
	"testing"
)

// A database password never survives Redact or a wrapped connection error, whatever the shape
// of the address that holds it.
func TestRedactEveryShape(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, raw, keep string }{
		{"URL user info", "postgres://u:s3cretpw@db.example:5432/app", "db.example"},
		{"URL with characters that break parsing", "postgres://u:s3cret#pw/x@db.example/app", "db.example"},
		{"URL with an @ in the password", "postgresql://u:s3c@retpw@db.example/app", "db.example"},
		{"query parameter", "postgres://u@db.example/app?sslmode=disable&password=s3cretpw", "sslmode=disable"},
		{"query parameter, unparsable URL", "postgres://u@db.example/app?password=s3cretpw&x=%zz", "db.example"},
		{"key=value", "host=db.example user=u password=s3cretpw dbname=app", "dbname=app"},
		{"key=value quoted", "host=db.example password='s3cret pw' dbname=app", "dbname=app"},
		{"key=value spaced", "host=db.example password = s3cretpw", "host=db.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Redact(tc.raw)
			if strings.Contains(got, "s3cret") || !strings.Contains(got, tc.keep) {
				t.Errorf("Redact(%q) = %q", tc.raw, got)
			}
			pw := "s3cretpw"
			switch {
			case strings.Contains(tc.raw, "s3cret pw"):
				pw = "s3cret pw"
			case strings.Contains(tc.raw, "s3cret#pw/x"):
				pw = "s3cret#pw/x"
			case strings.Contains(tc.raw, "s3c@retpw"):
				pw = "s3c@retpw"
			}
			cause := errors.New("dial failed for " + tc.raw + " (password " + pw + ")")
			err := redactErr(cause, tc.raw)
			if strings.Contains(err.Error(), pw) || !errors.Is(err, cause) {
				t.Errorf("redactErr: %v", err)
			}
		})
	}
	if got := Redact("sqlite:/tmp/a b.db"); got != "sqlite:/tmp/a b.db" {
		t.Errorf("a SQLite path changed: %q", got)
	}
	if _, err := ParseURL("postgres://u:s3cret%zz@h/db"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("ParseURL error: %v", err)
	}
}
