package fulfilment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/connection/connectiontest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/store"
)

// fakeShop plays both stores: the source's Order (its lines' variants) and the destination's
// fulfilments, with platform.FulfillmentWriter's re-run contract (a create whose tracking number
// an existing fulfilment of the same lines carries returns that one; without a number it makes
// another). Other methods are the nil interface's: calling one panics the test.
type fakeShop struct {
	platform.Store
	mu      sync.Mutex
	made    []platform.Fulfillment
	creates int
	updates int
}

func (f *fakeShop) Order(_ context.Context, id string) (platform.Order, error) {
	return platform.Order{ID: id, Lines: []platform.OrderLine{{ID: "sl1", VariantID: "sv-a", SKU: "A", Quantity: 2}}}, nil
}

func (f *fakeShop) Fulfillments(_ context.Context, _ string) ([]platform.Fulfillment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.made), nil
}

func (f *fakeShop) CreateFulfillment(_ context.Context, in platform.FulfillmentInput) ([]platform.Fulfillment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates++
	if in.Tracking.Number != "" {
		for _, m := range f.made {
			if len(m.Tracking) > 0 && m.Tracking[0].Number == in.Tracking.Number {
				return []platform.Fulfillment{m}, nil
			}
		}
	}
	m := platform.Fulfillment{ID: fmt.Sprintf("df-%d", len(f.made)+1), OrderID: in.OrderID, Status: "success", Lines: in.Lines}
	if in.Tracking != (platform.Tracking{}) {
		m.Tracking = append([]platform.Tracking{in.Tracking}, in.MoreTracking...)
	}
	f.made = append(f.made, m)
	return []platform.Fulfillment{m}, nil
}

func (f *fakeShop) UpdateTracking(_ context.Context, p platform.UpdateTrackingParams) (platform.Fulfillment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates++
	for i := range f.made {
		if f.made[i].ID == p.FulfillmentID {
			f.made[i].Tracking = slices.Clone(p.Tracking)
			return f.made[i], nil
		}
	}
	return platform.Fulfillment{}, &platform.Error{Kind: platform.KindNotFound, Message: "no fulfilment " + p.FulfillmentID}
}

func (f *fakeShop) snapshot() (made []platform.Fulfillment, creates, updates int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.made), f.creates, f.updates
}

type fakeStores struct {
	*store.Service
	shop *fakeShop
}

func (s fakeStores) Client(store.Store) (platform.Store, error) { return s.shop, nil }

// crashFixture: a destination order pushed to a source (order line d1 of variant dv-a, linked to
// the source's sv-a), the apply job running against a fakeShop with a crash injected after calls.
type crashFixture struct {
	db   *database.DB
	svc  *Service
	shop *fakeShop
	ref  pushRef
	// crashes is how many of the next platform calls are followed by a crash before the commit.
	crashes atomic.Int64
}

func newCrashFixture(t *testing.T, db *database.DB, name string) *crashFixture {
	t.Helper()
	ctx := context.Background()
	k, err := secret.ParseKey(secret.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	box := secret.NewBox(k)
	stores := store.NewService(db, nil, box, nil)
	accounts := account.NewService(db, nil)
	reseller, err := accounts.CreateAccount(ctx, "reseller-"+name)
	if err != nil {
		t.Fatal(err)
	}
	supplier, err := accounts.CreateAccount(ctx, "supplier-"+name)
	if err != nil {
		t.Fatal(err)
	}
	dst := connectiontest.Store(t, db, stores, box, reseller.ID, "reseller-"+name)
	src := connectiontest.Store(t, db, stores, box, supplier.ID, "supplier-"+name)
	c, err := connection.NewService(db, stores, nil, nil).Connect(ctx, connection.ConnectParams{AccountID: reseller.ID,
		DestinationStoreID: dst.ID, SourceStoreKey: src.Key})
	if err != nil {
		t.Fatal(err)
	}
	links := catalog.NewLinkStore(db)
	nojobs, err := jobs.New(db, nil, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ord := orders.NewService(db, nojobs, stores, orders.Config{})
	o := platform.Order{ID: "1001", Name: "#1001", FinancialStatus: platform.FinancialPaid, FulfillmentStatus: "unfulfilled",
		Lines:     []platform.OrderLine{{ID: "d1", VariantID: "dv-a", SKU: "A", Quantity: 2, Current: 2}},
		CreatedAt: time.Now().Add(time.Minute), UpdatedAt: time.Now()}
	err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, At: time.Now(), Links: []catalog.LinkInput{{
			SourceStoreID: src.ID, SourceProductID: "sp-a", SourceVariantID: "sv-a", SourceInventoryItemID: "si-a",
			DestinationStoreID: dst.ID, DestinationProductID: "dp-a", DestinationVariantID: "dv-a", DestinationInventoryItemID: "di-a"}}}); err != nil {
			return err
		}
		if _, err := ord.Apply(ctx, tx, dst, o); err != nil {
			return err
		}
		// The push as its job records it.
		_, err := tx.Exec(ctx, `UPDATE order_pushes SET status = 'pushed', source_order_id = 'so-1', source_order_name = '#S1'
			WHERE source_store_id = $1`, src.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &crashFixture{db: db, shop: &fakeShop{}}
	workers := river.NewWorkers()
	jc, err := jobs.New(db, workers, jobs.Config{FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = NewService(db, jc, fakeStores{Service: stores, shop: f.shop}, Config{})
	f.svc.afterCall = func() error {
		if f.crashes.Add(-1) >= 0 {
			return errors.New("the process died before the commit")
		}
		return nil
	}
	f.svc.AddWorkers(workers)
	if err := jc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = jc.Stop(stop)
	})
	ref, ok, err := findPush(ctx, db, src.ID, "so-1")
	if err != nil || !ok {
		t.Fatalf("the push: %v %v", ok, err)
	}
	f.ref = ref
	return f
}

func (f *crashFixture) record(t *testing.T, sf platform.Fulfillment) {
	t.Helper()
	if err := f.db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		return f.svc.Record(ctx, tx, f.ref, sf)
	}); err != nil {
		t.Fatal(err)
	}
}

// wait waits until the source fulfilment's destination tracking is want (numbers) and no apply
// job is left.
func (f *crashFixture) wait(t *testing.T, id string, want ...string) orders.Fulfillment {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		fs, err := f.svc.OrderFulfillments(context.Background(), f.ref.orderID)
		if err != nil {
			t.Fatal(err)
		}
		var left int
		if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = 'fulfilment_apply'
			AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		for _, x := range fs {
			if x.SourceFulfillmentID == id && x.State == StateApplied && left == 0 {
				var applied string
				if err := f.db.QueryRow(context.Background(), `SELECT applied_tracking FROM source_fulfilments WHERE source_fulfilment_id = $1`, id).
					Scan(&applied); err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, tr := range decodeTracking(applied) {
					got = append(got, tr.Number)
				}
				if slices.Equal(got, want) {
					return x
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("fulfilment %s never applied with tracking %v: %+v", id, want, fs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestApplyCrashAfterCall kills the apply job after each platform call and before its commit
// (the create, then the tracking update): every re-run sends the same create, which finds what
// the first made, so the destination gets exactly one fulfilment; the tracking reaches it too.
// Without a tracking number the platform cannot tell, and the job finds its fulfilment itself.
func TestApplyCrashAfterCall(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		for _, number := range []string{"1Z1", ""} {
			name := map[bool]string{true: "tracked", false: "untracked"}[number != ""]
			t.Run(name, func(t *testing.T) { crashAfterCall(t, db, name, number) })
		}
	})
}

func crashAfterCall(t *testing.T, db *database.DB, name, number string) {
	{
		{
			f := newCrashFixture(t, db, name)
			sf := platform.Fulfillment{ID: "sf-" + number, OrderID: "so-1", Name: "#S1.1", Status: "success",
				Lines: []platform.FulfillmentLine{{OrderLineID: "sl1", SKU: "A", Quantity: 1}}, UpdatedAt: time.Now()}
			if number != "" {
				sf.Tracking = []platform.Tracking{{Company: "UPS", Number: number, URL: "https://ups.test/" + number}, {Number: "1Z2"}}
			}
			f.crashes.Store(1)
			f.record(t, sf)
			var want []string
			for _, tr := range sf.Tracking {
				want = append(want, tr.Number)
			}
			got := f.wait(t, sf.ID, want...)
			made, creates, _ := f.shop.snapshot()
			if len(made) != 1 || creates < 2 && number != "" || len(got.DestinationFulfillmentIDs) != 1 || got.DestinationFulfillmentIDs[0] != made[0].ID {
				t.Fatalf("number %q: %d fulfilments made in %d creates, recorded %v; want exactly one, recorded", number, len(made), creates, got.DestinationFulfillmentIDs)
			}
			if !slices.Equal(got.Lines, []orders.FulfilledLine{{PlatformLineID: "d1", Quantity: 1}}) {
				t.Fatalf("lines %+v; want d1 × 1", got.Lines)
			}

			if number == "" {
				return
			}
			// Tracking added later, the update's commit crashing once: applied on the same one.
			f.crashes.Store(1)
			sf.Tracking = []platform.Tracking{{Company: "DHL", Number: "D1"}, {Number: "D2"}}
			sf.UpdatedAt = time.Now()
			f.record(t, sf)
			f.wait(t, sf.ID, "D1", "D2")
			made, _, updates := f.shop.snapshot()
			if len(made) != 1 || updates < 2 || len(made[0].Tracking) != 2 || made[0].Tracking[0].Number != "D1" {
				t.Fatalf("number %q: after the update: %+v (%d updates); want one fulfilment with D1, D2, updated twice (once lost)", number, made, updates)
			}
			// A duplicate delivery changes nothing and queues nothing; neither does an older one.
			f.record(t, sf)
			older := sf
			older.Tracking, older.UpdatedAt = []platform.Tracking{{Number: "OLD"}}, sf.UpdatedAt.Add(-time.Minute)
			f.record(t, older)
			var kept string
			if err := db.QueryRow(context.Background(), `SELECT tracking FROM source_fulfilments WHERE source_fulfilment_id = $1`, sf.ID).
				Scan(&kept); err != nil || len(decodeTracking(kept)) != 2 || decodeTracking(kept)[0].Number != "D1" {
				t.Fatalf("tracking kept after an older delivery: %s (%v); want D1, D2", kept, err)
			}
			var n int
			if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = 'fulfilment_apply'
				AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("apply jobs after a duplicate: %d (%v); want 0", n, err)
			}
		}
	}
}
