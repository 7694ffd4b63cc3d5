package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
)

// demoKeys are the demo's two API keys, kept in the data directory (mode 0600, like the TLS key
// beside them) so that a restarted demo prints, and accepts, the same keys as before.
type demoKeys struct {
	Read  string `json:"read"`
	Write string `json:"write"`
}

func demoKeysPath(dataDir string) string { return filepath.Join(dataDir, "demo-keys.json") }

var demoKeyNames = map[account.Permission]string{account.PermissionRead: "demo read", account.PermissionReadWrite: "demo write"}

// ensureDemoKeys returns the kept keys that still work for the account, making (and keeping) new
// ones for any that do not.
func ensureDemoKeys(ctx context.Context, accounts *account.Service, accountID int64, dataDir string) (demoKeys, error) {
	var kept demoKeys
	path := demoKeysPath(dataDir)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &kept); err != nil {
			kept = demoKeys{} // damaged: make new keys
		}
	case !errors.Is(err, fs.ErrNotExist):
		return demoKeys{}, fmt.Errorf("reading the demo keys: %w", err)
	}
	live := map[int64]bool{}
	out := demoKeys{}
	for _, slot := range []struct {
		perm   account.Permission
		secret *string
		keep   string
	}{{account.PermissionRead, &out.Read, kept.Read}, {account.PermissionReadWrite, &out.Write, kept.Write}} {
		if slot.keep == "" {
			continue
		}
		k, err := accounts.KeyBySecret(ctx, slot.keep)
		if errors.Is(err, database.ErrNotFound) {
			continue
		}
		if err != nil {
			return demoKeys{}, err
		}
		if k.AccountID == accountID && k.RevokedAt == nil && k.Permission == slot.perm {
			*slot.secret, live[k.ID] = slot.keep, true
		}
	}
	if out.Read != "" && out.Write != "" {
		return out, nil
	}
	// Demo keys whose secret is lost are revoked, so the printed ones are the only live ones.
	list, err := accounts.ListKeys(ctx, accountID)
	if err != nil {
		return demoKeys{}, err
	}
	for _, k := range list {
		if k.RevokedAt == nil && !live[k.ID] && demoKeyNames[k.Permission] == k.Name {
			if err := accounts.RevokeKey(ctx, account.KeyParams{AccountID: accountID, KeyID: k.ID}); err != nil && !errors.Is(err, database.ErrNotFound) {
				return demoKeys{}, err
			}
		}
	}
	for perm, secret := range map[account.Permission]*string{account.PermissionRead: &out.Read, account.PermissionReadWrite: &out.Write} {
		if *secret != "" {
			continue
		}
		if _, *secret, err = accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: accountID, Name: demoKeyNames[perm], Permission: perm}); err != nil {
			return demoKeys{}, err
		}
	}
	return out, saveDemoKeys(path, out)
}

// saveDemoKeys writes the keys readable by their owner only (os.CreateTemp makes the file 0600),
// replacing the file in one step.
func saveDemoKeys(path string, keys demoKeys) error {
	b, err := json.Marshal(keys)
	if err != nil {
		return fmt.Errorf("keeping the demo keys: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keeping the demo keys: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".demo-keys-*")
	if err != nil {
		return fmt.Errorf("keeping the demo keys: %w", err)
	}
	// Once renamed, the temporary file is gone and Remove fails harmlessly; before, it is cleanup
	// of a file nobody reads, whose failure leaves only a stray hidden file behind.
	defer func() { _ = os.Remove(tmp.Name()) }()
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("keeping the demo keys: %w", err)
	}
	return nil
}
