// Package secret encrypts the credentials storesync keeps (store access tokens and app secrets,
// outgoing webhook signing secrets) with AES-256-GCM, so a copy of the database (a backup, a
// stolen disk, a SQL injection) does not hand them over without the key, which lives outside it.
//
// A sealed value is text: "ss1:" KEY-ID ":" base64(nonce ‖ ciphertext). The key id (derived from
// the key) lets a rotation tell values sealed with the old key from those sealed with the new.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const prefix = "ss1:"

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// ErrUnknownKey means a value was sealed with a key that is not configured.
var ErrUnknownKey = errors.New("sealed with a key that is not configured")

// Key is one AES-256-GCM key and its id.
type Key struct {
	id   string
	aead cipher.AEAD
}

// ID names the key without revealing it: the first 8 bytes of a hash of it, in hex.
func (k *Key) ID() string { return k.id }

// ParseKey reads a key written as base64 (standard or URL alphabet, padded or not) of 32 bytes.
// The error never repeats the text.
func ParseKey(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	var raw []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil {
			raw = b
			break
		}
	}
	if len(raw) != KeySize {
		return nil, fmt.Errorf("secret key: want %d random bytes in base64 (make one with `head -c 32 /dev/urandom | base64`)", KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	h := sha256.Sum256(append([]byte("storesync secret key id\x00"), raw...))
	return &Key{id: hex.EncodeToString(h[:8]), aead: aead}, nil
}

// NewKeyText returns a new random key as base64 text.
func NewKeyText() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // never fails: crypto/rand panics instead
	return base64.StdEncoding.EncodeToString(b)
}

// ReadKeyFile reads a key from a file.
func ReadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading secret key file: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// WriteKeyFile writes a new key to path, readable by its owner only (0600), refusing to replace
// an existing file.
func WriteKeyFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating secret key file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating secret key file: %w", err)
	}
	if _, err := f.WriteString(text + "\n"); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing secret key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing secret key file: %w", err)
	}
	return f.Close()
}

// LoadOrCreate reads the key at path, or makes one there (mode 0600) when there is no file:
// the embedded database's default, so a new install encrypts from its first start.
func LoadOrCreate(path string) (k *Key, created bool, err error) {
	k, err = ReadKeyFile(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return k, false, err
	}
	if err := WriteKeyFile(path, NewKeyText()); err != nil {
		return nil, false, err
	}
	k, err = ReadKeyFile(path)
	return k, err == nil, err
}

// Box seals with its current key and opens with any of its keys.
type Box struct {
	current *Key
	keys    map[string]*Key
}

// NewBox returns a Box sealing with current; older keys only open (during a rotation).
func NewBox(current *Key, older ...*Key) *Box {
	b := &Box{current: current, keys: map[string]*Key{current.id: current}}
	for _, k := range older {
		b.keys[k.id] = k
	}
	return b
}

// KeyID is the id of the key the Box seals with.
func (b *Box) KeyID() string { return b.current.id }

// IsSealed reports whether s is a sealed value (of any key).
func IsSealed(s string) bool { return strings.HasPrefix(s, prefix) }

// Seal encrypts plain with the current key.
func (b *Box) Seal(plain []byte) (string, error) {
	nonce := make([]byte, b.current.aead.NonceSize())
	_, _ = rand.Read(nonce)
	ct := b.current.aead.Seal(nonce, nonce, plain, []byte(prefix+b.current.id))
	return prefix + b.current.id + ":" + base64.RawStdEncoding.EncodeToString(ct), nil
}

// Open decrypts a sealed value. A value sealed with a key the Box lacks is ErrUnknownKey naming
// the key's id; a value that is not sealed at all is an error too (Reseal handles those).
func (b *Box) Open(s string) ([]byte, error) {
	kid, data, ok := strings.Cut(strings.TrimPrefix(s, prefix), ":")
	if !IsSealed(s) || !ok {
		return nil, errors.New("secret: value is not sealed")
	}
	k, ok := b.keys[kid]
	if !ok {
		return nil, fmt.Errorf("secret: key %s: %w (configured: %s)", kid, ErrUnknownKey, b.current.id)
	}
	ct, err := base64.RawStdEncoding.DecodeString(data)
	n := k.aead.NonceSize()
	if err != nil || len(ct) < n {
		return nil, errors.New("secret: sealed value is damaged")
	}
	plain, err := k.aead.Open(nil, ct[:n], ct[n:], []byte(prefix+kid))
	if err != nil {
		return nil, fmt.Errorf("secret: sealed value does not open with key %s (damaged, or not this key)", kid)
	}
	return plain, nil
}

// Reseal returns s sealed with the current key, and whether that changed it: a value in plain
// text (kept before encryption existed) is sealed, one sealed with an older key is re-sealed,
// one already under the current key is left as it is. Empty stays empty.
func (b *Box) Reseal(s string) (string, bool, error) {
	if s == "" {
		return s, false, nil
	}
	if !IsSealed(s) {
		out, err := b.Seal([]byte(s))
		return out, true, err
	}
	if strings.HasPrefix(s, prefix+b.current.id+":") {
		return s, false, nil
	}
	plain, err := b.Open(s)
	if err != nil {
		return "", false, err
	}
	out, err := b.Seal(plain)
	return out, true, err
}
