package syncrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Stores is what the steps use of stores (*store.Service).
type Stores interface {
	Get(ctx context.Context, p store.GetParams) (store.Store, error)
	Client(st store.Store) (platform.Store, error)
}

// OrderPoller reads a store's orders into the hub now (*orders.Service).
type OrderPoller interface {
	PollNow(ctx context.Context, storeID int64) (int, error)
}

// storesCursor is a step's place in its list of stores: the last store done.
type storesCursor struct {
	After int64 `json:"after"`
}

func readCursor[T any](r *StepRun) T {
	var c T
	if cur := r.Cursor(); cur != "" {
		_ = json.Unmarshal([]byte(cur), &c)
	}
	return c
}

func cursorText[T storesCursor | dataOutCursor | feedsCursor | ordersOutCursor](v T) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the cursors are plain structs: a failure is a programming error
	}
	return string(b)
}

func storeLink(id int64) string { return fmt.Sprintf("/stores/%d", id) }

// keptStores are the account's stores whose orders the hub keeps: destinations of a connection
// and stores with an enabled back-office link.
func keptStores(ctx context.Context, q database.Querier, accountID int64) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT s.id FROM stores s WHERE s.account_id = $1 AND (
			EXISTS (SELECT 1 FROM connections c WHERE c.destination_store_id = s.id)
			OR EXISTS (SELECT 1 FROM backoffice_links l WHERE l.store_id = s.id AND l.enabled))
		ORDER BY s.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("listing the stores whose orders are kept: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// OrdersIn is step 1: every store whose orders the hub keeps is read for the orders changed
// since its cursor, each applied as a webhook would be (an order known at its version changes
// nothing), so whatever a dropped webhook missed is in the hub when the step ends.
type OrdersIn struct {
	DB     *database.DB
	Orders OrderPoller
}

// Run implements Step.
func (o OrdersIn) Run(ctx context.Context, r *StepRun) error {
	ids, err := keptStores(ctx, o.DB, r.AccountID)
	if err != nil {
		return Retry(err)
	}
	cur := readCursor[storesCursor](r)
	failed := 0
	for i, id := range ids {
		if id <= cur.After {
			continue
		}
		n, err := o.Orders.PollNow(ctx, id)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.Add("orders_fetched", int64(n))
		if err != nil {
			failed++
			r.Add("stores_failed", 1)
			r.Fail("store", strconv.FormatInt(id, 10), storeLink(id), errText(err))
		} else {
			r.Add("stores_read", 1)
		}
		r.Progress(int64(i+1), int64(len(ids)))
		if err := r.Save(ctx, cursorText(storesCursor{After: id}), nil); err != nil {
			return Retry(err)
		}
	}
	r.Progress(int64(len(ids)), int64(len(ids)))
	if failed > 0 {
		return fmt.Errorf("%d of %d stores could not be read (see the errors)", failed, len(ids))
	}
	return nil
}

// ordersOutCursor is step 2's place: until when it waits for the sends still pending.
type ordersOutCursor struct {
	WaitUntil time.Time `json:"wait_until"`
}

// Stock is what the steps use of the back office's stock.
type Stock interface {
	// RelieveSalesOrder relieves the stock the sales order committed (its goods left): once per
	// line however often it is called. It returns how many lines it relieved now.
	RelieveSalesOrder(ctx context.Context, accountID, salesOrderID int64) (int, error)
	// Available returns the back office's available quantities of the account's items, by SKU
	// and by barcode (upper-cased SKUs).
	Available(ctx context.Context, accountID int64) (bySKU, byBarcode map[string]int64, err error)
}

// OrdersOut is step 2: every order the hub kept for a store linked to a back office is a job
// with a sales order there (the sends are durable jobs of their own; the step waits for those
// still pending, up to Wait), and each one fulfilled in its store relieves the built-in back
// office's stock. Orders whose send failed are the step's errors, each linking to its order.
type OrdersOut struct {
	DB    *database.DB
	Stock Stock
	Wait  time.Duration // how long to wait for pending sends; 0: 5 minutes
	Poll  time.Duration // how often to look meanwhile; 0: 500 ms
}

// Run implements Step.
func (o OrdersOut) Run(ctx context.Context, r *StepRun) error {
	wait, poll := cmpOr(o.Wait, 5*time.Minute), cmpOr(o.Poll, 500*time.Millisecond)
	// The wait's end is saved, so a step resumed in a later attempt waits no longer in all.
	cur := readCursor[ordersOutCursor](r)
	if cur.WaitUntil.IsZero() {
		cur.WaitUntil = time.Now().Add(wait)
		if err := r.Save(ctx, cursorText(cur), nil); err != nil {
			return Retry(err)
		}
	}
	deadline := cur.WaitUntil
	var sent, pending, failed int64
	for {
		var err error
		if sent, pending, failed, err = o.counts(ctx, r.AccountID); err != nil {
			return Retry(err)
		}
		r.Progress(sent+failed, sent+failed+pending)
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
	var sentNow int64
	if err := o.DB.QueryRow(ctx, `SELECT COUNT(*) FROM backoffice_sends WHERE account_id = $1 AND status = 'sent' AND sent_at >= $2`,
		r.AccountID, r.StartedAt).Scan(&sentNow); err != nil {
		return Retry(err)
	}
	r.SetCount("orders_in_back_office", sent)
	r.SetCount("orders_sent", sentNow)
	r.SetCount("orders_pending", pending)
	r.SetCount("orders_failed", failed)
	if failed > 0 {
		rows, err := o.DB.Query(ctx, `SELECT order_id, error FROM backoffice_sends WHERE account_id = $1 AND status = 'failed'
			ORDER BY order_id LIMIT 100`, r.AccountID)
		if err != nil {
			return Retry(err)
		}
		for rows.Next() {
			var id int64
			var msg string
			if err := rows.Scan(&id, &msg); err != nil {
				rows.Close()
				return Retry(err)
			}
			r.Fail("order", strconv.FormatInt(id, 10), fmt.Sprintf("/orders/%d", id), "not sent to the back office: "+msg)
		}
		rows.Close()
	}
	relieved, err := o.relieve(ctx, r)
	if err != nil {
		return err
	}
	r.SetCount("stock_lines_relieved", relieved)
	if err := r.Save(ctx, r.Cursor(), nil); err != nil {
		return Retry(err)
	}
	switch {
	case failed > 0:
		return fmt.Errorf("%d orders could not be sent to the back office (see the errors)", failed)
	case pending > 0:
		return fmt.Errorf("%d orders were still being sent to the back office after %s; the next run looks again", pending, wait)
	}
	return nil
}

func (o OrdersOut) counts(ctx context.Context, accountID int64) (sent, pending, failed int64, err error) {
	err = o.DB.QueryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0)
		FROM backoffice_sends WHERE account_id = $1`, accountID).Scan(&sent, &pending, &failed)
	return sent, pending, failed, err
}

// relieve relieves the built-in back office's stock for every sent order fulfilled in its store
// (relieving is once per line, so a resumed step relieves nothing twice).
func (o OrdersOut) relieve(ctx context.Context, r *StepRun) (int64, error) {
	if o.Stock == nil {
		return 0, nil
	}
	rows, err := o.DB.Query(ctx, `SELECT b.sales_order_id FROM backoffice_sends b JOIN orders o ON o.id = b.order_id
		WHERE b.account_id = $1 AND b.status = 'sent' AND b.target = 'built_in' AND b.sales_order_id IS NOT NULL
			AND o.fulfillment_status = 'fulfilled' AND o.cancelled_at IS NULL
		ORDER BY b.sales_order_id`, r.AccountID)
	if err != nil {
		return 0, Retry(err)
	}
	var sos []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, Retry(err)
		}
		sos = append(sos, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, Retry(err)
	}
	var n int64
	for _, so := range sos {
		lines, err := o.Stock.RelieveSalesOrder(ctx, r.AccountID, so)
		if err != nil {
			r.Fail("sales_order", strconv.FormatInt(so, 10), "", "relieving stock: "+errText(err))
			continue
		}
		n += int64(lines)
	}
	return n, nil
}

// Masters reads which stores take their stock from the back office.
type masterStore struct {
	id      int64
	matchBy string
}

func backOfficeMastered(ctx context.Context, q database.Querier, accountID int64) ([]masterStore, error) {
	rows, err := q.Query(ctx, `SELECT m.store_id, m.match_by FROM store_inventory_masters m JOIN stores s ON s.id = m.store_id
		WHERE m.account_id = $1 AND s.account_id = $1 AND m.master = 'back_office' ORDER BY m.store_id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("listing the stores mastered by the back office: %w", err)
	}
	defer rows.Close()
	var out []masterStore
	for rows.Next() {
		var m masterStore
		if err := rows.Scan(&m.id, &m.matchBy); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// writeBatch is how many quantities one write to a store carries (the platforms' batch size).
const writeBatch = 250

// dataOutCursor is step 4's place: the store being written, the last inventory item done, and a
// batch planned and being written (sent again with the same idempotency key after a crash).
type dataOutCursor struct {
	Store   int64                      `json:"store"`
	After   string                     `json:"after"`
	Done    []int64                    `json:"done"`
	Pending []platform.InventoryChange `json:"pending,omitempty"`
	Key     string                     `json:"key,omitempty"`
}

// ExternalStocks names the external back office a store's link reaches (*bolink.Service).
type ExternalStocks interface {
	// ExternalStock returns the stock of the store's external back office; nil when its back
	// office is the account's own.
	ExternalStock(ctx context.Context, accountID, storeID int64) (platform.BackOfficeStock, error)
}

// DataOut is step 4: every store whose stock comes from the back office gets the back office's
// available quantity of each of its variants (matched by SKU or barcode, as the store chose) at
// its first active location, batched, only where it differs. The back office is the store's own
// link's when that is an external back office (read over its Open API, a page at a time), else
// the account's own. A store that is a connection's source then carries it on to its
// destinations, as any change of its stock.
type DataOut struct {
	DB       *database.DB
	Stores   Stores
	Stock    Stock
	External ExternalStocks // nil: every store takes the account's own back office's stock
}

// externalPage is how many items one read of an external back office's stock asks for.
const externalPage = 250

// externalAvailable reads an external back office's whole stock, by SKU and by barcode.
func externalAvailable(ctx context.Context, bo platform.BackOfficeStock) (bySKU, byBarcode map[string]int64, err error) {
	bySKU, byBarcode = map[string]int64{}, map[string]int64{}
	for cursor := ""; ; {
		var page platform.BackOfficeStockPage
		err := patiently(ctx, func() error {
			var err error
			page, err = bo.StockItems(ctx, cursor, externalPage)
			return err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("reading the back office's stock: %w", err)
		}
		for _, it := range page.Items {
			bySKU[strings.ToUpper(strings.TrimSpace(it.SKU))] = it.Available
			if bc := strings.TrimSpace(it.Barcode); bc != "" {
				byBarcode[bc] = it.Available
			}
		}
		if page.Next == "" || page.Next == cursor {
			return bySKU, byBarcode, nil
		}
		cursor = page.Next
	}
}

// Run implements Step.
func (d DataOut) Run(ctx context.Context, r *StepRun) error {
	masters, err := backOfficeMastered(ctx, d.DB, r.AccountID)
	if err != nil {
		return Retry(err)
	}
	bySKU, byBarcode, err := d.Stock.Available(ctx, r.AccountID)
	if err != nil {
		return Retry(err)
	}
	cur := readCursor[dataOutCursor](r)
	failed := 0
	for i, m := range masters {
		if slices.Contains(cur.Done, m.id) {
			continue
		}
		if cur.Store != m.id {
			cur = dataOutCursor{Store: m.id, Done: cur.Done}
		}
		skus, barcodes := bySKU, byBarcode
		if d.External != nil {
			bo, err := d.External.ExternalStock(ctx, r.AccountID, m.id)
			if err == nil && bo != nil {
				skus, barcodes, err = externalAvailable(ctx, bo)
				r.Add("back_office_items_read", int64(len(skus)))
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				failed++
				r.Fail("store", strconv.FormatInt(m.id, 10), storeLink(m.id), errText(err))
				cur = dataOutCursor{Done: append(cur.Done, m.id)}
				if err := r.Save(ctx, cursorText(cur), nil); err != nil {
					return Retry(err)
				}
				continue
			}
		}
		if err := d.store(ctx, r, m, skus, barcodes, &cur); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if _, ok := errors.AsType[*databaseError](err); ok {
				return err
			}
			failed++
			r.Fail("store", strconv.FormatInt(m.id, 10), storeLink(m.id), errText(err))
		}
		cur = dataOutCursor{Done: append(cur.Done, m.id)}
		r.Progress(int64(i+1), int64(len(masters)))
		if err := r.Save(ctx, cursorText(cur), nil); err != nil {
			return Retry(err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d stores could not be written (see the errors)", failed, len(masters))
	}
	return nil
}

func (d DataOut) store(ctx context.Context, r *StepRun, m masterStore, bySKU, byBarcode map[string]int64, cur *dataOutCursor) error {
	st, err := d.Stores.Get(ctx, store.GetParams{AccountID: r.AccountID, ID: m.id})
	if err != nil {
		return err
	}
	c, err := d.Stores.Client(st)
	if err != nil {
		return err
	}
	// A batch planned before a crash is sent again first, with its key: the platform answers it
	// once.
	if len(cur.Pending) > 0 {
		if err := d.write(ctx, r, c, cur); err != nil {
			return err
		}
	}
	locs, err := c.Locations(ctx)
	if err != nil {
		return fmt.Errorf("reading the locations of %s: %w", st.Name, err)
	}
	loc := ""
	for _, l := range locs {
		if l.Active {
			loc = l.ID
			break
		}
	}
	if loc == "" {
		return fmt.Errorf("%s has no active location to hold stock", st.Name)
	}
	want := map[string]int64{}
	var items []string
	unmatched := int64(0)
	err = c.ExportCatalog(ctx, func(p platform.Product) error {
		for _, v := range p.Variants {
			if v.InventoryItemID == "" || !v.Tracked {
				continue
			}
			var n int64
			var ok bool
			if m.matchBy == "barcode" {
				n, ok = byBarcode[strings.TrimSpace(v.Barcode)]
			} else {
				n, ok = bySKU[strings.ToUpper(strings.TrimSpace(v.SKU))]
			}
			if !ok {
				unmatched++
				continue
			}
			if _, seen := want[v.InventoryItemID]; !seen {
				items = append(items, v.InventoryItemID)
			}
			want[v.InventoryItemID] = max(n, 0)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading the catalog of %s: %w", st.Name, err)
	}
	r.Add("variants_unmatched", unmatched)
	slices.Sort(items)
	start, _ := slices.BinarySearch(items, cur.After)
	if cur.After != "" && start < len(items) && items[start] == cur.After {
		start++
	}
	for i := start; i < len(items); i += writeBatch {
		batch := items[i:min(i+writeBatch, len(items))]
		var levels []platform.InventoryLevel
		err := patiently(ctx, func() error {
			var err error
			levels, err = c.InventoryLevels(ctx, loc, batch)
			return err
		})
		if err != nil {
			return fmt.Errorf("reading the stock of %s: %w", st.Name, err)
		}
		have := map[string]int64{}
		for _, l := range levels {
			have[l.InventoryItemID] = l.Available
		}
		r.Add("items_read", int64(len(batch)))
		var changes []platform.InventoryChange
		for _, it := range batch {
			if h, ok := have[it]; !ok || h != want[it] {
				changes = append(changes, platform.InventoryChange{InventoryItemID: it, LocationID: loc, Quantity: want[it]})
			}
		}
		cur.After = batch[len(batch)-1]
		if len(changes) > 0 {
			cur.Pending, cur.Key = changes, fmt.Sprintf("storesync-sync-run-%d-store-%d-%s", r.RunID, m.id, batch[0])
			if err := r.Save(ctx, cursorText(*cur), nil); err != nil {
				return Retry(err)
			}
			if err := d.write(ctx, r, c, cur); err != nil {
				return err
			}
		}
		if err := r.Save(ctx, cursorText(*cur), nil); err != nil {
			return Retry(err)
		}
	}
	r.Add("stores_written", 1)
	return nil
}

// write sends the planned batch with its key and counts it, clearing it from the cursor (the
// caller saves).
func (d DataOut) write(ctx context.Context, r *StepRun, c platform.Store, cur *dataOutCursor) error {
	err := patiently(ctx, func() error {
		_, err := c.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: cur.Key, Changes: cur.Pending, Reason: "correction"})
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %d quantities: %w", len(cur.Pending), err)
	}
	r.Add("levels_changed", int64(len(cur.Pending)))
	cur.Pending, cur.Key = nil, ""
	return nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// patiently runs a call to a platform, waiting out its rate limit (as long as it says, at least a
// second, at most 20 times) rather than failing the step for it.
func patiently(ctx context.Context, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		var pe *platform.Error
		if err == nil || !errors.As(err, &pe) || pe.Kind != platform.KindRateLimited || attempt >= 20 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(max(pe.RetryAfter, time.Second)):
		}
	}
}
