// Command vulndb makes the Go vulnerability database that `make vuln` hands to govulncheck
// (-db file:///DIR) when the only way out is the Go module proxy: the proxy serves the database's
// source, the module golang.org/x/vulndb, whose data/osv/ holds every published OSV entry. From
// those entries this builds the v1 layout govulncheck reads (index/db.json, index/modules.json,
// index/vulns.json, ID/GO-YYYY-NNNN.json), once per module version, in CACHE/VERSION, and prints
// that directory.
//
//	go run ./scripts/vulndb -version v0.0.0-… -sum h1:… -cache DIR
//
// The version and its checksum are pinned (Makefile: VULNDB_VERSION, VULNDB_SUM), so a run is
// reproducible; the go command also checks the download against the checksum database.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const module = "golang.org/x/vulndb"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("vulndb", flag.ContinueOnError)
	version := fs.String("version", "", "version of "+module+" to build the database from (required)")
	sum := fs.String("sum", "", "its expected module checksum, h1:… (required)")
	cache := fs.String("cache", "", "directory holding one database per version (required)")
	goCmd := fs.String("go", "go", "the go command")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for name, v := range map[string]string{"version": *version, "sum": *sum, "cache": *cache} {
		if v == "" {
			return fmt.Errorf("-%s is required", name)
		}
	}
	if strings.ContainsAny(*version, `/\`) || strings.HasPrefix(*version, ".") {
		return fmt.Errorf("-version %q is not a module version", *version)
	}
	dir := filepath.Join(*cache, *version)
	if _, err := os.Stat(filepath.Join(dir, "index", "modules.json")); err == nil {
		_, err := fmt.Fprintln(stdout, dir)
		return err
	}
	src, err := download(ctx, *goCmd, *version, *sum)
	if err != nil {
		return err
	}
	d, err := build(filepath.Join(src.Dir, "data", "osv"), src.Time)
	if err != nil {
		return fmt.Errorf("building the database from %s@%s: %w", module, *version, err)
	}
	if err := d.write(dir); err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, dir)
	return err
}

// source is where the go command unpacked the module, and when its commit was made.
type source struct {
	Dir  string
	Time time.Time
}

// download fetches the module through the go command (so GOPROXY, GOFLAGS and the checksum
// database apply as for any module) and checks it is the pinned one.
func download(ctx context.Context, goCmd, version, sum string) (source, error) {
	cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-json", module+"@"+version) //nolint:gosec // G204: the go command and a version checked above, from the Makefile
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var res struct {
		Dir   string `json:"Dir"`
		Info  string `json:"Info"`
		Sum   string `json:"Sum"`
		Error string `json:"Error"`
	}
	if jerr := json.Unmarshal(out, &res); jerr == nil && res.Error != "" {
		return source{}, fmt.Errorf("downloading %s@%s: %s", module, version, res.Error)
	}
	if err != nil {
		return source{}, fmt.Errorf("downloading %s@%s: %w", module, version, err)
	}
	if res.Sum != sum {
		return source{}, fmt.Errorf("%s@%s has checksum %s, want %s: update the pin (see the Makefile)", module, version, res.Sum, sum)
	}
	if res.Dir == "" || res.Info == "" {
		return source{}, errors.New("go mod download named no directory or .info file")
	}
	b, err := os.ReadFile(res.Info)
	if err != nil {
		return source{}, fmt.Errorf("reading the module's .info: %w", err)
	}
	var info struct {
		Time time.Time `json:"Time"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return source{}, fmt.Errorf("decoding %s: %w", res.Info, err)
	}
	return source{Dir: res.Dir, Time: info.Time}, nil
}
