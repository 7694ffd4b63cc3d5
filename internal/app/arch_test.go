package app_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/storesync/storesync/"

// allowed lists, for each package (by path prefix, longest wins), the storesync packages it may
// import. It is the table in docs/ARCHITECTURE.md; this test keeps the two and the code in step.
var allowed = map[string][]string{
	"cmd/storesync":       {"internal/cli"},
	"internal/cli":        {"internal/app", "internal/config", "internal/account", "internal/database", "internal/sim", "internal/syncrun", "internal/store"},
	"internal/app":        {"internal/"},
	"internal/config":     {"internal/database"},
	"internal/server":     {},
	"internal/api":        {"internal/api", "internal/account", "internal/database", "internal/jobs", "internal/webhook", "internal/backoffice", "internal/store", "internal/platform", "internal/ingest", "internal/server", "internal/connection", "internal/catalog", "internal/linking", "internal/inventory", "internal/reconcile", "internal/orders", "internal/decoration", "internal/bolink", "internal/syncrun", "internal/feed", "internal/syncsched"},
	"internal/web":        {"internal/account", "internal/database", "internal/webhook", "internal/backoffice", "internal/jobs", "internal/store", "internal/platform", "internal/ingest", "internal/connection", "internal/catalog", "internal/linking", "internal/inventory", "internal/reconcile", "internal/orders", "internal/decoration", "internal/bolink", "internal/syncrun", "internal/syncsched", "internal/feed"},
	"internal/ingest":     {"internal/database", "internal/jobs", "internal/platform", "internal/store"},
	"internal/store":      {"internal/database", "internal/jobs", "internal/platform"},
	"internal/connection": {"internal/database", "internal/jobs", "internal/platform", "internal/store", "internal/catalog"},
	"internal/inventory":  {"internal/database", "internal/jobs", "internal/platform", "internal/store", "internal/connection", "internal/catalog", "internal/ingest"},
	"internal/catalog":    {"internal/database", "internal/jobs", "internal/platform"},
	"internal/orders":     {"internal/database", "internal/jobs", "internal/platform", "internal/store"},
	"internal/decoration": {"internal/database", "internal/platform"},
	"internal/bolink":     {"internal/database", "internal/jobs", "internal/platform", "internal/store", "internal/orders"},
	"internal/fulfilment": {"internal/database", "internal/jobs", "internal/platform", "internal/store", "internal/orders"},
	"internal/linking":    {"internal/database", "internal/jobs", "internal/platform", "internal/store", "internal/connection", "internal/catalog"},
	"internal/reconcile":  {"internal/database", "internal/jobs", "internal/platform", "internal/store", "internal/connection", "internal/catalog", "internal/inventory", "internal/linking"},
	"internal/account":    {"internal/database"},
	"internal/syncsched":  {"internal/database"},
	"internal/backoffice": {"internal/database", "internal/jobs", "internal/platform"},
	"internal/webhook":    {"internal/database", "internal/jobs"},
	"internal/jobs":       {"internal/database"},
	"internal/database":   {"internal/database"},
	"internal/platform":   {"internal/platform"},
	"internal/sim":        {"internal/sim", "internal/platform"}, // the contract harnesses open the platform's client
	"internal/secret":     {},
	"internal/money":      {},
	"internal/feed":       {}, // supplier-feed parsing, a library: money only (a leaf)
	"internal/syncrun":    {"internal/database", "internal/jobs", "internal/platform", "internal/store", "internal/feed"},
	"scripts/vulndb":      {}, // the vulnerability database builder of make vuln, outside the binary
}

// leaves are packages any package may import: they import no storesync package themselves.
var leaves = []string{"internal/money"}

func rulesFor(pkg string) ([]string, bool) {
	best := ""
	for p := range allowed {
		if (pkg == p || strings.HasPrefix(pkg, p+"/")) && len(p) > len(best) {
			best = p
		}
	}
	r, ok := allowed[best]
	return r, ok
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		rules, ok := rulesFor(pkg)
		if !ok {
			t.Errorf("package %s has no import rule: add it to docs/ARCHITECTURE.md and this test", pkg)
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(ip, module) {
				continue
			}
			target := strings.TrimPrefix(ip, module)
			ok := strings.HasPrefix(target, pkg+"/") // a package may use its own sub-packages
			for _, r := range append(rules, leaves...) {
				ok = ok || target == r || strings.HasPrefix(target, strings.TrimSuffix(r, "/")+"/")
			}
			if !ok {
				t.Errorf("%s imports %s, which docs/ARCHITECTURE.md does not allow", path, target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
