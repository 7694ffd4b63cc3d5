-- +goose Up
-- SQLite flavour of ../postgres/00021_fulfilment.sql: same tables, columns and constraints.
-- Fulfilment back (issue 10, item 6). source_fulfilments keeps each fulfilment a source store
-- made of an order pushed to it, by (source store, source fulfilment id), as its webhooks and the
-- reconciliation poll deliver it (status and tracking in the platform's words, tracking and lines
-- as JSON; platform_updated_at orders deliveries: an older one changes nothing), and what applying
-- it to the destination order did: state pending (to apply), applied, failed (error says why),
-- cancelled (cancelled at the source; flagged, the destination's fulfilment is left to a person),
-- skipped (no line of it maps to the destination order). destination_lines are the destination
-- order's lines it ships (JSON, fixed when the first create is sent); sending is the create being
-- sent (JSON, with sending_at), so a re-run after a crash sends the same one and the platform
-- finds what it made; destination_fulfilment_ids are the destination fulfilments made (JSON),
-- recorded in the transaction that completes the apply job; applied_tracking is the tracking the
-- destination last received.
CREATE TABLE source_fulfilments (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id                 BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    order_id                   BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    source_store_id            BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    source_order_id            TEXT NOT NULL,
    source_fulfilment_id       TEXT NOT NULL,
    name                       TEXT NOT NULL DEFAULT '',
    status                     TEXT NOT NULL DEFAULT '',
    tracking                   TEXT NOT NULL DEFAULT '[]',
    lines                      TEXT NOT NULL DEFAULT '[]',
    platform_updated_at        TIMESTAMP,
    version                    BIGINT NOT NULL DEFAULT 0,
    state                      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied', 'failed', 'cancelled', 'skipped')),
    destination_lines          TEXT NOT NULL DEFAULT '[]',
    sending                    TEXT NOT NULL DEFAULT '',
    sending_at                 TIMESTAMP,
    destination_fulfilment_ids TEXT NOT NULL DEFAULT '[]',
    applied_tracking           TEXT NOT NULL DEFAULT '[]',
    applied_at                 TIMESTAMP,
    tracking_applied_at        TIMESTAMP,
    cancelled_at               TIMESTAMP,
    error                      TEXT NOT NULL DEFAULT '',
    created_at                 TIMESTAMP NOT NULL,
    updated_at                 TIMESTAMP NOT NULL,
    UNIQUE (source_store_id, source_fulfilment_id)
);
CREATE INDEX source_fulfilments_order_idx ON source_fulfilments (order_id, id);

-- What the reconciliation poll knows of each pushed source order: its fulfilment status in the
-- platform's words, whether it is cancelled, when it was last read and, once it is fulfilled or
-- cancelled, since when (done_at): the poll reads an order until a while after that, so tracking
-- added after the last shipment is still found.
CREATE TABLE source_order_fulfilment (
    source_store_id    BIGINT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    source_order_id    TEXT NOT NULL,
    order_id           BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    fulfillment_status TEXT NOT NULL DEFAULT '',
    cancelled          BOOLEAN NOT NULL DEFAULT FALSE,
    done_at            TIMESTAMP,
    polled_at          TIMESTAMP,
    error              TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source_store_id, source_order_id)
);

-- +goose Down
DROP TABLE source_order_fulfilment;
DROP TABLE source_fulfilments;
