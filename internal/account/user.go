package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/storesync/storesync/internal/database"
)

// User is a person who logs in to the dashboard of one account.
type User struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateUserParams are the fields of a new user.
type CreateUserParams struct {
	AccountID int64
	Email     string
	Name      string
	Password  string
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// SessionTTL is how long a dashboard session lasts without use.
const SessionTTL = 14 * 24 * time.Hour

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	// maxHashLen bounds the key length a stored hash may ask for: far above argonKeyLen, so older
	// hashes still check, and small enough that a damaged one cannot ask for a huge key.
	maxHashLen = 1024
)

// CreateUser adds a user to an account. Emails are unique across storesync and stored lower-case.
func (s *Service) CreateUser(ctx context.Context, p CreateUserParams) (User, error) {
	email := strings.ToLower(strings.TrimSpace(p.Email))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return User{}, fmt.Errorf("%w: email %q is not a valid address", ErrInvalidInput, p.Email)
	}
	if len(p.Password) < MinPasswordLength {
		return User{}, fmt.Errorf("%w: password must be at least %d characters", ErrInvalidInput, MinPasswordLength)
	}
	hash, err := hashPassword(p.Password)
	if err != nil {
		return User{}, err
	}
	u := User{AccountID: p.AccountID, Email: email, Name: strings.TrimSpace(p.Name), CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO users (account_id, email, name, password_hash, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, u.AccountID, u.Email, u.Name, hash, u.CreatedAt).Scan(&u.ID)
	})
	switch {
	case database.IsUniqueViolation(err):
		return User{}, fmt.Errorf("%w: a user with email %s", ErrExists, email)
	case database.IsForeignKeyViolation(err):
		return User{}, fmt.Errorf("%w: account %d does not exist", ErrInvalidInput, p.AccountID)
	case err != nil:
		return User{}, fmt.Errorf("creating user %s: %w", email, err)
	}
	return u, nil
}

// ListUsers returns the users of an account, by email.
func (s *Service) ListUsers(ctx context.Context, accountID int64) ([]User, error) {
	rows, err := s.db.Query(ctx, `SELECT id, email, name, created_at FROM users WHERE account_id = $1 ORDER BY email`, accountID)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u := User{AccountID: accountID}
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.CreatedAt); err != nil {
			return nil, fmt.Errorf("listing users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// LoginParams are what a person gives to log in, and where the request came from.
type LoginParams struct {
	Email    string
	Password string
	// ClientAddr is the client's address (HOST or HOST:PORT), for throttling.
	ClientAddr string
}

// Login checks an email and password and opens a session. It answers ErrUnauthenticated, without
// saying which of the two was wrong, and spends the same time either way. After too many failures
// (see Throttle) it answers a *ThrottledError at once, without checking the password.
func (s *Service) Login(ctx context.Context, lp LoginParams) (token string, p Principal, err error) {
	email := strings.ToLower(strings.TrimSpace(lp.Email))
	sub := subjects(email, lp.ClientAddr)
	if err := s.checkThrottle(ctx, sub); err != nil {
		return "", Principal{}, err
	}
	var hash, accountName string
	err = s.db.QueryRow(ctx, `SELECT u.id, u.account_id, u.password_hash, a.name FROM users u
		JOIN accounts a ON a.id = u.account_id WHERE u.email = $1`, email).Scan(&p.UserID, &p.AccountID, &hash, &accountName)
	if errors.Is(err, database.ErrNoRows) {
		_, _ = hashPassword(lp.Password) // same work as a real check
		hash = ""
	} else if err != nil {
		return "", Principal{}, fmt.Errorf("logging in: %w", err)
	}
	if hash == "" || !checkPassword(hash, lp.Password) {
		if err := s.recordFailure(ctx, sub); err != nil {
			return "", Principal{}, err
		}
		return "", Principal{}, fmt.Errorf("%w: wrong email or password", ErrUnauthenticated)
	}
	if err := s.forgetPair(ctx, sub); err != nil {
		return "", Principal{}, fmt.Errorf("logging in: %w", err)
	}
	p.AccountName, p.Permission = accountName, PermissionReadWrite
	token = "sss_" + randomToken()
	now := s.now().UTC()
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sessions (account_id, user_id, token_hash, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $4, $5)`, p.AccountID, p.UserID, hashToken(token), now, now.Add(SessionTTL))
		return err
	})
	if err != nil {
		return "", Principal{}, fmt.Errorf("opening session: %w", err)
	}
	return token, p, nil
}

// Session resolves a session token to its principal and extends the session.
func (s *Service) Session(ctx context.Context, token string) (Principal, error) {
	var p Principal
	now := s.now().UTC()
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `UPDATE sessions SET last_seen_at = $2, expires_at = $3
			WHERE token_hash = $1 AND expires_at > $2
			RETURNING account_id, user_id, (SELECT name FROM accounts WHERE accounts.id = sessions.account_id)`,
			hashToken(token), now, now.Add(SessionTTL)).Scan(&p.AccountID, &p.UserID, &p.AccountName)
	})
	if errors.Is(err, database.ErrNoRows) {
		return Principal{}, fmt.Errorf("%w: session expired or unknown", ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("reading session: %w", err)
	}
	p.Permission = PermissionReadWrite
	return p, nil
}

// Logout ends a session. Ending an unknown session is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
		return err
	})
}

// randomToken returns 32 random bytes, URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken hashes a high-entropy secret (API key, session token) for storage and lookup. A fast
// hash is right here: 256 random bits cannot be guessed, so there is nothing to slow down.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hashing password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	n := len(want)
	if n <= 0 || n > maxHashLen {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(n))
	return subtle.ConstantTimeCompare(got, want) == 1
}
