package database

import (
	"fmt"
	"net/url"
	"regexp"
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

// Redact hides the password of a database address, whatever its shape, so that it can be logged
// or printed: a URL's user info (postgres://u:p@h, even when the password holds characters that
// make the URL unparsable), a password query parameter (?password=), and the password of a
// key=value connection string (password=p or password='p q').
func Redact(raw string) string {
	out := raw
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		changed := false
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User, changed = url.UserPassword(u.User.Username(), "xxxxx"), true
			}
		}
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") {
				q.Set(k, "xxxxx")
				u.RawQuery, changed = q.Encode(), true
			}
		}
		if changed {
			out = u.String()
		}
	} else if m := userInfoRE.FindStringSubmatchIndex(raw); m != nil {
		out = raw[:m[2]] + "xxxxx" + raw[m[3]:]
	}
	out = queryPasswordRE.ReplaceAllString(out, "${1}xxxxx")
	return kvPasswordRE.ReplaceAllString(out, "${1}xxxxx")
}

var (
	// userInfoRE finds the password of scheme://user:PASSWORD@host when url.Parse cannot (the
	// password's last @ ends it).
	userInfoRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*:(.*)@[^@]*$`)
	// queryPasswordRE finds ?password=... or &password=... in what url.Parse could not read.
	queryPasswordRE      = regexp.MustCompile(`(?i)([?&]password=)[^&#\s]*`)
	queryPasswordValueRE = regexp.MustCompile(`(?i)[?&]password=([^&#\s]*)`)
	// kvPasswordRE finds password=value or password='quoted value' in a key=value string.
	kvPasswordRE = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'&]+)`)
)

// password returns the password raw holds, if any, whatever its shape.
func password(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			return p
		}
	}
	if m := userInfoRE.FindStringSubmatch(raw); m != nil {
		return m[1]
	}
	if m := queryPasswordValueRE.FindStringSubmatch(raw); m != nil {
		if p, err := url.QueryUnescape(m[1]); err == nil {
			return p
		}
		return m[1]
	}
	if m := kvPasswordRE.FindStringSubmatch(raw); m != nil {
		return strings.Trim(m[2], "'")
	}
	return ""
}

// redactErr keeps an error (url.Parse's, a driver's) from echoing the address's password: the
// address is replaced by its redacted form, and the password itself wherever else it appears.
func redactErr(err error, raw string) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: redactText(err.Error(), raw), err: err}
}

func redactText(s, raw string) string {
	s = strings.ReplaceAll(s, raw, Redact(raw))
	if p := password(raw); len(p) >= 3 { // shorter ones would blank out ordinary letters
		s = strings.ReplaceAll(s, p, "xxxxx")
		if e := url.QueryEscape(p); e != p {
			s = strings.ReplaceAll(s, e, "xxxxx")
		}
	}
	return Redact(s)
}

// redactedError shows a redacted message but keeps the cause for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
