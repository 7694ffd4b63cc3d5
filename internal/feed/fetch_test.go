package feed

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFetch(t *testing.T) {
	t.Parallel()
	const token = "Bearer s3cr3t-token"
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != token {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, "  no\n valid   token "+strings.Repeat("z", 500))
			return
		}
		switch r.URL.Path {
		case "/feeds/stock.csv":
			w.Header().Set("Content-Type", "text/csv")
			_, _ = io.WriteString(w, "sku,qty\nA,1\n")
		case "/download":
			w.Header().Set("Content-Disposition", `attachment; filename="..\evil\Stock 12.xlsx"`)
			_, _ = io.WriteString(w, "PK\x03\x04")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close) // the parallel subtests run after this function returns
	auth := http.Header{"Authorization": {token}}

	body, info, err := Fetch(t.Context(), srv.Client(), srv.URL+"/feeds/stock.csv?key=k", auth)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(body)
	body.Close()
	if string(b) != "sku,qty\nA,1\n" || info.Name != "stock.csv" || info.ContentType != "text/csv" || info.Size != int64(len(b)) {
		t.Fatalf("body %q info %+v", b, info)
	}
	if f, err := Detect(info.Name, info.ContentType, b); err != nil || f != CSV {
		t.Fatalf("detect %q %v", f, err)
	}

	body, info, err = Fetch(t.Context(), srv.Client(), srv.URL+"/download", auth)
	if err != nil {
		t.Fatal(err)
	}
	body.Close()
	if info.Name != "Stock 12.xlsx" {
		t.Fatalf("name from Content-Disposition: %+v", info)
	}

	for _, tc := range []struct {
		name, url string
		header    http.Header
		want      string
	}{
		{name: "http refused", url: "http://example.com/feed.csv?key=abc", want: "feed URL http://example.com/feed.csv?key=xxxxx is not an https URL"},
		{name: "not a URL", url: "https://exa mple.com/%zz?key=abc", want: `feed URL "https://exa mple.com/%zz…" is not a URL`},
		{name: "no host", url: "https:///feed.csv", want: "is not an https URL"},
		{name: "status and excerpt", url: srv.URL + "/feeds/stock.csv?key=abc", header: http.Header{"Authorization": {"Bearer wrong-" + token}}, want: `the server answered 401 Unauthorized: "no valid token zzz`},
		{name: "not found", url: srv.URL + "/nope", header: auth, want: "the server answered 404 Not Found"},
		{name: "transport error hides the query", url: "https://127.0.0.1:1/feed?key=abc", header: auth, want: "fetching feed https://127.0.0.1:1/feed?key=xxxxx: "},
		{name: "password hidden", url: "http://user:pw@example.com/f", want: "http://user:xxxxx@example.com/f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, _, err := Fetch(t.Context(), srv.Client(), tc.url, tc.header)
			if err == nil {
				body.Close()
				t.Fatal("fetched")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("err %q, want …%s", msg, tc.want)
			}
			for _, secret := range []string{"s3cr3t", "abc", ":pw@"} {
				if strings.Contains(msg, secret) {
					t.Fatalf("err %q shows %q", msg, secret)
				}
			}
			if len(msg) > 600 {
				t.Fatalf("err is %d bytes long", len(msg))
			}
		})
	}
}
