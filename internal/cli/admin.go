package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
)

// missing reports required flags left empty, naming each.
func missing(pairs ...string) error {
	var errs []error
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			errs = append(errs, fmt.Errorf("--%s is required", pairs[i]))
		}
	}
	return errors.Join(errs...)
}

// accountCommand runs an admin command on one account named by --account: it parses the flags
// (extra adds the command's own), checks them with check before touching the database, opens it,
// finds the account and calls fn.
func accountCommand(ctx context.Context, env Env, name string, args []string, extra func(fs *flag.FlagSet), check func() error,
	fn func(a *app.App, acc account.Account) error) (err error) {
	return accountCommandConfig(ctx, env, name, args, func(_ *config.Config, fs *flag.FlagSet) { extra(fs) }, check, fn)
}

// accountCommandConfig is accountCommand whose extra flags may set the configuration too.
func accountCommandConfig(ctx context.Context, env Env, name string, args []string, extra func(cfg *config.Config, fs *flag.FlagSet),
	check func() error, fn func(a *app.App, acc account.Account) error) (err error) {
	var cfg config.Config
	var acct string
	if err := parse(env, name, args, &cfg, func(fs *flag.FlagSet) {
		fs.StringVar(&acct, "account", "", "the account's name")
		extra(&cfg, fs)
	}); err != nil {
		return err
	}
	if err := errors.Join(missing("account", acct), check()); err != nil {
		return err
	}
	a, err := openExisting(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()
	acc, err := a.Accounts.AccountByName(ctx, acct)
	if errors.Is(err, database.ErrNotFound) {
		return fmt.Errorf("%w in the database at %s", err, database.Redact(cfg.DB))
	}
	if err != nil {
		return err
	}
	return fn(a, acc)
}

func runAccountCreate(ctx context.Context, env Env, args []string) (err error) {
	var cfg config.Config
	var name string
	if err := parse(env, "account create", args, &cfg, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "the account's name (lower-case letters, digits, '.', '_', '-')")
	}); err != nil {
		return err
	}
	if err := missing("name", name); err != nil {
		return err
	}
	if err := account.ValidateAccountName(name); err != nil {
		return err
	}
	a, err := openExisting(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()
	acc, err := a.Accounts.CreateAccount(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created account %s (id %d)\n", acc.Name, acc.ID)
	return nil
}

func runUserCreate(ctx context.Context, env Env, args []string) error {
	var email, name, password string
	return accountCommand(ctx, env, "user create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email, used to log in")
		fs.StringVar(&name, "user-name", "", "the user's name as shown")
		fs.StringVar(&password, "password", "", "the password (at least 10 characters); better from STORESYNC_PASSWORD or STORESYNC_PASSWORD_FILE")
	}, func() error { return missing("email", email, "password", password) },
		func(a *app.App, acc account.Account) error {
			u, err := a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: acc.ID, Email: email, Name: name, Password: password})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "created user %s in account %s (id %d)\n", u.Email, acc.Name, u.ID)
			return nil
		})
}

func runKeyCreate(ctx context.Context, env Env, args []string) error {
	var name, perm string
	return accountCommand(ctx, env, "apikey create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&perm, "permission", "read", "read (searches and reads) or read_write")
		fs.StringVar(&name, "name", "", "a name to recognise the key by, e.g. \"back office\"")
	}, func() error {
		var errs []error
		if err := missing("name", name); err != nil {
			errs = append(errs, err)
		} else if err := account.ValidateKeyName(name); err != nil {
			errs = append(errs, errors.New("--"+strings.TrimPrefix(err.Error(), account.ErrInvalidInput.Error()+": ")))
		}
		if !account.Permission(perm).Valid() {
			errs = append(errs, fmt.Errorf("--permission %q: use read or read_write", perm))
		}
		return errors.Join(errs...)
	}, func(a *app.App, acc account.Account) error {
		k, secret, err := a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: name, Permission: account.Permission(perm)})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created API key %d %q (%s, %s) for account %s; it is shown once:\n%s\n", k.ID, k.Name, k.Prefix, k.Permission, acc.Name, secret)
		return nil
	})
}

func runKeyList(ctx context.Context, env Env, args []string) error {
	return accountCommand(ctx, env, "apikey list", args, func(*flag.FlagSet) {}, func() error { return nil },
		func(a *app.App, acc account.Account) error {
			keys, err := a.Accounts.ListKeys(ctx, acc.ID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tPERMISSION\tHITS\tLAST USED\tSTATE")
			for _, k := range keys {
				last, state := "never", "active"
				if k.LastUsedAt != nil {
					last = k.LastUsedAt.Format("2006-01-02 15:04:05Z")
				}
				if k.RevokedAt != nil {
					state = "revoked"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", k.ID, k.Prefix, k.Name, k.Permission, k.Hits, last, state)
			}
			return tw.Flush()
		})
}

func runKeyRevoke(ctx context.Context, env Env, args []string) error {
	var id string
	var keyID int64
	return accountCommand(ctx, env, "apikey revoke", args, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "the key's ID (see apikey list)")
	}, func() error {
		if err := missing("id", id); err != nil {
			return err
		}
		var err error
		if keyID, err = strconv.ParseInt(id, 10, 64); err != nil {
			return fmt.Errorf("--id %q is not a key ID (a number)", id)
		}
		return nil
	}, func(a *app.App, acc account.Account) error {
		if err := a.Accounts.RevokeKey(ctx, account.KeyParams{AccountID: acc.ID, KeyID: keyID}); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked API key %d of account %s\n", keyID, acc.Name)
		return nil
	})
}
