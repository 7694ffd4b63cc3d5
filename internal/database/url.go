package database

import (
	"fmt"
	"net/url"
	"strings"
)

// URL is a parsed database URL.
type URL struct {
	Dialect Dialect
	// Path is the SQLite file.
	Path string
	// Raw is the URL as given.
	Raw string
}

// ParseURL accepts "sqlite:PATH" (also "sqlite://PATH") and "postgres://..." or "postgresql://...".
func ParseURL(raw string) (URL, error) {
	switch {
	case raw == "":
		return URL{}, fmt.Errorf("database URL is empty: use sqlite:PATH or postgres://USER@HOST:PORT/DB")
	case strings.HasPrefix(raw, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if p == "" {
			return URL{}, fmt.Errorf("database URL %q names no file: use sqlite:PATH", raw)
		}
		if strings.ContainsAny(p, "?#") {
			return URL{}, fmt.Errorf("database URL %q: options are not accepted after a SQLite path; storesync sets them itself", raw)
		}
		return URL{Dialect: SQLite, Path: p, Raw: raw}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil {
			return URL{}, fmt.Errorf("database URL is not a valid PostgreSQL URL: %w", redactErr(err, raw))
		}
		if u.Host == "" {
			return URL{}, fmt.Errorf("database URL %q names no host", Redact(raw))
		}
		return URL{Dialect: Postgres, Raw: raw}, nil
	default:
		return URL{}, fmt.Errorf("database URL %q: unknown kind; use sqlite:PATH or postgres://USER@HOST:PORT/DB", Redact(raw))
	}
}

// Redact hides the password of a database URL so that it can be logged or printed.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redactErr keeps url.Parse's error from echoing a password.
func redactErr(err error, raw string) error {
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), raw, Redact(raw)))
}
