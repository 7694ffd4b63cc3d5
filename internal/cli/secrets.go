package cli

import (
	"context"
	"flag"
	"fmt"
	"slices"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
)

const rotateHelp = `Re-encrypt every secret in the database (store credentials, webhook signing secrets) with a new
key, in one transaction: it succeeds whole or changes nothing. Run it with the servers stopped:
a server still running with the old key cannot read what was re-encrypted.

The current key is found as every command finds it (--secret-key-file, STORESYNC_SECRET_KEY,
STORESYNC_SECRET_KEY_FILE, or, on the embedded database, <data-dir>/secret.key).
The new key is read from --new-key-file; when that file does not exist, a new random key is
made there (mode 0600).

Afterwards:
  - with the embedded database's own key (<data-dir>/secret.key), that file receives the new key
    and the old one is kept beside it as secret.key.<old-key-id>.retired;
  - otherwise, point --secret-key-file (or STORESYNC_SECRET_KEY) at the new key before starting.
Keep the old key only as long as you keep database backups made before the rotation (they need
it), then destroy it.

`

func runSecretsRotate(ctx context.Context, env Env, args []string) error {
	if slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "-help" || a == "--help" }) {
		fmt.Fprint(env.Stdout, rotateHelp)
	}
	var cfg config.Config
	var newKeyFile string
	if err := parse(env, "secrets rotate", args, &cfg, func(fs *flag.FlagSet) {
		fs.StringVar(&newKeyFile, "new-key-file", "", "file holding the new key (base64 of 32 random bytes); made, with a new key, when it does not exist")
	}); err != nil {
		return err
	}
	if newKeyFile == "" {
		return fmt.Errorf("--new-key-file is required (see --help)")
	}
	if err := checkExists(ctx, cfg.DB); err != nil { // rotating keys of a database made here would be wrong
		return err
	}
	logger := app.NewLogger(env.Stderr, cfg.LogLevel, cfg.LogFormat)
	res, err := app.RotateSecrets(ctx, cfg, logger, app.RotateParams{NewKeyFile: newKeyFile})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "re-encrypted %d secrets: key %s replaced by key %s\n", res.Resealed, res.OldKeyID, res.NewKeyID)
	if res.Replaced {
		fmt.Fprintf(env.Stdout, "%s now holds the new key; the old one is kept as %s for older backups\n", app.DefaultKeyFile(cfg.DataDir), res.RetiredFile)
	} else {
		fmt.Fprintf(env.Stdout, "start storesync with --secret-key-file %s (or STORESYNC_SECRET_KEY) from now on\n", newKeyFile)
	}
	return nil
}
