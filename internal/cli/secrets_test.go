package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secrets rotate explains itself, refuses a missing database, and rotates the embedded
// database's key in place, keeping the old one retired.
func TestSecretsRotateCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"STORESYNC_DATA_DIR": dir}
	code, out, _ := run(t, env, "secrets", "rotate", "--help")
	if code != 0 || !strings.Contains(out, "--new-key-file") || !strings.Contains(out, "retired") {
		t.Fatalf("secrets rotate --help: %d %s", code, out)
	}
	newKey := filepath.Join(t.TempDir(), "new.key")
	if code, _, stderr := run(t, env, "secrets", "rotate", "--new-key-file", newKey); code != 1 || !strings.Contains(stderr, "no storesync database") {
		t.Errorf("rotate without a database: %d %s", code, stderr)
	}
	if code, _, stderr := run(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, stderr)
	}
	old, err := os.ReadFile(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatalf("migrate made no key: %v", err)
	}
	code, out, stderr := run(t, env, "secrets", "rotate", "--new-key-file", newKey)
	if code != 0 || !strings.Contains(out, "re-encrypted") {
		t.Fatalf("rotate: %d %s %s", code, out, stderr)
	}
	cur, _ := os.ReadFile(filepath.Join(dir, "secret.key"))
	made, _ := os.ReadFile(newKey)
	retired, _ := filepath.Glob(filepath.Join(dir, "secret.key.*.retired"))
	if string(cur) == string(old) || string(cur) != string(made) || len(retired) != 1 {
		t.Errorf("after rotate: key replaced %t, retired %v", string(cur) != string(old), retired)
	}
}
