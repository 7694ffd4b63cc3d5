package config_test

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The secret key comes from --secret-key-file, STORESYNC_SECRET_KEY or STORESYNC_SECRET_KEY_FILE;
// two different keys are refused; the key is never printed.
func TestSecretKeySettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "k")
	const key = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M="
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantKey string
		wantErr string
	}{
		{"flag", []string{"--secret-key-file", keyFile}, nil, "", ""},
		{"variable", nil, map[string]string{"STORESYNC_SECRET_KEY": key}, key, ""},
		{"variable file", nil, map[string]string{"STORESYNC_SECRET_KEY_FILE": keyFile}, key, ""},
		{"two different keys", []string{"--secret-key-file", keyFile}, map[string]string{"STORESYNC_SECRET_KEY": "other"}, "", "differ"},
		{"private targets", []string{"--allow-private-targets"}, nil, "", ""},
		{"private targets, bad value", nil, map[string]string{"STORESYNC_ALLOW_PRIVATE_TARGETS": "maybe"}, "", "STORESYNC_ALLOW_PRIVATE_TARGETS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"STORESYNC_DATA_DIR": dir}
			maps.Copy(env, tc.env)
			c, err := parse(t, tc.args, env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), key) {
					t.Fatalf("error %v; want one saying %q without the key", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.SecretKey != tc.wantKey || strings.Contains(c.String(), key) {
				t.Errorf("key %q, config %s", c.SecretKey, c)
			}
			if tc.name == "private targets" && (!c.AllowPrivateTargets || !strings.Contains(c.String(), "allow-private-targets=true")) {
				t.Errorf("--allow-private-targets not taken: %s", c)
			}
		})
	}
}
