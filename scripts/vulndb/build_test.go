package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// osvFile is an entry as data/osv/ holds it: indented, with fields the indexes do not use.
func osvFile(id, modified string, affected string) string {
	return `{
  "schema_version": "1.3.1",
  "id": "` + id + `",
  "modified": "` + modified + `",
  "aliases": ["CVE-2026-0001"],
  "summary": "a summary of ` + id + `",
  "affected": [` + affected + `],
  "database_specific": {"url": "https://pkg.go.dev/vuln/` + id + `"}
}`
}

func writeOSV(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

const zero = "0001-01-01T00:00:00Z"

func TestBuildWritesTheV1Layout(t *testing.T) {
	t.Parallel()
	stdlib := `{"package": {"name": "stdlib", "ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.25.9"}, {"introduced": "1.26.0-0"}, {"fixed": "1.26.9"}]}]}`
	mod := `{"package": {"name": "example.com/mod", "ecosystem": "Go"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.0.0-20250101000000-abcdefabcdef"}]}]}`
	src := writeOSV(t, map[string]string{
		"GO-2026-0002.json": osvFile("GO-2026-0002", zero, stdlib+","+mod),
		"GO-2026-0001.json": osvFile("GO-2026-0001", "2026-03-04T05:06:07Z", mod),
		"README.md":         "not an entry",
	})
	snapshot := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	d, err := build(src, snapshot)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "cache", "v0.0.0-x")
	if err := d.write(out); err != nil {
		t.Fatal(err)
	}

	var db map[string]string
	readJSON(t, filepath.Join(out, "index", "db.json"), &db)
	if db["modified"] != "2026-11-05T23:49:57Z" {
		t.Errorf("index/db.json modified = %q, want the snapshot's time (no entry is later)", db["modified"])
	}

	b, err := os.ReadFile(filepath.Join(out, "index", "modules.json"))
	if err != nil {
		t.Fatal(err)
	}
	wantModules := `[{"path":"example.com/mod","vulns":[` +
		`{"id":"GO-2026-0001","modified":"2026-03-04T05:06:07Z","fixed":"0.0.0-20250101000000-abcdefabcdef"},` +
		`{"id":"GO-2026-0002","modified":"` + zero + `","fixed":"0.0.0-20250101000000-abcdefabcdef"}]},` +
		`{"path":"stdlib","vulns":[{"id":"GO-2026-0002","modified":"` + zero + `","fixed":"1.26.9"}]}]`
	if string(b) != wantModules {
		t.Errorf("index/modules.json =\n%s\nwant\n%s", b, wantModules)
	}

	var vulns []map[string]any
	readJSON(t, filepath.Join(out, "index", "vulns.json"), &vulns)
	if len(vulns) != 2 || vulns[0]["id"] != "GO-2026-0001" || vulns[1]["id"] != "GO-2026-0002" {
		t.Errorf("index/vulns.json = %v, want GO-2026-0001 then GO-2026-0002", vulns)
	}

	// Entries are copied whole (compacted), so fields the indexes ignore reach govulncheck.
	got, err := os.ReadFile(filepath.Join(out, "ID", "GO-2026-0002.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(osvFile("GO-2026-0002", zero, stdlib+","+mod))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("ID/GO-2026-0002.json =\n%s\nwant\n%s", got, want.Bytes())
	}
	if ids, _ := filepath.Glob(filepath.Join(out, "ID", "*")); len(ids) != 2 {
		t.Errorf("ID/ holds %v, want the two entries only", ids)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "*.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary directories left behind: %v", left)
	}
}

func TestBuildTakesTheLatestModifiedTime(t *testing.T) {
	t.Parallel()
	mod := `{"package": {"name": "example.com/mod"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}`
	src := writeOSV(t, map[string]string{"GO-2026-0001.json": osvFile("GO-2026-0001", "2026-12-01T00:00:00Z", mod)})
	d, err := build(src, time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.db.Modified.Format(time.RFC3339); got != "2026-12-01T00:00:00Z" {
		t.Errorf("db modified = %s, want the entry's later time", got)
	}
}

func TestNonSupersededFix(t *testing.T) {
	t.Parallel()
	semverRange := func(events ...event) osvRange { return osvRange{Type: "SEMVER", Events: events} }
	tests := []struct {
		name   string
		ranges []osvRange
		want   string
	}{
		{"no fix", []osvRange{semverRange(event{Introduced: "0"})}, ""},
		{"one fix", []osvRange{semverRange(event{Introduced: "0"}, event{Fixed: "1.2.3"})}, "1.2.3"},
		{"latest of several fixes", []osvRange{semverRange(
			event{Introduced: "0"}, event{Fixed: "1.9.0"}, event{Introduced: "1.10.0"}, event{Fixed: "1.10.2"},
		)}, "1.10.2"},
		{"numeric, not lexical, order", []osvRange{semverRange(event{Fixed: "1.9.0"}, event{Fixed: "1.10.0"})}, "1.10.0"},
		{"introduced again after the last fix", []osvRange{semverRange(
			event{Introduced: "0"}, event{Fixed: "1.2.0"}, event{Introduced: "2.0.0"},
		)}, ""},
		{"pseudo-versions", []osvRange{semverRange(
			event{Introduced: "0"}, event{Fixed: "0.0.0-20250101000000-aaaaaaaaaaaa"},
		)}, "0.0.0-20250101000000-aaaaaaaaaaaa"},
		{"pre-release below its release", []osvRange{semverRange(event{Fixed: "1.26.0-rc.1"}, event{Fixed: "1.26.0"})}, "1.26.0"},
		{"fixes across ranges", []osvRange{
			semverRange(event{Introduced: "0"}, event{Fixed: "1.1.0"}),
			semverRange(event{Introduced: "1.2.0"}, event{Fixed: "1.3.0"}),
		}, "1.3.0"},
		{"non-SEMVER ranges are ignored", []osvRange{{Type: "GIT", Events: []event{{Fixed: "abcdef"}}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := nonSupersededFix(tt.ranges); got != tt.want {
				t.Errorf("nonSupersededFix = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuildRefusesBadEntries(t *testing.T) {
	t.Parallel()
	ok := `{"package": {"name": "example.com/mod"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}`
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no entries", map[string]string{"README.md": "x"}, "holds no OSV entries"},
		{"not JSON", map[string]string{"GO-2026-0001.json": "{"}, "not an OSV entry"},
		{"file named after another ID", map[string]string{"GO-2026-0001.json": osvFile("GO-2026-0002", zero, ok)}, "want the file named GO-2026-0002.json"},
		{"malformed ID", map[string]string{"x.json": osvFile("CVE-1", zero, ok)}, `id "CVE-1"`},
		{"package without a module path", map[string]string{"GO-2026-0001.json": osvFile("GO-2026-0001", zero, `{"package": {"name": ""}}`)}, "has no name"},
		{"invalid version", map[string]string{"GO-2026-0001.json": osvFile("GO-2026-0001", zero,
			`{"package": {"name": "example.com/mod"}, "ranges": [{"type": "SEMVER", "events": [{"fixed": "v1.2"}]}]}`)}, `version "v1.2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := build(writeOSV(t, tt.files), time.Time{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("build error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestWriteRefusesAnExistingDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := &database{entries: map[string][]byte{}}
	if err := d.write(dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("write into an existing directory: error = %v, want already exists", err)
	}
}

// TestRunUsesTheCache shows a built version is not downloaded again: the go command given here
// fails if it is run at all.
func TestRunUsesTheCache(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	dir := filepath.Join(cache, "v0.0.0-x")
	if err := os.MkdirAll(filepath.Join(dir, "index"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index", "modules.json"), []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	args := []string{"-version", "v0.0.0-x", "-sum", "h1:x", "-cache", cache, "-go", "/nonexistent/go"}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != dir {
		t.Errorf("printed %q, want %q", got, dir)
	}
}

func TestRunRefusesMissingOrOddFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no version", []string{"-sum", "h1:x", "-cache", "c"}, "-version is required"},
		{"no sum", []string{"-version", "v1.0.0", "-cache", "c"}, "-sum is required"},
		{"no cache", []string{"-version", "v1.0.0", "-sum", "h1:x"}, "-cache is required"},
		{"a path as version", []string{"-version", "../x", "-sum", "h1:x", "-cache", "c"}, "not a module version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := run(context.Background(), tt.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// fakeGo writes a stand-in for the go command that answers `go mod download -json` with a module
// unpacked in a temporary directory, as the real one does from the module cache.
func fakeGo(t *testing.T, sum string, entries map[string]string) string {
	t.Helper()
	mod := t.TempDir()
	osv := filepath.Join(mod, "data", "osv")
	if err := os.MkdirAll(osv, 0o750); err != nil {
		t.Fatal(err)
	}
	for name, body := range entries {
		if err := os.WriteFile(filepath.Join(osv, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	info := filepath.Join(mod, "v.info")
	if err := os.WriteFile(info, []byte(`{"Version":"v0.0.0-x","Time":"2026-11-05T23:49:57Z"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	answer, err := json.Marshal(map[string]string{"Path": module, "Version": "v0.0.0-x", "Dir": mod, "Info": info, "Sum": sum})
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "go")
	body := "#!/bin/sh\n[ \"$*\" = \"mod download -json " + module + "@v0.0.0-x\" ] || exit 2\ncat <<'END'\n" + string(answer) + "\nEND\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil { //nolint:gosec // G306: the stand-in go command must be executable
		t.Fatal(err)
	}
	return script
}

func TestRunBuildsOncePerVersion(t *testing.T) {
	t.Parallel()
	mod := `{"package": {"name": "example.com/mod"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}`
	goCmd := fakeGo(t, "h1:pinned", map[string]string{"GO-2026-0001.json": osvFile("GO-2026-0001", zero, mod)})
	cache := t.TempDir()
	args := []string{"-version", "v0.0.0-x", "-sum", "h1:pinned", "-cache", cache, "-go", goCmd}
	var out bytes.Buffer
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "v0.0.0-x")
	if got := strings.TrimSpace(out.String()); got != dir {
		t.Errorf("printed %q, want %q", got, dir)
	}
	var db map[string]string
	readJSON(t, filepath.Join(dir, "index", "db.json"), &db)
	if db["modified"] != "2026-11-05T23:49:57Z" {
		t.Errorf("index/db.json modified = %q, want the module's commit time", db["modified"])
	}
	if _, err := os.Stat(filepath.Join(dir, "ID", "GO-2026-0001.json")); err != nil {
		t.Errorf("entry not written: %v", err)
	}
}

func TestRunRefusesAnUnpinnedChecksum(t *testing.T) {
	t.Parallel()
	goCmd := fakeGo(t, "h1:something-else", map[string]string{})
	cache := t.TempDir()
	args := []string{"-version", "v0.0.0-x", "-sum", "h1:pinned", "-cache", cache, "-go", goCmd}
	err := run(context.Background(), args, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "has checksum h1:something-else, want h1:pinned") {
		t.Fatalf("run error = %v, want a checksum mismatch", err)
	}
	if left, _ := os.ReadDir(cache); len(left) != 0 {
		t.Errorf("cache holds %v after a refused download, want nothing", left)
	}
}
