package inventory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/connection/connectiontest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/store"
)

// reserveFixture is a source store with one item followed by two destinations of two other
// accounts (buffers 0 and 1), and a third store of the first destination's account that is no
// destination at all.
type reserveFixture struct {
	db                *database.DB
	svc               *Service
	conns             *connection.Service
	src, dstA, dstB   store.Store
	other             store.Store
	cA, cB            connection.Connection
	srcAcc, accA, acB int64
}

func newReserveFixture(t *testing.T, db *database.DB) reserveFixture {
	t.Helper()
	ctx := context.Background()
	k, err := secret.ParseKey(secret.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	box := secret.NewBox(k)
	stores := store.NewService(db, nil, box, nil)
	accounts := account.NewService(db, nil)
	mk := func(name string) int64 {
		a, err := accounts.CreateAccount(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	f := reserveFixture{db: db, conns: connection.NewService(db, stores, nil, nil)}
	f.srcAcc, f.accA, f.acB = mk("supplier"), mk("reseller-a"), mk("reseller-b")
	f.src = connectiontest.Store(t, db, stores, box, f.srcAcc, "supplier")
	f.dstA = connectiontest.Store(t, db, stores, box, f.accA, "a")
	f.dstB = connectiontest.Store(t, db, stores, box, f.acB, "b")
	f.other = connectiontest.Store(t, db, stores, box, f.accA, "a-unconnected")
	jc, err := jobs.New(db, nil, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	links := catalog.NewLinkStore(db)
	f.svc = NewService(db, jc, stores, f.conns, links, Config{})
	connect := func(acc int64, d store.Store, buffer int64, dv string) connection.Connection {
		c, err := f.conns.Connect(ctx, connection.ConnectParams{AccountID: acc, DestinationStoreID: d.ID, SourceStoreKey: f.src.Key})
		if err != nil {
			t.Fatal(err)
		}
		s := c.Settings
		s.Buffer = buffer
		if c, err = f.conns.UpdateSettings(ctx, connection.SettingsParams{AccountID: acc, ID: c.ID, Settings: s}); err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, At: time.Now(), Links: []catalog.LinkInput{{
				SourceStoreID: f.src.ID, SourceProductID: "sp", SourceVariantID: "sv", SourceInventoryItemID: "si",
				DestinationStoreID: d.ID, DestinationProductID: "p-" + dv, DestinationVariantID: dv, DestinationInventoryItemID: "i-" + dv,
				Identifier: "SKU-1"}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.cA, f.cB = connect(f.accA, f.dstA, 0, "av"), connect(f.acB, f.dstB, 1, "bv")
	return f
}

func (f reserveFixture) inTx(t *testing.T, fn func(ctx context.Context, tx database.Tx) error) {
	t.Helper()
	if err := f.db.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// level records the source item's available quantity, stamped by the platform at at.
func (f reserveFixture) level(t *testing.T, available int64, at time.Time) {
	t.Helper()
	f.inTx(t, func(ctx context.Context, tx database.Tx) error {
		return f.svc.SourceChanged(ctx, tx, []SourceLevel{{AccountID: f.srcAcc, StoreID: f.src.ID, InventoryItemID: "si",
			LocationID: "loc", Available: available, UpdatedAt: at}})
	})
}

// order delivers an order webhook of the store, as ingest hands a processed one to OnEvent.
func (f reserveFixture) order(t *testing.T, st store.Store, topic platform.Topic, o platform.Order) {
	t.Helper()
	ev := platform.WebhookEvent{Topic: topic, ResourceID: o.ID, UpdatedAt: o.UpdatedAt, Order: &o}
	if topic == platform.TopicOrderDeleted {
		ev.Order = nil
	}
	f.inTx(t, func(ctx context.Context, tx database.Tx) error {
		return f.svc.OnEvent(ctx, tx, ingest.EventParams{Store: st, Event: ev})
	})
}

// desired is what the rule decided for the destinations A and B.
func (f reserveFixture) desired(t *testing.T) (a, b int64) {
	t.Helper()
	get := func(st store.Store) int64 {
		ts, err := f.svc.Targets(context.Background(), TargetsParams{StoreID: st.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 1 {
			t.Fatalf("store %s has %d targets; want 1", st, len(ts))
		}
		return ts[0].Desired
	}
	return get(f.dstA), get(f.dstB)
}

func (f reserveFixture) wantDesired(t *testing.T, step string, a, b int64) {
	t.Helper()
	if ga, gb := f.desired(t); ga != a || gb != b {
		t.Errorf("%s: destinations decided %d and %d; want %d and %d", step, ga, gb, a, b)
	}
}

func (f reserveFixture) reservations(t *testing.T, acc int64, c connection.Connection, state string) []Reservation {
	t.Helper()
	pg, err := f.svc.Reservations(context.Background(), ListReservationsParams{AccountID: acc, ConnectionID: c.ID, State: state, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if int(pg.Total) != len(pg.Items) {
		t.Fatalf("total %d, %d items", pg.Total, len(pg.Items))
	}
	return pg.Items
}

func anOrder(id string, at time.Time, lines ...platform.OrderLine) platform.Order {
	return platform.Order{ID: id, Name: "#" + id, Lines: lines, CreatedAt: at, UpdatedAt: at}
}

func line(id, variant string, qty int64) platform.OrderLine {
	return platform.OrderLine{ID: id, VariantID: variant, Quantity: qty, Current: qty}
}

// TestReservationsHoldUntilReleased: an order of a linked variant lowers every destination of
// its source item at once, once however often it is delivered; an edit adjusts it, an older
// delivery does not undo the edit, and a cancel gives it back.
func TestReservationsHoldUntilReleased(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newReserveFixture(t, db)
		t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		f.level(t, 10, t0)
		f.wantDesired(t, "before any order", 10, 9)

		created := anOrder("o1", t0.Add(time.Minute), line("l1", "av", 3), line("l2", "unlinked", 5))
		f.order(t, f.dstA, platform.TopicOrderCreated, created)
		f.wantDesired(t, "order of 3 on A", 7, 6)
		f.order(t, f.dstA, platform.TopicOrderCreated, created) // a duplicate delivery
		f.order(t, f.dstA, platform.TopicOrderPaid, created)    // the same order, another topic
		f.wantDesired(t, "the order delivered three times", 7, 6)
		rs := f.reservations(t, f.accA, f.cA, "")
		if len(rs) != 1 || rs[0].Quantity != 3 || rs[0].State != ReservationHeld || rs[0].LineID != "l1" ||
			rs[0].SourceInventoryItemID != "si" || rs[0].SourceStoreID != f.src.ID || rs[0].OrderName != "#o1" {
			t.Fatalf("reservations %+v; want one of 3 held for line l1", rs)
		}

		edited := anOrder("o1", t0.Add(3*time.Minute), line("l1", "av", 3), line("l2", "unlinked", 5))
		edited.Lines[0].Current = 2
		f.order(t, f.dstA, platform.TopicOrderUpdated, edited)
		f.wantDesired(t, "the line edited to 2", 8, 7)
		f.order(t, f.dstA, platform.TopicOrderCreated, created) // older, delivered late
		f.wantDesired(t, "the older delivery after the edit", 8, 7)

		// The other account's destination orders the same source item.
		onB := anOrder("o9", t0.Add(4*time.Minute), line("b1", "bv", 4))
		f.order(t, f.dstB, platform.TopicOrderCreated, onB)
		f.wantDesired(t, "and 4 on B", 4, 3)

		cancelled := edited
		at := t0.Add(5 * time.Minute)
		cancelled.UpdatedAt, cancelled.CancelledAt = at, &at
		f.order(t, f.dstA, platform.TopicOrderCancelled, cancelled)
		f.wantDesired(t, "A's order cancelled", 6, 5)
		f.order(t, f.dstA, platform.TopicOrderUpdated, edited) // the edit again, older than the cancel
		f.wantDesired(t, "the edit after the cancel", 6, 5)
		rs = f.reservations(t, f.accA, f.cA, ReservationReleased)
		if len(rs) != 1 || rs[0].Reason != ReasonOrderCancelled || rs[0].ReleasedAt == nil {
			t.Fatalf("released %+v; want the cancelled line", rs)
		}

		// An order removing the line, and a deleted order, release theirs.
		removed := anOrder("o9", t0.Add(6*time.Minute), line("b2", "other", 1))
		f.order(t, f.dstB, platform.TopicOrderUpdated, removed)
		f.wantDesired(t, "B's line removed", 10, 9)
		f.order(t, f.dstA, platform.TopicOrderCreated, anOrder("o2", t0.Add(7*time.Minute), line("l1", "av", 20)))
		f.wantDesired(t, "an order of more than the source has", 0, 0)
		f.order(t, f.dstA, platform.TopicOrderDeleted, platform.Order{ID: "o2"})
		f.wantDesired(t, "that order deleted", 10, 9)

		// A store that is no destination, and a variant that is linked elsewhere, reserve nothing.
		f.order(t, f.other, platform.TopicOrderCreated, anOrder("o3", t0.Add(8*time.Minute), line("x", "av", 2)))
		f.wantDesired(t, "an order of a store that is no destination", 10, 9)
	})
}

// TestReservationPushedThenReflected: a pushed reservation holds until a source level stamped at
// or after the push is recorded, and is released in that level's transaction, so the
// destinations' quantities never go back up in between. Release ends one that will not be pushed.
func TestReservationPushedThenReflected(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newReserveFixture(t, db)
		t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		f.level(t, 10, t0)
		f.order(t, f.dstA, platform.TopicOrderCreated, anOrder("o1", t0.Add(time.Minute), line("l1", "av", 3)))
		f.wantDesired(t, "held", 7, 6)

		var n int64
		pushedAt := t0.Add(2 * time.Minute)
		f.inTx(t, func(ctx context.Context, tx database.Tx) error {
			var err error
			n, err = f.svc.MarkPushed(ctx, tx, MarkPushedParams{AccountID: f.accA, DestinationStoreID: f.dstA.ID, OrderID: "o1", At: pushedAt})
			return err
		})
		if n != 1 {
			t.Fatalf("MarkPushed marked %d; want 1", n)
		}
		f.wantDesired(t, "pushed", 7, 6)
		f.inTx(t, func(ctx context.Context, tx database.Tx) error {
			var err error
			n, err = f.svc.MarkPushed(ctx, tx, MarkPushedParams{AccountID: f.acB, DestinationStoreID: f.dstA.ID, OrderID: "o1", At: pushedAt})
			return err
		})
		if n != 0 {
			t.Errorf("another account marked %d of A's order; want 0", n)
		}

		// A level from before the push (delivered late) does not reflect it.
		f.level(t, 11, pushedAt.Add(-time.Second))
		f.wantDesired(t, "a level stamped before the push", 8, 7)
		if rs := f.reservations(t, f.accA, f.cA, ReservationPushed); len(rs) != 1 {
			t.Fatalf("pushed %+v; want it still pushed", rs)
		}
		// The source's own decrement: 11 − 3, stamped at the push.
		f.level(t, 8, pushedAt)
		f.wantDesired(t, "the source reflects the pushed order", 8, 7)
		rs := f.reservations(t, f.accA, f.cA, ReservationReleased)
		if len(rs) != 1 || rs[0].Reason != ReasonReflected || rs[0].PushedAt == nil || !rs[0].PushedAt.Equal(pushedAt) {
			t.Fatalf("released %+v; want it released as reflected", rs)
		}

		// One that will not be pushed.
		f.order(t, f.dstB, platform.TopicOrderCreated, anOrder("o5", t0.Add(3*time.Minute), line("b1", "bv", 2)))
		f.wantDesired(t, "an order on B", 6, 5)
		f.inTx(t, func(ctx context.Context, tx database.Tx) error {
			_, err := f.svc.Release(ctx, tx, ReleaseParams{AccountID: f.acB, DestinationStoreID: f.dstB.ID, OrderID: "o5"})
			if !errors.Is(err, ErrNoReason) {
				t.Errorf("release without a reason: %v; want ErrNoReason", err)
			}
			n, err = f.svc.Release(ctx, tx, ReleaseParams{AccountID: f.acB, DestinationStoreID: f.dstB.ID, OrderID: "o5",
				Reason: "the source refused the order"})
			return err
		})
		if n != 1 {
			t.Fatalf("released %d; want 1", n)
		}
		f.wantDesired(t, "released", 8, 7)
		if rs := f.reservations(t, f.acB, f.cB, ReservationReleased); len(rs) != 1 || rs[0].Reason != "the source refused the order" {
			t.Errorf("B's released %+v; want the reason given", rs)
		}
	})
}

// TestReservationsBelongToTheDestination: only the destination's account reads a connection's
// reservations; a blocked connection's hold nothing.
func TestReservationsBelongToTheDestination(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newReserveFixture(t, db)
		ctx := context.Background()
		t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		f.level(t, 10, t0)
		f.order(t, f.dstA, platform.TopicOrderCreated, anOrder("o1", t0, line("l1", "av", 3)))
		_, err := f.svc.Reservations(ctx, ListReservationsParams{AccountID: f.acB, ConnectionID: f.cA.ID})
		if !errors.Is(err, connection.ErrNotFound) {
			t.Errorf("another account: %v; want not found", err)
		}
		_, err = f.svc.Reservations(ctx, ListReservationsParams{AccountID: f.srcAcc, ConnectionID: f.cA.ID})
		if !errors.Is(err, connection.ErrForbidden) {
			t.Errorf("the source's account: %v; want forbidden", err)
		}
		_, err = f.svc.Reservations(ctx, ListReservationsParams{AccountID: f.accA, ConnectionID: f.cA.ID, State: "lost"})
		var ce *connection.Error
		if !errors.As(err, &ce) || ce.Field != "state" {
			t.Errorf("an unknown state: %v; want an error naming state", err)
		}
		if rs := f.reservations(t, f.accA, f.cA, ReservationHeld); len(rs) != 1 {
			t.Errorf("held %+v; want one", rs)
		}
		if rs := f.reservations(t, f.acB, f.cB, ""); len(rs) != 0 {
			t.Errorf("B's connection lists %+v; want none of A's", rs)
		}
		if _, err := f.conns.Block(ctx, connection.GetParams{AccountID: f.srcAcc, ID: f.cA.ID}); err != nil {
			t.Fatal(err)
		}
		f.level(t, 10, t0.Add(time.Minute))
		ts, err := f.svc.Targets(ctx, TargetsParams{StoreID: f.dstB.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 1 || ts[0].Desired != 9 {
			t.Errorf("B's target %+v after A's connection was blocked; want 9: a blocked connection's orders hold nothing", ts)
		}
	})
}

// TestReservationReflectedBeforeItsPush: the source's own decrement for a pushed order is
// processed before the push is recorded (the push's answer was lost and found later): recording
// the push releases the reservation at once instead of counting the order twice until the
// item's next level.
func TestReservationReflectedBeforeItsPush(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newReserveFixture(t, db)
		t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		f.level(t, 10, t0)
		f.order(t, f.dstA, platform.TopicOrderCreated, anOrder("o1", t0.Add(time.Minute), line("l1", "av", 3)))
		f.wantDesired(t, "held", 7, 6)
		pushedAt := t0.Add(2 * time.Minute)
		f.level(t, 7, pushedAt.Add(time.Second)) // the source order took 3, still held here
		f.wantDesired(t, "the decrement before the push is recorded", 4, 3)
		var n int64
		f.inTx(t, func(ctx context.Context, tx database.Tx) error {
			var err error
			n, err = f.svc.MarkPushed(ctx, tx, MarkPushedParams{AccountID: f.accA, DestinationStoreID: f.dstA.ID, OrderID: "o1", At: pushedAt})
			return err
		})
		if n != 1 {
			t.Fatalf("MarkPushed marked %d; want 1", n)
		}
		f.wantDesired(t, "the push recorded", 7, 6)
		rs := f.reservations(t, f.accA, f.cA, ReservationReleased)
		if len(rs) != 1 || rs[0].Reason != ReasonReflected {
			t.Fatalf("released %+v; want o1's released as reflected", rs)
		}
		// A push whose source has no later level keeps its reservation.
		f.order(t, f.dstA, platform.TopicOrderCreated, anOrder("o2", t0.Add(3*time.Minute), line("l2", "av", 2)))
		f.inTx(t, func(ctx context.Context, tx database.Tx) error {
			_, err := f.svc.MarkPushed(ctx, tx, MarkPushedParams{AccountID: f.accA, DestinationStoreID: f.dstA.ID, OrderID: "o2", At: t0.Add(4 * time.Minute)})
			return err
		})
		f.wantDesired(t, "o2 pushed, not yet reflected", 5, 4)
		if rs := f.reservations(t, f.accA, f.cA, ReservationPushed); len(rs) != 1 {
			t.Fatalf("pushed %+v; want o2's still pushed", rs)
		}
	})
}
