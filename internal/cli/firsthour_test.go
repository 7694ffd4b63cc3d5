package cli_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/cli"
)

func TestCommandGroupsListTheirCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args       []string
		code       int
		out, err   string
		subcommand string
	}{
		{[]string{"account", "--help"}, 0, "Usage: storesync account COMMAND", "", "account create"},
		{[]string{"apikey", "-h"}, 0, "apikey revoke", "", "apikey list"},
		{[]string{"user", "help"}, 0, "user create", "", "user create"},
		{[]string{"sim", "--help"}, 0, "sim shopify", "", "sim shopify"},
		{[]string{"apikey"}, 2, "", "apikey create", "apikey create"},
		{[]string{"apikey", "nope"}, 2, "", `unknown command "apikey nope"`, "apikey list"},
	} {
		code, stdout, stderr := run(t, nil, tc.args...)
		got := stdout
		if tc.code != 0 {
			got = stderr
		}
		if code != tc.code || !strings.Contains(stdout, tc.out) || !strings.Contains(stderr, tc.err) || !strings.Contains(got, tc.subcommand) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d listing %q", tc.args, code, stdout, stderr, tc.code, tc.subcommand)
		}
	}
}

func TestDemoHelpShowsItsOwnDatabase(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, nil, "demo", "--help")
	if code != 0 || !strings.Contains(out, "<data-dir>/demo.db") || strings.Contains(out, "storesync.db") {
		t.Errorf("demo --help: exit %d, %q", code, out)
	}
}

// serve checks everything it needs before it touches the database.
func TestServeChecksBeforeCreatingTheDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	badPair := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(badPair, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "s.db")
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--tls-cert", filepath.Join(dir, "missing.pem"), "--tls-key", filepath.Join(dir, "missing-key.pem")}, "missing.pem"},
		{[]string{"--tls-cert", badPair, "--tls-key", badPair}, "bad.pem"},
		{[]string{"--data-dir", notDir}, "--data-dir: " + notDir + " is not a directory"},
	} {
		args := append([]string{"serve", "--db", "sqlite:" + db, "--addr", "127.0.0.1:0"}, tc.args...)
		code, _, stderr := run(t, nil, args...)
		if code != 1 || !strings.Contains(stderr, tc.says) {
			t.Errorf("%v: exit %d, %q; want exit 1 naming %q", tc.args, code, stderr, tc.says)
		}
		if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%v: the database was created before failing", tc.args)
		}
	}
}

// A restarted demo prints, and accepts, the keys it printed before.
func TestDemoKeysSurviveARestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyRe := regexp.MustCompile(`(read|write) key:\s+(ssk_\S+)`)
	urlRe := regexp.MustCompile(`running at (https://\S+)`)
	start := func() (keys map[string]string) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var out, errb syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- cli.Run(ctx, []string{"demo", "--data-dir", dir, "--addr", "127.0.0.1:0", "--log-level", "error"},
				cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) (string, bool) { return "", false }})
		}()
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(out.String(), "try:") {
			select {
			case code := <-done:
				t.Fatalf("demo exited %d: %s", code, errb.String())
			case <-time.After(50 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("demo did not start: %s %s", out.String(), errb.String())
			}
		}
		keys = map[string]string{}
		for _, m := range keyRe.FindAllStringSubmatch(out.String(), -1) {
			keys[m[1]] = m[2]
		}
		url := urlRe.FindStringSubmatch(out.String())[1]
		// Generous: the demo's first minute (three simulators, three imports, a sync run) shares
		// the one SQLite writer with this request on a loaded machine.
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		for _, k := range keys {
			get(t, client, url+"/api/v2/me", k, 200)
		}
		// The reseller's store follows the supplier's, whose account has its own login.
		if !strings.Contains(out.String(), "supplier login:  "+cli.DemoSupplierEmail+" / "+cli.DemoSupplierPassword) {
			t.Errorf("the demo does not print the supplier's login: %s", out.String())
		}
		// Its shops follow both suppliers' (on Shopify and BigCommerce) across platforms.
		if conns := get(t, client, url+"/api/v2/connections?role=destination&state=connected", keys["read"], 200); !strings.Contains(conns, fmt.Sprintf(`"total":%d`, len(app.DemoFollows))) {
			t.Errorf("the demo's connections: %s", conns)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("demo did not stop")
		}
		return keys
	}
	first := start()
	if len(first) != 2 {
		t.Fatalf("demo printed keys %v", first)
	}
	st, err := os.Stat(filepath.Join(dir, "demo-keys.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("demo keys file: %v, mode %v; want 0600", err, st)
	}
	second := start()
	if second["read"] != first["read"] || second["write"] != first["write"] {
		t.Errorf("keys changed across a restart: %v, then %v", first, second)
	}
}
