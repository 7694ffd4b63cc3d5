package orders_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// cancelPlatform plays both stores for the cancel jobs: the source's CreateOrder (sourcePlatform)
// and, for any order id, Order and CancelOrder, keeping which orders are cancelled or shipped.
type cancelPlatform struct {
	*sourcePlatform
	mu        sync.Mutex
	cancelled map[string]bool
	shipped   map[string]string // fulfillment status of an order, "" unfulfilled
	cancels   []platform.CancelOrderParams
	hold      chan struct{} // when set, CreateOrder says so on entered and waits for hold to close
	entered   chan struct{}
}

func (p *cancelPlatform) CreateOrder(ctx context.Context, in platform.OrderInput) (platform.Order, error) {
	p.mu.Lock()
	h, e := p.hold, p.entered
	p.mu.Unlock()
	if h != nil {
		select {
		case e <- struct{}{}:
		default:
		}
		<-h
	}
	return p.sourcePlatform.CreateOrder(ctx, in)
}

func (p *cancelPlatform) Order(_ context.Context, id string) (platform.Order, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := platform.Order{ID: id, FulfillmentStatus: "unfulfilled", UpdatedAt: time.Now().UTC()}
	if s := p.shipped[id]; s != "" {
		o.FulfillmentStatus = s
	}
	if p.cancelled[id] {
		at := time.Now().UTC()
		o.CancelledAt = &at
	}
	return o, nil
}

func (p *cancelPlatform) CancelOrder(_ context.Context, c platform.CancelOrderParams) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cancels = append(p.cancels, c)
	if p.cancelled[c.OrderID] {
		return &platform.Error{Kind: platform.KindInvalidInput, Message: "Order has already been cancelled"}
	}
	if p.shipped[c.OrderID] == "fulfilled" {
		return &platform.Error{Kind: platform.KindInvalidInput, Message: "Cannot cancel a fulfilled order"}
	}
	p.cancelled[c.OrderID] = true
	return nil
}

func (p *cancelPlatform) cancelCalls() []platform.CancelOrderParams {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]platform.CancelOrderParams(nil), p.cancels...)
}

type cancelStores struct {
	*store.Service
	p *cancelPlatform
}

func (s cancelStores) Client(store.Store) (platform.Store, error) { return s.p, nil }

type cancelFixture struct {
	fixture
	p *cancelPlatform
}

func newCancelFixture(t *testing.T, db *database.DB) cancelFixture {
	t.Helper()
	f := newFixture(t, db)
	cf := cancelFixture{fixture: f, p: &cancelPlatform{sourcePlatform: &sourcePlatform{}, cancelled: map[string]bool{}, shipped: map[string]string{}}}
	workers := river.NewWorkers()
	jc, err := jobs.New(db, workers, jobs.Config{FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cf.svc = orders.NewService(db, jc, cancelStores{Service: f.stores, p: cf.p}, orders.Config{Reservations: &reservations{}})
	cf.svc.AddWorkers(workers)
	ctx, cancel := context.WithCancel(context.Background())
	if err := jc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = jc.Stop(stop)
		cancel()
	})
	return cf
}

// pushed applies order id and pushes it to source A by hand, waiting for the push.
func (f cancelFixture) pushed(t *testing.T, id string, t0 time.Time) orders.Order {
	t.Helper()
	f.apply(t, order(id, t0))
	o := f.only(t)
	if _, err := f.svc.PushNow(context.Background(), f.reseller, o.ID, orders.PushInput{SourceStoreIDs: []int64{f.srcA.ID}}); err != nil {
		t.Fatal(err)
	}
	return f.wait(t, "pushed", func(o orders.Order) bool { return push(t, o, f.srcA).Status == orders.PushPushed })
}

// wait polls the only order until cond holds.
func (f cancelFixture) wait(t *testing.T, what string, cond func(orders.Order) bool) orders.Order {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		o := f.only(t)
		if cond(o) {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: pushes %+v, flags %+v, timeline %v", what, o.Pushes, o.Flags, kinds(o))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func cancelledAt(o platform.Order, at time.Time) platform.Order {
	o.CancelledAt, o.CancelReason = &at, "customer"
	for i := range o.Lines {
		o.Lines[i].Current = 0 // a cancellation empties the lines
	}
	return o
}

func openFlags(o orders.Order, kind string) []orders.Flag {
	var out []orders.Flag
	for _, fl := range o.Flags {
		if fl.Kind == kind && fl.ClearedAt == nil {
			out = append(out, fl)
		}
	}
	return out
}

func count(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

// A destination order cancelled after its push cancels the source order once, by a job; a
// duplicate delivery of the cancellation changes nothing.
func TestDestinationCancelAfterPush(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newCancelFixture(t, db)
		t0 := time.Now().UTC()
		o := f.pushed(t, "2001", t0)
		soID := push(t, o, f.srcA).SourceOrderID
		c := cancelledAt(order("2001", t0.Add(time.Second)), t0.Add(time.Second))
		f.apply(t, c)
		f.apply(t, c) // duplicate
		// Get reads the order and its pushes in two reads: wait for both to show the job's commit.
		o = f.wait(t, "the source order cancelled", func(o orders.Order) bool {
			return push(t, o, f.srcA).Status == orders.PushCancelled && o.PushStatus == orders.OrderCancelled
		})
		time.Sleep(300 * time.Millisecond) // a second job, were one queued, would run meanwhile
		calls := f.p.cancelCalls()
		if len(calls) != 1 || calls[0].OrderID != soID || !calls[0].Refund || !calls[0].Restock {
			t.Fatalf("cancels %+v; want one of the source order %s, restocked and refunded", calls, soID)
		}
		if o.PushStatus != orders.OrderCancelled || len(o.Flags) != 0 {
			t.Errorf("order status %s, flags %+v; want cancelled, no flag", o.PushStatus, o.Flags)
		}
		ks := kinds(o)
		if count(ks, orders.EventCancelQueued) != 1 || count(ks, orders.EventSourceCancelled) != 1 {
			t.Errorf("timeline %v; want one cancel_queued and one source_cancelled", ks)
		}
		// The source's own webhook of the cancellation comes after: nothing more.
		err := f.db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
			at := time.Now()
			return f.svc.SourceOrderChanged(ctx, tx, f.srcA, platform.Order{ID: soID, CancelledAt: &at})
		})
		if err != nil {
			t.Fatal(err)
		}
		if o = f.only(t); len(o.Flags) != 0 || count(kinds(o), orders.EventSourceCancelled) != 1 {
			t.Errorf("after the source's webhook: flags %+v, timeline %v; want nothing new", o.Flags, kinds(o))
		}
	})
}

// The connection says flag, or the source order is shipped in part: a flag, no cancel sent.
func TestDestinationCancelFlags(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newCancelFixture(t, db)
		// Bad values are refused naming the field, nothing changed.
		for field, in := range map[string]orders.CancelSettingsInput{
			"on_destination_cancel": {OnDestinationCancel: "refund"},
			"on_source_cancel":      {OnSourceCancel: "cancel"},
		} {
			_, err := f.svc.PutSettings(ctx, f.reseller, f.cA.ID, orders.SettingsInput{PushMode: orders.PushAutomatic, Cancel: in})
			var oe *orders.Error
			if !errors.As(err, &oe) || oe.Field != field {
				t.Fatalf("settings %+v: %v; want an error naming %s", in, err, field)
			}
		}
		cs, err := f.svc.GetSettings(ctx, f.reseller, f.cA.ID)
		if err != nil || cs.Settings.PushMode != orders.PushManual || cs.Settings.Cancel != orders.DefaultCancelSettings() {
			t.Fatalf("settings after refusals %+v, %v; want the defaults", cs.Settings, err)
		}
		if cs, err = f.svc.PutSettings(ctx, f.reseller, f.cA.ID, orders.SettingsInput{Cancel: orders.CancelSettingsInput{OnDestinationCancel: orders.OnDestinationCancelFlag}}); err != nil ||
			cs.Settings.Cancel.OnDestinationCancel != orders.OnDestinationCancelFlag || cs.Settings.Cancel.OnSourceCancel != orders.OnSourceCancelFlag {
			t.Fatalf("put: %+v, %v", cs.Settings.Cancel, err)
		}
		t0 := time.Now().UTC()
		f.pushed(t, "2002", t0)
		f.apply(t, cancelledAt(order("2002", t0.Add(time.Second)), t0.Add(time.Second)))
		o := f.only(t)
		fl := openFlags(o, orders.FlagDestinationCancelled)
		if len(fl) != 1 || fl[0].SourceStoreID != f.srcA.ID || !strings.Contains(fl[0].Detail, "by hand") {
			t.Fatalf("flags %+v; want one destination_cancelled for A", o.Flags)
		}
		if push(t, o, f.srcA).Status != orders.PushPushed || count(kinds(o), orders.EventFlagged) != 1 {
			t.Errorf("push %s, timeline %v; want still pushed, flagged once", push(t, o, f.srcA).Status, kinds(o))
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(f.p.cancelCalls()); n != 0 {
			t.Fatalf("cancels: %d; want none (the connection flags)", n)
		}
	})
}

func TestDestinationCancelSourceShipped(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newCancelFixture(t, db)
		t0 := time.Now().UTC()
		o := f.pushed(t, "2003", t0)
		f.p.mu.Lock()
		f.p.shipped[push(t, o, f.srcA).SourceOrderID] = "partial"
		f.p.mu.Unlock()
		f.apply(t, cancelledAt(order("2003", t0.Add(time.Second)), t0.Add(time.Second)))
		o = f.wait(t, "a flag", func(o orders.Order) bool { return len(openFlags(o, orders.FlagDestinationCancelled)) == 1 })
		if fl := openFlags(o, orders.FlagDestinationCancelled)[0]; !strings.Contains(fl.Detail, "partially fulfilled") {
			t.Errorf("flag %q; want it to say the source order is partially fulfilled", fl.Detail)
		}
		if n := len(f.p.cancelCalls()); n != 0 || push(t, o, f.srcA).Status != orders.PushPushed {
			t.Fatalf("cancels %d, push %s; want none, still pushed", n, push(t, o, f.srcA).Status)
		}
	})
}

// A cancellation arriving while the push's CreateOrder is on its way: the push completes, then
// its source order is cancelled.
func TestCancelWhilePushing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newCancelFixture(t, db)
		hold := make(chan struct{})
		f.p.mu.Lock()
		entered := make(chan struct{}, 1)
		f.p.hold, f.p.entered = hold, entered
		f.p.mu.Unlock()
		t0 := time.Now().UTC()
		f.apply(t, order("2004", t0))
		o := f.only(t)
		if _, err := f.svc.PushNow(context.Background(), f.reseller, o.ID, orders.PushInput{SourceStoreIDs: []int64{f.srcA.ID}}); err != nil {
			t.Fatal(err)
		}
		select { // the job is in CreateOrder
		case <-entered:
		case <-time.After(20 * time.Second):
			t.Fatal("the push job did not call CreateOrder")
		}
		f.apply(t, cancelledAt(order("2004", t0.Add(time.Second)), t0.Add(time.Second)))
		close(hold)
		// The order's pushes and its timeline are separate reads: wait for both to show it.
		o = f.wait(t, "the source order cancelled", func(o orders.Order) bool {
			return count(kinds(o), orders.EventSourceCancelled) == 1 && push(t, o, f.srcA).Status == orders.PushCancelled
		})
		if p := push(t, o, f.srcA); p.Status != orders.PushCancelled || p.SourceOrderID == "" {
			t.Fatalf("push %+v; want cancelled with its source order", p)
		}
		if calls := f.p.cancelCalls(); len(calls) != 1 || calls[0].OrderID != push(t, o, f.srcA).SourceOrderID {
			t.Fatalf("cancels %+v; want one of the source order", calls)
		}
	})
}

// A source order cancelled at the source: the part is cancelled and the order flagged once; with
// cancel_and_refund, the destination order is cancelled and refunded once.
func TestSourceCancel(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newCancelFixture(t, db)
		if _, err := f.svc.PutSettings(ctx, f.reseller, f.cA.ID, orders.SettingsInput{Cancel: orders.CancelSettingsInput{OnSourceCancel: orders.OnSourceCancelAndRefund}}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().UTC()
		o := f.pushed(t, "2005", t0)
		so := platform.Order{ID: push(t, o, f.srcA).SourceOrderID, Name: "#S1", CancelReason: "INVENTORY"}
		at := time.Now()
		so.CancelledAt = &at
		for range 2 { // a duplicate delivery
			if err := f.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return f.svc.SourceOrderChanged(ctx, tx, f.srcA, so) }); err != nil {
				t.Fatal(err)
			}
		}
		o = f.wait(t, "the destination cancelled", func(o orders.Order) bool { return count(kinds(o), orders.EventDestinationCancelled) == 1 })
		if fl := openFlags(o, orders.FlagSourceCancelled); len(fl) != 1 || !strings.Contains(fl[0].Detail, "#S1") || len(o.Flags) != 1 {
			t.Fatalf("flags %+v; want one source_cancelled naming #S1", o.Flags)
		}
		if push(t, o, f.srcA).Status != orders.PushCancelled || o.PushStatus != orders.OrderCancelled {
			t.Errorf("push %s, order %s; want cancelled", push(t, o, f.srcA).Status, o.PushStatus)
		}
		time.Sleep(300 * time.Millisecond)
		calls := f.p.cancelCalls()
		if len(calls) != 1 || calls[0].OrderID != "2005" || !calls[0].Refund {
			t.Fatalf("cancels %+v; want one refunding destination order 2005", calls)
		}
		// The destination's own cancellation webhook then: no cancel of the source order.
		f.apply(t, cancelledAt(order("2005", t0.Add(time.Second)), t0.Add(time.Second)))
		time.Sleep(300 * time.Millisecond)
		if n := len(f.p.cancelCalls()); n != 1 {
			t.Fatalf("cancels: %d; want still 1", n)
		}
		// An order that is no push's source order changes nothing.
		if err := f.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return f.svc.SourceOrderChanged(ctx, tx, f.srcA, platform.Order{ID: "unknown", CancelledAt: &at})
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// Edits: before the push a part is decided again from the edited lines; after it each changed
// line is flagged, nothing sent. Flags clear once.
func TestEditsAndFlags(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newCancelFixture(t, db)
		t0 := time.Now().UTC()
		// Before the push: the linked line removed makes the part not eligible; back to 3, it sends 3.
		f.apply(t, order("2006", t0))
		removed := order("2006", t0.Add(time.Second))
		removed.Lines[0].Current = 0
		f.apply(t, removed)
		o := f.only(t)
		if p := push(t, o, f.srcA); p.Eligible || len(p.LinePositions) != 0 {
			t.Fatalf("push after removing the line %+v; want not eligible, no line", p)
		}
		three := order("2006", t0.Add(2*time.Second))
		three.Lines[0].Current = 3
		f.apply(t, three)
		if _, err := f.svc.PushNow(ctx, f.reseller, o.ID, orders.PushInput{SourceStoreIDs: []int64{f.srcA.ID}}); err != nil {
			t.Fatal(err)
		}
		o = f.wait(t, "pushed", func(o orders.Order) bool { return push(t, o, f.srcA).Status == orders.PushPushed })
		if calls := f.p.snapshot(); len(calls) != 1 || len(calls[0].Lines) != 1 || calls[0].Lines[0].Quantity != 3 {
			t.Fatalf("creates %+v; want one with the edited quantity 3", calls)
		}
		if len(o.Flags) != 0 || o.OpenFlags != 0 {
			t.Fatalf("flags before the push's edit %+v", o.Flags)
		}
		// After the push: 3 → 1, flagged once even when delivered twice.
		one := order("2006", t0.Add(3*time.Second))
		one.Lines[0].Current = 1
		f.apply(t, one)
		f.apply(t, one)
		o = f.only(t)
		fl := openFlags(o, orders.FlagLineEdited)
		if len(fl) != 1 || !strings.Contains(fl[0].Detail, "3 → 1") || !strings.Contains(fl[0].Detail, "l1") || o.OpenFlags != 1 {
			t.Fatalf("flags %+v (open %d); want one line_edited of l1, 3 → 1", o.Flags, o.OpenFlags)
		}
		if n := len(f.p.snapshot()); n != 1 {
			t.Fatalf("creates: %d; want still 1 (an edit after the push sends nothing)", n)
		}
		// The flagged filter.
		for flagged, want := range map[bool]int64{true: 1, false: 0} {
			p, err := f.svc.List(ctx, orders.ListParams{AccountID: f.reseller, Flagged: &flagged})
			if err != nil || p.Total != want {
				t.Fatalf("list flagged=%t: %d, %v; want %d", flagged, p.Total, err, want)
			}
		}
		// Clear: once; again is a conflict; unknown is not found.
		cl, err := f.svc.ClearFlag(ctx, f.reseller, o.ID, fl[0].ID, "user 1")
		if err != nil || cl.ClearedAt == nil || cl.ClearedBy != "user 1" {
			t.Fatalf("clear: %+v, %v", cl, err)
		}
		if _, err := f.svc.ClearFlag(ctx, f.reseller, o.ID, fl[0].ID, "user 1"); !errors.Is(err, orders.ErrConflict) {
			t.Fatalf("clear again: %v; want a conflict", err)
		}
		if _, err := f.svc.ClearFlag(ctx, f.reseller, o.ID, fl[0].ID+100, "user 1"); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("clear an unknown flag: %v; want not found", err)
		}
		if _, err := f.svc.ClearFlag(ctx, f.reseller+1000, o.ID, fl[0].ID, "user 1"); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("clear another account's flag: %v; want not found", err)
		}
		o = f.only(t)
		if o.OpenFlags != 0 || count(kinds(o), orders.EventFlagCleared) != 1 {
			t.Errorf("open flags %d, timeline %v; want 0 and one flag_cleared", o.OpenFlags, kinds(o))
		}
	})
}
