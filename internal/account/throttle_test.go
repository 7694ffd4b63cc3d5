package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// retryAfter returns how long a throttled login must wait, or 0 if it was not throttled.
func retryAfter(err error) time.Duration {
	if te, ok := errors.AsType[*account.ThrottledError](err); ok {
		return te.RetryAfter
	}
	return 0
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		clock := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
		svc := account.NewService(db, clock.now).WithThrottle(account.Throttle{
			Window: 15 * time.Minute, PairFree: 3, PairMaxDelay: time.Minute, PerAddress: 12, PerEmail: 14})
		a, _ := svc.CreateAccount(ctx, "acme")
		for _, email := range []string{"ops@example.com", "boss@example.com"} {
			if _, err := svc.CreateUser(ctx, account.CreateUserParams{AccountID: a.ID, Email: email, Password: "long enough password"}); err != nil {
				t.Fatal(err)
			}
		}
		login := func(email, password, addr string) error {
			_, _, err := svc.Login(ctx, account.LoginParams{Email: email, Password: password, ClientAddr: addr})
			return err
		}

		t.Run("one email from one address waits a growing delay", func(t *testing.T) {
			const addr = "198.51.100.7:5555"
			for i := range 3 {
				if err := login("ops@example.com", "wrong password", addr); !errors.Is(err, account.ErrUnauthenticated) {
					t.Fatalf("free attempt %d: %v", i+1, err)
				}
			}
			for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
				err := login("ops@example.com", "long enough password", addr)
				if got := retryAfter(err); got != want {
					t.Fatalf("right password while throttled: %v (retry after %s), want retry after %s", err, got, want)
				}
				clock.advance(want)
				if err := login("ops@example.com", "wrong password", addr); !errors.Is(err, account.ErrUnauthenticated) {
					t.Fatalf("after waiting %s: %v, want a checked (wrong) password", want, err)
				}
			}
			// The delay is capped: the user is never kept out for long.
			for range 4 {
				clock.advance(time.Minute)
				_ = login("ops@example.com", "wrong password", addr)
			}
			if got := retryAfter(login("ops@example.com", "long enough password", addr)); got != time.Minute {
				t.Fatalf("after many failures the wait is %s, want the 1m cap", got)
			}
			// Another address is not affected, and the right password then clears this pair.
			if err := login("ops@example.com", "long enough password", "203.0.113.9:1"); err != nil {
				t.Fatalf("same email from another address: %v", err)
			}
			clock.advance(time.Minute)
			if err := login("ops@example.com", "long enough password", addr); err != nil {
				t.Fatalf("after the wait, the right password: %v", err)
			}
			if err := login("ops@example.com", "wrong password", addr); !errors.Is(err, account.ErrUnauthenticated) {
				t.Fatalf("after a success the pair starts afresh: %v", err)
			}
		})

		t.Run("one address trying many emails is stopped until the window ends", func(t *testing.T) {
			clock.advance(time.Hour)
			const addr = "2001:db8:1:2::10"
			for i := range 12 {
				// a different address of the same /64 each time: counted together
				a := fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1)
				if err := login(fmt.Sprintf("user%d@example.com", i), "wrong password", a); !errors.Is(err, account.ErrUnauthenticated) {
					t.Fatalf("attempt %d: %v", i+1, err)
				}
			}
			if got := retryAfter(login("boss@example.com", "long enough password", addr)); got != 15*time.Minute {
				t.Fatalf("address over its limit: retry after %s, want 15m (the rest of the window)", got)
			}
			if err := login("boss@example.com", "long enough password", "192.0.2.1"); err != nil {
				t.Fatalf("another address: %v", err)
			}
			clock.advance(15 * time.Minute)
			if err := login("boss@example.com", "long enough password", addr); err != nil {
				t.Fatalf("after the window: %v", err)
			}
		})

		t.Run("many addresses spraying one email are stopped for one window at most", func(t *testing.T) {
			clock.advance(time.Hour)
			for i := range 14 {
				_ = login("boss@example.com", "wrong password", fmt.Sprintf("10.0.%d.1", i))
			}
			if got := retryAfter(login("boss@example.com", "long enough password", "192.0.2.200")); got <= 0 || got > 15*time.Minute {
				t.Fatalf("email over its limit: retry after %s, want within the 15m window", got)
			}
			if err := login("ops@example.com", "long enough password", "192.0.2.200"); err != nil {
				t.Fatalf("another email from the same address: %v", err)
			}
			clock.advance(15 * time.Minute)
			if err := login("boss@example.com", "long enough password", "192.0.2.200"); err != nil {
				t.Fatalf("after the window: %v", err)
			}
		})
	})
}

func TestFlashIsShownOnceAndOnlyToItsSession(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		svc := account.NewService(db, nil)
		a, _ := svc.CreateAccount(ctx, "acme")
		if _, err := svc.CreateUser(ctx, account.CreateUserParams{AccountID: a.ID, Email: "ops@example.com", Password: "long enough password"}); err != nil {
			t.Fatal(err)
		}
		mine, _, _ := svc.Login(ctx, account.LoginParams{Email: "ops@example.com", Password: "long enough password"})
		other, _, _ := svc.Login(ctx, account.LoginParams{Email: "ops@example.com", Password: "long enough password"})
		want := account.Flash{Kind: "ok", Message: "created", Secret: "ssk_not-really-a-key-but-long-enough"}
		if err := svc.SetFlash(ctx, account.FlashParams{Token: mine, Flash: want}); err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := db.QueryRow(ctx, `SELECT flash FROM sessions WHERE flash <> ''`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == "" || containsAny(stored, want.Secret, want.Message) {
			t.Fatalf("the message is stored readable: %q", stored)
		}
		if got, err := svc.TakeFlash(ctx, other); err != nil || got != (account.Flash{}) {
			t.Fatalf("another session took %+v, %v", got, err)
		}
		if got, err := svc.TakeFlash(ctx, mine); err != nil || got != want {
			t.Fatalf("TakeFlash = %+v, %v; want %+v", got, err, want)
		}
		if got, err := svc.TakeFlash(ctx, mine); err != nil || got != (account.Flash{}) {
			t.Fatalf("second TakeFlash = %+v, %v; want nothing", got, err)
		}
		if err := svc.SetFlash(ctx, account.FlashParams{Token: "sss_unknown", Flash: want}); !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("flash for an unknown session: %v", err)
		}
	})
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
