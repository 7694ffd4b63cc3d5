package store_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/platform/shopify"
	"github.com/storesync/storesync/internal/secret"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// shopifyPlatforms is the wiring's Platforms for Shopify alone, through a guard that lets the
// test's simulator in and nothing else inside.
type shopifyPlatforms struct{ guard *httpclient.Guard }

func (shopifyPlatforms) List() []store.PlatformInfo {
	return []store.PlatformInfo{{Name: shopify.Platform, CredentialsDoc: shopify.CredentialsDoc}}
}

func (shopifyPlatforms) Check(_ store.Platform, raw []byte) (store.Checked, error) {
	c, err := shopify.ParseCredentials(raw)
	return store.Checked{Credentials: c.Marshal(), Address: c.ShopDomain, DefaultBaseURL: c.DefaultBaseURL(),
		AuthField: shopify.FieldAccessToken, AddressField: shopify.FieldShopDomain}, err
}

func (p shopifyPlatforms) Open(s store.Store) (platform.Store, error) {
	c, err := shopify.ParseCredentials(s.Credentials)
	if err != nil {
		return nil, err
	}
	return shopify.New(shopify.Config{Shop: c.ShopDomain, AccessToken: c.AccessToken, APISecret: c.APISecret, BaseURL: s.BaseURL,
		HTTPClient: p.guard.Client(httpclient.ClientOptions{Timeout: 10 * time.Second}), Backoff: httpclient.Backoff{MaxAttempts: 1}})
}

func creds(domain, token string) []byte {
	return shopify.Credentials{ShopDomain: domain, AccessToken: token, APISecret: "hush"}.Marshal()
}

func newAccount(t *testing.T, db *database.DB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, CURRENT_TIMESTAMP) RETURNING id`, dbtest.Name(name)).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// Stores are saved only once the platform accepts their credentials, keep their key when saved
// again, are read, replaced and deleted only within their account, and every bad field is named.
func TestStoresAreVerifiedScopedAndNamed(t *testing.T) {
	t.Parallel()
	sim, err := shopifysim.New(shopifysim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"acme.myshopify.com", "other.myshopify.com"} {
		if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: d, Name: d, AccessToken: "t1", APISecret: "hush"}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	guard := &httpclient.Guard{}
	guard.Allow(srv.Listener.Addr().String())
	base := func(d string) string { return srv.URL + "/shops/" + d }

	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		a, b := newAccount(t, db, "a"), newAccount(t, db, "b")
		k, _ := secret.ParseKey(secret.NewKeyText())
		svc := store.NewService(db, shopifyPlatforms{guard: guard}, secret.NewBox(k), nil)
		var hooked []int64
		svc.OnSaved(func(ctx context.Context, tx database.Tx, st store.Store) error {
			hooked = append(hooked, st.ID)
			return nil
		})
		p := store.SaveParams{AccountID: a, Name: "Acme", Platform: shopify.Platform, BaseURL: base("acme.myshopify.com"),
			Credentials: creds("Acme.myshopify.com", "t1")}
		first, err := svc.Save(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if first.Address != "acme.myshopify.com" || !strings.HasPrefix(first.Key, "store_") || len(hooked) != 1 {
			t.Errorf("saved %+v, hooks %v", first, hooked)
		}
		p.Name = "Acme Co"
		second, err := svc.Save(ctx, p)
		if err != nil || second.ID != first.ID || second.Key != first.Key {
			t.Errorf("saving again: %+v %v; want the same store and key", second, err)
		}
		// A wrong token is refused by the platform, named, and nothing is saved.
		_, err = svc.Save(ctx, store.SaveParams{AccountID: a, Name: "Other", Platform: shopify.Platform, BaseURL: base("other.myshopify.com"),
			Credentials: creds("other.myshopify.com", "wrong")})
		if !errors.Is(err, store.ErrInvalidInput) || !strings.Contains(err.Error(), "credentials.access_token") {
			t.Errorf("wrong token: %v; want invalid input naming credentials.access_token", err)
		}
		// A base URL inside the network is refused by the dialer, named.
		_, err = svc.Save(ctx, store.SaveParams{AccountID: a, Name: "Inside", Platform: shopify.Platform, BaseURL: "http://127.0.0.1:9",
			Credentials: creds("inside.myshopify.com", "t1")})
		if !errors.Is(err, store.ErrInvalidInput) || !strings.Contains(err.Error(), "base_url") || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("inside base URL: %v", err)
		}
		got, err := svc.Get(ctx, store.GetParams{AccountID: a, ID: first.ID})
		if c, _ := shopify.ParseCredentials(got.Credentials); err != nil || c.AccessToken != "t1" || got.Name != "Acme Co" {
			t.Errorf("after update: %+v %v", got, err)
		}
		if _, err := svc.Get(ctx, store.GetParams{AccountID: b, ID: first.ID}); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("account b read account a's store: %v", err)
		}
		if _, err := svc.Update(ctx, store.UpdateParams{AccountID: b, ID: first.ID, Name: "x", Platform: shopify.Platform,
			BaseURL: base("acme.myshopify.com"), Credentials: creds("acme.myshopify.com", "t1")}); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("account b updated account a's store: %v", err)
		}
		if _, err := svc.Delete(ctx, store.DeleteParams{AccountID: b, ID: first.ID}); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("account b deleted account a's store: %v", err)
		}
		up, err := svc.Update(ctx, store.UpdateParams{AccountID: a, ID: first.ID, Name: "Acme Renamed", Platform: shopify.Platform,
			BaseURL: base("acme.myshopify.com"), Credentials: creds("acme.myshopify.com", "t1")})
		if err != nil || up.Key != first.Key || up.Name != "Acme Renamed" || len(hooked) != 3 {
			t.Errorf("update: %+v %v, hooks %v", up, err, hooked)
		}
		_, err = svc.Save(ctx, store.SaveParams{AccountID: a, Platform: "magento", BaseURL: "ftp://x"})
		for _, want := range []string{"name", "platform", "base_url"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("bad store: error %v does not name %s", err, want)
			}
		}
		_, err = svc.Save(ctx, store.SaveParams{AccountID: a, Name: "x", Platform: shopify.Platform, Credentials: []byte(`{"shop_domain":"bad domain"}`)})
		for _, want := range []string{"credentials.shop_domain", "credentials.access_token"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("bad credentials: error %v does not name %s", err, want)
			}
		}
		if l, _ := svc.List(ctx, store.ListParams{AccountID: a}); len(l) != 1 {
			t.Errorf("refused input changed the stores: %d", len(l))
		}
		if _, err := svc.Delete(ctx, store.DeleteParams{AccountID: a, ID: first.ID}); err != nil {
			t.Fatal(err)
		}
		if l, _ := svc.List(ctx, store.ListParams{AccountID: a}); len(l) != 0 {
			t.Errorf("deleted store still listed")
		}
	})
}
