package cli_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/cli"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = cli.Run(context.Background(), args, cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
	return code, out.String(), errb.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestBadInputIsNamed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "x.db")
	cases := []struct {
		args []string
		env  map[string]string
		code int
		says string
	}{
		{[]string{"nope"}, nil, 2, `unknown command "nope"`},
		{[]string{"serve", "--no-such-flag"}, nil, 2, "flag provided but not defined: -no-such-flag"},
		{[]string{"serve", "--workers", "many"}, nil, 2, `invalid value "many" for flag -workers`},
		{[]string{"serve", "--db", "mysql://x"}, nil, 1, "--db"},
		{[]string{"serve", "--tls-cert", "a.pem"}, nil, 1, "--tls-cert and --tls-key go together"},
		{[]string{"serve", "--job-timeout", "2m", "--job-rescue-after", "1m"}, nil, 1, "--job-rescue-after"},
		{[]string{"serve"}, map[string]string{"STORESYNC_WORKERS": "x"}, 1, "STORESYNC_WORKERS"},
		{[]string{"account", "create", "--db", db}, nil, 1, "--name is required"},
		{[]string{"account", "create", "--db", db, "--name", "Bad Name"}, nil, 1, "account name"},
		{[]string{"apikey", "create", "--db", db, "--account", "x", "--name", "ci", "--permission", "admin"}, nil, 1, `--permission "admin"`},
		{[]string{"apikey", "create", "--db", db, "--account", "x"}, nil, 1, "--name is required"},
		{[]string{"apikey", "create", "--db", db, "--account", "x", "--name", "a\tb"}, nil, 1, "--name: contains a control character"},
		{[]string{"apikey", "create", "--db", db}, nil, 1, "--account is required"},
		{[]string{"apikey", "revoke", "--db", db, "--account", "x", "--id", "three"}, nil, 1, `--id "three" is not a key ID`},
		{[]string{"user", "create", "--db", db, "--account", "x", "--email", "a@b.example"}, nil, 1, "--password is required"},
		{[]string{"reconcile", "--db", db, "--account", "x"}, nil, 1, "--connection is required"},
		{[]string{"reconcile", "--db", db, "--connection", "3"}, nil, 1, "--account is required"},
		{[]string{"migrate", "--db", "postgres://u:secret@127.0.0.1:1/db?connect_timeout=2"}, nil, 1, "127.0.0.1"},
	}
	for _, tc := range cases {
		code, _, stderr := run(t, tc.env, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tc.args, code, stderr, tc.code, tc.says)
		}
		if strings.Contains(stderr, ":secret@") {
			t.Errorf("%v: stderr shows the password: %q", tc.args, stderr)
		}
	}
	// Nothing was created by the failed commands, nor by an admin command on a missing database.
	if code, _, stderr := run(t, nil, "apikey", "list", "--db", db, "--account", "x"); code != 1 ||
		!strings.Contains(stderr, "no storesync database at "+db) || !strings.Contains(stderr, "storesync migrate") {
		t.Errorf("apikey list on a missing database: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a database was created: %v", err)
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, nil, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help exit %d", code)
	}
	for _, f := range []string{"-data-dir", "-db", "-addr", "-tls-cert", "-tls-key", "-tls-self-signed", "-allow-http", "-trust-proxy", "-max-body-bytes", "-workers", `(default "./data")`} {
		if !strings.Contains(out, f) {
			t.Errorf("serve --help does not list %s", f)
		}
	}
}

// Admin commands work on the database of a running server, and the key they print works at once.
func TestAdminBesideRunningServer(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, url string) {
		dir := t.TempDir()
		addr := freeAddr(t)
		env := map[string]string{"STORESYNC_DB": url, "STORESYNC_DATA_DIR": dir, "STORESYNC_SECRET_KEY": "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M="}
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb syncBuffer
		done := make(chan int)
		go func() {
			done <- cli.Run(ctx, []string{"serve", "--addr", addr, "--tls-self-signed", "--log-level", "warn"},
				cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
		}()
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		base := "https://" + addr
		waitReady(t, client, base+"/readyz")

		if code, _, stderr := run(t, env, "account", "create", "--name", "acme"); code != 0 {
			t.Fatalf("account create: %d %s", code, stderr)
		}
		code, stdout, stderr := run(t, env, "apikey", "create", "--account", "acme", "--name", "ci", "--permission", "read")
		if code != 0 {
			t.Fatalf("apikey create: %d %s", code, stderr)
		}
		key := lastLine(stdout)
		if !strings.HasPrefix(key, "ssk_") {
			t.Fatalf("last line %q is not a key", key)
		}
		body := get(t, client, base+"/api/v2/me", key, 200)
		if !strings.Contains(body, `"name":"acme"`) || !strings.Contains(body, `"hits":1`) {
			t.Errorf("/api/v2/me = %s", body)
		}
		_, list, _ := run(t, env, "apikey", "list", "--account", "acme")
		if !strings.Contains(list, key[:12]) || !strings.Contains(list, "active") {
			t.Errorf("apikey list = %q", list)
		}
		if code, _, stderr := run(t, env, "apikey", "revoke", "--account", "acme", "--id", "1"); code != 0 {
			t.Fatalf("apikey revoke: %d %s", code, stderr)
		}
		get(t, client, base+"/api/v2/me", key, 401)

		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d after SIGTERM-like cancel: %s", code, errb.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
		}
	})
}

func get(t *testing.T, c *http.Client, url, key string, want int) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s; want %d", url, resp.StatusCode, b, want)
	}
	return string(b)
}

func waitReady(t *testing.T, c *http.Client, url string) {
	t.Helper()
	// Generous: with the race detector on a loaded 2-core machine, a server's start (migrations
	// included) has taken over 20 s.
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", url)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprint(ln.Addr())
	if err := ln.Close(); err != nil {
		t.Fatal(err) // the address would not be free for the caller
	}
	return addr
}
