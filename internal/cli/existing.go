package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
)

// openExisting opens a storesync database that exists already, for the admin commands: run from
// the wrong directory, they would otherwise make a new empty database beside it and then report
// the account missing. Only serve, demo and migrate create a database.
func openExisting(ctx context.Context, env Env, cfg config.Config) (*app.App, error) {
	if err := checkExists(ctx, cfg.DB); err != nil {
		return nil, err
	}
	return open(ctx, env, cfg, false)
}

func checkExists(ctx context.Context, rawURL string) (err error) {
	shown := database.Redact(rawURL)
	noDB := func(why string) error {
		return fmt.Errorf("no storesync database at %s (%s); run `storesync migrate` or pass --db", shown, why)
	}
	u, err := database.ParseURL(rawURL)
	if err != nil {
		return err
	}
	if u.Dialect == database.SQLite {
		st, err := os.Stat(u.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return noDB("no such file")
		}
		if err != nil {
			return fmt.Errorf("opening %s: %w", shown, err)
		}
		if st.Size() == 0 {
			return noDB("the file is empty")
		}
	}
	db, err := database.Open(ctx, database.Options{URL: rawURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	var n int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		return noDB("it has no storesync tables")
	}
	return nil
}
