// Package queries holds the GraphQL documents the Shopify client sends, one operation per file,
// so that the client, the simulator and the schema tests all read the very same text.
package queries

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.graphql
var files embed.FS

// Names lists the documents by file name without the .graphql extension, sorted.
func Names() []string {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		// The embedded folder is fixed at build time; reading it cannot fail.
		panic(fmt.Sprintf("reading embedded queries: %v", err))
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".graphql"))
	}
	sort.Strings(names)
	return names
}

// Get returns the document named name (file name without .graphql). It panics on an unknown
// name: names are constants in the client, and a typo must fail the first test that runs it.
func Get(name string) string {
	b, err := files.ReadFile(name + ".graphql")
	if err != nil {
		panic(fmt.Sprintf("unknown GraphQL document %q: %v", name, err))
	}
	return string(b)
}
