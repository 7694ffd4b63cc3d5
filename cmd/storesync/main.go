// Command storesync is the one binary of storesync: the server, the demo, and the commands that
// administer them. See `storesync help`.
package main

import (
	"os"

	"github.com/storesync/storesync/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
