package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/storesync/storesync/internal/database"
)

// KeyPrefix starts every API key, so a key is recognisable in a config file or a secret scanner.
const KeyPrefix = "ssk_"

// APIKey describes an API key. The key itself is shown once, at creation; only its hash is stored.
type APIKey struct {
	ID         int64      `json:"id"`
	AccountID  int64      `json:"account_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Permission Permission `json:"permission"`
	Hits       int64      `json:"hits"`
	LastUsedAt *time.Time `json:"last_used_at"`
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// CreateKeyParams are the fields of a new API key.
type CreateKeyParams struct {
	AccountID  int64
	Name       string
	Permission Permission
}

// CreateKey makes an API key and returns it with its secret, which is not stored and cannot be shown again.
func (s *Service) CreateKey(ctx context.Context, p CreateKeyParams) (APIKey, string, error) {
	if !p.Permission.Valid() {
		return APIKey{}, "", fmt.Errorf("%w: permission %q: use %q or %q", ErrInvalidInput, p.Permission, PermissionRead, PermissionReadWrite)
	}
	name := strings.TrimSpace(p.Name)
	if err := ValidateKeyName(name); err != nil {
		return APIKey{}, "", err
	}
	secret := KeyPrefix + randomToken()
	k := APIKey{AccountID: p.AccountID, Name: name, Prefix: secret[:len(KeyPrefix)+8], Permission: p.Permission,
		CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO api_keys (account_id, name, prefix, key_hash, permission, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			k.AccountID, k.Name, k.Prefix, hashToken(secret), string(k.Permission), k.CreatedAt).Scan(&k.ID)
		if err != nil {
			return err
		}
		return s.publish(ctx, tx, k.AccountID, "api_key.created", k)
	})
	if database.IsForeignKeyViolation(err) {
		return APIKey{}, "", fmt.Errorf("%w: account %d does not exist", ErrInvalidInput, p.AccountID)
	}
	if err != nil {
		return APIKey{}, "", fmt.Errorf("creating API key: %w", err)
	}
	return k, secret, nil
}

// ValidateKeyName explains what is wrong with an API key's name, or returns nil. Every key has a
// name, so that a list of keys says which is which.
func ValidateKeyName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%w: name: an API key needs a name, e.g. \"back office\"", ErrInvalidInput)
	case utf8.RuneCountInString(name) > 100:
		return fmt.Errorf("%w: name: longer than 100 characters", ErrInvalidInput)
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: name: contains a control character", ErrInvalidInput)
	}
	return nil
}

// KeyParams name one API key of one account.
type KeyParams struct {
	AccountID int64
	KeyID     int64
}

const keyColumns = `id, account_id, name, prefix, permission, hits, last_used_at, created_at, revoked_at`

func scanKey(row database.Row) (APIKey, error) {
	var k APIKey
	var perm string
	err := row.Scan(&k.ID, &k.AccountID, &k.Name, &k.Prefix, &perm, &k.Hits, &k.LastUsedAt, &k.CreatedAt, &k.RevokedAt)
	k.Permission = Permission(perm)
	return k, err
}

// ListKeys returns the API keys of an account, newest first, revoked ones included.
func (s *Service) ListKeys(ctx context.Context, accountID int64) ([]APIKey, error) {
	rows, err := s.db.Query(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE account_id = $1 ORDER BY id DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("listing API keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("listing API keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Key returns one API key of an account.
func (s *Service) Key(ctx context.Context, p KeyParams) (APIKey, error) {
	keyID := p.KeyID
	k, err := scanKey(s.db.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE account_id = $1 AND id = $2`, p.AccountID, keyID))
	if errors.Is(err, database.ErrNoRows) {
		return APIKey{}, fmt.Errorf("API key %d: %w", keyID, database.ErrNotFound)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("reading API key %d: %w", keyID, err)
	}
	return k, nil
}

// RevokeKey revokes an API key of an account at once. Revoking a revoked key changes nothing.
func (s *Service) RevokeKey(ctx context.Context, p KeyParams) error {
	accountID, keyID := p.AccountID, p.KeyID
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var id int64
		var already bool
		err := tx.QueryRow(ctx, `SELECT id, revoked_at IS NOT NULL FROM api_keys WHERE account_id = $1 AND id = $2`,
			accountID, keyID).Scan(&id, &already)
		if err != nil || already {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = $3 WHERE account_id = $1 AND id = $2`,
			accountID, keyID, s.now().UTC()); err != nil {
			return err
		}
		return s.publish(ctx, tx, accountID, "api_key.revoked", map[string]int64{"id": keyID})
	})
	if errors.Is(err, database.ErrNoRows) {
		return fmt.Errorf("API key %d: %w", keyID, database.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("revoking API key %d: %w", keyID, err)
	}
	return nil
}

// AuthenticateKey resolves an API key to its principal and counts one hit on it, in one statement
// (every API request runs it), so concurrent requests never lose a hit.
func (s *Service) AuthenticateKey(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, KeyPrefix) || len(secret) < len(KeyPrefix)+40 {
		return Principal{}, fmt.Errorf("%w: not a storesync API key (they start with %s)", ErrUnauthenticated, KeyPrefix)
	}
	var p Principal
	var perm string
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `UPDATE api_keys SET hits = hits + 1, last_used_at = $2
			WHERE key_hash = $1 AND revoked_at IS NULL
			RETURNING id, account_id, permission, (SELECT name FROM accounts WHERE accounts.id = api_keys.account_id)`,
			hashToken(secret), s.now().UTC()).Scan(&p.KeyID, &p.AccountID, &perm, &p.AccountName)
	})
	if errors.Is(err, database.ErrNoRows) {
		return Principal{}, fmt.Errorf("%w: unknown or revoked API key", ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("checking API key: %w", err)
	}
	p.Permission = Permission(perm)
	return p, nil
}

// KeyBySecret finds the key whose secret is given, without counting a hit.
func (s *Service) KeyBySecret(ctx context.Context, secret string) (APIKey, error) {
	k, err := scanKey(s.db.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE key_hash = $1`, hashToken(secret)))
	if errors.Is(err, database.ErrNoRows) {
		return APIKey{}, fmt.Errorf("API key: %w", database.ErrNotFound)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("reading API key: %w", err)
	}
	return k, nil
}
