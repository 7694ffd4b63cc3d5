package account

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/storesync/storesync/internal/database"
)

// Flash is a one-time message for the next page a session sees: the dashboard sets it before
// redirecting after a POST (post-redirect-get), and the page after the redirect takes it. Secret
// carries a new API key, which must be shown exactly once.
type Flash struct {
	Kind    string `json:"kind"` // "ok" or "err"
	Message string `json:"message"`
	Secret  string `json:"secret,omitempty"`
}

// FlashParams name the session (by its token, as the browser sent it) and the message.
type FlashParams struct {
	Token string
	Flash Flash
}

// SetFlash keeps a message for the session's next page, replacing any untaken one. It is stored
// encrypted with a key derived from the session token, which the database does not hold (only its
// hash), so a new API key never lies readable in the database, and every process sharing the
// database can show it.
func (s *Service) SetFlash(ctx context.Context, p FlashParams) error {
	plain, err := json.Marshal(p.Flash) //nolint:gosec // G117: the secret is shown once to its session, so it is kept, but only sealed below with the session's key
	if err != nil {
		return fmt.Errorf("keeping a message: %w", err)
	}
	aead, err := flashCipher(p.Token)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, nil))
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE sessions SET flash = $2 WHERE token_hash = $1`, hashToken(p.Token), sealed)
		if err == nil && n == 0 {
			err = fmt.Errorf("%w: session expired or unknown", ErrUnauthenticated)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("keeping a message: %w", err)
	}
	return nil
}

// TakeFlash returns the session's message and clears it, so it is shown once. No message is a
// zero Flash.
func (s *Service) TakeFlash(ctx context.Context, token string) (Flash, error) {
	var sealed string
	// Most pages have no message: look before taking the write lock.
	err := s.db.QueryRow(ctx, `SELECT flash FROM sessions WHERE token_hash = $1`, hashToken(token)).Scan(&sealed)
	if errors.Is(err, database.ErrNoRows) || (err == nil && sealed == "") {
		return Flash{}, nil
	}
	if err != nil {
		return Flash{}, fmt.Errorf("reading a message: %w", err)
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		err := tx.QueryRow(ctx, `SELECT flash FROM sessions WHERE token_hash = $1`, hashToken(token)).Scan(&sealed)
		if err != nil || sealed == "" {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sessions SET flash = '' WHERE token_hash = $1`, hashToken(token))
		return err
	})
	if errors.Is(err, database.ErrNoRows) || (err == nil && sealed == "") {
		return Flash{}, nil
	}
	if err != nil {
		return Flash{}, fmt.Errorf("reading a message: %w", err)
	}
	aead, err := flashCipher(token)
	if err != nil {
		return Flash{}, err
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < aead.NonceSize() {
		return Flash{}, errors.New("reading a message: it is damaged")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return Flash{}, fmt.Errorf("reading a message: %w", err)
	}
	var f Flash
	if err := json.Unmarshal(plain, &f); err != nil {
		return Flash{}, fmt.Errorf("reading a message: %w", err)
	}
	return f, nil
}

// flashCipher is AES-256-GCM keyed by a hash of the session token under its own label, distinct
// from the hash stored to find the session.
func flashCipher(token string) (cipher.AEAD, error) {
	key := sha256.Sum256([]byte("storesync session flash\x00" + token))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("flash cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
