package backoffice

import (
	"strconv"
	"strings"
)

// All of the back office's SQL lives in this file. It is portable: $n placeholders, RETURNING and
// ON CONFLICT work on both SQLite and PostgreSQL. Every statement filters on account_id.

const contactColumns = `id, kind, type, name, company, email, phone, address_line1, address_line2, city,
	state, postal_code, country, client_group_id, store_id, payment_terms, version, created_at, updated_at`

const (
	sqlSelectContacts = `SELECT ` + contactColumns + ` FROM bo_contacts`

	sqlInsertContact = `INSERT INTO bo_contacts (account_id, kind, type, name, company, email, phone,
	address_line1, address_line2, city, state, postal_code, country, client_group_id, store_id,
	payment_terms, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
RETURNING id`

	sqlUpdateContact = `UPDATE bo_contacts SET type = $3, name = $4, company = $5, email = $6, phone = $7,
	address_line1 = $8, address_line2 = $9, city = $10, state = $11, postal_code = $12, country = $13,
	client_group_id = $14, store_id = $15, payment_terms = $16, updated_at = $17, version = version + 1
WHERE account_id = $1 AND id = $2 AND version = $18`
)

// Jobs are read with their contact's client group and their reps' emails.
const (
	sqlSelectJobs = `SELECT j.id, j.number, j.kind, j.status, j.description, j.contact_id, c.client_group_id,
	pr.email, COALESCE(sr.email, ''), COALESCE(cs.email, ''), j.commission_code, j.product_index,
	j.store_id, COALESCE(j.external_ref, ''), j.version, j.created_at, j.updated_at
FROM bo_jobs j
JOIN bo_contacts c ON c.id = j.contact_id
JOIN users pr ON pr.id = j.primary_rep_id
LEFT JOIN users sr ON sr.id = j.secondary_rep_id
LEFT JOIN users cs ON cs.id = j.csr_id`

	sqlCountJobs = `SELECT count(*) FROM bo_jobs j JOIN bo_contacts c ON c.id = j.contact_id`

	// sqlNextJobNumber takes the account's next job number. The row it updates stays locked until
	// the transaction ends, so two creates never get the same number.
	sqlNextJobNumber = `INSERT INTO bo_job_counters (account_id, last_number) VALUES ($1, 1)
ON CONFLICT (account_id) DO UPDATE SET last_number = bo_job_counters.last_number + 1
RETURNING last_number`

	sqlInsertJob = `INSERT INTO bo_jobs (account_id, number, kind, status, description, contact_id,
	primary_rep_id, secondary_rep_id, csr_id, commission_code, product_index, store_id, external_ref,
	created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
RETURNING id`

	sqlUpdateJob = `UPDATE bo_jobs SET status = $3, description = $4, contact_id = $5, primary_rep_id = $6,
	secondary_rep_id = $7, csr_id = $8, commission_code = $9, product_index = $10, store_id = $11,
	updated_at = $12, version = version + 1
WHERE account_id = $1 AND id = $2 AND version = $13`

	// sqlSetJobStatus moves a job along its life after the caller checked the transition.
	sqlSetJobStatus = `UPDATE bo_jobs SET status = $3, updated_at = $4, version = version + 1 WHERE account_id = $1 AND id = $2`

	sqlUserByEmail = `SELECT id FROM users WHERE account_id = $1 AND email = $2`

	sqlContactKind = `SELECT kind FROM bo_contacts WHERE account_id = $1 AND id = $2`

	sqlListItemExists = `SELECT count(*) FROM bo_list_items WHERE account_id = $1 AND list = $2 AND code = $3`

	// sqlVisibleJob checks that a job of the account exists and is inside the visibility window.
	sqlVisibleJob = `SELECT id FROM bo_jobs WHERE account_id = $1 AND id = $2 AND created_at >= $3`
)

// Orders are read with their totals, summed from their lines and payments.
const (
	soTotals = `COALESCE((SELECT sum(l.quantity * l.unit_price) FROM bo_line_items l WHERE l.sales_order_id = o.id), 0),
	COALESCE((SELECT sum(p.amount) FROM bo_payments p WHERE p.sales_order_id = o.id), 0)`
	poTotals = `COALESCE((SELECT sum(l.quantity * l.unit_price) FROM bo_line_items l WHERE l.purchase_order_id = o.id), 0),
	COALESCE((SELECT sum(p.amount) FROM bo_payments p WHERE p.purchase_order_id = o.id), 0)`

	sqlSelectSalesOrders = `SELECT o.id, o.job_id, o.status, o.currency, o.sold_to, o.bill_to, o.ship_to,
	o.customer_instructions, o.csr_instructions, o.version, o.created_at, o.updated_at, ` + soTotals + `
FROM bo_sales_orders o`

	sqlInsertSalesOrder = `INSERT INTO bo_sales_orders (account_id, job_id, status, currency, sold_to, bill_to,
	ship_to, customer_instructions, csr_instructions, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
RETURNING id`

	sqlUpdateSalesOrder = `UPDATE bo_sales_orders SET status = $4, sold_to = $5, bill_to = $6, ship_to = $7,
	customer_instructions = $8, csr_instructions = $9, updated_at = $10, version = version + 1
WHERE account_id = $1 AND job_id = $2 AND id = $3 AND version = $11`

	sqlSelectPurchaseOrders = `SELECT o.id, o.job_id, o.supplier, o.status, o.currency, o.ship_to,
	o.instructions, o.version, o.created_at, o.updated_at, ` + poTotals + `
FROM bo_purchase_orders o`

	sqlInsertPurchaseOrder = `INSERT INTO bo_purchase_orders (account_id, job_id, supplier, status, currency,
	ship_to, instructions, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
RETURNING id`

	sqlUpdatePurchaseOrder = `UPDATE bo_purchase_orders SET supplier = $4, status = $5, ship_to = $6,
	instructions = $7, updated_at = $8, version = version + 1
WHERE account_id = $1 AND job_id = $2 AND id = $3 AND version = $9`

	// sqlOrderCurrency* find an order of a visible job, with its currency.
	sqlSalesOrderCurrency = `SELECT o.currency FROM bo_sales_orders o JOIN bo_jobs j ON j.id = o.job_id
WHERE o.account_id = $1 AND o.job_id = $2 AND o.id = $3 AND j.created_at >= $4`
	sqlPurchaseOrderCurrency = `SELECT o.currency FROM bo_purchase_orders o JOIN bo_jobs j ON j.id = o.job_id
WHERE o.account_id = $1 AND o.job_id = $2 AND o.id = $3 AND j.created_at >= $4`
)

// Line items and payments name their order in one of two columns; orderColumn picks it.
func orderColumn(k OrderKind) string {
	if k == PurchaseOrderKind {
		return "purchase_order_id"
	}
	return "sales_order_id"
}

const lineColumns = `id, job_id, sales_order_id, purchase_order_id, product_ref, variant_ref, sku,
	description, quantity, unit_price, design_name, decoration_location, decoration_method,
	decoration_supplier, version, created_at, updated_at`

const (
	sqlSelectLines = `SELECT ` + lineColumns + ` FROM bo_line_items`

	sqlInsertLine = `INSERT INTO bo_line_items (account_id, job_id, sales_order_id, purchase_order_id,
	product_ref, variant_ref, sku, description, quantity, unit_price, design_name, decoration_location,
	decoration_method, decoration_supplier, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
RETURNING id`

	sqlUpdateLine = `UPDATE bo_line_items SET product_ref = $3, variant_ref = $4, sku = $5, description = $6,
	quantity = $7, unit_price = $8, design_name = $9, decoration_location = $10, decoration_method = $11,
	decoration_supplier = $12, updated_at = $13, version = version + 1
WHERE account_id = $1 AND id = $2 AND version = $14`
)

const (
	sqlSelectPayments = `SELECT id, job_id, sales_order_id, purchase_order_id, amount, paid_at, payment_type,
	card_type, adjustment_type, reference, created_at FROM bo_payments`

	sqlInsertPayment = `INSERT INTO bo_payments (account_id, job_id, sales_order_id, purchase_order_id, amount,
	paid_at, payment_type, card_type, adjustment_type, reference, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id`
)

const (
	sqlSelectListItems = `SELECT id, list, code, name, kind, active, created_at, updated_at FROM bo_list_items`

	sqlUpsertListItem = `INSERT INTO bo_list_items (account_id, list, code, name, kind, active, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (account_id, list, code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
	active = excluded.active, updated_at = excluded.updated_at
RETURNING id`
)

// filter builds the WHERE clause of a search from the filters the caller set. Conditions are
// written with one "?" that becomes the next $n placeholder.
type filter struct {
	conds []string
	args  []any
}

func (f *filter) add(cond string, v any) {
	f.args = append(f.args, v)
	f.conds = append(f.conds, strings.Replace(cond, "?", "$"+strconv.Itoa(len(f.args)), 1))
}

func (f *filter) addIf(set bool, cond string, v any) {
	if set {
		f.add(cond, v)
	}
}

func (f *filter) where() string { return " WHERE " + strings.Join(f.conds, " AND ") }

// page returns the LIMIT/OFFSET clause and its arguments for a page of results.
func (f *filter) page(offset int) (string, []any) {
	n := len(f.args)
	return " LIMIT $" + strconv.Itoa(n+1) + " OFFSET $" + strconv.Itoa(n+2),
		append(append([]any(nil), f.args...), PerPage, offset)
}
