-- +goose Up
-- The back office: contacts, jobs, their sales and purchase orders, line items and payments, and
-- the supporting lists an account edits. Every table carries account_id and every query filters on
-- it. Money is stored as BIGINT minor units of the order's currency.

-- Supporting lists (commission codes, card types, payment types, payment terms, adjustment types,
-- suppliers, product indices) share one table: they have the same shape and are looked up by code.
CREATE TABLE bo_list_items (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    list       TEXT NOT NULL CHECK (list IN ('commission_codes', 'card_types', 'payment_types',
                   'payment_terms', 'adjustment_types', 'suppliers', 'product_indices')),
    code       TEXT NOT NULL CHECK (code <> ''),
    name       TEXT NOT NULL CHECK (name <> ''),
    -- kind is 'dropship' or 'store' for commission codes, '' for the other lists.
    kind       TEXT NOT NULL DEFAULT '' CHECK (kind IN ('', 'dropship', 'store')),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, list, code)
);

CREATE TABLE bo_contacts (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('dropship', 'store')),
    type            TEXT NOT NULL CHECK (type IN ('client', 'prospect')),
    name            TEXT NOT NULL CHECK (name <> ''),
    company         TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '' CHECK (email = lower(email)),
    phone           TEXT NOT NULL DEFAULT '',
    address_line1   TEXT NOT NULL DEFAULT '',
    address_line2   TEXT NOT NULL DEFAULT '',
    city            TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT '',
    postal_code     TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL DEFAULT '',
    client_group_id TEXT NOT NULL DEFAULT '',
    store_id        TEXT NOT NULL DEFAULT '' CHECK (kind <> 'store' OR store_id <> ''),
    payment_terms   TEXT NOT NULL DEFAULT '',
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX bo_contacts_account_created_idx ON bo_contacts (account_id, created_at);
CREATE INDEX bo_contacts_account_email_idx ON bo_contacts (account_id, email);
CREATE INDEX bo_contacts_account_group_idx ON bo_contacts (account_id, client_group_id);

-- The next job number of each account. Taking a number updates this row, which serialises
-- concurrent creates so numbers stay unique and increasing without gaps from races.
CREATE TABLE bo_job_counters (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    last_number BIGINT NOT NULL
);

CREATE TABLE bo_jobs (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number           BIGINT NOT NULL CHECK (number > 0),
    kind             TEXT NOT NULL CHECK (kind IN ('dropship', 'store')),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'open', 'in_production', 'on_hold',
                         'shipped', 'invoiced', 'closed', 'cancelled')),
    description      TEXT NOT NULL DEFAULT '',
    contact_id       BIGINT NOT NULL REFERENCES bo_contacts (id),
    primary_rep_id   BIGINT NOT NULL REFERENCES users (id),
    secondary_rep_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    csr_id           BIGINT REFERENCES users (id) ON DELETE SET NULL,
    commission_code  TEXT NOT NULL DEFAULT '',
    product_index    TEXT NOT NULL DEFAULT '',
    store_id         TEXT NOT NULL DEFAULT '' CHECK (kind <> 'store' OR store_id <> ''),
    -- external_ref identifies the source of a job created from elsewhere (a store order), so that
    -- creating it twice finds the first one.
    external_ref     TEXT,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, number)
);
CREATE INDEX bo_jobs_account_created_idx ON bo_jobs (account_id, created_at);
CREATE INDEX bo_jobs_account_status_idx ON bo_jobs (account_id, status, number);
CREATE INDEX bo_jobs_contact_idx ON bo_jobs (contact_id);
CREATE UNIQUE INDEX bo_jobs_external_ref_idx ON bo_jobs (account_id, external_ref) WHERE external_ref IS NOT NULL;

CREATE TABLE bo_sales_orders (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id            BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    job_id                BIGINT NOT NULL REFERENCES bo_jobs (id) ON DELETE CASCADE,
    status                TEXT NOT NULL CHECK (status IN ('draft', 'confirmed', 'invoiced', 'closed', 'cancelled')),
    currency              TEXT NOT NULL CHECK (length(currency) = 3),
    -- Addresses are JSON objects: they are shown and copied, never searched.
    sold_to               TEXT NOT NULL DEFAULT '{}',
    bill_to               TEXT NOT NULL DEFAULT '{}',
    ship_to               TEXT NOT NULL DEFAULT '{}',
    customer_instructions TEXT NOT NULL DEFAULT '',
    csr_instructions      TEXT NOT NULL DEFAULT '',
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX bo_sales_orders_job_idx ON bo_sales_orders (job_id, id);

CREATE TABLE bo_purchase_orders (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    job_id        BIGINT NOT NULL REFERENCES bo_jobs (id) ON DELETE CASCADE,
    supplier      TEXT NOT NULL CHECK (supplier <> ''),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'confirmed', 'received', 'closed', 'cancelled')),
    currency      TEXT NOT NULL CHECK (length(currency) = 3),
    ship_to       TEXT NOT NULL DEFAULT '{}',
    instructions  TEXT NOT NULL DEFAULT '',
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX bo_purchase_orders_job_idx ON bo_purchase_orders (job_id, id);

-- A line item or payment belongs to exactly one sales order or one purchase order.
CREATE TABLE bo_line_items (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    job_id              BIGINT NOT NULL REFERENCES bo_jobs (id) ON DELETE CASCADE,
    sales_order_id      BIGINT REFERENCES bo_sales_orders (id) ON DELETE CASCADE,
    purchase_order_id   BIGINT REFERENCES bo_purchase_orders (id) ON DELETE CASCADE,
    product_ref         TEXT NOT NULL DEFAULT '',
    variant_ref         TEXT NOT NULL DEFAULT '',
    sku                 TEXT NOT NULL DEFAULT '',
    description         TEXT NOT NULL CHECK (description <> ''),
    quantity            BIGINT NOT NULL CHECK (quantity > 0),
    unit_price          BIGINT NOT NULL CHECK (unit_price >= 0),
    design_name         TEXT NOT NULL DEFAULT '',
    decoration_location TEXT NOT NULL DEFAULT '',
    decoration_method   TEXT NOT NULL DEFAULT '',
    decoration_supplier TEXT NOT NULL DEFAULT '',
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CHECK ((sales_order_id IS NULL) <> (purchase_order_id IS NULL))
);
CREATE INDEX bo_line_items_so_idx ON bo_line_items (sales_order_id, id);
CREATE INDEX bo_line_items_po_idx ON bo_line_items (purchase_order_id, id);
CREATE INDEX bo_line_items_job_idx ON bo_line_items (job_id);

CREATE TABLE bo_payments (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    job_id            BIGINT NOT NULL REFERENCES bo_jobs (id) ON DELETE CASCADE,
    sales_order_id    BIGINT REFERENCES bo_sales_orders (id) ON DELETE CASCADE,
    purchase_order_id BIGINT REFERENCES bo_purchase_orders (id) ON DELETE CASCADE,
    amount            BIGINT NOT NULL CHECK (amount <> 0),
    paid_at           TIMESTAMPTZ NOT NULL,
    payment_type      TEXT NOT NULL CHECK (payment_type <> ''),
    card_type         TEXT NOT NULL DEFAULT '',
    adjustment_type   TEXT NOT NULL DEFAULT '',
    reference         TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    CHECK ((sales_order_id IS NULL) <> (purchase_order_id IS NULL))
);
CREATE INDEX bo_payments_so_idx ON bo_payments (sales_order_id, id);
CREATE INDEX bo_payments_po_idx ON bo_payments (purchase_order_id, id);
CREATE INDEX bo_payments_job_idx ON bo_payments (job_id);

-- +goose Down
DROP TABLE bo_payments;
DROP TABLE bo_line_items;
DROP TABLE bo_purchase_orders;
DROP TABLE bo_sales_orders;
DROP TABLE bo_jobs;
DROP TABLE bo_job_counters;
DROP TABLE bo_contacts;
DROP TABLE bo_list_items;
