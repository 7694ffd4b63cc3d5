package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"
)

// Info is what a fetched feed's response says about it, for Detect.
type Info struct {
	Name        string // the Content-Disposition file name, else the URL path's last element
	ContentType string
	Size        int64 // Content-Length, -1 when unknown
}

// excerptBytes is how much of a refusing server's body an error quotes.
const excerptBytes = 200

// Fetch GETs a feed over HTTPS with client (the app's guarded client, which refuses private
// addresses) and returns its body, to be closed by the caller, with its Info. header carries an
// optional auth header; its values never appear in errors. A URL that is not https, or a
// non-2xx answer (its status and the start of its body), is an error naming the URL with its
// query values and password hidden.
func Fetch(ctx context.Context, client *http.Client, rawURL string, header http.Header) (io.ReadCloser, Info, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, Info{}, fmt.Errorf("feed URL %q is not a URL", redactRaw(rawURL))
	}
	shown := redact(u)
	if u.Scheme != "https" || u.Host == "" {
		return nil, Info{}, fmt.Errorf("feed URL %s is not an https URL", shown)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, Info{}, fmt.Errorf("feed URL %s: %w", shown, err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // its message repeats the URL, query values included
		}
		return nil, Info{}, fmt.Errorf("fetching feed %s: %w", shown, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, excerptBytes+1))
		return nil, Info{}, fmt.Errorf("fetching feed %s: the server answered %s: %s", shown, resp.Status, excerpt(b))
	}
	info := Info{ContentType: resp.Header.Get("Content-Type"), Size: resp.ContentLength}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		info.Name = path.Base(strings.ReplaceAll(params["filename"], "\\", "/"))
	} else if base := path.Base(u.Path); base != "/" && base != "." {
		info.Name = base
	}
	return resp.Body, info, nil
}

// redact shows a URL without its password and query values.
func redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		}
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		c.RawQuery = q.Encode()
	}
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// redactRaw shows an unparseable URL up to its query.
func redactRaw(raw string) string {
	if i := strings.IndexAny(raw, "?#@"); i >= 0 {
		return raw[:i] + "…"
	}
	return raw
}

// excerpt is a short, printable start of a body.
func excerpt(b []byte) string {
	cut := len(b) > excerptBytes
	if cut {
		b = b[:excerptBytes]
	}
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "")), " ")
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	if s == "" {
		return "(empty body)"
	}
	if cut {
		s += "…"
	}
	return fmt.Sprintf("%q", s)
}
