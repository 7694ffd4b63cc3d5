package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/webhook"
)

// DefaultKeyFile is where the embedded database's key is made when none is given.
func DefaultKeyFile(dataDir string) string { return filepath.Join(dataDir, "secret.key") }

// secretKey returns the key that seals credentials: --secret-key / STORESYNC_SECRET_KEY, else
// --secret-key-file, else (embedded database only) <data-dir>/secret.key, made on first use.
func secretKey(cfg config.Config, logger *slog.Logger) (*secret.Key, error) {
	switch {
	case cfg.SecretKey != "":
		k, err := secret.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("--secret-key (STORESYNC_SECRET_KEY): %w", err)
		}
		return k, nil
	case cfg.SecretKeyFile != "":
		k, err := secret.ReadKeyFile(cfg.SecretKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--secret-key-file: %w", err)
		}
		return k, nil
	}
	u, err := database.ParseURL(cfg.DB)
	if err != nil {
		return nil, err
	}
	if u.Dialect != database.SQLite {
		return nil, errors.New("--secret-key-file (or STORESYNC_SECRET_KEY / STORESYNC_SECRET_KEY_FILE) is required with a PostgreSQL database: " +
			"every process sharing it must encrypt credentials with the same key; make one with `head -c 32 /dev/urandom | base64`")
	}
	path := DefaultKeyFile(cfg.DataDir)
	k, created, err := secret.LoadOrCreate(path)
	if err != nil {
		return nil, fmt.Errorf("the embedded database's secret key: %w", err)
	}
	if created {
		logger.Warn("made a new secret key for the credentials kept in the database; back it up with the database, which is useless without it",
			"file", path, "key_id", k.ID())
	}
	return k, nil
}

// resealAll moves every secret kept in the database under box's current key, in one
// transaction: store credentials and outgoing webhook signing secrets.
func resealAll(ctx context.Context, db *database.DB, box *secret.Box) (int, error) {
	total := 0
	err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		total = 0
		n, err := store.ResealTx(ctx, tx, box)
		if err != nil {
			return err
		}
		m, err := webhook.ResealTx(ctx, tx, box)
		total = n + m
		return err
	})
	return total, err
}

// forgetFreedPages rewrites the SQLite file without its free pages and empties its WAL, where
// the plain-text (or old-key) values that were just replaced would otherwise stay readable until
// overwritten. PostgreSQL's dead rows are vacuumed by the server in time; nothing to do there.
func forgetFreedPages(ctx context.Context, db *database.DB) error {
	if db.Dialect() != database.SQLite {
		return nil
	}
	for _, q := range []string{"VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if _, err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("clearing replaced secrets from the database file (%s): %w", q, err)
		}
	}
	return nil
}

// RotateParams say how `storesync secrets rotate` runs.
type RotateParams struct {
	// NewKeyFile holds the new key; when the file does not exist a new key is made there (0600).
	NewKeyFile string
}

// RotateResult says what a rotation did.
type RotateResult struct {
	OldKeyID, NewKeyID string
	Resealed           int
	// Replaced is set when the data directory's own key file now holds the new key; the old key
	// was kept beside it as RetiredFile.
	Replaced    bool
	RetiredFile string
}

// RotateSecrets re-encrypts every secret in the database with a new key, in one transaction:
// it succeeds whole or changes nothing. The current key comes from the usual settings. When the
// current key is the embedded database's own <data-dir>/secret.key, that file then receives the
// new key and the old one is kept as secret.key.<old-id>.retired; otherwise the operator points
// --secret-key-file (or STORESYNC_SECRET_KEY) at the new key before the next start.
func RotateSecrets(ctx context.Context, cfg config.Config, logger *slog.Logger, p RotateParams) (res RotateResult, err error) {
	if p.NewKeyFile == "" {
		return RotateResult{}, errors.New("--new-key-file is required")
	}
	oldKey, err := secretKey(cfg, logger)
	if err != nil {
		return RotateResult{}, err
	}
	newKey, created, err := secret.LoadOrCreate(p.NewKeyFile)
	if err != nil {
		return RotateResult{}, fmt.Errorf("--new-key-file: %w", err)
	}
	res = RotateResult{OldKeyID: oldKey.ID(), NewKeyID: newKey.ID()}
	if newKey.ID() == oldKey.ID() {
		return res, errors.New("--new-key-file holds the current key: give a new one (or a path where one will be made)")
	}
	db, err := database.Open(ctx, database.Options{URL: cfg.DB, Logger: logger})
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("closing the database: %w", cerr))
		}
	}()
	if _, err := db.Migrate(ctx); err != nil {
		return res, err
	}
	res.Resealed, err = resealAll(ctx, db, secret.NewBox(newKey, oldKey))
	if err != nil {
		if created {
			_ = os.Remove(p.NewKeyFile)
		}
		return res, fmt.Errorf("re-encrypting (nothing was changed): %w", err)
	}
	if err := forgetFreedPages(ctx, db); err != nil {
		return res, err
	}
	if cfg.SecretKey == "" && cfg.SecretKeyFile == "" {
		def := DefaultKeyFile(cfg.DataDir)
		res.RetiredFile = def + "." + oldKey.ID() + ".retired"
		if err := os.Rename(def, res.RetiredFile); err != nil {
			return res, fmt.Errorf("the secrets now use key %s (in %s), but %s could not be retired: %w; put the new key there by hand",
				newKey.ID(), p.NewKeyFile, def, err)
		}
		b, err := os.ReadFile(p.NewKeyFile)
		if err == nil {
			err = secret.WriteKeyFile(def, strings.TrimSpace(string(b)))
		}
		if err != nil {
			return res, fmt.Errorf("the secrets now use key %s (in %s), but it could not be written to %s: %w; copy it there by hand",
				newKey.ID(), p.NewKeyFile, def, err)
		}
		res.Replaced = true
	}
	return res, nil
}
