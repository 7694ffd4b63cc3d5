package syncsched_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/syncsched"
)

var t0 = time.Date(2026, 12, 2, 10, 2, 0, 0, time.UTC)

func fieldsOf(err error) []string {
	var ve *syncsched.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

// Create, list, read, update and delete, each scoped to the account; bad input names each field
// at fault and stores nothing; an update with a stale version changes nothing.
func TestScheduleCRUD(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		clk := newClock(t0)
		svc := syncsched.NewService(db, nil, syncsched.Config{Now: clk.now})
		a, b := newAccount(t, db), newAccount(t, db)

		_, err := svc.Create(ctx, syncsched.CreateParams{AccountID: a, Expression: "every 7 minutes", TimeZone: "Mars/Olympus",
			Steps: []int{1, 1}, Enabled: true})
		if got := fieldsOf(err); !slices.Equal(got, []string{"expression", "time_zone", "steps"}) {
			t.Fatalf("bad input: %v; want errors naming expression, time_zone and steps", err)
		}
		for _, c := range []struct {
			steps []int
			zone  string
			field string
		}{{nil, "UTC", "steps"}, {[]int{0}, "UTC", "steps"}, {[]int{5}, "UTC", "steps"}, {[]int{1}, "Local", "time_zone"}} {
			_, err := svc.Create(ctx, syncsched.CreateParams{AccountID: a, Expression: "@daily", TimeZone: c.zone, Steps: c.steps, Enabled: true})
			if got := fieldsOf(err); !slices.Equal(got, []string{c.field}) {
				t.Errorf("steps %v zone %q: %v; want an error naming %s", c.steps, c.zone, err, c.field)
			}
		}
		if l, err := svc.List(ctx, a); err != nil || len(l) != 0 {
			t.Fatalf("after bad input: %v %v; want no schedule", l, err)
		}

		sc, err := svc.Create(ctx, syncsched.CreateParams{AccountID: a, Expression: " every 30 minutes ", TimeZone: "Europe/Paris",
			Steps: []int{4, 1, 3}, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		if sc.Expression != "every 30 minutes" || !slices.Equal(sc.Steps, []int{1, 3, 4}) || sc.Version != 1 || sc.NextAt == nil ||
			!sc.NextAt.Equal(time.Date(2026, 12, 2, 10, 30, 0, 0, time.UTC)) || sc.LastResult != "" {
			t.Fatalf("created %+v", sc)
		}
		if _, err := svc.Get(ctx, b, sc.ID); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("another account's Get: %v; want not found", err)
		}
		if l, _ := svc.List(ctx, b); len(l) != 0 {
			t.Errorf("another account lists %v", l)
		}
		up := syncsched.UpdateParams{AccountID: b, ID: sc.ID, Expression: "daily at 03:00", TimeZone: "UTC", Steps: []int{1}, Enabled: true}
		if _, err := svc.Update(ctx, up); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("another account's Update: %v; want not found", err)
		}
		if err := svc.Delete(ctx, b, sc.ID); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("another account's Delete: %v; want not found", err)
		}

		clk.add(time.Hour)
		up.AccountID, up.IfVersion = a, 1
		got, err := svc.Update(ctx, up)
		if err != nil || got.Version != 2 || got.Expression != "daily at 03:00" || got.TimeZone != "UTC" || !slices.Equal(got.Steps, []int{1}) ||
			!got.NextAt.Equal(time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)) {
			t.Fatalf("update: %+v %v", got, err)
		}
		up.Expression = "daily at 04:00"
		if _, err := svc.Update(ctx, up); !errors.Is(err, syncsched.ErrStale) {
			t.Errorf("stale update: %v; want ErrStale", err)
		}
		up.IfVersion, up.TimeZone = 2, "Nowhere/Else"
		if _, err := svc.Update(ctx, up); !slices.Equal(fieldsOf(err), []string{"time_zone"}) {
			t.Errorf("update to a bad zone: %v", err)
		}
		if cur, _ := svc.Get(ctx, a, sc.ID); cur.Version != 2 || cur.Expression != "daily at 03:00" {
			t.Errorf("refused updates changed the schedule: %+v", cur)
		}
		up.TimeZone, up.Enabled = "UTC", false
		if got, err := svc.Update(ctx, up); err != nil || got.Enabled || got.NextAt != nil {
			t.Errorf("disabled: %+v %v; want no next slot", got, err)
		}
		up.IfVersion, up.Enabled = 0, true
		if got, err := svc.Update(ctx, up); err != nil || got.NextAt == nil || !got.NextAt.Equal(time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)) {
			t.Errorf("enabled again: %+v %v", got, err)
		}
		other, err := svc.Create(ctx, syncsched.CreateParams{AccountID: b, Expression: "0 6 * * 1", TimeZone: "America/New_York", Steps: []int{2}, Enabled: false})
		if err != nil || other.NextAt != nil {
			t.Fatalf("disabled create: %+v %v", other, err)
		}
		if l, _ := svc.List(ctx, a); len(l) != 1 || l[0].ID != sc.ID {
			t.Errorf("account a lists %v", l)
		}
		if err := svc.Delete(ctx, a, sc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(ctx, a, sc.ID); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("deleted schedule: %v", err)
		}
		if l, _ := svc.List(ctx, b); len(l) != 1 {
			t.Errorf("a's delete touched b: %v", l)
		}
	})
}

// Many concurrent EnsureDefault calls, from two processes, give the account one default; a
// later call, or one after the default was deleted, creates none; an account with its own
// schedule gets none.
func TestEnsureDefaultConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, url string) {
		t.Parallel()
		ctx := context.Background()
		db1, db2 := dbtest.Open(t, url), dbtest.Open(t, url)
		svcs := []*syncsched.Service{syncsched.NewService(db1, nil, syncsched.Config{Now: newClock(t0).now}),
			syncsched.NewService(db2, nil, syncsched.Config{Now: newClock(t0).now})}
		a := newAccount(t, db1)
		var wg sync.WaitGroup
		var mu sync.Mutex
		created, errs := 0, []error{}
		for i := range 12 {
			wg.Go(func() {
				ok, err := svcs[i%2].EnsureDefault(ctx, a)
				mu.Lock()
				defer mu.Unlock()
				if ok {
					created++
				}
				if err != nil {
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		if created != 1 || len(errs) != 0 {
			t.Fatalf("%d created, errors %v; want exactly one", created, errs)
		}
		l, err := svcs[0].List(ctx, a)
		if err != nil || len(l) != 1 || l[0].Expression != "daily at 02:00" || l[0].TimeZone != "UTC" ||
			!slices.Equal(l[0].Steps, []int{1, 2, 3, 4}) || !l[0].Enabled || !l[0].NextAt.Equal(time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)) {
			t.Fatalf("schedules %+v %v; want one default", l, err)
		}
		if ok, err := svcs[1].EnsureDefault(ctx, a); ok || err != nil {
			t.Errorf("second call: %v %v", ok, err)
		}
		if err := svcs[0].Delete(ctx, a, l[0].ID); err != nil {
			t.Fatal(err)
		}
		if ok, err := svcs[0].EnsureDefault(ctx, a); ok || err != nil {
			t.Errorf("after the default was deleted: %v %v; want none created", ok, err)
		}
		b := newAccount(t, db1)
		if _, err := svcs[0].Create(ctx, syncsched.CreateParams{AccountID: b, Expression: "@hourly", Steps: []int{1}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if ok, err := svcs[1].EnsureDefault(ctx, b); ok || err != nil {
			t.Errorf("an account with a schedule: %v %v; want none created", ok, err)
		}
		if l, _ := svcs[0].List(ctx, b); len(l) != 1 || l[0].Expression != "@hourly" {
			t.Errorf("account b: %+v", l)
		}
	})
}

// Two processes (two services, each with its own database handle) tick concurrently, several
// times at each moment, while the clock walks through 30 slots: each slot of each schedule
// starts exactly one run. The fake's table is unique on (schedule, slot), so a double start
// would fail and be counted.
func TestTickOncePerSlotTwoProcesses(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, url string) {
		t.Parallel()
		ctx := context.Background()
		db1, db2 := dbtest.Open(t, url), dbtest.Open(t, url)
		createRunsTable(t, db1)
		clk := newClock(t0)
		runs := &fakeRuns{}
		svcs := []*syncsched.Service{syncsched.NewService(db1, runs, syncsched.Config{Now: clk.now}),
			syncsched.NewService(db2, runs, syncsched.Config{Now: clk.now})}
		want := map[int64]int{}
		for i := range 3 {
			acc := newAccount(t, db1)
			for _, c := range []struct {
				expr  string
				slots int
			}{{"every 5 minutes", 30}, {"*/10 * * * *", 15}} {
				sc, err := svcs[i%2].Create(ctx, syncsched.CreateParams{AccountID: acc, Expression: c.expr, TimeZone: "Europe/Paris",
					Steps: []int{1, 2, 3, 4}, Enabled: true})
				if err != nil {
					t.Fatal(err)
				}
				want[sc.ID] = c.slots
			}
		}
		var started, tickErrs int
		var mu sync.Mutex
		const rounds = 30
		for r := range rounds {
			clk.set(time.Date(2026, 12, 2, 10, 5, 1, 0, time.UTC).Add(time.Duration(r) * 5 * time.Minute))
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for range 3 {
						n, err := svcs[g%2].Tick(ctx)
						mu.Lock()
						started += n
						if err != nil {
							tickErrs++
							t.Errorf("round %d: tick: %v", r, err)
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
		}
		got := runsOf(t, db1)
		total := 0
		for id, n := range want {
			total += n
			if got[id] != n {
				t.Errorf("schedule %d: %d runs; want %d (one per slot)", id, got[id], n)
			}
		}
		if d := runs.doubleStarts(); d != 0 || started != total || tickErrs != 0 {
			t.Errorf("double starts %d, started %d of %d, tick errors %d", d, started, total, tickErrs)
		}
		l, err := svcs[0].List(ctx, newAccountWith(t, db1, want))
		if err != nil || len(l) != 2 {
			t.Fatalf("list: %v %v", l, err)
		}
		last := time.Date(2026, 12, 2, 12, 30, 0, 0, time.UTC)
		if l[0].LastSlotAt == nil || !l[0].LastSlotAt.Equal(last) || l[0].LastRunID == nil ||
			l[0].LastResult != fmt.Sprintf("started run %d", *l[0].LastRunID) || !l[0].NextAt.Equal(last.Add(5*time.Minute)) {
			t.Errorf("after the rounds: %+v", l[0])
		}
	})
}

// newAccountWith is the account of one of the schedules in want.
func newAccountWith(t *testing.T, db *database.DB, want map[int64]int) int64 {
	t.Helper()
	var acc int64
	for id := range want {
		if err := db.QueryRow(context.Background(), `SELECT account_id FROM sync_schedules WHERE id = $1`, id).Scan(&acc); err != nil {
			t.Fatal(err)
		}
		break
	}
	return acc
}

func tickOnce(t *testing.T, svc *syncsched.Service, want int) {
	t.Helper()
	n, err := svc.Tick(context.Background())
	if err != nil || n != want {
		t.Fatalf("tick started %d (%v); want %d", n, err, want)
	}
}

// After two hours without a tick, the first tick starts one catch-up run, for the earliest
// missed slot, and next_at is the first slot after now; a disabled schedule starts nothing.
func TestTickCatchUp(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		createRunsTable(t, db)
		clk := newClock(t0)
		svc := syncsched.NewService(db, &fakeRuns{}, syncsched.Config{Now: clk.now})
		acc := newAccount(t, db)
		sc, err := svc.Create(ctx, syncsched.CreateParams{AccountID: acc, Expression: "every 5 minutes", Steps: []int{3, 4}, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, syncsched.CreateParams{AccountID: acc, Expression: "every 5 minutes", Steps: []int{1}, Enabled: false}); err != nil {
			t.Fatal(err)
		}
		tickOnce(t, svc, 0) // 10:02: nothing due
		clk.set(time.Date(2026, 12, 2, 12, 3, 0, 0, time.UTC))
		tickOnce(t, svc, 1)
		tickOnce(t, svc, 0)
		got, _ := svc.Get(ctx, acc, sc.ID)
		if !got.LastSlotAt.Equal(time.Date(2026, 12, 2, 10, 5, 0, 0, time.UTC)) || !got.NextAt.Equal(time.Date(2026, 12, 2, 12, 5, 0, 0, time.UTC)) {
			t.Errorf("after the catch-up: last slot %v, next %v", got.LastSlotAt, got.NextAt)
		}
		var steps string
		if err := db.QueryRow(ctx, `SELECT steps FROM test_runs WHERE schedule_id = $1`, sc.ID).Scan(&steps); err != nil || steps != "3,4" {
			t.Errorf("the run's steps: %q %v", steps, err)
		}
		clk.set(time.Date(2026, 12, 2, 12, 5, 0, 0, time.UTC))
		tickOnce(t, svc, 1)
		if n := runsOf(t, db)[sc.ID]; n != 2 {
			t.Errorf("%d runs; want 2", n)
		}
	})
}

// A slot whose account still has a run going is skipped, and says which run; once the run is
// done the next slot starts one. A refused start is recorded for its slot and the schedule
// goes on; a service without a starter cannot tick.
func TestTickSkippedAndFailed(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		createRunsTable(t, db)
		clk := newClock(t0)
		runs := &fakeRuns{}
		runs.leaveRunning.Store(true)
		svc := syncsched.NewService(db, runs, syncsched.Config{Now: clk.now})
		acc := newAccount(t, db)
		sc, err := svc.Create(ctx, syncsched.CreateParams{AccountID: acc, Expression: "every 10 minutes", TimeZone: "America/New_York",
			Steps: []int{1, 2, 3, 4}, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		clk.set(time.Date(2026, 12, 2, 10, 10, 0, 0, time.UTC))
		tickOnce(t, svc, 1)
		first, _ := svc.Get(ctx, acc, sc.ID)
		if first.LastRunID == nil || first.LastResult != fmt.Sprintf("started run %d", *first.LastRunID) {
			t.Fatalf("first slot: %+v", first)
		}
		clk.add(10 * time.Minute)
		tickOnce(t, svc, 0)
		got, _ := svc.Get(ctx, acc, sc.ID)
		if got.LastResult != fmt.Sprintf("skipped: run %d still running", *first.LastRunID) || got.LastRunID != nil ||
			!got.LastSlotAt.Equal(time.Date(2026, 12, 2, 10, 20, 0, 0, time.UTC)) {
			t.Errorf("skipped slot: %+v", got)
		}
		if _, err := db.Exec(ctx, `UPDATE test_runs SET state = 'done'`); err != nil {
			t.Fatal(err)
		}
		runs.leaveRunning.Store(false)
		clk.add(10 * time.Minute)
		tickOnce(t, svc, 1)

		runs.fail.Store(true)
		clk.add(10 * time.Minute)
		tickOnce(t, svc, 0)
		got, _ = svc.Get(ctx, acc, sc.ID)
		if got.LastResult != "failed: the run could not be started; see the log" ||
			!got.NextAt.Equal(time.Date(2026, 12, 2, 10, 50, 0, 0, time.UTC)) {
			t.Errorf("refused start: %+v", got)
		}
		tickOnce(t, svc, 0)
		if n := runsOf(t, db)[sc.ID]; n != 2 {
			t.Errorf("%d runs; want 2", n)
		}
		if _, err := syncsched.NewService(db, nil, syncsched.Config{}).Tick(ctx); err == nil {
			t.Error("a tick without a starter succeeded")
		}
	})
}

// The periodic job is the tick's, every 30 seconds.
func TestPeriodicTick(t *testing.T) {
	t.Parallel()
	if syncsched.PeriodicTick() == nil || (syncsched.TickArgs{}).Kind() != "sync_schedule_tick" || syncsched.TickInterval != 30*time.Second {
		t.Fatal("periodic tick")
	}
}
