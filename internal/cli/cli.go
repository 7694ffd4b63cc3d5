// Package cli parses storesync's command line and runs its commands. Each command has its own
// flags and --help; settings come from flags, then STORESYNC_* variables, then defaults.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
)

// Env is what a command runs with: its streams and environment.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) (string, bool)
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server: API, dashboard and job workers", runServe},
		{"demo", "run the server on an embedded database with a ready-made demo account", runDemo},
		{"migrate", "bring the database schema up to date and exit", runMigrate},
		{"account create", "create an account (--name NAME)", runAccountCreate},
		{"user create", "add a dashboard user to an account", runUserCreate},
		{"apikey create", "create an API key; prints the key alone on the last line", runKeyCreate},
		{"apikey list", "list an account's API keys", runKeyList},
		{"apikey revoke", "revoke an API key at once", runKeyRevoke},
		{"store add", "add a store on any platform, verified first (--account NAME --name NAME --platform P --credentials-file FILE)", runStoreAdd},
		{"store list", "list an account's stores with their store keys (--account NAME)", runStoreList},
		{"store platforms", "list the platforms a store may be on and the credentials each takes", runStorePlatforms},
		{"reconcile", "start a reconciliation of a connection (--account NAME --connection ID [--full])", runReconcile},
		{"sync all", "start a sync run of the account (--account NAME [--steps 1,2] [--wait])", runSyncAll},
		{"sync runs", "list the account's latest sync runs (--account NAME)", runSyncRuns},
		{"secrets rotate", "re-encrypt every secret in the database with a new key (--new-key-file FILE)", runSecretsRotate},
		{"sim shopify", "run simulated Shopify shops (for trying storesync without a Shopify account)", runSimShopify},
		{"sim bigcommerce", "run simulated BigCommerce stores (for trying storesync without a BigCommerce store)", runSimBigCommerce},
		{"sim woocommerce", "run simulated WooCommerce stores (for trying storesync without a WordPress site)", runSimWooCommerce},
		{"version", "print the version", runVersion},
	}
}

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

// Main runs the command line of the process and returns its exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.LookupEnv})
}

// Run runs one command line and returns the exit code: 0 done, 1 failed, 2 wrong usage.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) < len(words) || !slices.Equal(args[:len(words)], words) {
			continue
		}
		err := c.run(ctx, env, args[len(words):])
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(env.Stderr, "storesync %s: %v\n", c.name, err)
			return 1
		}
	}
	if group := groupCommands(args[0]); len(group) > 0 {
		return groupUsage(env, args, group)
	}
	fmt.Fprintf(env.Stderr, "storesync: unknown command %q\n\n", strings.Join(args[:min(2, len(args))], " "))
	usage(env.Stderr)
	return 2
}

// groupCommands lists the commands whose first word is word (account, user, apikey, sim, …).
func groupCommands(word string) []command {
	var out []command
	for _, c := range commands() {
		if first, _, ok := strings.Cut(c.name, " "); ok && first == word {
			out = append(out, c)
		}
	}
	return out
}

// groupUsage answers a command group given without one of its commands: its list, on stdout with
// exit 0 for --help, else on stderr with exit 2.
func groupUsage(env Env, args []string, group []command) int {
	w, code := env.Stderr, 2
	rest := args[1:]
	if len(rest) > 0 && slices.Contains([]string{"-h", "-help", "--help", "help"}, rest[0]) {
		w, code = env.Stdout, 0
	} else if len(rest) > 0 {
		fmt.Fprintf(w, "storesync: unknown command %q\n\n", args[0]+" "+rest[0])
	}
	fmt.Fprintf(w, "Usage: storesync %s COMMAND [flags]\n\nCommands:\n", args[0])
	for _, c := range group {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nEach takes --help, e.g. storesync %s --help.\n", group[0].name)
	return code
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "storesync keeps online stores and a back office in step.\n\nUsage: storesync COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --help. Settings also come from STORESYNC_* variables (flags win),\nand secrets from the file named by STORESYNC_*_FILE.")
}

// parse builds a flag set for a command, reads args and the environment, and finishes the config.
func parse(env Env, name string, args []string, cfg *config.Config, extra func(fs *flag.FlagSet)) error {
	fs := flag.NewFlagSet("storesync "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.Common(fs)
	if extra != nil {
		extra(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: storesync %s [flags]\n\nFlags (each also read from the STORESYNC_ variable of its name, e.g. --data-dir from STORESYNC_DATA_DIR):\n", name)
		fs.PrintDefaults()
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(env.Stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	if err := config.Parse(fs, args, env.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		if !strings.Contains(err.Error(), "STORESYNC_") {
			return errUsage // the flag package has printed the error and the usage
		}
		return err
	}
	return cfg.Finish()
}

// open opens the database, creating and migrating it if need be: for serve, demo and migrate.
// The other commands use openExisting.
func open(ctx context.Context, env Env, cfg config.Config, work bool) (*app.App, error) {
	logger := app.NewLogger(env.Stderr, cfg.LogLevel, cfg.LogFormat)
	return app.Open(ctx, cfg, logger, app.Options{Work: work})
}

func runServe(ctx context.Context, env Env, args []string) (err error) {
	var cfg config.Config
	if err := parse(env, "serve", args, &cfg, func(fs *flag.FlagSet) { cfg.Server(fs, ":8080") }); err != nil {
		return err
	}
	if err := app.Preflight(ctx, cfg); err != nil {
		return err
	}
	a, err := open(ctx, env, cfg, true)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()
	return a.Serve(ctx, app.ServeOptions{})
}

func runMigrate(ctx context.Context, env Env, args []string) (err error) {
	var cfg config.Config
	if err := parse(env, "migrate", args, &cfg, nil); err != nil {
		return err
	}
	a, err := open(ctx, env, cfg, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()
	fmt.Fprintln(env.Stdout, "database is up to date")
	return nil
}

func runVersion(_ context.Context, env Env, _ []string) error {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	fmt.Fprintln(env.Stdout, "storesync", v)
	return nil
}
