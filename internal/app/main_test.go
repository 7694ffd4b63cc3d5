package app_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/cli"
)

// serveChildEnv, when set to a JSON list of command-line arguments, turns the test binary into
// `storesync <arguments>` (serve): the fault test starts it as a child process, kills it with
// SIGKILL and starts it again.
const serveChildEnv = "STORESYNC_APP_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if raw := os.Getenv(serveChildEnv); raw != "" {
		os.Exit(runChild(raw))
	}
	os.Exit(m.Run())
}

// runChild runs the command line the parent test gave, as the storesync binary does.
func runChild(raw string) int {
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, "child:", serveChildEnv, err)
		return 2
	}
	go exitWithParent()
	return cli.Main(args)
}

// exitWithParent ends the child if the test that started it died without killing it.
func exitWithParent() {
	parent := os.Getppid()
	for range time.Tick(200 * time.Millisecond) {
		if os.Getppid() != parent {
			fmt.Fprintln(os.Stderr, "child: the test process is gone; exiting")
			os.Exit(3)
		}
	}
}
