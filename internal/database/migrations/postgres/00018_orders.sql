-- +goose Up
-- Destination orders (issue 10, first part). orders keeps one hub copy of each order of a store
-- that is a connection's destination, by (store, platform order id), as webhooks and the
-- reconciliation poll deliver it: platform_updated_at is the order's updated_at on the platform,
-- and a delivery older than it is ignored; fingerprint is a digest of what the hub keeps, so a
-- duplicate delivery changes nothing. Money is exact minor units with its currency.
-- fulfillment_status is in the API's words (fulfilled, unfulfilled, partially_fulfilled);
-- push_status is the order-level status computed from its pushes.
CREATE TABLE orders (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    store_id            BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    platform_order_id   TEXT NOT NULL,
    name                TEXT NOT NULL DEFAULT '',
    customer_name       TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    has_shipping_address BOOLEAN NOT NULL DEFAULT FALSE,
    financial_status    TEXT NOT NULL DEFAULT '',
    fulfillment_status  TEXT NOT NULL DEFAULT 'unfulfilled' CHECK (fulfillment_status IN ('fulfilled', 'unfulfilled', 'partially_fulfilled')),
    currency            TEXT NOT NULL DEFAULT '',
    subtotal_amount     BIGINT NOT NULL DEFAULT 0,
    shipping_amount     BIGINT NOT NULL DEFAULT 0,
    tax_amount          BIGINT NOT NULL DEFAULT 0,
    total_amount        BIGINT NOT NULL DEFAULT 0,
    cancelled_at        TIMESTAMPTZ,
    placed_at           TIMESTAMPTZ,
    platform_updated_at TIMESTAMPTZ,
    fingerprint         TEXT NOT NULL DEFAULT '',
    push_status         TEXT NOT NULL DEFAULT 'not_pushed' CHECK (push_status IN ('not_pushed', 'partially_pushed', 'pushed', 'cancelled')),
    version             BIGINT NOT NULL DEFAULT 0,
    received_at         TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (store_id, platform_order_id)
);
CREATE INDEX orders_account_placed_idx ON orders (account_id, placed_at, id);

-- The order's lines as the platform last sent them; variant_id is what links a line to a source
-- (product_links.destination_variant_id).
CREATE TABLE order_lines (
    order_id          BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    platform_line_id  TEXT NOT NULL DEFAULT '',
    variant_id        TEXT NOT NULL DEFAULT '',
    sku               TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL DEFAULT '',
    quantity          BIGINT NOT NULL DEFAULT 0,
    price_amount      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, position)
);

-- One push per (order, source store): which of the order's lines go to that source, whether the
-- order is eligible for it (reasons: JSON array of stable words, empty when eligible), and what
-- the push did. status not_pushed until the push job records pushed or failed (error, next_retry_at)
-- with the source order's id and name; cancelled when the order was cancelled before its push.
CREATE TABLE order_pushes (
    order_id          BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    source_store_id   BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    connection_id     BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    account_id        BIGINT NOT NULL,
    eligible          BOOLEAN NOT NULL DEFAULT FALSE,
    reasons           TEXT NOT NULL DEFAULT '[]',
    line_positions    TEXT NOT NULL DEFAULT '[]',
    status            TEXT NOT NULL DEFAULT 'not_pushed' CHECK (status IN ('not_pushed', 'pushed', 'failed', 'cancelled')),
    error             TEXT NOT NULL DEFAULT '',
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_retry_at     TIMESTAMPTZ,
    source_order_id   TEXT NOT NULL DEFAULT '',
    source_order_name TEXT NOT NULL DEFAULT '',
    pushed_at         TIMESTAMPTZ,
    decided_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (order_id, source_store_id)
);
CREATE INDEX order_pushes_connection_idx ON order_pushes (connection_id, status);

-- The order's timeline, oldest first: kind received, updated, eligible, not_eligible, cancelled
-- (and the push job's kinds later); source_store_id for a decision about one source; detail in
-- words (the reasons of a decision).
CREATE TABLE order_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    source_store_id BIGINT,
    detail          TEXT NOT NULL DEFAULT '',
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

-- A connection's order settings, the destination's business. No row: the defaults (manual push,
-- no hold, not paused, lock date = the connection's created_at, so connecting pushes no history).
CREATE TABLE order_settings (
    connection_id   BIGINT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    push_mode       TEXT NOT NULL DEFAULT 'manual' CHECK (push_mode IN ('automatic', 'manual')),
    hold_seconds    BIGINT NOT NULL DEFAULT 0 CHECK (hold_seconds >= 0),
    paused          BOOLEAN NOT NULL DEFAULT FALSE,
    lock_date       TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- Where the reconciliation poll of a destination store's orders resumes: the largest updated_at it
-- applied (the next poll asks for orders updated since a little before it).
CREATE TABLE order_poll_state (
    store_id        BIGINT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    cursor_at       TIMESTAMPTZ,
    polled_at       TIMESTAMPTZ,
    error           TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE order_poll_state;
DROP TABLE order_settings;
DROP TABLE order_events;
DROP TABLE order_pushes;
DROP TABLE order_lines;
DROP TABLE orders;
