package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/store"
)

// maxCredentialsBytes bounds a credentials file: every platform's fit in a few hundred bytes.
const maxCredentialsBytes = 64 << 10

// runStoreAdd saves a store of the account on any registered platform, verified with the
// platform before it is saved, as POST /api/v2/stores does. The credentials come from a file (or
// standard input with "-"), never from the command line, which other users of the machine see.
func runStoreAdd(ctx context.Context, env Env, args []string) error {
	var name, platformName, credsFile, baseURL string
	var stdin io.Reader = os.Stdin
	return accountCommandConfig(ctx, env, "store add", args, func(cfg *config.Config, fs *flag.FlagSet) {
		cfg.Outbound(fs)
		fs.StringVar(&name, "name", "", "the store's name, as the dashboard shows it")
		fs.StringVar(&platformName, "platform", "", "the store's platform (storesync store platforms lists them)")
		fs.StringVar(&credsFile, "credentials-file", "", "a JSON file of the platform's credentials, or - for standard input")
		fs.StringVar(&baseURL, "base-url", "", "where the store answers, when not the platform's own address for the credentials")
	}, func() error {
		return errors.Join(missing("name", name), missing("platform", platformName), missing("credentials-file", credsFile))
	}, func(a *app.App, acc account.Account) error {
		raw, err := readCredentials(credsFile, stdin)
		if err != nil {
			return err
		}
		st, err := a.Stores.Save(ctx, store.SaveParams{AccountID: acc.ID, Name: name, Platform: store.Platform(platformName),
			BaseURL: baseURL, Credentials: raw})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "store %d %s saved in account %s; its store key, which a reseller enters to connect to it:\n%s\n",
			st.ID, st, acc.Name, st.Key)
		return nil
	})
}

// readCredentials reads a credentials file, or standard input for "-".
func readCredentials(path string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--credentials-file: %w", err)
		}
		defer func() { _ = f.Close() }()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxCredentialsBytes+1))
	if err != nil {
		return nil, fmt.Errorf("--credentials-file: %w", err)
	}
	if len(raw) > maxCredentialsBytes {
		return nil, fmt.Errorf("--credentials-file: over %d KiB; want the platform's credentials as one JSON object", maxCredentialsBytes>>10)
	}
	if strings.TrimSpace(string(raw)) == "" {
		return nil, errors.New("--credentials-file: empty; want the platform's credentials as one JSON object")
	}
	return raw, nil
}

// runStoreList lists the account's stores with their platforms and store keys.
func runStoreList(ctx context.Context, env Env, args []string) error {
	return accountCommand(ctx, env, "store list", args, func(*flag.FlagSet) {}, func() error { return nil },
		func(a *app.App, acc account.Account) error {
			stores, err := a.Stores.List(ctx, store.ListParams{AccountID: acc.ID})
			if err != nil {
				return err
			}
			if len(stores) == 0 {
				fmt.Fprintf(env.Stdout, "account %s has no store yet: add one with storesync store add\n", acc.Name)
				return nil
			}
			w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tPLATFORM\tADDRESS\tSTORE KEY")
			for _, st := range stores {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", st.ID, st.Name, st.Platform, st.Address, st.Key)
			}
			return w.Flush()
		})
}

// runStorePlatforms lists the platforms a store may be on, with the credentials each takes.
func runStorePlatforms(_ context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("store platforms", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	for _, p := range app.Platforms() {
		fmt.Fprintf(env.Stdout, "%s\n  credentials: %s\n", p.Name, p.CredentialsDoc)
	}
	return nil
}
