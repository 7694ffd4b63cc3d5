package orders_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

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

// fixture: a reseller's destination store following two suppliers' source stores (A and B), in
// three accounts; variant "dv-a" of the destination is linked to source A, "dv-b" to source B.
type fixture struct {
	db              *database.DB
	svc             *orders.Service
	stores          *store.Service
	conns           *connection.Service
	dst, srcA, srcB store.Store
	cA, cB          connection.Connection
	reseller        int64
	supplierA       int64
}

func newFixture(t *testing.T, db *database.DB) fixture {
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
	jc, err := jobs.New(db, nil, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{db: db, stores: stores, conns: connection.NewService(db, stores, nil, nil), svc: orders.NewService(db, jc, stores, orders.Config{})}
	f.reseller, f.supplierA = mk("reseller"), mk("supplier-a")
	supplierB := mk("supplier-b")
	f.dst = connectiontest.Store(t, db, stores, box, f.reseller, "reseller")
	f.srcA = connectiontest.Store(t, db, stores, box, f.supplierA, "supplier-a")
	f.srcB = connectiontest.Store(t, db, stores, box, supplierB, "supplier-b")
	connect := func(src store.Store) connection.Connection {
		c, err := f.conns.Connect(ctx, connection.ConnectParams{AccountID: f.reseller, DestinationStoreID: f.dst.ID, SourceStoreKey: src.Key})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.cA, f.cB = connect(f.srcA), connect(f.srcB)
	links := catalog.NewLinkStore(db)
	link := func(c connection.Connection, src store.Store, dv string) {
		err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, At: time.Now(), Links: []catalog.LinkInput{{
				SourceStoreID: src.ID, SourceProductID: "sp-" + dv, SourceVariantID: "sv-" + dv, SourceInventoryItemID: "si-" + dv,
				DestinationStoreID: f.dst.ID, DestinationProductID: "dp-" + dv, DestinationVariantID: dv, DestinationInventoryItemID: "di-" + dv}}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	link(f.cA, f.srcA, "dv-a")
	link(f.cB, f.srcB, "dv-b")
	return f
}

// order is an order eligible for source A (one line of dv-a, one unlinked line), placed after
// the connections were made.
func order(id string, updated time.Time) platform.Order {
	placed := time.Now().Add(time.Minute).UTC()
	return platform.Order{ID: id, Name: "#" + id, Email: "ann@example.com", FinancialStatus: platform.FinancialPaid,
		FulfillmentStatus: "unfulfilled",
		Customer:          &platform.Customer{FirstName: "Ann", LastName: "Lee"},
		ShippingAddress:   &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main St", City: "Town", CountryCode: "US"},
		Lines: []platform.OrderLine{
			{ID: "l1", VariantID: "dv-a", SKU: "A-1", Title: "Mug", Quantity: 2, Current: 2, UnitPrice: platform.Money{Amount: 1250, Currency: "USD"}},
			{ID: "l2", VariantID: "dv-own", SKU: "OWN", Title: "Own product", Quantity: 1, Current: 1, UnitPrice: platform.Money{Amount: 500, Currency: "USD"}},
		},
		Subtotal: platform.Money{Amount: 3000, Currency: "USD"}, Total: platform.Money{Amount: 3000, Currency: "USD"},
		CreatedAt: placed, UpdatedAt: updated}
}

func (f fixture) apply(t *testing.T, o platform.Order) orders.Outcome {
	t.Helper()
	var out orders.Outcome
	err := f.db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		var err error
		out, err = f.svc.Apply(ctx, tx, f.dst, o)
		return err
	})
	if err != nil {
		t.Fatalf("applying order %s: %v", o.ID, err)
	}
	return out
}

func (f fixture) only(t *testing.T) orders.Order {
	t.Helper()
	p, err := f.svc.List(context.Background(), orders.ListParams{AccountID: f.reseller})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || p.Total != 1 {
		t.Fatalf("orders: %d (total %d); want 1", len(p.Items), p.Total)
	}
	o, err := f.svc.Get(context.Background(), f.reseller, p.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func push(t *testing.T, o orders.Order, src store.Store) orders.Push {
	t.Helper()
	for _, p := range o.Pushes {
		if p.SourceStoreID == src.ID {
			return p
		}
	}
	t.Fatalf("order %s has no push to %s: %+v", o.Name, src.Name, o.Pushes)
	return orders.Push{}
}

func kinds(o orders.Order) []string {
	var out []string
	for _, e := range o.Timeline {
		out = append(out, e.Kind)
	}
	return out
}

func TestDecide(t *testing.T) {
	t.Parallel()
	lock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := orders.Facts{Connected: true, LockDate: lock, FinancialStatus: platform.FinancialPaid, CustomerName: "Ann",
		HasShipping: true, Total: 100, PlacedAt: lock, LinkedLines: 1}
	sameSecond := ok
	sameSecond.LockDate, sameSecond.PlacedAt = lock.Add(500*time.Millisecond), lock // stamped in whole seconds
	if r := orders.Decide(sameSecond); len(r) != 0 {
		t.Fatalf("order of the lock date's second: reasons %v; want none", r)
	}
	if r := orders.Decide(ok); len(r) != 0 {
		t.Fatalf("eligible order: reasons %v; want none", r)
	}
	for _, c := range []struct {
		mut  func(*orders.Facts)
		want string
	}{
		{func(f *orders.Facts) { f.Connected = false }, orders.ReasonNotConnected},
		{func(f *orders.Facts) { f.Paused = true }, orders.ReasonPaused},
		{func(f *orders.Facts) { f.FinancialStatus = platform.FinancialPending }, "not paid"},
		{func(f *orders.Facts) { f.FinancialStatus = platform.FinancialAuthorized }, "not paid"},
		{func(f *orders.Facts) { f.CustomerName = "  " }, "no customer name"},
		{func(f *orders.Facts) { f.HasShipping = false }, "no shipping address"},
		{func(f *orders.Facts) { f.Total = 0 }, "total is 0"},
		{func(f *orders.Facts) { f.Cancelled = true }, "cancelled"},
		{func(f *orders.Facts) { f.PlacedAt = lock.Add(-time.Second) }, "placed before the order lock date"},
		{func(f *orders.Facts) { f.PlacedAt = time.Time{} }, "placed before the order lock date"},
		{func(f *orders.Facts) { f.LinkedLines = 0 }, "no line linked to this source"},
	} {
		f := ok
		c.mut(&f)
		if r := orders.Decide(f); !reflect.DeepEqual(r, []string{c.want}) {
			t.Errorf("reasons %v; want [%s]", r, c.want)
		}
	}
	all := orders.Decide(orders.Facts{LockDate: lock, Paused: true, Cancelled: true})
	if len(all) != 9 {
		t.Errorf("nothing right: %d reasons %v; want all 9", len(all), all)
	}
}

func TestApplyInOrder(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		t0 := time.Now().UTC().Truncate(time.Second)
		pending := order("1001", t0)
		pending.FinancialStatus = platform.FinancialPending
		if got := f.apply(t, pending); got != orders.OutcomeNew {
			t.Fatalf("first delivery: %s; want new", got)
		}
		o := f.only(t)
		if o.FinancialStatus != "pending" || o.PushStatus != orders.OrderNotPushed || len(o.Lines) != 2 || o.CustomerName != "Ann Lee" || !o.HasShipping {
			t.Fatalf("kept order: %+v", o)
		}
		if p := push(t, o, f.srcA); p.Eligible || !reflect.DeepEqual(p.Reasons, []string{"not paid"}) || p.Status != orders.PushNotPushed {
			t.Fatalf("pending order's push to A: eligible %v, reasons %v, status %s; want not paid, not_pushed", p.Eligible, p.Reasons, p.Status)
		}
		if p := push(t, o, f.srcB); !reflect.DeepEqual(p.Reasons, []string{"not paid", "no line linked to this source"}) {
			t.Fatalf("push to B: reasons %v; want not paid, no line linked to this source", p.Reasons)
		}

		// paid later: eligible for A, still not for B
		paid := order("1001", t0.Add(2*time.Second))
		if got := f.apply(t, paid); got != orders.OutcomeUpdated {
			t.Fatalf("paid delivery: %s; want updated", got)
		}
		o = f.only(t)
		if p := push(t, o, f.srcA); !p.Eligible || len(p.Reasons) != 0 || !reflect.DeepEqual(p.LinePositions, []int{0}) {
			t.Fatalf("paid order's push to A: eligible %v, reasons %v, lines %v; want eligible with line 0", p.Eligible, p.Reasons, p.LinePositions)
		}
		if p := push(t, o, f.srcB); p.Eligible || !reflect.DeepEqual(p.Reasons, []string{"no line linked to this source"}) {
			t.Fatalf("paid order's push to B: %v", p.Reasons)
		}
		timeline := kinds(o)

		// an older delivery (pending, from before the payment) arriving late changes nothing
		if got := f.apply(t, pending); got != orders.OutcomeStale {
			t.Fatalf("older delivery: %s; want stale", got)
		}
		// the same delivery again changes nothing either
		if got := f.apply(t, paid); got != orders.OutcomeDuplicate {
			t.Fatalf("duplicate delivery: %s; want duplicate", got)
		}
		o = f.only(t)
		if o.FinancialStatus != "paid" || !push(t, o, f.srcA).Eligible {
			t.Fatalf("after a late older delivery: financial %s, eligible %v; want paid, eligible", o.FinancialStatus, push(t, o, f.srcA).Eligible)
		}
		if got := kinds(o); !reflect.DeepEqual(got, timeline) {
			t.Fatalf("timeline changed by a stale or duplicate delivery: %v, was %v", got, timeline)
		}
		want := []string{"received", "not_eligible", "not_eligible", "updated", "eligible", "not_eligible"}
		if !reflect.DeepEqual(timeline, want) {
			t.Fatalf("timeline %v; want %v", timeline, want)
		}

		// the linked line removed by an edit: nothing left for A
		edited := order("1001", t0.Add(3*time.Second))
		edited.Lines[0].Current = 0
		f.apply(t, edited)
		if p := push(t, f.only(t), f.srcA); p.Eligible || !reflect.DeepEqual(p.Reasons, []string{"no line linked to this source"}) {
			t.Fatalf("linked line removed: eligible %v, reasons %v; want no line linked to this source", p.Eligible, p.Reasons)
		}
		timeline = kinds(f.only(t))

		// cancelled: its pushes and the order are cancelled, and the timeline says so
		cancelled := order("1001", t0.Add(4*time.Second))
		at := t0.Add(4 * time.Second)
		cancelled.CancelledAt = &at
		f.apply(t, cancelled)
		o = f.only(t)
		if o.PushStatus != orders.OrderCancelled || o.CancelledAt == nil {
			t.Fatalf("cancelled order: push status %s, cancelled at %v", o.PushStatus, o.CancelledAt)
		}
		if p := push(t, o, f.srcA); p.Status != orders.PushCancelled || !reflect.DeepEqual(p.Reasons, []string{"cancelled"}) {
			t.Fatalf("cancelled order's push to A: %s %v", p.Status, p.Reasons)
		}
		if got := kinds(o)[len(timeline):]; !reflect.DeepEqual(got, []string{"updated", "cancelled", "not_eligible", "not_eligible"}) {
			t.Fatalf("timeline after cancel: %v", got)
		}
	})
}

func TestLockDateAndSettings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		old := order("900", time.Now())
		old.CreatedAt = f.cA.CreatedAt.Add(-24 * time.Hour) // history, from before the connection
		f.apply(t, old)
		o := f.only(t)
		if p := push(t, o, f.srcA); !reflect.DeepEqual(p.Reasons, []string{"placed before the order lock date"}) {
			t.Fatalf("order placed before connecting: reasons %v; want the lock date", p.Reasons)
		}

		// bad settings: 422-style errors naming the field, nothing changed
		for field, in := range map[string]orders.SettingsInput{
			"push_mode":   {PushMode: "sometimes"},
			"hold_window": {Hold: "-2m"},
		} {
			_, err := f.svc.PutSettings(ctx, f.reseller, f.cA.ID, in)
			var oe *orders.Error
			if !errors.As(err, &oe) || oe.Field != field {
				t.Errorf("settings %+v: %v; want an error naming %s", in, err, field)
			}
		}
		if _, err := f.svc.PutSettings(ctx, f.reseller, f.cA.ID, orders.SettingsInput{Hold: "soon"}); !errors.Is(err, orders.ErrInvalid) {
			t.Errorf("hold soon: %v; want invalid", err)
		}
		if _, err := f.svc.PutSettings(ctx, f.supplierA, f.cA.ID, orders.SettingsInput{}); !errors.Is(err, orders.ErrForbidden) {
			t.Errorf("source's account sets order settings: %v; want forbidden", err)
		}
		if _, err := f.svc.GetSettings(ctx, f.reseller, f.cA.ID+1000); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("unknown connection: %v; want not found", err)
		}
		cs, err := f.svc.GetSettings(ctx, f.reseller, f.cA.ID)
		if err != nil || cs.Settings.PushMode != orders.PushManual || cs.Settings.Hold != 0 || cs.Settings.Paused ||
			!cs.Settings.LockDate.Equal(f.cA.CreatedAt) {
			t.Fatalf("default settings: %+v, %v; want manual, no hold, lock date = connection created", cs.Settings, err)
		}

		// an earlier lock date re-decides the order: eligible now; pausing makes it not eligible
		early := old.CreatedAt.Add(-time.Hour)
		cs, err = f.svc.PutSettings(ctx, f.reseller, f.cA.ID, orders.SettingsInput{PushMode: "automatic", Hold: "2m", LockDate: &early})
		if err != nil || cs.Settings.Hold != 2*time.Minute || cs.Settings.PushMode != orders.PushAutomatic {
			t.Fatalf("put settings: %+v, %v", cs.Settings, err)
		}
		if p := push(t, f.only(t), f.srcA); !p.Eligible {
			t.Fatalf("after moving the lock date back: reasons %v; want eligible", p.Reasons)
		}
		if _, err := f.svc.PutSettings(ctx, f.reseller, f.cA.ID, orders.SettingsInput{Paused: true, LockDate: &early}); err != nil {
			t.Fatal(err)
		}
		if p := push(t, f.only(t), f.srcA); !reflect.DeepEqual(p.Reasons, []string{"paused"}) {
			t.Fatalf("paused connection: reasons %v; want paused", p.Reasons)
		}

		// a disconnected connection: "connection not connected" on the next delivery
		if _, err := f.conns.Disconnect(ctx, connection.DisconnectParams{AccountID: f.reseller, ID: f.cA.ID, Products: connection.ProductsKeep}); err != nil {
			t.Fatal(err)
		}
		f.apply(t, order("901", time.Now()))
		p, err := f.svc.List(ctx, orders.ListParams{AccountID: f.reseller})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("list: %v %v", p, err)
		}
		o, _ = f.svc.Get(ctx, f.reseller, p.Items[0].ID)
		if r := push(t, o, f.srcA).Reasons; r[0] != "connection not connected" {
			t.Fatalf("order through a disconnected connection: %v; want connection not connected first", r)
		}
	})
}

func TestListScopeAndFilters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.apply(t, order("1", time.Now()))
		unpaid := order("2", time.Now())
		unpaid.FinancialStatus = platform.FinancialPending
		unpaid.FulfillmentStatus = "partial"
		f.apply(t, unpaid)
		// an order of a store that is no destination is not kept
		var out orders.Outcome
		_ = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			var err error
			out, err = f.svc.Apply(ctx, tx, f.srcA, order("3", time.Now()))
			return err
		})
		if out != orders.OutcomeIgnored {
			t.Fatalf("order of a source store: %s; want ignored", out)
		}
		all, err := f.svc.List(ctx, orders.ListParams{AccountID: f.reseller})
		if err != nil || all.Total != 2 {
			t.Fatalf("list: %d, %v; want 2", all.Total, err)
		}
		if p, _ := f.svc.List(ctx, orders.ListParams{AccountID: f.reseller, FulfillmentStatus: orders.PartiallyFulfilled}); p.Total != 1 || p.Items[0].Name != "#2" {
			t.Fatalf("partially fulfilled: %+v", p.Items)
		}
		if p, _ := f.svc.List(ctx, orders.ListParams{AccountID: f.reseller, PushStatus: orders.OrderPushed}); p.Total != 0 {
			t.Fatalf("pushed: %d; want 0", p.Total)
		}
		tomorrow, yesterday := time.Now().Add(48*time.Hour), time.Now().Add(-48*time.Hour)
		if p, _ := f.svc.List(ctx, orders.ListParams{AccountID: f.reseller, From: &tomorrow}); p.Total != 0 {
			t.Fatalf("from the day after tomorrow: %d; want 0", p.Total)
		}
		if p, _ := f.svc.List(ctx, orders.ListParams{AccountID: f.reseller, From: &yesterday, To: &tomorrow}); p.Total != 2 {
			t.Fatalf("range around now: %d; want 2", p.Total)
		}
		_, err = f.svc.List(ctx, orders.ListParams{AccountID: f.reseller, From: &tomorrow, To: &yesterday})
		var oe *orders.Error
		if !errors.As(err, &oe) || oe.Field != "from" {
			t.Fatalf("from after to: %v; want an error naming from", err)
		}
		// the supplier's account sees none of the reseller's orders
		if p, _ := f.svc.List(ctx, orders.ListParams{AccountID: f.supplierA}); p.Total != 0 {
			t.Fatalf("supplier sees %d orders; want 0", p.Total)
		}
		if _, err := f.svc.Get(ctx, f.supplierA, all.Items[0].ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("supplier reads the reseller's order: %v; want not found", err)
		}
	})
}

// TestApplyConcurrent: ten versions of one order delivered at once, in any order, from
// concurrent transactions: one order is kept, with the newest version.
func TestApplyConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		t0 := time.Now().UTC().Truncate(time.Second)
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for _, i := range rand.Perm(10) {
			wg.Go(func() {
				o := order("77", t0.Add(time.Duration(i)*time.Second))
				o.Lines[0].Quantity, o.Lines[0].Current = int64(i+1), int64(i+1)
				errs <- db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
					_, err := f.svc.Apply(ctx, tx, f.dst, o)
					return err
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		o := f.only(t)
		if o.Lines[0].Quantity != 10 || !o.PlatformUpdatedAt.Equal(t0.Add(9*time.Second)) {
			t.Fatalf("kept quantity %d updated %v; want the newest version (10, %v)", o.Lines[0].Quantity, o.PlatformUpdatedAt, t0.Add(9*time.Second))
		}
	})
}
