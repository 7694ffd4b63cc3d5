package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// boJob is a back-office job with its sales order, read from the back office's tables.
type boJob struct {
	id, number                         int64
	status, description, rep, kind     string
	soID                               int64
	soldTo, billTo, shipTo             string
	customerInstructions, csrInstructs string
	lines, payments                    int
	paid                               int64
}

// boJobs reads the account's jobs made from the store's orders, by external reference.
func boJobs(t *testing.T, db *database.DB, accountID int64) map[string][]boJob {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT j.id, j.number, j.status, j.description, u.email, j.kind, j.external_ref,
			s.id, s.sold_to, s.bill_to, s.ship_to, s.customer_instructions, s.csr_instructions,
			(SELECT COUNT(*) FROM bo_line_items l WHERE l.sales_order_id = s.id),
			(SELECT COUNT(*) FROM bo_payments p WHERE p.sales_order_id = s.id),
			(SELECT COALESCE(SUM(p.amount), 0) FROM bo_payments p WHERE p.sales_order_id = s.id)
		FROM bo_jobs j JOIN users u ON u.id = j.primary_rep_id
		JOIN bo_sales_orders s ON s.job_id = j.id AND s.id = (SELECT MIN(id) FROM bo_sales_orders WHERE job_id = j.id)
		WHERE j.account_id = $1 AND j.external_ref <> '' ORDER BY j.id`, accountID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]boJob{}
	for rows.Next() {
		var j boJob
		var ref string
		if err := rows.Scan(&j.id, &j.number, &j.status, &j.description, &j.rep, &j.kind, &ref, &j.soID, &j.soldTo, &j.billTo,
			&j.shipTo, &j.customerInstructions, &j.csrInstructs, &j.lines, &j.payments, &j.paid); err != nil {
			t.Fatal(err)
		}
		out[ref] = append(out[ref], j)
	}
	return out
}

// within waits up to d for done, every 100 ms, and fails the test with what when it never is.
func within(t *testing.T, d time.Duration, done func() bool, what func() string) {
	t.Helper()
	for deadline := time.Now().Add(d); !done(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what())
		}
	}
}

// TestStoreOrdersIntoTheBackOffice runs the back-office link over real HTTP against the
// simulator: a store with no connection enables its link to the account's own back office
// through the API (a rep who is not a user refused, naming the field), and every order it
// receives afterwards becomes one Pending job with its sales order: the description, the
// addresses, a line per order line, the order's link and the payment breakdown, the card payment
// recorded; duplicate webhooks make no second job; a cancellation cancels the pending job.
func TestStoreOrdersIntoTheBackOffice(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		ctx := context.Background()
		e := newSyncEnv(t, dbURL)
		st, _ := e.shop(t, "bo-shop", 2)
		variants, _ := e.storeVariants(t, st)
		e.waitSubscribed(t, st)
		if _, err := e.a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: st.AccountID, Email: "rep@bo-shop.example",
			Name: "Rita Rep", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		// the account's back office has its payment and card types
		for _, it := range []backoffice.PutListItemParams{{List: backoffice.ListPaymentTypes, Code: "credit_card", Name: "Credit card"},
			{List: backoffice.ListCardTypes, Code: "visa", Name: "Visa"}, {List: backoffice.ListCardTypes, Code: "amex", Name: "American Express"}} {
			it.AccountID, it.Active = st.AccountID, true
			if _, err := e.a.BackOffice.PutListItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		key := e.key(t, st.AccountID)
		path := fmt.Sprintf("/api/v2/stores/%d/back-office", st.ID)

		var link api.BackOfficeLink
		if code, raw := e.api(t, key, http.MethodGet, path, nil, &link); code != http.StatusOK || link.Enabled || link.Target != "built_in" {
			t.Fatalf("GET %s: %d %s; want the default, not enabled", path, code, raw)
		}
		// a rep who is not a user of the back office: 422 naming it, nothing saved
		code, raw := e.api(t, key, http.MethodPut, path, map[string]any{"business_name": "Bo Club", "primary_rep": "nobody@example.com"}, nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(raw, "body.primary_rep") {
			t.Fatalf("unknown rep: %d %s; want 422 naming body.primary_rep", code, raw)
		}
		// a store job without its store ID
		code, raw = e.api(t, key, http.MethodPut, path, map[string]any{"business_name": "Bo Club", "primary_rep": "rep@bo-shop.example", "job_type": "store"}, nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(raw, "body.store_id") {
			t.Fatalf("store job without a store ID: %d %s; want 422 naming body.store_id", code, raw)
		}
		e.api(t, key, http.MethodGet, path, nil, &link)
		if link.BusinessName != "" || link.Version != 0 {
			t.Fatalf("after refused saves: %+v; want nothing saved", link)
		}
		// an order placed before the link is enabled is not sent
		dc := e.client(t, st)
		place := func(idem string) platform.Order {
			t.Helper()
			o, err := dc.CreateOrder(ctx, platform.OrderInput{IdempotencyKey: idem, Currency: "USD", Email: "ann@example.com",
				FinancialStatus: platform.FinancialPaid,
				Customer:        &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"},
				ShippingAddress: &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main St", City: "Austin", Province: "TX",
					ProvinceCode: "TX", Zip: "73301", Country: "United States", CountryCode: "US"},
				Lines: []platform.OrderLineInput{{VariantID: variants[0], Quantity: 2}, {VariantID: variants[1], Quantity: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		early := place("bo-order-0")        // before the link is enabled: not sent, until a person moves the start
		time.Sleep(1100 * time.Millisecond) // stores stamp orders to the second: one placed in the start's second is sent
		code, raw = e.api(t, key, http.MethodPut, path, map[string]any{"business_name": "Bo Club", "primary_rep": "rep@bo-shop.example"}, &link)
		if code != http.StatusOK || link.Enabled {
			t.Fatalf("settings saved before verify: %d %s; want saved, not enabled", code, raw)
		}
		if code, raw = e.api(t, key, http.MethodPost, path+"/verify", nil, &link); code != http.StatusOK || !link.Enabled || link.VerifyError != "" {
			t.Fatalf("verify: %d %s; want enabled", code, raw)
		}

		// the webhooks of the store's orders are delivered twice
		o := place("bo-order-1")
		var ref string
		var jobs map[string][]boJob
		deadline := time.Now().Add(60 * time.Second)
		for {
			jobs = boJobs(t, e.a.DB, st.AccountID)
			for r := range jobs {
				if strings.HasSuffix(r, " order "+o.ID) {
					ref = r
				}
			}
			if ref != "" {
				break
			}
			if time.Now().After(deadline) {
				var sends []string
				rows, _ := e.a.DB.Query(ctx, `SELECT status || ' ' || error FROM backoffice_sends`)
				for rows != nil && rows.Next() {
					var x string
					_ = rows.Scan(&x)
					sends = append(sends, x)
				}
				if rows != nil {
					rows.Close()
				}
				var list struct {
					Data []api.Order `json:"data"`
				}
				e.api(t, key, http.MethodGet, "/api/v2/orders", nil, &list)
				t.Fatalf("no job for order %s after 60 s; jobs %v; sends %q; %d orders kept", o.Name, jobs, sends, len(list.Data))
			}
			time.Sleep(100 * time.Millisecond)
		}
		waitIdle(t, e)
		jobs = boJobs(t, e.a.DB, st.AccountID)
		if len(jobs[ref]) != 1 {
			t.Fatalf("%d jobs for order %s; want 1", len(jobs[ref]), o.Name)
		}
		j := jobs[ref][0]
		if j.status != "pending" || j.description != "Bo Club "+o.Name || j.rep != "rep@bo-shop.example" || j.kind != "dropship" || j.lines != 2 {
			t.Errorf("job of %s: %+v; want pending, \"Bo Club %s\", the rep, dropship, 2 lines", o.Name, j, o.Name)
		}
		var shipTo struct {
			Name    string `json:"name"`
			City    string `json:"city"`
			Country string `json:"country"`
		}
		_ = json.Unmarshal([]byte(j.shipTo), &shipTo)
		if shipTo.Name != "Ann Lee" || shipTo.City != "Austin" || !strings.Contains(strings.ToLower(j.shipTo), "main st") {
			t.Errorf("ship to of %s: %s; want the order's address", o.Name, j.shipTo)
		}
		if !strings.Contains(j.soldTo, "Ann Lee") {
			t.Errorf("sold to of %s: %s; want the contact's (made from the customer)", o.Name, j.soldTo)
		}
		if !strings.Contains(j.customerInstructions, "/admin/orders/") {
			t.Errorf("customer instructions of %s: %q; want the order's link in the store's admin", o.Name, j.customerInstructions)
		}
		if !strings.Contains(j.csrInstructs, "Visa ending 4242") || !strings.Contains(j.csrInstructs, "shopify_payments") {
			t.Errorf("CSR instructions of %s: %q; want the payment breakdown (gateway, card brand and last digits)", o.Name, j.csrInstructs)
		}
		if j.payments != 1 || j.paid != o.Total.Amount {
			t.Errorf("payments of %s's sales order: %d, %d in all; want the card payment of %d", o.Name, j.payments, j.paid, o.Total.Amount)
		}
		var detail api.Order
		var list struct {
			Data []api.Order `json:"data"`
		}
		e.api(t, key, http.MethodGet, "/api/v2/orders", nil, &list)
		for _, lo := range list.Data {
			if lo.Name == o.Name {
				e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/orders/%d", lo.ID), nil, &detail)
			}
		}
		if detail.BackOffice == nil || detail.BackOffice.Status != "sent" || detail.BackOffice.JobNumber == nil || *detail.BackOffice.JobNumber != j.number {
			t.Fatalf("order %s's back_office: %+v; want sent with job %d", o.Name, detail.BackOffice, j.number)
		}

		earlyRef := fmt.Sprintf("storesync store %d order %s", st.ID, early.ID)
		if len(jobs[earlyRef]) != 0 {
			t.Fatalf("order %s, placed before the link was enabled, has a job", early.Name)
		}
		// the start moved before it: the poll reads it again and it is sent
		code, raw = e.api(t, key, http.MethodPut, path, map[string]any{"business_name": "Bo Club", "primary_rep": "rep@bo-shop.example",
			"send_from": early.CreatedAt.Add(-time.Minute).UTC().Format(time.RFC3339)}, &link)
		if code != http.StatusOK || !link.Enabled || link.SendFrom == nil || !link.SendFrom.Before(early.CreatedAt) {
			t.Fatalf("moving the start: %d %s", code, raw)
		}
		within(t, time.Minute, func() bool { return len(boJobs(t, e.a.DB, st.AccountID)[earlyRef]) == 1 },
			func() string { return "order " + early.Name + " not sent after the start was moved before it" })

		// cancelled in the store: the pending job is cancelled
		if err := dc.CancelOrder(ctx, platform.CancelOrderParams{OrderID: o.ID, Reason: platform.CancelCustomer}); err != nil {
			t.Fatal(err)
		}
		within(t, time.Minute, func() bool {
			js := boJobs(t, e.a.DB, st.AccountID)[ref]
			return len(js) == 1 && js[0].status == "cancelled"
		}, func() string {
			return fmt.Sprintf("job of %s not cancelled: %+v", o.Name, boJobs(t, e.a.DB, st.AccountID)[ref])
		})

		// a logo of the store, named with its location by an order line's properties; every
		// webhook of the store delivered twice; paid part by gift card, part by card
		var logo struct {
			ID int64 `json:"id"`
		}
		if code, raw := e.api(t, key, http.MethodPost, fmt.Sprintf("/api/v2/stores/%d/logos", st.ID),
			map[string]any{"name": "Acme crest", "decoration_method": "Embroidery", "decoration_supplier": "Stitch Co"}, &logo); code != http.StatusCreated {
			t.Fatalf("creating a logo: %d %s", code, raw)
		}
		e.sim.SetWebhookFaults(st.Address, shopifysim.WebhookFaults{DuplicateShare: 1})
		id, err := e.sim.PlaceOrder(ctx, st.Address, map[string]any{
			"email":    "bo@example.com",
			"customer": map[string]any{"toUpsert": map[string]any{"email": "bo@example.com", "firstName": "Bo", "lastName": "Berg"}},
			"shippingAddress": map[string]any{"firstName": "Bo", "lastName": "Berg", "address1": "2 Side St", "city": "Dallas",
				"provinceCode": "TX", "zip": "75001", "countryCode": "US"},
			"lineItems": []any{
				map[string]any{"variantId": variants[0], "quantity": 3, "properties": []any{
					map[string]any{"name": "logo", "value": "acme crest"}, map[string]any{"name": "Location", "value": "Left chest"}}},
				map[string]any{"variantId": variants[1], "quantity": 1, "properties": []any{
					map[string]any{"name": "Logo", "value": "Unknown mark"}}},
			},
		}, shopifysim.Payment{Parts: []shopifysim.PaymentPart{{Gateway: "gift_card", Amount: 500},
			{Gateway: "shopify_payments", CardBrand: "American Express", CardLast4: "1005"}}})
		if err != nil {
			t.Fatal(err)
		}
		ref2 := fmt.Sprintf("storesync store %d order %s", st.ID, id)
		within(t, time.Minute, func() bool { return len(boJobs(t, e.a.DB, st.AccountID)[ref2]) > 0 },
			func() string { return "no job for order " + id })
		waitIdle(t, e)
		js := boJobs(t, e.a.DB, st.AccountID)[ref2]
		if len(js) != 1 {
			t.Fatalf("%d jobs for order %s with every webhook twice; want 1", len(js), id)
		}
		j2 := js[0]
		placed, err := dc.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if j2.payments != 1 || j2.paid != placed.Total.Amount-500 {
			t.Errorf("payments of %s: %d, %d in all; want the card part only, %d", placed.Name, j2.payments, j2.paid, placed.Total.Amount-500)
		}
		if !strings.Contains(j2.csrInstructs, "gift_card") || !strings.Contains(j2.csrInstructs, "American Express ending 1005") {
			t.Errorf("CSR instructions of %s: %q; want the gift card and the Amex parts", placed.Name, j2.csrInstructs)
		}
		var design, location, method, supplier string
		if err := e.a.DB.QueryRow(ctx, `SELECT design_name, decoration_location, decoration_method, decoration_supplier FROM bo_line_items
			WHERE sales_order_id = $1 AND quantity = 3`, j2.soID).Scan(&design, &location, &method, &supplier); err != nil {
			t.Fatal(err)
		}
		if design != "Acme crest" || location != "Left chest" || method != "Embroidery" || supplier != "Stitch Co" {
			t.Errorf("decoration of the logo's line: %q %q %q %q; want the logo's name, the line's location, the logo's method and supplier",
				design, location, method, supplier)
		}
		// the line naming an unknown logo was sent without it, and the timeline says so
		var notes int
		if err := e.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM order_events e JOIN orders o ON o.id = e.order_id
			WHERE o.platform_order_id = $1 AND e.kind = 'back_office_note' AND e.detail LIKE '%Unknown mark%'`, id).Scan(&notes); err != nil {
			t.Fatal(err)
		}
		if notes != 1 {
			t.Errorf("%d timeline notes about the unknown logo of %s; want 1", notes, placed.Name)
		}

		// authorised only: the job has no payment yet; captured later: the payment is recorded
		// on its sales order, once
		e.sim.SetWebhookFaults(st.Address, shopifysim.WebhookFaults{})
		id3, err := e.sim.PlaceOrder(ctx, st.Address, map[string]any{
			"email":     "cy@example.com",
			"customer":  map[string]any{"toUpsert": map[string]any{"email": "cy@example.com", "firstName": "Cy", "lastName": "Cole"}},
			"lineItems": []any{map[string]any{"variantId": variants[1], "quantity": 1}},
		}, shopifysim.Payment{AuthorizeOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		ref3 := fmt.Sprintf("storesync store %d order %s", st.ID, id3)
		within(t, time.Minute, func() bool { return len(boJobs(t, e.a.DB, st.AccountID)[ref3]) > 0 },
			func() string { return "no job for the authorised order " + id3 })
		waitIdle(t, e)
		j3 := boJobs(t, e.a.DB, st.AccountID)[ref3][0]
		if j3.payments != 0 || !strings.Contains(j3.csrInstructs, "not captured") {
			t.Errorf("authorised order's sales order: %d payments, instructions %q; want none, the authorisation in the breakdown", j3.payments, j3.csrInstructs)
		}
		sh, err := e.sim.Shop(st.Address)
		if err != nil {
			t.Fatal(err)
		}
		if err := sh.CaptureOrder(id3); err != nil {
			t.Fatal(err)
		}
		within(t, time.Minute, func() bool {
			js := boJobs(t, e.a.DB, st.AccountID)[ref3]
			return len(js) == 1 && js[0].payments == 1
		}, func() string {
			return fmt.Sprintf("the capture of order %s never reached its sales order: %+v", id3, boJobs(t, e.a.DB, st.AccountID)[ref3])
		})
		waitIdle(t, e)
		if js := boJobs(t, e.a.DB, st.AccountID)[ref3]; len(js) != 1 || js[0].payments != 1 {
			t.Errorf("after the capture: %+v; want one job with one payment", js)
		}
		// the second order edited in the store after its send (3 units down to 2): noted on its
		// job's sales order, no second job
		if err := sh.EditOrderLine(id, placed.Lines[0].ID, 2); err != nil {
			t.Fatal(err)
		}
		within(t, time.Minute, func() bool {
			js := boJobs(t, e.a.DB, st.AccountID)[ref2]
			return len(js) == 1 && strings.Contains(js[0].csrInstructs, "was edited in the store")
		}, func() string {
			return fmt.Sprintf("the edit of order %s never noted on its job: %+v", placed.Name, boJobs(t, e.a.DB, st.AccountID)[ref2])
		})
		if js := boJobs(t, e.a.DB, st.AccountID)[ref2]; !strings.Contains(js[0].csrInstructs, "2 × ") {
			t.Errorf("the edit's note: %q; want the lines as they are now", js[0].csrInstructs)
		}

		// the rep leaves the back office: the next order fails visibly, naming the field; once
		// the rep is back, a person's retry sends it
		if _, err := e.a.DB.Exec(ctx, `UPDATE users SET email = 'left@bo-shop.example' WHERE email = 'rep@bo-shop.example'`); err != nil {
			t.Fatal(err)
		}
		o4 := place("bo-order-4")
		orderID := func(name string) int64 {
			t.Helper()
			var l struct {
				Data []api.Order `json:"data"`
			}
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				e.api(t, key, http.MethodGet, "/api/v2/orders", nil, &l)
				for _, lo := range l.Data {
					if lo.Name == name {
						return lo.ID
					}
				}
			}
			t.Fatalf("order %s never kept", name)
			return 0
		}
		id4 := orderID(o4.Name)
		var bs api.BackOfficeStatus
		within(t, time.Minute, func() bool {
			code, _ := e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/orders/%d/back-office", id4), nil, &bs)
			return code == http.StatusOK && bs.Status == "failed"
		}, func() string { return fmt.Sprintf("order %s with its rep gone: %+v; want failed", o4.Name, bs) })
		if !strings.Contains(bs.Error, "primary_rep") {
			t.Errorf("the failure of %s: %q; want it to name primary_rep", o4.Name, bs.Error)
		}
		if _, err := e.a.DB.Exec(ctx, `UPDATE users SET email = 'rep@bo-shop.example' WHERE email = 'left@bo-shop.example'`); err != nil {
			t.Fatal(err)
		}
		if code, raw := e.api(t, key, http.MethodPost, fmt.Sprintf("/api/v2/orders/%d/back-office/retry", id4), nil, nil); code != http.StatusAccepted {
			t.Fatalf("retry of %s after the fix: %d %s; want 202", o4.Name, code, raw)
		}
		within(t, time.Minute, func() bool {
			e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/orders/%d/back-office", id4), nil, &bs)
			return bs.Status == "sent" && bs.JobNumber != nil
		}, func() string { return fmt.Sprintf("order %s after the retry: %+v; want sent", o4.Name, bs) })
		if code, _ := e.api(t, key, http.MethodPost, fmt.Sprintf("/api/v2/orders/%d/back-office/retry", id4), nil, nil); code != http.StatusConflict {
			t.Errorf("retrying a sent order: %d; want 409", code)
		}
	})
}
