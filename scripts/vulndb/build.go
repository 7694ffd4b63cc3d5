package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// entry is the part of an OSV entry the indexes are made from. The entry itself is copied as it
// is, so fields not named here are kept.
type entry struct {
	ID       string     `json:"id"`
	Modified time.Time  `json:"modified"`
	Aliases  []string   `json:"aliases"`
	Affected []affected `json:"affected"`
}

type affected struct {
	Package struct {
		Name string `json:"name"`
	} `json:"package"`
	Ranges []osvRange `json:"ranges"`
}

type osvRange struct {
	Type   string  `json:"type"`
	Events []event `json:"events"`
}

type event struct {
	Introduced string `json:"introduced,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
}

// The index documents of the v1 layout (https://go.dev/security/vuln/database#api).
type (
	dbMeta struct {
		Modified time.Time `json:"modified"`
	}
	moduleMeta struct {
		Path  string       `json:"path"`
		Vulns []moduleVuln `json:"vulns"`
	}
	moduleVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Fixed    string    `json:"fixed,omitempty"`
	}
	vulnMeta struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Aliases  []string  `json:"aliases,omitempty"`
	}
)

// database is a v1 database in memory: the three indexes and each entry's bytes by ID.
type database struct {
	db      dbMeta
	modules []moduleMeta
	vulns   []vulnMeta
	entries map[string][]byte
}

var idPattern = regexp.MustCompile(`^GO-\d{4}-\d{4,}$`)

// build reads every GO-YYYY-NNNN.json in osvDir and makes the database. snapshot is when the
// source was taken: the x/vulndb module carries no modification times (the official build takes
// them from git history), so index/db.json says the snapshot's time when no entry says a later one.
func build(osvDir string, snapshot time.Time) (*database, error) {
	names, err := filepath.Glob(filepath.Join(osvDir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", osvDir, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s holds no OSV entries (*.json)", osvDir)
	}
	d := &database{db: dbMeta{Modified: snapshot.UTC()}, entries: map[string][]byte{}}
	byModule := map[string][]moduleVuln{}
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading OSV entry: %w", err)
		}
		e, err := parseEntry(filepath.Base(name), raw)
		if err != nil {
			return nil, err
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		d.entries[e.ID] = compact.Bytes()
		if e.Modified.After(d.db.Modified) {
			d.db.Modified = e.Modified
		}
		d.vulns = append(d.vulns, vulnMeta{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		for _, a := range e.Affected {
			byModule[a.Package.Name] = append(byModule[a.Package.Name], moduleVuln{
				ID: e.ID, Modified: e.Modified, Fixed: nonSupersededFix(a.Ranges),
			})
		}
	}
	for path, vulns := range byModule {
		slices.SortFunc(vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		d.modules = append(d.modules, moduleMeta{Path: path, Vulns: vulns})
	}
	slices.SortFunc(d.modules, func(a, b moduleMeta) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(d.vulns, func(a, b vulnMeta) int { return strings.Compare(a.ID, b.ID) })
	return d, nil
}

// parseEntry decodes an entry and checks what the indexes rely on: the file is named after the
// ID, every affected package names its module, and every SEMVER version is valid.
func parseEntry(file string, raw []byte) (entry, error) {
	var e entry
	if err := json.Unmarshal(raw, &e); err != nil {
		return entry{}, fmt.Errorf("%s: not an OSV entry: %w", file, err)
	}
	if !idPattern.MatchString(e.ID) {
		return entry{}, fmt.Errorf("%s: id %q is not of the form GO-YYYY-NNNN", file, e.ID)
	}
	if file != e.ID+".json" {
		return entry{}, fmt.Errorf("%s: holds entry %s, want the file named %s.json", file, e.ID, e.ID)
	}
	for _, a := range e.Affected {
		if a.Package.Name == "" {
			return entry{}, fmt.Errorf("%s: an affected package has no name (module path)", file)
		}
		for _, r := range a.Ranges {
			if r.Type != "SEMVER" {
				continue
			}
			for _, ev := range r.Events {
				for _, v := range []string{ev.Introduced, ev.Fixed} {
					if v != "" && v != "0" && !semver.IsValid("v"+v) {
						return entry{}, fmt.Errorf("%s: %s: version %q is not valid semver", file, a.Package.Name, v)
					}
				}
			}
		}
	}
	return e, nil
}

// nonSupersededFix is the index's "fixed" of one affected module: the latest fixed version, or
// none when the vulnerability is introduced again after it. govulncheck skips an entry whose
// fixed version is not above the version in use, so this must never be too low; it follows
// x/vuln's internal/semver.NonSupersededFix.
func nonSupersededFix(ranges []osvRange) string {
	latest := ""
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && less(latest, e.Fixed) {
				latest = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && less(latest, e.Introduced) {
				latest = ""
				break
			}
		}
	}
	return latest
}

// less compares OSV versions (semver without the leading "v"); "" is below every version.
func less(a, b string) bool {
	if a == "" {
		return b != ""
	}
	return semver.Compare("v"+a, "v"+b) < 0
}

// write puts the database in dir, which must not exist: it is written next to dir and renamed
// into place, so a cut-off run never leaves a half-written database that looks complete.
func (d *database) write(dir string) (err error) {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s already exists", dir)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("checking %s: %w", dir, err)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return fmt.Errorf("creating %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("creating a directory in %s: %w", parent, err)
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	for _, sub := range []string{"index", "ID"} {
		if err := os.Mkdir(filepath.Join(tmp, sub), 0o750); err != nil {
			return fmt.Errorf("creating %s: %w", sub, err)
		}
	}
	indexes := map[string]any{"db.json": d.db, "modules.json": d.modules, "vulns.json": d.vulns}
	for name, v := range indexes {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding index/%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "index", name), b, 0o600); err != nil {
			return fmt.Errorf("writing index/%s: %w", name, err)
		}
	}
	for id, b := range d.entries {
		if err := os.WriteFile(filepath.Join(tmp, "ID", id+".json"), b, 0o600); err != nil {
			return fmt.Errorf("writing ID/%s.json: %w", id, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("moving the database into %s: %w", dir, err)
	}
	return nil
}
