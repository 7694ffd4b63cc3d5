package orders_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
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

// sourcePlatform plays a source store's CreateOrder: it keeps the orders made by idempotency key
// (as the platform's lookup by tag would find them) and answers with the failures queued in fail.
// Every other method is the nil interface's: calling one fails the test by panicking.
type sourcePlatform struct {
	platform.Store
	mu     sync.Mutex
	calls  []platform.OrderInput
	made   map[string]platform.Order
	fail   []error // answered in turn, before creating; nil entries create
	lostOK bool    // a lost answer still made the order
}

func (p *sourcePlatform) CreateOrder(_ context.Context, in platform.OrderInput) (platform.Order, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, in)
	if o, ok := p.made[in.IdempotencyKey]; ok {
		return o, nil
	}
	var err error
	if len(p.fail) > 0 {
		err, p.fail = p.fail[0], p.fail[1:]
	}
	if err != nil && (!p.lostOK || platform.KindOf(err) != platform.KindOutcomeUnknown) {
		return platform.Order{}, err
	}
	o := platform.Order{ID: "so-" + in.IdempotencyKey, Name: "#S" + strconv.Itoa(len(p.made)+1), CreatedAt: time.Now().UTC()}
	if p.made == nil {
		p.made = map[string]platform.Order{}
	}
	p.made[in.IdempotencyKey] = o
	return o, err
}

func (p *sourcePlatform) snapshot() []platform.OrderInput {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

type fakeStores struct {
	*store.Service
	src *sourcePlatform
}

func (s fakeStores) Client(store.Store) (platform.Store, error) { return s.src, nil }

// reservations records what the push told the inventory.
type reservations struct {
	mu       sync.Mutex
	pushed   []orders.ReservedLines
	released []orders.ReservedLines
}

func (r *reservations) MarkPushed(_ context.Context, _ database.Tx, p orders.ReservedLines) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushed = append(r.pushed, p)
	return nil
}

func (r *reservations) Release(_ context.Context, _ database.Tx, p orders.ReservedLines) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.released = append(r.released, p)
	return nil
}

// pushFixture runs the order push's jobs against a sourcePlatform.
type pushFixture struct {
	fixture
	src *sourcePlatform
	res *reservations
}

func newPushFixture(t *testing.T, db *database.DB) pushFixture {
	t.Helper()
	f := newFixture(t, db)
	pf := pushFixture{fixture: f, src: &sourcePlatform{}, res: &reservations{}}
	workers := river.NewWorkers()
	jc, err := jobs.New(db, workers, jobs.Config{FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	pf.svc = orders.NewService(db, jc, fakeStores{Service: f.stores, src: pf.src}, orders.Config{Reservations: pf.res})
	pf.svc.AddWorkers(workers)
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
	return pf
}

// waitPush waits until the push to src has the status.
func (f pushFixture) waitPush(t *testing.T, src store.Store, status string) orders.Order {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		o := f.only(t)
		if p := push(t, o, src); p.Status == status {
			return f.only(t) // the order's row was read before its pushes: read it again, after
		} else if time.Now().After(deadline) {
			t.Fatalf("push to %s: status %s (error %q); want %s; timeline %+v", src.Name, p.Status, p.Error, status, o.Timeline)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestManualPush(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newPushFixture(t, db)
		f.apply(t, order("1001", time.Now().UTC()))
		o := f.only(t)

		for _, c := range []struct {
			in    orders.PushInput
			field string
		}{
			{orders.PushInput{ShippingFee: "4.9x"}, "shipping_fee"},
			{orders.PushInput{ShippingFee: "-1"}, "shipping_fee"},
			{orders.PushInput{ShippingFee: "0.001"}, "shipping_fee"},
			{orders.PushInput{SourceStoreIDs: []int64{f.dst.ID}}, "source_store_ids"},
			{orders.PushInput{SourceStoreIDs: []int64{999999}}, "source_store_ids"},
		} {
			_, err := f.svc.PushNow(ctx, f.reseller, o.ID, c.in)
			var oe *orders.Error
			if !errors.As(err, &oe) || oe.Field != c.field {
				t.Fatalf("push %+v: %v; want an error naming %s", c.in, err, c.field)
			}
		}
		// Source B supplies no line: not eligible, a conflict with the reason.
		_, err := f.svc.PushNow(ctx, f.reseller, o.ID, orders.PushInput{SourceStoreIDs: []int64{f.srcA.ID, f.srcB.ID}})
		var ce *orders.ConflictError
		if !errors.As(err, &ce) || !slices.Equal(ce.Reasons[f.srcB.ID], []string{orders.ReasonNoLinkedLine}) {
			t.Fatalf("push to B: %v; want a conflict with %q", err, orders.ReasonNoLinkedLine)
		}
		if _, err := f.svc.PushNow(ctx, f.reseller+1000, o.ID, orders.PushInput{}); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("another account's order: %v; want not found", err)
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(f.src.snapshot()); n != 0 {
			t.Fatalf("refused pushes sent %d creates; want none", n)
		}

		ps, err := f.svc.PushNow(ctx, f.reseller, o.ID, orders.PushInput{SourceStoreIDs: []int64{f.srcA.ID}, ShippingFee: "4.95"})
		if err != nil || len(ps) != 2 {
			t.Fatalf("push to A: %v, %d pushes", err, len(ps))
		}
		o = f.waitPush(t, f.srcA, orders.PushPushed)
		calls := f.src.snapshot()
		if len(calls) != 1 {
			t.Fatalf("creates: %d; want 1", len(calls))
		}
		in := calls[0]
		if in.IdempotencyKey != orders.PushKey(f.dst.ID, "1001", f.srcA.ID) {
			t.Errorf("key %q", in.IdempotencyKey)
		}
		if len(in.Lines) != 1 || in.Lines[0].VariantID != "sv-dv-a" || in.Lines[0].Quantity != 2 {
			t.Errorf("lines %+v; want only sv-dv-a × 2 (the source's variant)", in.Lines)
		}
		if !slices.Contains(in.Tags, f.dst.Name) || !slices.Contains(in.Tags, "#1001") || !strings.Contains(in.Note, "#1001") {
			t.Errorf("tags %v, note %q; want the destination store's name and the order name", in.Tags, in.Note)
		}
		if len(in.ShippingLines) != 1 || in.ShippingLines[0].Price != (platform.Money{Amount: 495, Currency: "USD"}) {
			t.Errorf("shipping lines %+v; want 4.95 USD", in.ShippingLines)
		}
		if in.ShippingAddress == nil || in.ShippingAddress.Address1 != "1 Main St" || in.Customer == nil || in.Customer.LastName != "Lee" {
			t.Errorf("address %+v, customer %+v; want the order's", in.ShippingAddress, in.Customer)
		}
		p := push(t, o, f.srcA)
		if p.SourceOrderID == "" || p.SourceOrderName == "" || p.PushedAt == nil || p.Attempts != 1 {
			t.Errorf("push %+v; want the source order recorded", p)
		}
		if o.PushStatus != orders.OrderPushed {
			t.Errorf("order push status %s; want pushed (A is its only source)", o.PushStatus)
		}
		if !slices.Contains(kinds(o), orders.EventPushQueued) || !slices.Contains(kinds(o), orders.EventPushed) {
			t.Errorf("timeline %v; want push_queued and pushed", kinds(o))
		}
		f.res.mu.Lock()
		if len(f.res.pushed) != 1 || !slices.Equal(f.res.pushed[0].LineIDs, []string{"l1"}) || f.res.pushed[0].OrderID != "1001" {
			t.Errorf("reservations marked pushed %+v; want line l1 of 1001", f.res.pushed)
		}
		f.res.mu.Unlock()
		// Pushing again is refused: it is pushed.
		if _, err := f.svc.PushNow(ctx, f.reseller, o.ID, orders.PushInput{SourceStoreIDs: []int64{f.srcA.ID}}); !errors.Is(err, orders.ErrConflict) {
			t.Fatalf("push again: %v; want a conflict", err)
		}
	})
}

func TestAutomaticPushLostAnswer(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newPushFixture(t, db)
		f.src.lostOK = true
		f.src.fail = []error{&platform.Error{Kind: platform.KindOutcomeUnknown, Retryable: true, RetryAfter: time.Second, Message: "answer lost"}}
		if _, err := f.svc.PutSettings(ctx, f.reseller, f.cA.ID, orders.SettingsInput{PushMode: orders.PushAutomatic}); err != nil {
			t.Fatal(err)
		}
		f.apply(t, order("1002", time.Now().UTC()))
		o := f.waitPush(t, f.srcA, orders.PushPushed)
		calls := f.src.snapshot()
		if len(calls) != 2 {
			t.Fatalf("creates: %d; want 2 (the lost one, then the look-up)", len(calls))
		}
		if !calls[0].UncertainSince.IsZero() || calls[1].UncertainSince.IsZero() {
			t.Errorf("uncertain since %v then %v; want zero then the lost attempt's time", calls[0].UncertainSince, calls[1].UncertainSince)
		}
		if len(f.src.made) != 1 {
			t.Errorf("source orders %d; want 1", len(f.src.made))
		}
		if p := push(t, o, f.srcA); p.Attempts != 2 || p.Error != "" {
			t.Errorf("push %+v; want 2 attempts, no error left", p)
		}
		if !slices.Contains(kinds(o), orders.EventPushFailed) {
			t.Errorf("timeline %v; want the lost answer noted", kinds(o))
		}
	})
}

func TestPermanentFailureWaitsForRetry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newPushFixture(t, db)
		f.src.fail = []error{&platform.Error{Kind: platform.KindInvalidInput, Message: "variant sv-dv-a is not for sale"}}
		f.apply(t, order("1003", time.Now().UTC()))
		o := f.only(t)
		if _, err := f.svc.Retry(ctx, f.reseller, o.ID); !errors.Is(err, orders.ErrConflict) {
			t.Fatalf("retry with nothing failed: %v; want a conflict", err)
		}
		if _, err := f.svc.PushNow(ctx, f.reseller, o.ID, orders.PushInput{}); err != nil {
			t.Fatal(err)
		}
		o = f.waitPush(t, f.srcA, orders.PushFailed)
		p := push(t, o, f.srcA)
		if !strings.Contains(p.Error, "not for sale") || p.NextRetryAt != nil {
			t.Errorf("failed push %+v; want the reason and no next retry", p)
		}
		time.Sleep(time.Second)
		if n := len(f.src.snapshot()); n != 1 {
			t.Fatalf("creates: %d; want 1 (a permanent failure waits for a person)", n)
		}
		if _, err := f.svc.Retry(ctx, f.reseller, o.ID); err != nil {
			t.Fatal(err)
		}
		o = f.waitPush(t, f.srcA, orders.PushPushed)
		if !slices.Contains(kinds(o), orders.EventRetried) {
			t.Errorf("timeline %v; want retried", kinds(o))
		}
	})
}

func TestCancelledDuringHoldPushesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newPushFixture(t, db)
		if _, err := f.svc.PutSettings(ctx, f.reseller, f.cA.ID, orders.SettingsInput{PushMode: orders.PushAutomatic, Hold: "2s"}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().UTC()
		f.apply(t, order("1004", t0))
		cancelled := order("1004", t0.Add(time.Second))
		at := t0.Add(time.Second)
		cancelled.CancelledAt = &at
		f.apply(t, cancelled)
		o := f.only(t)
		if p := push(t, o, f.srcA); p.Status != orders.PushCancelled || o.PushStatus != orders.OrderCancelled {
			t.Fatalf("push %s, order %s; want cancelled", p.Status, o.PushStatus)
		}
		f.res.mu.Lock()
		if len(f.res.released) != 1 || f.res.released[0].Reason == "" || !slices.Equal(f.res.released[0].LineIDs, []string{"l1"}) {
			t.Errorf("released %+v; want line l1 with a reason", f.res.released)
		}
		f.res.mu.Unlock()
		time.Sleep(8 * time.Second) // past the hold and River's scheduler
		if n := len(f.src.snapshot()); n != 0 {
			t.Fatalf("creates: %d; want none for a cancelled order", n)
		}
		if _, err := f.svc.PushNow(ctx, f.reseller, o.ID, orders.PushInput{SourceStoreIDs: []int64{f.srcA.ID}}); !errors.Is(err, orders.ErrConflict) {
			t.Fatalf("push of a cancelled order: %v; want a conflict", err)
		}
	})
}
