package secret_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/secret"
)

func TestSealOpenReseal(t *testing.T) {
	t.Parallel()
	oldKey, _ := secret.ParseKey(secret.NewKeyText())
	newKey, _ := secret.ParseKey(secret.NewKeyText())
	old := secret.NewBox(oldKey)
	sealed, _ := old.Seal([]byte("shpat_known"))
	if strings.Contains(sealed, "shpat_known") || !strings.HasPrefix(sealed, "ss1:"+oldKey.ID()+":") {
		t.Fatalf("sealed %q", sealed)
	}
	if p, err := old.Open(sealed); err != nil || string(p) != "shpat_known" {
		t.Fatalf("open: %q %v", p, err)
	}
	if _, err := secret.NewBox(newKey).Open(sealed); !errors.Is(err, secret.ErrUnknownKey) || !strings.Contains(err.Error(), oldKey.ID()) {
		t.Errorf("open with another key: %v", err)
	}
	rot := secret.NewBox(newKey, oldKey)
	tests := []struct {
		name, in    string
		wantChanged bool
	}{
		{"plain text", "whsec_plain", true},
		{"old key", sealed, true},
		{"empty", "", false},
	}
	for _, tc := range tests {
		out, changed, err := rot.Reseal(tc.in)
		if err != nil || changed != tc.wantChanged {
			t.Fatalf("%s: reseal %v %v", tc.name, changed, err)
		}
		if tc.in == "" {
			continue
		}
		if !strings.HasPrefix(out, "ss1:"+newKey.ID()+":") {
			t.Errorf("%s: resealed under %q", tc.name, out)
		}
		if again, changed, _ := rot.Reseal(out); changed || again != out {
			t.Errorf("%s: resealing twice changed it", tc.name)
		}
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := old.Open(tampered); err == nil {
		t.Error("a tampered value opened")
	}
}

func TestKeyFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	k1, created, err := secret.LoadOrCreate(path)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, created, err := secret.LoadOrCreate(path)
	if err != nil || created || k2.ID() != k1.ID() {
		t.Errorf("second load: %v %v", created, err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("A", 60)} {
		if _, err := secret.ParseKey(bad); err == nil || (bad != "" && strings.Contains(err.Error(), bad)) {
			t.Errorf("ParseKey(%q): %v", bad, err)
		}
	}
}
