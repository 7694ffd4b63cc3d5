package account_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestUsersAndSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		svc := account.NewService(db, func() time.Time { return now })
		a, err := svc.CreateAccount(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateAccount(ctx, "acme"); !errors.Is(err, account.ErrExists) {
			t.Errorf("duplicate account: %v, want ErrExists", err)
		}
		for _, bad := range []account.CreateUserParams{
			{AccountID: a.ID, Email: "not-an-email", Password: "long enough password"},
			{AccountID: a.ID, Email: "x@example.com", Password: "short"},
			{AccountID: a.ID + 100, Email: "y@example.com", Password: "long enough password"},
		} {
			if _, err := svc.CreateUser(ctx, bad); !errors.Is(err, account.ErrInvalidInput) {
				t.Errorf("CreateUser(%+v) = %v, want ErrInvalidInput", bad, err)
			}
		}
		if _, err := svc.CreateUser(ctx, account.CreateUserParams{AccountID: a.ID, Email: "Ops@Example.com", Password: "long enough password"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Login(ctx, account.LoginParams{Email: "ops@example.com", Password: "wrong password!"}); !errors.Is(err, account.ErrUnauthenticated) {
			t.Errorf("wrong password: %v", err)
		}
		if _, _, err := svc.Login(ctx, account.LoginParams{Email: "nobody@example.com", Password: "long enough password"}); !errors.Is(err, account.ErrUnauthenticated) {
			t.Errorf("unknown user: %v", err)
		}
		token, p, err := svc.Login(ctx, account.LoginParams{Email: " OPS@example.com ", Password: "long enough password"})
		if err != nil || p.AccountID != a.ID || p.AccountName != "acme" {
			t.Fatalf("login: %+v %v", p, err)
		}
		if got, err := svc.Session(ctx, token); err != nil || got.UserID != p.UserID {
			t.Fatalf("session: %+v %v", got, err)
		}
		now = now.Add(account.SessionTTL + time.Minute)
		if _, err := svc.Session(ctx, token); !errors.Is(err, account.ErrUnauthenticated) {
			t.Errorf("expired session: %v", err)
		}
		token, _, _ = svc.Login(ctx, account.LoginParams{Email: "ops@example.com", Password: "long enough password"})
		if err := svc.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Session(ctx, token); !errors.Is(err, account.ErrUnauthenticated) {
			t.Errorf("session after logout: %v", err)
		}
	})
}

func TestKeysAreHashedAndCountEveryHit(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		svc := account.NewService(db, nil)
		a, _ := svc.CreateAccount(ctx, "acme")
		if _, _, err := svc.CreateKey(ctx, account.CreateKeyParams{AccountID: a.ID, Permission: "admin"}); !errors.Is(err, account.ErrInvalidInput) {
			t.Errorf("permission admin: %v", err)
		}
		k, secret, err := svc.CreateKey(ctx, account.CreateKeyParams{AccountID: a.ID, Name: "ci", Permission: account.PermissionRead})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, account.KeyPrefix) || len(secret) < 4+43 || !strings.HasPrefix(secret, k.Prefix) {
			t.Fatalf("key %q (prefix %q) is not ssk_ + 32 random bytes", secret, k.Prefix)
		}
		var stored string
		if err := db.QueryRow(ctx, `SELECT key_hash FROM api_keys WHERE id = $1`, k.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, secret[4:]) {
			t.Fatal("the key itself is stored")
		}
		const n = 40
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := svc.AuthenticateKey(ctx, secret); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := svc.KeyBySecret(ctx, secret)
		if err != nil || got.Hits != n || got.LastUsedAt == nil {
			t.Fatalf("after %d concurrent uses: hits %d, last used %v, %v", n, got.Hits, got.LastUsedAt, err)
		}
	})
}

func TestKeysNeedANameAndAreNamedByParams(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		svc := account.NewService(db, nil)
		a, _ := svc.CreateAccount(ctx, "acme")
		b, _ := svc.CreateAccount(ctx, "globex")
		for _, name := range []string{"", "   ", "tab\there", strings.Repeat("x", 101)} {
			_, _, err := svc.CreateKey(ctx, account.CreateKeyParams{AccountID: a.ID, Name: name, Permission: account.PermissionRead})
			if !errors.Is(err, account.ErrInvalidInput) || !strings.Contains(err.Error(), "name") {
				t.Errorf("CreateKey(name %q) = %v, want ErrInvalidInput naming the name", name, err)
			}
		}
		if keys, _ := svc.ListKeys(ctx, a.ID); len(keys) != 0 {
			t.Fatalf("refused keys were stored: %d", len(keys))
		}
		k, _, err := svc.CreateKey(ctx, account.CreateKeyParams{AccountID: a.ID, Name: " ci ", Permission: account.PermissionRead})
		if err != nil || k.Name != "ci" {
			t.Fatalf("CreateKey: %+v %v", k, err)
		}
		if _, err := svc.Key(ctx, account.KeyParams{AccountID: b.ID, KeyID: k.ID}); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("another account's key: %v", err)
		}
		if err := svc.RevokeKey(ctx, account.KeyParams{AccountID: b.ID, KeyID: k.ID}); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("revoking another account's key: %v", err)
		}
		if err := svc.RevokeKey(ctx, account.KeyParams{AccountID: a.ID, KeyID: k.ID}); err != nil {
			t.Fatal(err)
		}
		if got, err := svc.Key(ctx, account.KeyParams{AccountID: a.ID, KeyID: k.ID}); err != nil || got.RevokedAt == nil {
			t.Errorf("after revoking: %+v %v", got, err)
		}
	})
}
