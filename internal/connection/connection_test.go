package connection_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/connection/connectiontest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/webhook"
)

type fixture struct {
	db     *database.DB
	svc    *connection.Service
	stores *store.Service
	box    *secret.Box
}

func newFixture(t *testing.T, db *database.DB) fixture {
	t.Helper()
	jc, err := jobs.New(db, nil, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	box := testBox(t)
	stores := store.NewService(db, nil, box, nil)
	return fixture{db: db, stores: stores, box: box, svc: connection.NewService(db, stores, webhook.NewService(db, jc, nil, nil, nil), nil)}
}

func (f fixture) account(t *testing.T, name string) int64 {
	t.Helper()
	a, err := account.NewService(f.db, nil).CreateAccount(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func (f fixture) store(t *testing.T, accountID int64, name string) store.Store {
	t.Helper()
	return connectiontest.Store(t, f.db, f.stores, f.box, accountID, name)
}

func testBox(t *testing.T) *secret.Box {
	t.Helper()
	k, err := secret.ParseKey(secret.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	return secret.NewBox(k)
}

func (f fixture) events(t *testing.T, accountID int64) []string {
	t.Helper()
	rows, err := f.db.Query(context.Background(), `SELECT type FROM events WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func wantKind(t *testing.T, what string, err, kind error, field string) {
	t.Helper()
	var ce *connection.Error
	if !errors.Is(err, kind) || !errors.As(err, &ce) || ce.Field != field {
		t.Errorf("%s: error %v, want %v naming %q", what, err, kind, field)
	}
}

// The states and who may change them, across two accounts; each change is one event per side,
// and a refused change changes nothing.
func TestStateMachineAcrossAccounts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, db)
		a, b := f.account(t, "reseller"), f.account(t, "supplier")
		dest, other := f.store(t, a, "harbor"), f.store(t, a, "harbor-two")
		src := f.store(t, b, "northwind")

		c, err := f.svc.Connect(ctx, connection.ConnectParams{AccountID: a, DestinationStoreID: dest.ID, SourceStoreKey: " " + src.Key + " "})
		if err != nil {
			t.Fatal(err)
		}
		if c.State != connection.StateConnected || c.Settings.Identifier != catalog.IdentifierSKU || c.RoleOf(b) != connection.RoleSource {
			t.Fatalf("new connection %+v", c)
		}
		_, err = f.svc.Connect(ctx, connection.ConnectParams{AccountID: a, DestinationStoreID: dest.ID, SourceStoreKey: src.Key})
		wantKind(t, "twice", err, connection.ErrConflict, "source_store_key")
		_, err = f.svc.Connect(ctx, connection.ConnectParams{AccountID: a, DestinationStoreID: dest.ID, SourceStoreKey: dest.Key})
		wantKind(t, "itself", err, connection.ErrConflict, "source_store_key")
		_, err = f.svc.Connect(ctx, connection.ConnectParams{AccountID: a, DestinationStoreID: dest.ID, SourceStoreKey: "store_nope"})
		wantKind(t, "unknown key", err, connection.ErrNotFound, "source_store_key")
		_, err = f.svc.Connect(ctx, connection.ConnectParams{AccountID: b, DestinationStoreID: dest.ID, SourceStoreKey: src.Key})
		wantKind(t, "another account's destination", err, connection.ErrNotFound, "destination_store_id")

		// B sees its destination, none of A's other stores; by role and state.
		page, err := f.svc.List(ctx, connection.ListParams{AccountID: b, Role: connection.RoleSource})
		if err != nil || page.Total != 1 || page.Items[0].Destination.Name != "harbor" {
			t.Fatalf("B's destinations: %+v %v", page, err)
		}
		if page, _ := f.svc.List(ctx, connection.ListParams{AccountID: b, Role: connection.RoleDestination}); page.Total != 0 {
			t.Errorf("B is destination of %d", page.Total)
		}
		if page, _ := f.svc.List(ctx, connection.ListParams{AccountID: a, StoreID: other.ID}); page.Total != 0 {
			t.Errorf("A's other store has %d connections", page.Total)
		}

		steps := []struct {
			who     int64
			act     func(context.Context, connection.GetParams) (connection.Connection, error)
			kind    error
			want    connection.State
			comment string
		}{
			{a, f.svc.Block, connection.ErrForbidden, connection.StateConnected, "the destination cannot block"},
			{b, f.svc.Reconnect, connection.ErrForbidden, connection.StateConnected, "the source cannot reconnect"},
			{b, f.svc.Unblock, connection.ErrConflict, connection.StateConnected, "not blocked"},
			{b, f.svc.Block, nil, connection.StateBlocked, "the source blocks"},
			{b, f.svc.Block, connection.ErrConflict, connection.StateBlocked, "already blocked"},
			{a, f.svc.Unblock, connection.ErrForbidden, connection.StateBlocked, "the destination cannot unblock"},
			{a, f.svc.Reconnect, connection.ErrConflict, connection.StateBlocked, "nor reconnect a blocked one"},
			{b, f.svc.Unblock, nil, connection.StateConnected, "the source unblocks"},
		}
		for _, s := range steps {
			got, err := s.act(ctx, connection.GetParams{AccountID: s.who, ID: c.ID})
			if s.kind != nil && !errors.Is(err, s.kind) || s.kind == nil && err != nil {
				t.Errorf("%s: %v, want %v", s.comment, err, s.kind)
			}
			if s.kind == nil && got.State != s.want {
				t.Errorf("%s: state %s, want %s", s.comment, got.State, s.want)
			}
			if now, _ := f.svc.Get(ctx, connection.GetParams{AccountID: a, ID: c.ID}); now.State != s.want {
				t.Errorf("%s: stored state %s, want %s", s.comment, now.State, s.want)
			}
		}

		// A disconnects (keep, zero stock) and reconnects: the pending action is cancelled.
		_, err = f.svc.Disconnect(ctx, connection.DisconnectParams{AccountID: b, ID: c.ID, Products: connection.ProductsKeep})
		wantKind(t, "source disconnects", err, connection.ErrForbidden, "")
		_, err = f.svc.Disconnect(ctx, connection.DisconnectParams{AccountID: a, ID: c.ID, Products: "archive"})
		wantKind(t, "bad products", err, connection.ErrInvalid, "products")
		_, err = f.svc.Disconnect(ctx, connection.DisconnectParams{AccountID: a, ID: c.ID, Products: connection.ProductsDelete, ZeroStock: true})
		wantKind(t, "delete with zero stock", err, connection.ErrInvalid, "zero_stock")
		got, err := f.svc.Disconnect(ctx, connection.DisconnectParams{AccountID: a, ID: c.ID, Products: connection.ProductsKeep, ZeroStock: true})
		if err != nil || got.State != connection.StateDisconnected || got.Disconnect == nil || got.Disconnect.Status != connection.DisconnectPending || !got.Disconnect.ZeroStock {
			t.Fatalf("disconnect: %+v %v", got, err)
		}
		_, err = f.svc.Disconnect(ctx, connection.DisconnectParams{AccountID: a, ID: c.ID, Products: connection.ProductsKeep})
		wantKind(t, "disconnect twice", err, connection.ErrConflict, "")
		got, err = f.svc.Reconnect(ctx, connection.GetParams{AccountID: a, ID: c.ID})
		if err != nil || got.State != connection.StateConnected || got.Disconnect.Status != connection.DisconnectCancelled {
			t.Fatalf("reconnect: %+v %v", got, err)
		}

		// Blocked and disconnected together: blocked wins; unblocking leaves it disconnected.
		if _, err := f.svc.Block(ctx, connection.GetParams{AccountID: b, ID: c.ID}); err != nil {
			t.Fatal(err)
		}
		got, err = f.svc.Disconnect(ctx, connection.DisconnectParams{AccountID: a, ID: c.ID, Products: connection.ProductsDelete})
		if err != nil || got.State != connection.StateBlocked || got.DisconnectedAt == nil {
			t.Fatalf("disconnect a blocked one: %+v %v", got, err)
		}
		if got, _ := f.svc.Unblock(ctx, connection.GetParams{AccountID: b, ID: c.ID}); got.State != connection.StateDisconnected {
			t.Errorf("unblocked a disconnected one: %s, want disconnected", got.State)
		}
		if page, _ := f.svc.List(ctx, connection.ListParams{AccountID: a, State: connection.StateDisconnected}); page.Total != 1 {
			t.Errorf("A's disconnected: %d", page.Total)
		}

		// Settings: the destination's only, validated, and the source never hears of them.
		s := catalog.Default()
		s.Buffer = -1
		_, err = f.svc.UpdateSettings(ctx, connection.SettingsParams{AccountID: a, ID: c.ID, Settings: s})
		var ve *catalog.ValidationError
		if !errors.As(err, &ve) || ve.Of("buffer") == "" {
			t.Errorf("negative buffer: %v", err)
		}
		s.Buffer = 3
		_, err = f.svc.UpdateSettings(ctx, connection.SettingsParams{AccountID: b, ID: c.ID, Settings: s})
		wantKind(t, "source sets settings", err, connection.ErrForbidden, "")
		if got, err := f.svc.UpdateSettings(ctx, connection.SettingsParams{AccountID: a, ID: c.ID, Settings: s}); err != nil || got.Settings.Buffer != 3 {
			t.Errorf("settings: %+v %v", got.Settings, err)
		}

		// A third account sees and does nothing.
		x := f.account(t, "stranger")
		if _, err := f.svc.Get(ctx, connection.GetParams{AccountID: x, ID: c.ID}); !errors.Is(err, connection.ErrNotFound) {
			t.Errorf("stranger reads: %v", err)
		}
		if _, err := f.svc.Block(ctx, connection.GetParams{AccountID: x, ID: c.ID}); !errors.Is(err, connection.ErrNotFound) {
			t.Errorf("stranger blocks: %v", err)
		}
		if page, _ := f.svc.List(ctx, connection.ListParams{AccountID: x}); page.Total != 0 {
			t.Errorf("stranger lists %d", page.Total)
		}

		wantA := []string{"connection.created", "connection.blocked", "connection.unblocked", "connection.disconnected", "connection.reconnected",
			"connection.blocked", "connection.disconnected", "connection.unblocked", "connection.settings_updated"}
		if got := f.events(t, a); !equal(got, wantA) {
			t.Errorf("A's events %v, want %v", got, wantA)
		}
		if got := f.events(t, b); !equal(got, wantA[:len(wantA)-1]) {
			t.Errorf("B's events %v, want %v", got, wantA[:len(wantA)-1])
		}
		// The source's events name the destination by name and key only, without its settings.
		var payload string
		if err := db.QueryRow(ctx, `SELECT payload FROM events WHERE account_id = $1 AND type = 'connection.disconnected'`, b).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(payload, `"destination":{"name":"harbor","store_key":"`+dest.Key+`"}`) || strings.Contains(payload, "disconnect") && strings.Contains(payload, `"products"`) {
			t.Errorf("B's event payload %s", payload)
		}
		if got := f.events(t, x); len(got) != 0 {
			t.Errorf("stranger's events %v", got)
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// One connection per pair even when two requests race.
func TestOnePerPair(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, db)
		a := f.account(t, "a")
		dest, src := f.store(t, a, "one"), f.store(t, a, "two")
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := f.svc.Connect(ctx, connection.ConnectParams{AccountID: a, DestinationStoreID: dest.ID, SourceStoreKey: src.Key})
				errs <- err
			}()
		}
		ok := 0
		for range 4 {
			err := <-errs
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, connection.ErrConflict):
				t.Errorf("racing connect: %v", err)
			}
		}
		if page, _ := f.svc.List(ctx, connection.ListParams{AccountID: a}); ok != 1 || page.Total != 1 {
			t.Errorf("%d connects succeeded, %d connections", ok, page.Total)
		}
		// Same account on both sides: it may do everything.
		c := firstOf(t, f, a)
		if c.RoleOf(a) != connection.RoleBoth {
			t.Errorf("role %s", c.RoleOf(a))
		}
		if _, err := f.svc.Block(ctx, connection.GetParams{AccountID: a, ID: c.ID}); err != nil {
			t.Error(err)
		}
	})
}

func firstOf(t *testing.T, f fixture, a int64) connection.Connection {
	t.Helper()
	p, err := f.svc.List(context.Background(), connection.ListParams{AccountID: a})
	if err != nil || len(p.Items) == 0 {
		t.Fatalf("list: %v", err)
	}
	return p.Items[0]
}
