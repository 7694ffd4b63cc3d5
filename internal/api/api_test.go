package api_test

import (
	"context"
	stdb64 "encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api/apitest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

type echoInput struct {
	Body struct {
		Name  string `json:"name" minLength:"1" maxLength:"20"`
		Count int    `json:"count" minimum:"0"`
	}
}

type echoOutput struct {
	Body struct {
		Account string `json:"account"`
		Name    string `json:"name"`
	}
}

// registerEcho adds a write operation, so the gate's write rules can be tested.
func registerEcho(hapi huma.API) {
	huma.Register(hapi, huma.Operation{OperationID: "echo", Method: http.MethodPost, Path: "/api/v2/echo"},
		func(ctx context.Context, in *echoInput) (*echoOutput, error) {
			p, _ := account.PrincipalFrom(ctx)
			out := &echoOutput{}
			out.Body.Account, out.Body.Name = p.AccountName, in.Body.Name
			return out, nil
		})
}

func do(t *testing.T, c *http.Client, method, url, auth, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, url, raw)
		}
	}
	return resp.StatusCode, m, resp.Header
}

func TestGate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		s := apitest.New(t, db, apitest.Options{Register: registerEcho})
		a := s.CreateAccount(t, "alpha")
		b := s.CreateAccount(t, "beta")
		readKey := s.CreateKey(t, a, account.PermissionRead)
		writeKey := s.CreateKey(t, a, account.PermissionReadWrite)
		otherKey := s.CreateKey(t, b, account.PermissionReadWrite)
		c, u := s.Client(), s.URL()
		basic := "Basic " + b64(readKey+":")

		cases := []struct {
			name, method, path, auth, body string
			status                         int
			detail                         string
		}{
			{"no key", "GET", "/api/v2/me", "", "", 401, "missing API key"},
			{"not a key", "GET", "/api/v2/me", "Bearer nope", "", 401, "invalid API key"},
			{"unknown key", "GET", "/api/v2/me", "Bearer " + account.KeyPrefix + strings.Repeat("x", 43), "", 401, "unknown or revoked"},
			{"basic with password", "GET", "/api/v2/me", "Basic " + b64(readKey+":pw"), "", 401, "missing API key"},
			{"read key may read", "GET", "/api/v2/me", "Bearer " + readKey, "", 200, ""},
			{"basic may read", "GET", "/api/v2/me", basic, "", 200, ""},
			{"read key may not write", "POST", "/api/v2/echo", "Bearer " + readKey, `{"name":"x","count":1}`, 403, "read-only"},
			{"write key may write", "POST", "/api/v2/echo", "Bearer " + writeKey, `{"name":"x","count":1}`, 200, ""},
			{"malformed body", "POST", "/api/v2/echo", "Bearer " + writeKey, `{"name":`, 400, ""},
			{"wrong type names the field", "POST", "/api/v2/echo", "Bearer " + writeKey, `{"name":"x","count":"many"}`, 422, ""},
			{"unknown path", "GET", "/api/v2/nothing", "Bearer " + writeKey, "", 404, "no API operation"},
			{"oversized body", "POST", "/api/v2/echo", "Bearer " + writeKey, `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "too large"},
		}
		for _, tc := range cases {
			status, body, hdr := do(t, c, tc.method, u+tc.path, tc.auth, tc.body)
			if status != tc.status {
				t.Errorf("%s: status %d, want %d (%v)", tc.name, status, tc.status, body)
				continue
			}
			if status >= 400 {
				if ct := hdr.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("%s: content type %q, want application/problem+json", tc.name, ct)
				}
				if d, _ := body["detail"].(string); !strings.Contains(d, tc.detail) {
					t.Errorf("%s: detail %q does not say %q", tc.name, d, tc.detail)
				}
			}
		}
		// The wrong type is named by its field.
		_, body, _ := do(t, c, "POST", u+"/api/v2/echo", "Bearer "+writeKey, `{"name":"x","count":"many"}`)
		if !strings.Contains(toJSON(t, body["errors"]), "body.count") {
			t.Errorf("422 does not name body.count: %v", body)
		}
		// Each account sees itself only.
		_, me, _ := do(t, c, "GET", u+"/api/v2/me", "Bearer "+otherKey, "")
		if got := me["account"].(map[string]any)["name"]; got != "beta" {
			t.Errorf("other key's account = %v, want beta", got)
		}
		// Hits: the read key was used by 5 requests above (2 failed before the key was known).
		if h := s.Hits(t, readKey); h != 3 {
			t.Errorf("read key hits = %d, want 3", h)
		}
		_, me, _ = do(t, c, "GET", u+"/api/v2/me", "Bearer "+readKey, "")
		if h := me["key"].(map[string]any)["hits"].(float64); h != 4 {
			t.Errorf("me says hits = %v, want 4 (this request included)", h)
		}
		// A revoked key stops working at once.
		k, err := s.Accounts().KeyBySecret(context.Background(), readKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Accounts().RevokeKey(context.Background(), account.KeyParams{AccountID: b, KeyID: k.ID}); err == nil {
			t.Error("account beta revoked a key of account alpha")
		}
		if err := s.Accounts().RevokeKey(context.Background(), account.KeyParams{AccountID: a, KeyID: k.ID}); err != nil {
			t.Fatal(err)
		}
		if status, _, _ := do(t, c, "GET", u+"/api/v2/me", "Bearer "+readKey, ""); status != 401 {
			t.Errorf("revoked key: status %d, want 401", status)
		}
	})
}

func TestPlainHTTPRefused(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, testPlainHTTPRefused)
}

func testPlainHTTPRefused(t *testing.T, db *database.DB) {
	for _, allow := range []bool{false, true} {
		s := apitest.New(t, db, apitest.Options{PlainHTTP: true, AllowHTTP: allow})
		key := s.CreateKey(t, s.CreateAccount(t, dbtest.Name("plain")), account.PermissionRead)
		status, body, _ := do(t, s.Client(), "GET", s.URL()+"/api/v2/me", "Bearer "+key, "")
		switch {
		case !allow && (status != 403 || !strings.Contains(body["detail"].(string), "HTTPS only")):
			t.Errorf("plain HTTP, not allowed: %d %v; want 403 saying HTTPS only", status, body)
		case allow && status != 200:
			t.Errorf("plain HTTP, allowed: %d %v; want 200", status, body)
		}
	}
}

func b64(s string) string { return stdb64.StdEncoding.EncodeToString([]byte(s)) }

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
