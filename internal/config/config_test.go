package config_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/config"
)

func parse(t *testing.T, args []string, env map[string]string) (config.Config, error) {
	t.Helper()
	var c config.Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Common(fs)
	c.Server(fs, ":8080")
	if err := config.Parse(fs, args, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		return c, err
	}
	return c, c.Finish()
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	t.Parallel()
	secret := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(secret, []byte("postgres://u:pw@h/db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parse(t, []string{"--workers", "3"}, map[string]string{
		"STORESYNC_WORKERS": "7", "STORESYNC_ADDR": "127.0.0.1:9000", "STORESYNC_DB_FILE": secret})
	if err != nil {
		t.Fatal(err)
	}
	if c.Workers != 3 || c.Addr != "127.0.0.1:9000" || c.DB != "postgres://u:pw@h/db" {
		t.Errorf("got workers=%d addr=%s db=%s", c.Workers, c.Addr, c.DB)
	}
	if strings.Contains(c.String(), "pw") {
		t.Errorf("String() shows the password: %s", c)
	}
	c, err = parse(t, nil, map[string]string{"STORESYNC_DATA_DIR": "/srv/ss"})
	if err != nil || c.DB != "sqlite:/srv/ss/storesync.db" {
		t.Errorf("default db = %q, %v", c.DB, err)
	}
}

func TestBadSettingsAreNamed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		says string
	}{
		{[]string{"--addr", "nope"}, nil, "--addr"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{[]string{"--max-body-bytes", "10"}, nil, "--max-body-bytes"},
		{nil, map[string]string{"STORESYNC_JOB_TIMEOUT": "soon"}, "STORESYNC_JOB_TIMEOUT"},
		{nil, map[string]string{"STORESYNC_DB_FILE": "/does/not/exist"}, "STORESYNC_DB_FILE"},
		{[]string{"--tls-self-signed", "--tls-cert", "c", "--tls-key", "k"}, nil, "exclude each other"},
	} {
		_, err := parse(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v %v: error %v, want it to name %s", tc.args, tc.env, err, tc.says)
		}
	}
}

func TestTrustProxyAndTheDemoDatabaseDefault(t *testing.T) {
	t.Parallel()
	c, err := parse(t, nil, map[string]string{"STORESYNC_TRUST_PROXY": "true"})
	if err != nil || !c.TrustProxy || !strings.Contains(c.String(), "trust-proxy=true") {
		t.Errorf("STORESYNC_TRUST_PROXY: %v, %v (%s)", c.TrustProxy, err, c)
	}
	c = config.Config{DBFile: "demo.db"}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	c.Common(fs)
	if u := fs.Lookup("db").Usage; !strings.Contains(u, "<data-dir>/demo.db") {
		t.Errorf("--db help says %q, want the demo's default", u)
	}
	if err := config.Parse(fs, []string{"--data-dir", "/srv/d"}, func(string) (string, bool) { return "", false }); err != nil {
		t.Fatal(err)
	}
	if err := c.Finish(); err != nil || c.DB != "sqlite:/srv/d/demo.db" {
		t.Errorf("demo default db = %q, %v", c.DB, err)
	}
}
