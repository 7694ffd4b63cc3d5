// Package queries holds the GraphQL documents the Shopify client sends, one operation per file,
// so that the client, the simulator and the schema tests all read the very same text.
package queries

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
)

//go:embed *.graphql
var files embed.FS

// Fragments shared by several documents, one per file named after the fragment. Get appends those
// a document uses, so every document sent is complete on its own.
//
//go:embed fragments/*.graphql
var fragmentFiles embed.FS

var spread = regexp.MustCompile(`\.\.\.\s*([A-Z][A-Za-z0-9_]*)`)

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
	doc := string(b)
	seen := map[string]bool{}
	for pending := doc; ; {
		var next strings.Builder
		for _, m := range spread.FindAllStringSubmatch(pending, -1) {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			f, err := fragmentFiles.ReadFile("fragments/" + m[1] + ".graphql")
			if err != nil {
				panic(fmt.Sprintf("GraphQL document %q uses unknown fragment %s: %v", name, m[1], err))
			}
			next.Write(f)
		}
		if next.Len() == 0 {
			return doc
		}
		pending = next.String()
		doc += "\n" + pending
	}
}
